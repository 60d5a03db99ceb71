// Package kpt runs examples/kpt through the real kpt CLI (the kpt on PATH,
// 1.0.0-beta.56 on these machines) the way the example's README says: from a
// directory holding bin/edgegate, since kpt resolves a relative exec path
// against its working directory, on a copy of the package, since
// `kpt fn render` writes into it.
package kpt

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/testutil"
)

func kpt(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("kpt")
	if err != nil {
		t.Fatalf("kpt is not on PATH (these machines ship kpt 1.0.0-beta.56 as /usr/bin/kpt): %v", err)
	}
	return path
}

// workspace is a folder with bin/edgegate and a copy of examples/kpt in pkg/.
func workspace(t *testing.T) (root, pkg string) {
	t.Helper()
	root = t.TempDir()
	testutil.InstallBinary(t, filepath.Join(root, "bin", "edgegate"))
	pkg = filepath.Join(root, "pkg")
	testutil.CopyDir(t, filepath.Join(testutil.Root, "examples", "kpt"), pkg)
	return root, pkg
}

func run(t *testing.T, dir string, args ...string) testutil.Result {
	t.Helper()
	start := time.Now()
	res := testutil.Exec(t, dir, nil, kpt(t), args...)
	t.Logf("kpt %s: exit %d in %v", strings.Join(args, " "), res.Code, time.Since(start).Round(time.Millisecond))
	return res
}

func TestKptVersion(t *testing.T) {
	res := testutil.Exec(t, t.TempDir(), nil, kpt(t), "version")
	t.Logf("kpt version: %s", strings.TrimSpace(res.Stdout))
	if res.Code != 0 {
		t.Fatalf("kpt version: exit %d\n%s", res.Code, res.Stderr)
	}
}

