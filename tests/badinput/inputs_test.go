package badinput

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/bench/gen"
	"github.com/edgegate/edgegate/tests/testutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestEmptyInput: files that hold nothing to render (empty, only comments,
// only document separators) are not bad input, but a render with nothing to
// apply is an error unless --allow-empty (allowEmpty for the function):
// Argo CD and Flux take an empty output as "prune everything". check and
// lock have nothing to apply and succeed. Beside a bad intent, the intent
// must still be named (cases/empty-file-beside-bad, comments-only-beside-bad,
// empty-documents-around-bad).
func TestEmptyInput(t *testing.T) {
	for name, content := range map[string]string{
		"empty":          "",
		"comments only":  "# nothing here yet\n# apiVersion: edgegate.dev/v1alpha1\n",
		"separators":     "---\n---\n...\n",
		"blank lines":    "\n\n   \n",
		"null documents": "---\nnull\n---\n~\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"render", "."}, {"render", "-"}} {
				res := run(t, dir, []byte(content), args...)
				if res.Code != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, "nothing to apply") || !strings.Contains(res.Stderr, "--allow-empty") {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 naming --allow-empty", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
				}
			}
			for _, args := range [][]string{{"render", "--allow-empty", "."}, {"check", "."}, {"render", "--allow-empty", "-"}} {
				res := run(t, dir, []byte(content), args...)
				wantStderr := ""
				if args[0] == "check" {
					wantStderr = "no problems\n" // check's summary line
				}
				if res.Code != 0 || res.Stdout != "" || res.Stderr != wantStderr {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want a successful empty run", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
				}
			}
			res := run(t, dir, testutil.ResourceList(t, dir, ""))
			if res.Code != 1 || !strings.Contains(res.Stderr, "nothing to apply") || !strings.Contains(res.Stderr, "allowEmpty") {
				t.Errorf("function: exit %d, stdout %q, stderr %q; want exit 1 naming allowEmpty", res.Code, res.Stdout, res.Stderr)
			}
			allow := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {allowEmpty: \"true\"}\n"
			res = run(t, dir, testutil.ResourceList(t, dir, allow))
			if res.Code != 0 || !strings.Contains(res.Stdout, "items: []") {
				t.Errorf("function with allowEmpty: exit %d, stdout %q, stderr %q; want no items", res.Code, res.Stdout, res.Stderr)
			}
			res = run(t, dir, nil, "lock", "--bindings", "hostbindings.yaml", ".")
			if res.Code != 0 || !strings.Contains(res.Stdout, "hostbindings.yaml: no bindings to record, not written") {
				t.Errorf("lock: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "hostbindings.yaml")); err == nil {
				t.Errorf("lock wrote an empty lock file")
			}
		})
	}
}

