// Package kustomize runs examples/kustomize through the real kustomize CLI
// (testutil.KustomizeVersion, installed on first use) with edgegate as an
// exec transformer, the way the example's README says:
// `kustomize build --enable-alpha-plugins --enable-exec examples/kustomize`
// with the binary at the exec path, ../../bin/edgegate, that `make build`
// fills. Each test works on a copy laid out like the repository.
package kustomize

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/testutil"
)

// example copies examples/kustomize to <tmp>/examples/kustomize and the
// edgegate binary to <tmp>/bin/edgegate, and returns the kustomization dir.
func example(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "examples", "kustomize")
	testutil.CopyDir(t, filepath.Join(testutil.Root, "examples", "kustomize"), dir)
	testutil.InstallBinary(t, filepath.Join(root, "bin", "edgegate"))
	return dir
}

// build runs kustomize from an unrelated working directory: the exec path
// must resolve against the kustomization, not the caller.
func build(t *testing.T, dir string) testutil.Result {
	t.Helper()
	kustomize := testutil.Kustomize(t)
	start := time.Now()
	res := testutil.Exec(t, t.TempDir(), nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	t.Logf("kustomize build: exit %d in %v", res.Code, time.Since(start).Round(time.Millisecond))
	return res
}

func TestKustomizeVersion(t *testing.T) {
	res := testutil.Exec(t, t.TempDir(), nil, testutil.Kustomize(t), "version")
	if got := strings.TrimSpace(res.Stdout); res.Code != 0 || got != testutil.KustomizeVersion {
		t.Fatalf("kustomize version: exit %d, %q; want %s", res.Code, got, testutil.KustomizeVersion)
	}
}

// TestBuild: kustomize's output is exactly what `edgegate render` prints for
// the same directory (field order aside), and nothing local-config or of
// edgegate's own kinds reaches it.
func TestBuild(t *testing.T) {
	dir := example(t)
	res := build(t, dir)
	if res.Code != 0 {
		t.Fatalf("kustomize build: exit %d\n%s", res.Code, res.Stderr)
	}
	if res.Stderr != "" {
		t.Errorf("kustomize build wrote to stderr:\n%s", res.Stderr)
	}
	got := testutil.Objects(t, []byte(res.Stdout), "kustomize build")
	assertApplicable(t, []byte(res.Stdout))

	cli := testutil.Run(t, testutil.Root, nil, "render", "examples/kustomize")
	if cli.Code != 0 {
		t.Fatalf("edgegate render examples/kustomize: exit %d\n%s", cli.Code, cli.Stderr)
	}
	want := testutil.Objects(t, []byte(cli.Stdout), "edgegate render")
	compare(t, want, got)

	kinds := map[string]int{}
	for _, o := range got {
		kinds[o["kind"].(string)]++
	}
	if kinds["Gateway"] != 2 || kinds["VirtualService"] != 2 || kinds["Deployment"] != 1 {
		t.Errorf("kustomize output has %v, want the gateway workload and two Gateways and VirtualServices", kinds)
	}
}

// TestTransformerSeesTheLock: kustomize hands the transformer the
// local-config lock among the resources (and drops it afterwards), so a
// binding recorded on another port is where the render puts the app.
func TestTransformerSeesTheLock(t *testing.T) {
	dir := example(t)
	lock := filepath.Join(dir, "hostbindings.yaml")
	data, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(data), "      myhelloworld.com: sample/helloworld\n",
		"  - port: 8080\n    protocol: HTTP\n    hosts:\n      myhelloworld.com: sample/helloworld\n", 1)
	if moved == string(data) {
		t.Fatal("the example's lock no longer records helloworld on port 80; update this test")
	}
	if err := os.WriteFile(lock, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	res := build(t, dir)
	if res.Code != 0 {
		t.Fatalf("kustomize build: exit %d\n%s", res.Code, res.Stderr)
	}
	objs := testutil.Objects(t, []byte(res.Stdout), "kustomize build")
	gw := objs["networking.istio.io/v1 Gateway sample/helloworld"]
	if gw == nil {
		t.Fatal("no Gateway sample/helloworld in the output")
	}
	port := gw["spec"].(map[string]any)["servers"].([]any)[0].(map[string]any)["port"].(map[string]any)["number"]
	if port != 8080 {
		t.Errorf("helloworld's Gateway listens on %v, want 8080 from the lock: the transformer did not see the lock", port)
	}
	assertApplicable(t, []byte(res.Stdout))
}

// diagLine is edgegate's readable diagnostic: position (kustomize sends no
// file names unless buildMetadata asks for origin annotations), object, field,
// message.
var diagLine = regexp.MustCompile(`(?m)^(?:(\S+): )?(AppIntent \S+/\S+): (\S+): (.+)$`)

// TestFailures: a bad intent, an app the lock does not record (locked), and a
// hand-written Gateway claiming an app's host each fail the build, with
// edgegate's lines on stderr (kustomize never prints function results) and
// nothing on stdout.
func TestFailures(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(t *testing.T, dir string)
		ref   string
		field string
		msg   string
	}{
		{
			name: "bad intent",
			edit: func(t *testing.T, dir string) {
				testutil.ReplaceIn(t, filepath.Join(dir, "helloworld.yaml"), "to: helloworld:5000", "to: helloworld")
			},
			ref: "AppIntent sample/helloworld", field: "spec.routes[0].to", msg: "port",
		},
		{
			name: "app not in the lock",
			edit: func(t *testing.T, dir string) {
				addResource(t, dir, "shop.yaml", `apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com]
  routes:
  - to: web:8080
`)
			},
			ref: "AppIntent shop/shop", field: "spec.hosts", msg: "HostBindings lock",
		},
		{
			name: "hand-written Gateway on an app's host",
			edit: func(t *testing.T, dir string) {
				addResource(t, dir, "legacy.yaml", `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: legacy-bookinfo, namespace: default}
spec:
  selector: {istio: public}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["./mybookinfo.com"]
`)
			},
			ref: "AppIntent default/bookinfo", field: "spec.hosts[0]", msg: "Gateway default/legacy-bookinfo",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := example(t)
			c.edit(t, dir)
			res := build(t, dir)
			if res.Code == 0 {
				t.Fatalf("kustomize build succeeded, want a failure; stdout:\n%s", res.Stdout)
			}
			if res.Stdout != "" {
				t.Errorf("a failed build printed objects:\n%s", res.Stdout)
			}
			found := false
			for _, m := range diagLine.FindAllStringSubmatch(res.Stderr, -1) {
				if m[2] == c.ref && m[3] == c.field && strings.Contains(m[4], c.msg) {
					found = true
					t.Logf("edgegate on stderr: %s", m[0])
				}
			}
			if !found {
				t.Errorf("stderr has no line `[<position>: ]%s: %s: ...%s...`:\n%s", c.ref, c.field, c.msg, res.Stderr)
			}
		})
	}
}

func assertApplicable(t *testing.T, stream []byte) {
	t.Helper()
	objs, diags := manifest.Parse(stream, "kustomize build")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, o := range objs {
		if o.IsLocalConfig() || o.Annotation(manifest.LocalConfigAnnotation) != "" {
			t.Errorf("%s is local-config but kustomize printed it", o.Ref)
		}
		if o.Group() == "edgegate.dev" {
			t.Errorf("%s reached kustomize's output", o.Ref)
		}
	}
}

func compare(t *testing.T, want, got map[string]map[string]any) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] == nil {
			t.Errorf("%s: rendered by edgegate, missing from kustomize's output", k)
			continue
		}
		if !reflect.DeepEqual(want[k], got[k]) {
			t.Errorf("%s differs:\nedgegate render: %v\nkustomize:       %v", k, want[k], got[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if want[k] == nil {
			t.Errorf("%s: in kustomize's output, not rendered by edgegate", k)
		}
	}
}

// addResource writes a file and lists it among the kustomization's resources.
func addResource(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.ReplaceIn(t, filepath.Join(dir, "Kustomization"), "- hostbindings.yaml\n", "- hostbindings.yaml\n- "+name+"\n")
}
