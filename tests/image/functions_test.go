// Package image proves edgegate's container image with the real tools and
// no Docker engine: the image imagebuild builds (the one `make image`
// builds) is loaded into Debian's podman, then the real kpt
// (KPT_FN_RUNTIME=podman) and the real kustomize (its `docker` calls
// answered by podman) run it as a container function over the examples and
// must give exactly what the exec form gives; the Argo CD plugin's commands
// run inside it; `make image-push`'s index goes to a real docker-registry.
// It is its own module so the image code and the CA bundle stay out of the
// main go.mod.
package image

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/tests/testutil"
)

// kptWorkspace is a folder with bin/edgegate and a copy of examples/kpt in
// pkg/; container says whether the Kptfile runs the image instead of the
// binary.
func kptWorkspace(t *testing.T, container bool) (root, pkg string) {
	t.Helper()
	root = t.TempDir()
	testutil.InstallBinary(t, filepath.Join(root, "bin", "edgegate"))
	pkg = filepath.Join(root, "pkg")
	testutil.CopyDir(t, filepath.Join(testutil.Root, "examples", "kpt"), pkg)
	if container {
		kptfile := filepath.Join(pkg, "Kptfile")
		data, err := os.ReadFile(kptfile)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(data), "- exec: bin/edgegate\n") != 2 {
			t.Fatalf("examples/kpt/Kptfile no longer runs bin/edgegate as mutator and validator; update this test:\n%s", data)
		}
		data = []byte(strings.ReplaceAll(string(data), "- exec: bin/edgegate\n", "- image: "+Tag+"\n"))
		if err := os.WriteFile(kptfile, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, pkg
}

func kpt(t *testing.T, dir string, args ...string) testutil.Result {
	t.Helper()
	bin, err := exec.LookPath("kpt")
	if err != nil {
		t.Fatalf("kpt is not on PATH (these machines ship kpt 1.0.0-beta.56 as /usr/bin/kpt): %v", err)
	}
	start := time.Now()
	res := testutil.Exec(t, dir, eng.env("KPT_FN_RUNTIME=podman"), bin, args...)
	t.Logf("kpt %s: exit %d in %v", strings.Join(args, " "), res.Code, time.Since(start).Round(time.Millisecond))
	return res
}

// assertContainerRuns checks the shim's record: each function ran as a
// `run` of the image, with no network, as a non-root user, and with the
// read-only root file system the shim adds.
func assertContainerRuns(t *testing.T, calls [][]string, want int) {
	t.Helper()
	runs := 0
	for _, c := range calls {
		if len(c) == 0 || c[0] != "run" {
			continue
		}
		runs++
		args := strings.Join(c, " ")
		if !slices.Contains(c, Tag) {
			t.Errorf("a container run of another image: %s", args)
		}
		if !strings.Contains(args, "--network none") {
			t.Errorf("a container run with network: %s", args)
		}
		if !strings.Contains(args, "--user nobody") {
			t.Errorf("a container run not as nobody: %s", args)
		}
	}
	if runs != want {
		t.Errorf("%d container runs, want %d: %q", runs, want, calls)
	}
}

// TestKptRendersWithTheImage: `kpt fn render` with the image as mutator
// (render) and validator (check, failOn: warning) writes exactly the files
// the exec form writes, and rendering again changes nothing.
func TestKptRendersWithTheImage(t *testing.T) {
	execRoot, execPkg := kptWorkspace(t, false)
	if res := kpt(t, execRoot, "fn", "render", "--allow-exec", "pkg"); res.Code != 0 {
		t.Fatalf("kpt fn render (exec): exit %d\n%s", res.Code, res.Stderr)
	}
	eng.calls(t)
	root, pkg := kptWorkspace(t, true)
	res := kpt(t, root, "fn", "render", "pkg")
	if res.Code != 0 {
		t.Fatalf("kpt fn render (image): exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	assertContainerRuns(t, eng.calls(t), 2)
	if !strings.Contains(res.Stderr, `[PASS] "`+Tag+`"`) {
		t.Errorf("kpt's output does not name the image:\n%s", res.Stderr)
	}
	want, got := testutil.Snapshot(t, execPkg), testutil.Snapshot(t, pkg)
	delete(want, "Kptfile")
	delete(got, "Kptfile")
	if source := testutil.Snapshot(t, filepath.Join(testutil.Root, "examples", "kpt")); len(got) <= len(source)-1 {
		t.Errorf("the image rendered no new file: %v", mapsKeys(got))
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("the image and the binary wrote different packages:\n%s", treeDiff(want, got))
	}
	if res := kpt(t, root, "fn", "render", "pkg"); res.Code != 0 {
		t.Fatalf("second kpt fn render: exit %d\n%s", res.Code, res.Stderr)
	}
	eng.calls(t)
	again := testutil.Snapshot(t, pkg)
	delete(again, "Kptfile")
	if !reflect.DeepEqual(again, got) {
		t.Errorf("rendering again with the image changed the package:\n%s", treeDiff(got, again))
	}
}

// TestKptBadIntent: a bad intent fails the image's render: kpt exits
// non-zero, writes nothing, and shows edgegate's line naming file, object
// and field.
func TestKptBadIntent(t *testing.T) {
	root, pkg := kptWorkspace(t, true)
	testutil.ReplaceIn(t, filepath.Join(pkg, "bookinfo.yaml"), "to: productpage:9080", "to: productpage")
	before := testutil.Snapshot(t, pkg)
	res := kpt(t, root, "fn", "render", "pkg")
	if res.Code == 0 {
		t.Fatalf("kpt fn render succeeded on a bad intent:\n%s", res.Stderr)
	}
	assertContainerRuns(t, eng.calls(t), 1)
	// kpt shows edgegate's result, and its stderr quoted.
	const reason = `[error] edgegate.dev/v1alpha1/AppIntent/default/bookinfo spec.routes[0].to: "productpage" is not "service[.namespace]:port"`
	if !strings.Contains(res.Stderr, `[FAIL] "`+Tag+`"`) || !strings.Contains(res.Stderr, reason) {
		t.Errorf("kpt's output lacks the failed image and the reason %q:\n%s", reason, res.Stderr)
	}
	if after := testutil.Snapshot(t, pkg); !reflect.DeepEqual(before, after) {
		t.Errorf("a failed render wrote into the package:\n%s", treeDiff(before, after))
	}
}

// kustomizeExample copies examples/kustomize to <tmp>/examples/kustomize
// with the binary at its exec path, or with the transformer switched to the
// container form.
func kustomizeExample(t *testing.T, container bool) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "examples", "kustomize")
	testutil.CopyDir(t, filepath.Join(testutil.Root, "examples", "kustomize"), dir)
	testutil.InstallBinary(t, filepath.Join(root, "bin", "edgegate"))
	if container {
		testutil.ReplaceIn(t, filepath.Join(dir, "edgegate.yaml"),
			"      exec:\n        path: ../../bin/edgegate\n",
			"      container:\n        image: "+Tag+"\n")
	}
	return dir
}

func kustomize(t *testing.T, dir string, args ...string) testutil.Result {
	t.Helper()
	bin := testutil.Kustomize(t)
	start := time.Now()
	res := testutil.Exec(t, t.TempDir(), eng.env(), bin, append(append([]string{"build"}, args...), dir)...)
	t.Logf("kustomize build %s: exit %d in %v", strings.Join(args, " "), res.Code, time.Since(start).Round(time.Millisecond))
	return res
}

// TestKustomizeBuildsWithTheImage: `kustomize build --enable-alpha-plugins`
// with the container transformer prints byte for byte what the exec form
// prints.
func TestKustomizeBuildsWithTheImage(t *testing.T) {
	want := kustomize(t, kustomizeExample(t, false), "--enable-alpha-plugins", "--enable-exec")
	if want.Code != 0 {
		t.Fatalf("kustomize build (exec): exit %d\n%s", want.Code, want.Stderr)
	}
	eng.calls(t)
	got := kustomize(t, kustomizeExample(t, true), "--enable-alpha-plugins")
	if got.Code != 0 {
		t.Fatalf("kustomize build (image): exit %d\n%s", got.Code, got.Stderr)
	}
	assertContainerRuns(t, eng.calls(t), 1)
	if got.Stdout != want.Stdout {
		t.Errorf("the image and the binary give different builds:\n--- exec\n%s\n--- image\n%s", want.Stdout, got.Stdout)
	}
	objs := testutil.Objects(t, []byte(got.Stdout), "kustomize build")
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o["kind"].(string)]++
	}
	if kinds["Gateway"] != 2 || kinds["VirtualService"] != 2 || kinds["Deployment"] != 1 || kinds["AppIntent"] != 0 {
		t.Errorf("kustomize output has %v, want the gateway workload and two Gateways and VirtualServices", kinds)
	}
}