// TestResourceList feeds the function input that is not a usable
// ResourceList (kpt and kustomize never send it, a person piping files
// might): exit 1, a message, no items, no panic.
func TestResourceList(t *testing.T) {
	for _, c := range []struct{ name, stdin, want string }{
		{"empty", "", "no ResourceList on stdin"},
		{"comment only", "# nothing\n", "no ResourceList on stdin"},
		{"not YAML", "items: [\n", "invalid ResourceList"},
		{"a plain object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", `stdin holds a "ConfigMap", not a ResourceList (run ` + "`edgegate render`" + ` for plain YAML)`},
		{"a list", "- apiVersion: v1\n  kind: ConfigMap\n", "not a ResourceList"},
		{"items not a list", "kind: ResourceList\nitems: {a: b}\n", "ResourceList items is not a list"},
		{"item not an object", "kind: ResourceList\nitems: [5]\n", "ResourceList items[0] is not an object"},
		{"item without kind", "kind: ResourceList\nitems: [{metadata: {name: x}}]\n", "ResourceList items[0] has no apiVersion or kind"},
		{"item kind not a string", "kind: ResourceList\nitems: [{apiVersion: [v1], kind: {a: b}}]\n", "ResourceList items[0] has no apiVersion or kind"},
		{"undefined alias", "kind: ResourceList\nitems: [*x]\n", "unknown anchor 'x' referenced"},
		{"the same item twice", "kind: ResourceList\nitems:\n- &a {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: b}}\n- *a\n", "ConfigMap b/a: metadata.name: "},
		{"bad ConfigMap functionConfig", "kind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {mode: dry}}\nitems: []\n", `functionConfig: error: ConfigMap c: data.mode: must be render or check, not "dry"`},
		{"unknown ConfigMap setting", "kind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {lockd: 'true'}}\nitems: []\n", "functionConfig: error: ConfigMap c: data.lockd: unknown setting"},
		{"bad EdgegatePolicy functionConfig", "kind: ResourceList\nfunctionConfig: {apiVersion: edgegate.dev/v1alpha1, kind: EdgegatePolicy, metadata: {name: p}, spec: {failOn: never}}\nitems: []\n", `functionConfig: error: EdgegatePolicy p: spec.failOn: must be error, warning or info, not "never"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := run(t, t.TempDir(), []byte(c.stdin))
			check(t, res, []string{c.want}, nil)
			if res.Stdout != "" {
				checkNoItems(t, res, false, "error")
			}
		})
	}
}

// TestAliasesNeverReachOutput renders objects whose raw fields (an
// IngressGateway's affinity, copied into the gateway Deployment) use a YAML
// alias of an anchor elsewhere in the document. Whatever edgegate prints must
// parse on its own and hold no anchors or aliases: kubectl, Argo CD and Flux
// would expand them (or fail on a dangling one).
func TestAliasesNeverReachOutput(t *testing.T) {
	skipBug(t, `the IngressGateway's raw fields are copied with their aliases: testdata/alias-in-raw-field renders with exit 0 and its Deployment says "labelSelector: {matchLabels: *team}" without the anchor, so the printed stream does not parse ("unknown anchor 'team' referenced")`)
	dir, _ := filepath.Abs(filepath.Join("testdata", "alias-in-raw-field"))
	res := run(t, dir, nil, "render", ".")
	if res.Code != 0 {
		// Rejecting the alias with a message naming the field is fine too.
		check(t, res, []string{"gateway.yaml:", "IngressGateway istio-ingress/public: spec.affinity"}, nil)
		return
	}
	if _, diags := manifest.Parse([]byte(res.Stdout), "stdout"); diags.HasErrors() {
		t.Errorf("the printed stream does not parse: %v", diags)
	}
	if regexp.MustCompile(`[&*][A-Za-z]\w*\b`).MatchString(res.Stdout) {
		t.Errorf("the printed stream holds anchors or aliases:\n%s", res.Stdout)
	}
}

// TestInputLimits checks the input size limit on every way in: a file of a
// directory, stdin, the --bindings and --config files, and the function's
// ResourceList. The error names the input and how to raise the limit; a file
// of exactly the limit is accepted.
func TestInputLimits(t *testing.T) {
	const limit = 300
	app := "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: web, namespace: team}\nspec:\n  hosts: [web.example.com]\n  routes: [{to: web:80}]\n"
	pad := func(s string, n int) string { return s + "#" + strings.Repeat("x", n-len(s)-2) + "\n" }
	policy := "apiVersion: edgegate.dev/v1alpha1\nkind: EdgegatePolicy\nmetadata: {name: p}\nspec: {failOn: error}\n"
	lock := "apiVersion: edgegate.dev/v1alpha1\nkind: HostBindings\nmetadata: {name: edge, namespace: istio-ingress}\nspec:\n  gateway: istio-ingress/edge\n  ports: [{port: 80, protocol: HTTP, hosts: {web.example.com: team/web}}]\n"
	max := "--max-input-bytes=" + strconv.Itoa(limit)
	tooLarge := fmt.Sprintf("larger than the input limit of %d bytes (raise it with --max-input-bytes)", limit)

	setup := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, content := range files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		stdin string
		args  []string
		want  string
	}{
		{"file in a directory", map[string]string{"apps/web.yaml": pad(app, limit+1)}, "", []string{"render", max, "apps"}, "apps/web.yaml: error: " + tooLarge},
		{"file named", map[string]string{"web.yaml": pad(app, limit+1)}, "", []string{"render", max, "web.yaml"}, "web.yaml: error: " + tooLarge},
		{"stdin", nil, pad(app, limit+1), []string{"render", max, "-"}, "-: error: " + tooLarge},
		{"--bindings", map[string]string{"apps/web.yaml": app, "hostbindings.yaml": pad(lock, limit+1)}, "", []string{"render", max, "--bindings", "hostbindings.yaml", "apps"}, "hostbindings.yaml: error: " + tooLarge},
		{"--config", map[string]string{"apps/web.yaml": app, "policy.yaml": pad(policy, limit+1)}, "", []string{"render", max, "--config", "policy.yaml", "apps"}, "policy.yaml: error: " + tooLarge},
		{"check", map[string]string{"web.yaml": pad(app, limit+1)}, "", []string{"check", max, "."}, "web.yaml: error: " + tooLarge},
		{"lock", map[string]string{"web.yaml": pad(app, limit+1)}, "", []string{"lock", max, "."}, "web.yaml: error: " + tooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := setup(t, c.files)
			before := testutil.Snapshot(t, dir)
			res := run(t, dir, []byte(c.stdin), c.args...)
			if c.args[0] == "check" {
				// check's report, errors included, is its output.
				res.Stdout, res.Stderr = "", res.Stdout+res.Stderr
			}
			check(t, res, []string{c.want}, nil)
			if res.Stdout != "" {
				t.Errorf("printed on failure:\n%s", res.Stdout)
			}
			if after := testutil.Snapshot(t, dir); len(after) != len(before) {
				t.Errorf("wrote files on failure: %v", after)
			}
		})
	}

	t.Run("exactly the limit", func(t *testing.T) {
		dir := setup(t, map[string]string{"web.yaml": pad(app, limit)})
		if res := run(t, dir, nil, "render", max, "."); res.Code != 0 {
			t.Errorf("a file of exactly the limit is refused: exit %d\n%s", res.Code, res.Stderr)
		}
		if res := run(t, dir, nil, "render", "--max-input-bytes="+strconv.Itoa(limit-1), "."); res.Code != 1 {
			t.Errorf("a file one byte over the limit is accepted: exit %d", res.Code)
		}
	})

	t.Run("function", func(t *testing.T) {
		dir := setup(t, map[string]string{"web.yaml": app})
		rl := testutil.ResourceList(t, dir, "")
		n := len(rl)
		res := run(t, dir, rl, "fn", "--max-input-bytes="+strconv.Itoa(n-1))
		// How to raise it is missing: cases/limit-file-too-large (BUG: fn).
		check(t, res, []string{fmt.Sprintf("ResourceList on stdin is larger than the input limit of %d bytes", n-1)}, nil)
		if res.Stdout != "" {
			t.Errorf("wrote output on failure:\n%s", res.Stdout)
		}
		if res := run(t, dir, rl, "fn", "--max-input-bytes="+strconv.Itoa(n)); res.Code != 0 {
			t.Errorf("a ResourceList of exactly the limit is refused: exit %d\n%s", res.Code, res.Stderr)
		}
	})
}