// TestRenderTwice: `kpt fn render` writes the rendered objects into the
// package next to the intents and the lock; rendering again changes no file.
func TestRenderTwice(t *testing.T) {
	root, pkg := workspace(t)
	source := testutil.Snapshot(t, pkg)
	if res := run(t, root, "fn", "render", "--allow-exec", "pkg"); res.Code != 0 {
		t.Fatalf("kpt fn render: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	first := testutil.Snapshot(t, pkg)
	if res := run(t, root, "fn", "render", "--allow-exec", "pkg"); res.Code != 0 {
		t.Fatalf("second kpt fn render: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	second := testutil.Snapshot(t, pkg)
	if !reflect.DeepEqual(first, second) {
		t.Errorf("rendering twice changed the package:\n%s", treeDiff(first, second))
	}
	// The package's own files are all still there, unchanged: the intents
	// already carry the local-config mark and the lock is complete.
	for name, content := range source {
		if second[name] != content {
			t.Errorf("%s changed:\n--- before\n%s\n--- after\n%s", name, content, second[name])
		}
	}

	apply, local := packageObjects(t, pkg)
	for _, key := range []string{
		"edgegate.dev/v1alpha1 IngressGateway istio-ingress/public",
		"edgegate.dev/v1alpha1 AppIntent default/bookinfo",
		"edgegate.dev/v1alpha1 AppIntent sample/helloworld",
		"edgegate.dev/v1alpha1 HostBindings istio-ingress/public",
	} {
		if local[key] == "" {
			t.Errorf("%s is not in the package as a local-config object", key)
		}
	}
	if local["edgegate.dev/v1alpha1 HostBindings istio-ingress/public"] != "hostbindings.yaml" {
		t.Errorf("the lock is in %q, want hostbindings.yaml", local["edgegate.dev/v1alpha1 HostBindings istio-ingress/public"])
	}
	cli := testutil.Run(t, testutil.Root, nil, "render", "examples/kpt")
	if cli.Code != 0 {
		t.Fatalf("edgegate render examples/kpt: exit %d\n%s", cli.Code, cli.Stderr)
	}
	compare(t, testutil.Objects(t, []byte(cli.Stdout), "edgegate render"), apply)
}

// TestValidatorFails: the mutator passes with a warning (a hand-written
// Service for the gateway with a port name Istio cannot read), the
// validator (failOn: warning) fails: kpt exits non-zero, writes nothing, and
// leaves the results, pointing at the object and field, in --results-dir.
func TestValidatorFails(t *testing.T) {
	root, pkg := workspace(t)
	writeFile(t, filepath.Join(pkg, "internal-service.yaml"), `# An in-mesh entry to the gateway, written by hand.
apiVersion: v1
kind: Service
metadata:
  name: public-internal
  namespace: istio-ingress
spec:
  type: ClusterIP
  selector:
    istio: public
  ports:
  - name: web
    port: 80
`)
	before := testutil.Snapshot(t, pkg)
	results := filepath.Join(root, "results")
	res := run(t, root, "fn", "render", "--allow-exec", "pkg", "--results-dir", results)
	if res.Code == 0 {
		t.Fatalf("kpt fn render succeeded, want the validator to fail:\n%s", res.Stderr)
	}
	if after := testutil.Snapshot(t, pkg); !reflect.DeepEqual(before, after) {
		t.Errorf("a failed pipeline wrote into the package:\n%s", treeDiff(before, after))
	}
	list := readResults(t, results)
	if len(list.Items) != 2 {
		t.Fatalf("results hold %d function runs, want the mutator's and the validator's", len(list.Items))
	}
	if m := list.Items[0]; m.ExitCode != 0 {
		t.Errorf("the mutator exited %d, want 0 (a warning does not fail it)", m.ExitCode)
	}
	v := list.Items[1]
	if v.ExitCode == 0 {
		t.Errorf("the validator exited 0, want a failure")
	}
	assertResult(t, v, "v1", "Service", "istio-ingress", "public-internal", "spec.ports[0].name", "warning")
	if !strings.Contains(v.Stderr, "internal-service.yaml: warning: Service istio-ingress/public-internal: spec.ports[0].name: ") {
		t.Errorf("the validator's stderr lacks edgegate's line for the Service:\n%s", v.Stderr)
	}
}

// TestMutatorFails: a hand-written Gateway claiming an app's host fails the
// render itself: nothing written, the result names the app and its field.
func TestMutatorFails(t *testing.T) {
	root, pkg := workspace(t)
	writeFile(t, filepath.Join(pkg, "legacy.yaml"), `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: legacy-bookinfo
  namespace: default
spec:
  selector:
    istio: public
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["./mybookinfo.com"]
`)
	before := testutil.Snapshot(t, pkg)
	results := filepath.Join(root, "results")
	res := run(t, root, "fn", "render", "--allow-exec", "pkg", "--results-dir", results)
	if res.Code == 0 {
		t.Fatal("kpt fn render succeeded, want the mutator to fail")
	}
	if after := testutil.Snapshot(t, pkg); !reflect.DeepEqual(before, after) {
		t.Errorf("a failed pipeline wrote into the package:\n%s", treeDiff(before, after))
	}
	if !strings.Contains(res.Stderr, "Gateway default/legacy-bookinfo") {
		t.Errorf("kpt's output does not show edgegate's result:\n%s", res.Stderr)
	}
	list := readResults(t, results)
	if len(list.Items) != 1 || list.Items[0].ExitCode == 0 {
		t.Fatalf("results: %+v, want one failed function run (the mutator; the validator never runs)", list.Items)
	}
	assertResult(t, list.Items[0], "edgegate.dev/v1alpha1", "AppIntent", "default", "bookinfo", "spec.hosts[0]", "error")
}

// TestEvalDirectory: `kpt fn eval DIR --exec bin/edgegate` renders an
// ad-hoc directory of intents (no Kptfile, no lock) in place: the rendered
// objects and a new lock are written, the intents marked local-config;
// evaluating again changes nothing, and mode=check passes and writes nothing.
func TestEvalDirectory(t *testing.T) {
	root := t.TempDir()
	testutil.InstallBinary(t, filepath.Join(root, "bin", "edgegate"))
	dir := filepath.Join(root, "apps")
	src := filepath.Join(testutil.Root, "examples", "two-namespaces")
	for _, f := range []string{"bookinfo-default.yaml", "bookinfo-test.yaml"} {
		if err := testutil.CopyFile(filepath.Join(src, f), filepath.Join(dir, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cli := testutil.Run(t, dir, nil, "render", ".")
	if cli.Code != 0 {
		t.Fatalf("edgegate render: exit %d\n%s", cli.Code, cli.Stderr)
	}

	res := run(t, root, "fn", "eval", "apps", "--exec", "bin/edgegate")
	if res.Code != 0 {
		t.Fatalf("kpt fn eval: exit %d\n%s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "has no HostBindings lock") {
		t.Errorf("kpt does not show edgegate's warning about the missing lock:\n%s", res.Stderr)
	}
	first := testutil.Snapshot(t, dir)
	apply, local := packageObjects(t, dir)
	for _, key := range []string{"edgegate.dev/v1alpha1 AppIntent default/bookinfo", "edgegate.dev/v1alpha1 AppIntent test/bookinfo"} {
		if local[key] == "" {
			t.Errorf("%s is not marked local-config after kpt fn eval", key)
		}
	}
	if local["edgegate.dev/v1alpha1 HostBindings istio-ingress/edge"] == "" {
		t.Errorf("kpt fn eval wrote no HostBindings lock; files: %v", slices.Sorted(maps.Keys(first)))
	}
	compare(t, testutil.Objects(t, []byte(cli.Stdout), "edgegate render"), apply)

	if res := run(t, root, "fn", "eval", "apps", "--exec", "bin/edgegate"); res.Code != 0 {
		t.Fatalf("second kpt fn eval: exit %d\n%s", res.Code, res.Stderr)
	}
	if second := testutil.Snapshot(t, dir); !reflect.DeepEqual(first, second) {
		t.Errorf("evaluating twice changed the directory:\n%s", treeDiff(first, second))
	}
	if res := run(t, root, "fn", "eval", "apps", "--exec", "bin/edgegate", "--", "mode=check", "failOn=warning"); res.Code != 0 {
		t.Fatalf("kpt fn eval mode=check: exit %d\n%s", res.Code, res.Stderr)
	}
	if third := testutil.Snapshot(t, dir); !reflect.DeepEqual(first, third) {
		t.Errorf("mode=check changed the directory:\n%s", treeDiff(first, third))
	}
}

// packageObjects reads the package's YAML files: the objects kpt would apply
// (decoded, by key) and the local-config ones (key → file).
func packageObjects(t *testing.T, dir string) (apply map[string]map[string]any, local map[string]string) {
	t.Helper()
	apply, local = map[string]map[string]any{}, map[string]string{}
	seen := map[string]string{}
	for _, rel := range testutil.YAMLFiles(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		objs, diags := manifest.Parse(data, rel)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", rel, diags)
		}
		for _, o := range objs {
			key := testutil.ObjectKey(o)
			if prev, dup := seen[key]; dup {
				t.Errorf("%s is in the package twice: %s and %s", key, prev, rel)
			}
			seen[key] = rel
			if o.IsLocalConfig() {
				local[key] = rel
				continue
			}
			if o.Group() == "edgegate.dev" {
				t.Errorf("%s (%s) is not marked local-config: kpt would apply it", key, rel)
			}
			var m map[string]any
			if err := o.Node.Decode(&m); err != nil {
				t.Fatal(err)
			}
			apply[key] = m
		}
	}
	return apply, local
}

// functionResultList is kpt's --results-dir/results.yaml.
type functionResultList struct {
	APIVersion string        `yaml:"apiVersion"`
	Kind       string        `yaml:"kind"`
	ExitCode   int           `yaml:"exitCode"`
	Items      []functionRun `yaml:"items"`
}

// functionRun is one function's entry in a FunctionResultList.
type functionRun struct {
	Exec     string   `yaml:"exec"`
	Image    string   `yaml:"image"`
	Stderr   string   `yaml:"stderr"`
	ExitCode int      `yaml:"exitCode"`
	Results  []result `yaml:"results"`
}

// result is a KRM function result.
type result struct {
	Message     string `yaml:"message"`
	Severity    string `yaml:"severity"`
	ResourceRef *struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Name       string `yaml:"name"`
		Namespace  string `yaml:"namespace"`
	} `yaml:"resourceRef"`
	Field *struct {
		Path string `yaml:"path"`
	} `yaml:"field"`
	File *struct {
		Path string `yaml:"path"`
	} `yaml:"file"`
}

func readResults(t *testing.T, dir string) functionResultList {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "results.yaml"))
	if err != nil {
		t.Fatalf("--results-dir: %v", err)
	}
	var list functionResultList
	if err := yaml.Unmarshal(data, &list); err != nil {
		t.Fatalf("results.yaml: %v\n%s", err, data)
	}
	if list.APIVersion != "kpt.dev/v1" || list.Kind != "FunctionResultList" || list.ExitCode == 0 {
		t.Errorf("results.yaml is a %s %s with exitCode %d, want a failed kpt.dev/v1 FunctionResultList", list.APIVersion, list.Kind, list.ExitCode)
	}
	for _, item := range list.Items {
		if item.Exec != "bin/edgegate" {
			t.Errorf("a result of %q, want only bin/edgegate's", item.Exec)
		}
	}
	return list
}

func assertResult(t *testing.T, run functionRun, apiVersion, kind, namespace, name, field, severity string) {
	t.Helper()
	for _, r := range run.Results {
		ref := r.ResourceRef
		if ref == nil || r.Field == nil {
			continue
		}
		if ref.APIVersion == apiVersion && ref.Kind == kind && ref.Namespace == namespace && ref.Name == name &&
			r.Field.Path == field && r.Severity == severity && r.Message != "" {
			return
		}
	}
	t.Errorf("no %s result for %s %s %s/%s field %s among %+v", severity, apiVersion, kind, namespace, name, field, run.Results)
}

func compare(t *testing.T, want, got map[string]map[string]any) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] == nil {
			t.Errorf("%s: rendered by edgegate, missing from the package", k)
		} else if !reflect.DeepEqual(want[k], got[k]) {
			t.Errorf("%s differs:\nedgegate render: %v\npackage:         %v", k, want[k], got[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if want[k] == nil {
			t.Errorf("%s: in the package, not rendered by edgegate", k)
		}
	}
}

func treeDiff(a, b map[string]string) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if v, ok := b[k]; !ok {
			lines = append(lines, "- "+k)
		} else if v != a[k] {
			lines = append(lines, "~ "+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[k]; !ok {
			lines = append(lines, "+ "+k)
		}
	}
	return strings.Join(lines, "\n")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
