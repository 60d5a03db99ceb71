package e2e

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/edgegate/edgegate/tests/testutil"
)

// invalidCase is one file of testdata/invalid: an object a cluster refuses,
// or (serverAccepts) one it takes although Istio would not work with it.
type invalidCase struct {
	// serverAccepts: kube-apiserver with Istio's CRDs takes the object.
	// Istio's CRD schemas are looser than istiod's validating webhook.
	serverAccepts bool
	// serverSays is a stable fragment of the API server's rejection, as
	// kube-apiserver v1.37.2 words it to a server-side apply.
	serverSays string
	// edgegateMustFlag: `edgegate check <file>` exits 1 and names the object
	// and one of fields.
	edgegateMustFlag bool
	fields           []string
}

// invalidCases, by file name in testdata/invalid. Each file holds one
// object; its header comment says what is wrong with it.
var invalidCases = map[string]invalidCase{
	"gateway-port-number-string": {
		serverSays:       `.spec.servers[0].port.number: expected numeric (int or float), got string`,
		edgegateMustFlag: true,
		fields:           []string{"spec.servers[0].port.number"},
	},
	"gateway-unknown-field": {
		serverSays:       `.spec.selectors: field not declared in schema`,
		edgegateMustFlag: true,
		fields:           []string{"spec.selectors"},
	},
	"virtualservice-unknown-field": {
		serverSays:       `.spec.gateway: field not declared in schema`,
		edgegateMustFlag: true,
		fields:           []string{"spec.gateway"},
	},
	"gateway-port-without-protocol": {
		serverSays:       `spec.servers[0].port.protocol: Required value`,
		edgegateMustFlag: true,
		fields:           []string{"spec.servers[0].port.protocol", "spec.servers[0].port"},
	},
	"virtualservice-timeout-below-1ms": {
		serverSays:       `spec.http[0].timeout: Invalid value: "0.5ms": must be a valid duration greater than 1ms`,
		edgegateMustFlag: true,
		fields:           []string{"spec.http[0].timeout"},
	},
	"deployment-selector-mismatch": {
		serverSays:       "spec.template.metadata.labels: Invalid value: {\"istio\":\"edge-gateway\",\"sidecar.istio.io/inject\":\"true\"}: `selector` does not match template `labels`",
		edgegateMustFlag: true,
		fields:           []string{"spec.template.metadata.labels", "spec.selector"},
	},
	"service-port-out-of-range": {
		serverSays:       `spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive`,
		edgegateMustFlag: true,
		fields:           []string{"spec.ports[0].port"},
	},
	"gateway-port-above-65535": {
		serverAccepts:    true,
		edgegateMustFlag: true,
		fields:           []string{"spec.servers[0].port.number"},
	},
	"gateway-tls-two-credential-sources": {
		serverSays:       `only one of credentialName or credentialNames can be set`,
		edgegateMustFlag: true,
		fields:           []string{"spec.servers[0].tls"},
	},
	"hpa-min-replicas-zero": {
		serverSays:       `spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas`,
		edgegateMustFlag: true,
		fields:           []string{"spec.minReplicas", "spec.metrics"},
	},
}

