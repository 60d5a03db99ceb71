// Package golden renders every example with the real edgegate binary and
// compares the output with files a human has read (testdata/<example>.yaml).
// Run `go test ./tests/golden -update` to rewrite them, then read the diff.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func examples(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(testutil.Root, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && len(testutil.YAMLFiles(t, filepath.Join(testutil.Root, "examples", e.Name()))) > 0 {
			names = append(names, e.Name())
		}
	}
	if len(names) < 6 {
		t.Fatalf("found %d examples, want at least 6", len(names))
	}
	return names
}

func TestExamplesRender(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			res := testutil.Run(t, testutil.Root, nil, "render", "examples/"+name)
			if res.Code != 0 || res.Stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", res.Code, res.Stderr)
			}
			golden := filepath.Join("testdata", name+".yaml")
			if *update {
				if err := os.WriteFile(golden, []byte(res.Stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if res.Stdout != string(want) {
				t.Errorf("output differs from %s (run with -update and read the diff):\n%s", golden, testutil.FirstDifference(string(want), res.Stdout))
			}
			for _, kind := range []string{"kind: AppIntent", "kind: IngressGateway", "kind: HostBindings"} {
				if strings.Contains(res.Stdout, kind) {
					t.Errorf("the stream to apply contains %s", kind)
				}
			}
		})
	}
}

// gatewayAPIRefused are the examples that use what the Gateway API output
// does not render yet, with the messages that say so.
var gatewayAPIRefused = map[string][]string{
	"tls": {"spec.routes[2].retries: retries need the HTTPRoute retry field of Gateway API's experimental channel",
		"spec.tls.mode: MUTUAL is not rendered in the Gateway API yet"},
}

// TestExamplesRenderGatewayAPI renders every example with --api gateway-api
// and compares the output with testdata/gateway-api/<example>.yaml; the
// examples the Gateway API output cannot render yet must fail with nothing
// on stdout and the reason on stderr. The output must not depend on the
// order of the input documents either.
func TestExamplesRenderGatewayAPI(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			res := testutil.Run(t, testutil.Root, nil, "render", "--api", "gateway-api", "examples/"+name)
			if msgs, refused := gatewayAPIRefused[name]; refused {
				if res.Code == 0 || res.Stdout != "" {
					t.Fatalf("exit %d, stdout:\n%s", res.Code, res.Stdout)
				}
				for _, msg := range msgs {
					if !strings.Contains(res.Stderr, msg) {
						t.Errorf("stderr lacks %q:\n%s", msg, res.Stderr)
					}
				}
				return
			}
			if res.Code != 0 || res.Stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", res.Code, res.Stderr)
			}
			golden := filepath.Join("testdata", "gateway-api", name+".yaml")
			if *update {
				if err := os.WriteFile(golden, []byte(res.Stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if res.Stdout != string(want) {
				t.Errorf("output differs from %s (run with -update and read the diff):\n%s", golden, testutil.FirstDifference(string(want), res.Stdout))
			}
			for _, kind := range []string{"kind: VirtualService", "apiVersion: networking.istio.io/v1\nkind: Gateway", "apiVersion: apps/v1\nkind: Deployment"} {
				if strings.Contains(res.Stdout, kind) {
					t.Errorf("the gateway-api output contains %s", kind)
				}
			}
			dir := filepath.Join(testutil.Root, "examples", name)
			var docs []string
			for _, f := range testutil.YAMLFiles(t, dir) {
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				docs = append(docs, strings.Split(string(data), "\n---\n")...)
			}
			var reversed strings.Builder
			for i := len(docs) - 1; i >= 0; i-- {
				reversed.WriteString("---\n" + docs[i] + "\n")
			}
			rev := testutil.Run(t, testutil.Root, []byte(reversed.String()), "render", "--api", "gateway-api", "-")
			if rev.Code != 0 || rev.Stdout != string(want) {
				t.Errorf("exit %d; reversed input changes the output:\n%s\n%s", rev.Code, rev.Stderr, testutil.FirstDifference(string(want), rev.Stdout))
			}
		})
	}
}

// TestExamplesInputOrder renders each example from stdin with its documents
// in reverse order: the output must not change.
func TestExamplesInputOrder(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testutil.Root, "examples", name)
			var docs []string
			for _, f := range testutil.YAMLFiles(t, dir) {
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				docs = append(docs, strings.Split(string(data), "\n---\n")...)
			}
			var reversed strings.Builder
			for i := len(docs) - 1; i >= 0; i-- {
				reversed.WriteString("---\n" + docs[i] + "\n")
			}
			res := testutil.Run(t, testutil.Root, []byte(reversed.String()), "render", "-")
			want, _ := os.ReadFile(filepath.Join("testdata", name+".yaml"))
			if res.Code != 0 || res.Stdout != string(want) {
				t.Errorf("exit %d; reversed input changes the output:\n%s\n%s", res.Code, res.Stderr, testutil.FirstDifference(string(want), res.Stdout))
			}
		})
	}
}

// TestExamplesFunction runs each example through the KRM function as kpt
// would: the objects to apply are the CLI's, the intents and the lock stay
// as local-config items, and a second run changes nothing.
func TestExamplesFunction(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testutil.Root, "examples", name)
			first := testutil.Run(t, dir, testutil.ResourceList(t, dir, ""))
			if first.Code != 0 || first.Stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", first.Code, first.Stderr)
			}
			items := itemsOf(t, first.Stdout)
			var apply []*manifest.Object
			locks, intents := 0, 0
			for _, o := range items {
				switch {
				case o.Kind == "HostBindings":
					locks++
				case o.Group() == "edgegate.dev":
					intents++
				}
				if o.Group() == "edgegate.dev" {
					if !o.IsLocalConfig() {
						t.Errorf("%s is not marked local-config", o.Ref)
					}
					continue
				}
				o.DeleteAnnotation(manifest.PathAnnotation)
				o.DeleteAnnotation(manifest.IndexAnnotation)
				apply = append(apply, o)
			}
			if locks == 0 || intents == 0 {
				t.Errorf("function output has %d HostBindings and %d intents", locks, intents)
			}
			var got bytes.Buffer
			if err := manifest.WriteStream(&got, apply); err != nil {
				t.Fatal(err)
			}
			want, _ := os.ReadFile(filepath.Join("testdata", name+".yaml"))
			if got.String() != string(want) {
				t.Errorf("function objects differ from the CLI's:\n%s", testutil.FirstDifference(string(want), got.String()))
			}

			second := testutil.Run(t, dir, []byte(first.Stdout))
			if second.Code != 0 || second.Stdout != first.Stdout {
				t.Errorf("running the function on its own output changed it (exit %d):\n%s", second.Code, testutil.FirstDifference(first.Stdout, second.Stdout))
			}
		})
	}
}

func itemsOf(t *testing.T, resourceList string) []*manifest.Object {
	t.Helper()
	objs, diags := manifest.Parse([]byte(resourceList), "output")
	if diags.HasErrors() || len(objs) != 1 {
		t.Fatalf("output is not one ResourceList: %v", diags)
	}
	items := objs[0].Field("items")
	if items == nil {
		t.Fatal("ResourceList has no items")
	}
	out := make([]*manifest.Object, 0, len(items.Content))
	for _, n := range items.Content {
		out = append(out, manifest.NewObject(n, manifest.Position{}))
	}
	return out
}