// TestKustomizeBadIntent: a bad intent fails the build with edgegate's line
// on stderr and nothing on stdout.
func TestKustomizeBadIntent(t *testing.T) {
	dir := kustomizeExample(t, true)
	testutil.ReplaceIn(t, filepath.Join(dir, "bookinfo.yaml"), "to: productpage:9080", "to: productpage")
	res := kustomize(t, dir, "--enable-alpha-plugins")
	assertContainerRuns(t, eng.calls(t), 1)
	if res.Code == 0 || res.Stdout != "" {
		t.Fatalf("kustomize build: exit %d, stdout:\n%s", res.Code, res.Stdout)
	}
	const reason = `AppIntent default/bookinfo: spec.routes[0].to: "productpage" is not "service[.namespace]:port"`
	if !strings.Contains(res.Stderr, reason) {
		t.Errorf("kustomize's output lacks the reason %q:\n%s", reason, res.Stderr)
	}
}

func mapsKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// treeDiff names the files that differ between two snapshots.
func treeDiff(a, b map[string]string) string {
	var out []string
	for _, k := range mapsKeys(a) {
		if bv, ok := b[k]; !ok {
			out = append(out, "only before: "+k)
		} else if bv != a[k] {
			out = append(out, "changed: "+k+"\n--- before\n"+a[k]+"\n--- after\n"+bv)
		}
	}
	for _, k := range mapsKeys(b) {
		if _, ok := a[k]; !ok {
			out = append(out, "only after: "+k)
		}
	}
	return strings.Join(out, "\n")
}