// TestInvalidObjects applies each invalid object with server-side apply
// (Flux's engine, the object as written) and records what the API server
// says, then runs `edgegate check` on the file.
func TestInvalidObjects(t *testing.T) {
	files := testutil.YAMLFiles(t, filepath.Join("testdata", "invalid"))
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(f, filepath.Ext(f))
		if _, ok := invalidCases[name]; !ok {
			t.Errorf("testdata/invalid/%s has no entry in invalidCases", f)
		}
		seen[name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(invalidCases)) {
		if !seen[name] {
			t.Errorf("invalidCases[%q] has no file testdata/invalid/%s.yaml", name, name)
		}
	}
	if len(files) < 8 {
		t.Fatalf("testdata/invalid holds %d cases, want at least 8", len(files))
	}

	c := startCluster(t)
	for _, f := range files {
		name := strings.TrimSuffix(f, filepath.Ext(f))
		tc, ok := invalidCases[name]
		if !ok {
			continue
		}
		path, err := filepath.Abs(filepath.Join("testdata", "invalid", f))
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		objs := decodeStream(t, data)
		if len(objs) != 1 {
			t.Fatalf("%s holds %d objects, want one", f, len(objs))
		}
		obj := objs[0]

		t.Run(name, func(t *testing.T) {
			t.Run("server", func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cs, err := c.manager.ApplyAllStaged(ctx, decodeStream(t, data), fluxApplyOptions())
				for _, w := range c.warnings.take() {
					t.Logf("the API server warned: %s", w)
				}
				if tc.serverAccepts {
					if err != nil {
						t.Fatalf("%s: recorded as accepted by the API server, which now says:\n%s", ref(obj), serverMessage(err))
					}
					if len(cs.Entries) != 1 || cs.Entries[0].Action != ssa.CreatedAction {
						t.Fatalf("%s: change set %v, want one created object", ref(obj), cs.Entries)
					}
					t.Logf("%s: the API server accepts it (created)", ref(obj))
					return
				}
				if err == nil {
					t.Fatalf("%s: the API server accepted it (%v); recorded rejection: %s", ref(obj), cs.Entries, tc.serverSays)
				}
				msg := serverMessage(err)
				t.Logf("%s: the API server says:\n%s", ref(obj), msg)
				if !strings.Contains(msg, tc.serverSays) {
					t.Errorf("%s: the API server's message does not contain the recorded fragment\n  recorded: %s\n  message:  %s", ref(obj), tc.serverSays, msg)
				}
			})

			t.Run("edgegate-check", func(t *testing.T) {
				if !tc.edgegateMustFlag {
					t.Logf("edgegate check is not required to flag %s", f)
					return
				}
				res := testutil.Run(t, filepath.Dir(path), nil, "check", f)
				out := res.Stdout + res.Stderr
				if res.Code != 1 {
					t.Errorf("edgegate check %s: exit %d, want 1 (edgegate does not flag it yet); output:\n%s", f, res.Code, out)
				}
				objRef := obj.GetKind() + " " + obj.GetNamespace() + "/" + obj.GetName()
				if !namesError(out, f, objRef, tc.fields) {
					t.Errorf("edgegate check %s: no error line names %s and one of the fields %q; output:\n%s", f, objRef, tc.fields, out)
				}
			})
		})
	}
}

// serverMessage is the API server's own message inside an apply error.
func serverMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Message
	}
	return err.Error()
}

// namesError reports whether out has an error line about objRef ("Kind
// namespace/name") at one of fields (or below it), in the form README
// documents: "file:line: error: Kind namespace/name: field.path: message".
// Warnings and infos carry their own severity, so they do not count.
func namesError(out, file, objRef string, fields []string) bool {
	var alts []string
	for _, field := range fields {
		alts = append(alts, regexp.QuoteMeta(field))
	}
	line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(file) + `(:\d+)?: error: ` + regexp.QuoteMeta(objRef) +
		`: (` + strings.Join(alts, "|") + `)[.\[:]`)
	return line.MatchString(out)
}

// TestNamesError pins the matcher the edgegate-check subtests rely on.
func TestNamesError(t *testing.T) {
	fields := []string{"spec.servers[0].port.number"}
	for _, tc := range []struct {
		out  string
		want bool
	}{
		{"g.yaml:12: error: Gateway default/g: spec.servers[0].port.number: expected an integer, got string \"80\" [EG100]\n", true},
		{"g.yaml: error: Gateway default/g: spec.servers[0].port.number.value: bad\n", true},
		{"other\ng.yaml:3: error: Gateway default/g: spec.servers[0].port.number: bad\n", true},
		{"g.yaml:12: warning: Gateway default/g: spec.servers[0].port.number: bad\n", false},
		{"g.yaml:12: error: Gateway default/g: spec.servers[0].port.numbers: bad\n", false},
		{"g.yaml:12: error: Gateway default/g: spec.servers[0].port.name: bad\n", false},
		{"g.yaml:12: error: Gateway default/h: spec.servers[0].port.number: bad\n", false},
		{"x.yaml:12: error: Gateway default/g: spec.servers[0].port.number: bad\n", false},
		{"g.yaml:12: Gateway default/g: spec.servers[0].port.number: no severity\n", false},
		{"", false},
	} {
		if got := namesError(tc.out, "g.yaml", "Gateway default/g", fields); got != tc.want {
			t.Errorf("namesError(%q) = %v, want %v", tc.out, got, tc.want)
		}
	}
}