// TestDefaultLimitsFit10000Apps checks, by calculation, that the default
// limits leave room for a 10,000-app repository re-rendered. Rendering one
// takes minutes, so a 200-app repository generated the same way is rendered
// and measured, and every size is scaled linearly to 10,000 apps (the output
// is linear in the apps: two objects per app, a workload per gateway, one
// lock entry per host) and doubled for margin:
//
//   - the largest input file (gen writes one file per app);
//   - the rendered stream re-read as one file or from stdin (`edgegate
//     render | edgegate check -`, or the stream committed as one file);
//   - the ResourceList of a kpt re-render: the function's own output (the
//     intents, the locks and the rendered objects, with path annotations)
//     fed back to it;
//   - the YAML nodes of the largest single object edgegate decodes with a
//     node budget (1<<20 per document, manifest/decode.go and
//     policy/schema/validate.go): the lock of a gateway holding every app.
func TestDefaultLimitsFit10000Apps(t *testing.T) {
	const apps, sample, margin = 10000, 200, 2
	scale := func(n int) int64 { return int64(n) * apps / sample * margin }

	fileLimit := defaultLimit(t, "render")
	fnLimit := defaultLimit(t, "fn")

	full := gen.Generate(gen.Options{Apps: apps, Gateways: 10, Seed: 1})
	largest, total := 0, 0
	for _, p := range full.Paths() {
		largest = max(largest, len(full[p]))
		total += len(full[p])
	}
	if int64(largest)*margin > fileLimit {
		t.Errorf("largest input file of a %d-app repository: %d bytes, limit %d", apps, largest, fileLimit)
	}
	t.Logf("%d-app repository: %d files, %d bytes, largest file %d bytes; file limit %d, ResourceList limit %d",
		apps, len(full), total, largest, fileLimit, fnLimit)

	dir := t.TempDir()
	small := gen.Generate(gen.Options{Apps: sample, Gateways: 10, Seed: 1})
	for _, p := range small.Paths() {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), small[p], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := run(t, dir, nil, "render", ".")
	if res.Code != 0 {
		t.Fatalf("render exit %d:\n%s", res.Code, res.Stderr)
	}
	if stream := scale(len(res.Stdout)); stream > fileLimit {
		t.Errorf("the rendered stream of %d apps, re-read as one file, would be about %d bytes (with margin); limit %d", apps, stream, fileLimit)
	} else {
		t.Logf("rendered stream: %d bytes for %d apps, about %d for %d (with margin %d×)", len(res.Stdout), sample, stream, apps, margin)
	}

	fnOut := run(t, dir, testutil.ResourceList(t, dir, ""))
	if fnOut.Code != 0 {
		t.Fatalf("function exit %d:\n%s", fnOut.Code, fnOut.Stderr)
	}
	if rl := scale(len(fnOut.Stdout)); rl > fnLimit {
		t.Errorf("a kpt re-render of %d apps would send a ResourceList of about %d bytes (with margin); limit %d", apps, rl, fnLimit)
	} else {
		t.Logf("re-rendered ResourceList: %d bytes for %d apps, about %d for %d (with margin %d×)", len(fnOut.Stdout), sample, rl, apps, margin)
	}

	// One gateway holding every app: the largest lock object.
	one := t.TempDir()
	for p, data := range gen.Generate(gen.Options{Apps: sample, Gateways: 1, Seed: 1}) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(one, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(one, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if res := run(t, one, nil, "lock", "--bindings", "hostbindings.yaml", "."); res.Code != 0 {
		t.Fatalf("lock exit %d:\n%s", res.Code, res.Stderr)
	}
	data, err := os.ReadFile(filepath.Join(one, "hostbindings.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, diags := manifest.Parse(data, "hostbindings.yaml")
	if diags.HasErrors() || len(objs) == 0 {
		t.Fatalf("lock: %v", diags)
	}
	biggest := 0
	for _, o := range objs {
		biggest = max(biggest, countNodes(o.Node))
	}
	const nodeBudget = 1 << 20
	if nodes := scale(biggest); nodes > nodeBudget {
		t.Errorf("the lock of a gateway holding %d apps would have about %d YAML nodes (with margin); budget %d", apps, nodes, nodeBudget)
	} else {
		t.Logf("largest lock object: %d nodes for %d apps, about %d for %d (with margin %d×); budget %d", biggest, sample, nodes, apps, margin, nodeBudget)
	}
}

// defaultLimit reads the default of --max-input-bytes from a command's help.
func defaultLimit(t *testing.T, command string) int64 {
	t.Helper()
	res := run(t, t.TempDir(), nil, command, "--help")
	m := regexp.MustCompile(`--max-input-bytes int\s.*\(default (\d+)\)`).FindStringSubmatch(res.Stdout + res.Stderr)
	if m == nil {
		t.Fatalf("edgegate %s --help names no default for --max-input-bytes:\n%s%s", command, res.Stdout, res.Stderr)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func countNodes(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	c := 1
	for _, child := range n.Content {
		c += countNodes(child)
	}
	return c
}
