package e2e

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/normalize"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/edgegate/edgegate/tests/testutil"
)

// inputs are the directories rendered and applied: every example, and the
// fixtures in testdata/fixtures that cover options the examples leave out.
func inputs(t *testing.T) map[string]string {
	t.Helper()
	dirs := map[string]string{}
	examples := 0
	for _, parent := range []struct{ prefix, dir string }{
		{"", filepath.Join(testutil.Root, "examples")},
		{"fixture-", filepath.Join("testdata", "fixtures")},
	} {
		entries, err := os.ReadDir(parent.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			dir, err := filepath.Abs(filepath.Join(parent.dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if e.IsDir() && len(testutil.YAMLFiles(t, dir)) > 0 {
				dirs[parent.prefix+e.Name()] = dir
				if parent.prefix == "" {
					examples++
				}
			}
		}
	}
	if examples < 6 {
		t.Fatalf("found %d examples, want at least 6", examples)
	}
	return dirs
}

// TestServerSideApply renders each input with the real edgegate binary and
// applies the output to a fresh API server the way Flux does: every object is
// created, a second apply changes nothing, the server keeps every rendered
// field as written, and kubectl's server-side dry-run accepts it too.
func TestServerSideApply(t *testing.T) {
	dirs := inputs(t)
	for _, name := range slices.Sorted(maps.Keys(dirs)) {
		dir := dirs[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each input gets its own control plane
			renders := rendersOf(t, dir)
			var all []*unstructured.Unstructured
			for i := range renders {
				r := &renders[i]
				r.run(t)
				assertNothingLocal(t, r.objects)
				if r.krmDir != "" {
					assertFunctionAgrees(t, r.krmDir, r.krmFiles, r.objects)
				} else {
					t.Logf("%s: Argo CD runs the CLI, not the KRM function: no function run to compare", r.name)
				}
				all = append(all, r.objects...)
			}
			byRef(t, all) // no object rendered twice

			c := startCluster(t)
			for _, ns := range appNamespaces(all) {
				c.ensureNamespace(t, ns)
			}
			c.warnings.take()

			// First apply: everything is new.
			for _, r := range renders {
				cs := c.fluxApply(t, r.stream, true)
				assertActions(t, r.name+": first apply", cs, r.objects, ssa.CreatedAction, nil)
			}
			assertNoWarnings(t, "first apply", c)

			// The server keeps what edgegate wrote: no field dropped, none
			// rewritten (a tool comparing the rendered file with the live
			// object, or another field manager applying it, would otherwise
			// see a difference).
			for _, want := range all {
				live := &unstructured.Unstructured{}
				live.SetGroupVersionKind(want.GroupVersionKind())
				if err := c.client.Get(context.Background(), client.ObjectKeyFromObject(want), live); err != nil {
					t.Errorf("%s: %v", ref(want), err)
					continue
				}
				for _, d := range notKept(want.Object, live.Object, "") {
					t.Errorf("%s: the server does not keep the rendered field %s", ref(want), d)
				}
			}

			for _, r := range renders {
				// Again, exactly as Flux's next reconciliation: nothing to do.
				drift := c.drift(t, r.stream, true)
				cs := c.fluxApply(t, r.stream, true)
				assertActions(t, r.name+": second apply (Flux, normalized)", cs, r.objects, ssa.UnchangedAction, drift)

				// The stream as rendered, without Flux's normalization of
				// native kinds (which fills defaults and drops unknown
				// fields): still nothing to do.
				drift = c.drift(t, r.stream, false)
				cs = c.fluxApply(t, r.stream, false)
				assertActions(t, r.name+": third apply (as rendered)", cs, r.objects, ssa.UnchangedAction, drift)
			}
			assertNoWarnings(t, "re-applies", c)

			for _, r := range renders {
				kubectlDryRun(t, c, r.name, r.stream, len(r.objects))
			}
		})
	}
}

// render is one run of `edgegate render` whose output a cluster receives.
type render struct {
	name string
	dir  string   // working directory
	args []string // edgegate's arguments
	// krmDir: the directory whose ResourceList makes the KRM function
	// produce the same objects ("" when the tool runs the CLI only), with
	// krmFiles (relative to it) when only those files are inputs.
	krmDir   string
	krmFiles []string

	stream  []byte
	objects []*unstructured.Unstructured
}

func (r *render) run(t *testing.T) {
	t.Helper()
	res := testutil.Run(t, r.dir, nil, r.args...)
	if res.Code != 0 {
		t.Fatalf("%s: edgegate %s (in %s): exit %d, stderr:\n%s", r.name, strings.Join(r.args, " "), r.dir, res.Code, res.Stderr)
	}
	if res.Stderr != "" {
		t.Logf("%s: edgegate %s warned:\n%s", r.name, strings.Join(r.args, " "), res.Stderr)
	}
	r.stream = []byte(res.Stdout)
	r.objects = decodeStream(t, r.stream)
	if len(r.objects) == 0 {
		t.Fatalf("%s: edgegate %s rendered nothing", r.name, strings.Join(r.args, " "))
	}
}

// rendersOf is what reaches a cluster from dir: `edgegate render` of its
// manifests, as Flux gets it (pre-rendered) or as kpt and kustomize produce it
// with the function. An example packaged for Argo CD (its Applications name
// the edgegate plugin) instead yields what the plugin's generate step prints
// for each Application. Files that hold an orchestrator's own objects (Argo
// CD's, Flux's sources and Kustomizations) are its wiring, applied by its own
// install to a cluster that has its CRDs: they are left out, and named.
func rendersOf(t *testing.T, dir string) []render {
	t.Helper()
	if apps := argoApplications(t, dir); len(apps) > 0 {
		var renders []render
		for _, app := range apps {
			renders = append(renders, app.render(t))
		}
		return renders
	}
	var files, wiring []string
	for _, rel := range testutil.YAMLFiles(t, dir) {
		if orchestratorWiring(t, filepath.Join(dir, rel)) {
			wiring = append(wiring, rel)
			continue
		}
		files = append(files, rel)
	}
	if len(wiring) == 0 {
		return []render{{name: "render", dir: testutil.Root, args: []string{"render", dir}, krmDir: dir}}
	}
	t.Logf("left out as orchestrator wiring (Flux or Argo CD objects): %s", strings.Join(wiring, ", "))
	if len(files) == 0 {
		t.Fatalf("%s holds only orchestrator wiring", dir)
	}
	return []render{{name: "render", dir: dir, args: append([]string{"render"}, files...), krmDir: dir, krmFiles: files}}
}

// orchestratorWiring reports whether the file holds an object of Argo CD's
// or Flux's source and kustomize APIs.
func orchestratorWiring(t *testing.T, path string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeObjects(data)
	if err != nil {
		return false // not objects (a kustomization file)
	}
	for _, o := range objs {
		switch o.GroupVersionKind().Group {
		case "argoproj.io", "source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io":
			return true
		}
	}
	return false
}

// argoApp is an Argo CD Application whose source uses the edgegate plugin.
type argoApp struct {
	file string
	obj  *unstructured.Unstructured
}

func argoApplications(t *testing.T, dir string) []argoApp {
	t.Helper()
	var apps []argoApp
	for _, rel := range testutil.YAMLFiles(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decodeObjects(data)
		if err != nil {
			continue // not objects (a kustomization file): not Applications either
		}
		for _, o := range objs {
			if o.GroupVersionKind().Group != "argoproj.io" || o.GetKind() != "Application" {
				continue
			}
			if plugin, _, _ := unstructured.NestedString(o.Object, "spec", "source", "plugin", "name"); plugin == "edgegate" {
				apps = append(apps, argoApp{file: rel, obj: o})
			}
		}
	}
	return apps
}

// render follows the plugin's generate step: parameters locked, fail-on,
// bindings and inputs (else the plugin env LOCKED, FAIL_ON, BINDINGS), and
// --namespace for the destination namespace, run in the source path.
func (a argoApp) render(t *testing.T) render {
	t.Helper()
	name := "Application " + a.obj.GetName()
	path, _, _ := unstructured.NestedString(a.obj.Object, "spec", "source", "path")
	if path == "" {
		t.Fatalf("%s (%s): no spec.source.path", name, a.file)
	}
	values := map[string]string{}
	env, _, _ := unstructured.NestedSlice(a.obj.Object, "spec", "source", "plugin", "env")
	for _, e := range env {
		m, _ := e.(map[string]any)
		n, _ := m["name"].(string)
		v, _ := m["value"].(string)
		switch n {
		case "LOCKED", "FAIL_ON", "BINDINGS":
			values[strings.ToLower(strings.ReplaceAll(n, "_", "-"))] = v
		default:
			t.Fatalf("%s (%s): plugin env %s is not one the edgegate plugin reads", name, a.file, n)
		}
	}
	var inputs []string
	params, _, _ := unstructured.NestedSlice(a.obj.Object, "spec", "source", "plugin", "parameters")
	for _, p := range params {
		m, _ := p.(map[string]any)
		n, _ := m["name"].(string)
		switch n {
		case "locked", "fail-on", "bindings":
			values[n], _ = m["string"].(string)
		case "inputs":
			arr, _ := m["array"].([]any)
			for _, v := range arr {
				s, _ := v.(string)
				inputs = append(inputs, s)
			}
		default:
			t.Fatalf("%s (%s): plugin parameter %q is not one the edgegate plugin reads", name, a.file, n)
		}
	}
	args := []string{"render"}
	switch values["locked"] {
	case "true":
		args = append(args, "--locked")
	case "", "false":
	default:
		t.Fatalf("%s (%s): locked must be true or false, not %q", name, a.file, values["locked"])
	}
	if v := values["fail-on"]; v != "" {
		args = append(args, "--fail-on", v)
	}
	if v := values["bindings"]; v != "" {
		args = append(args, "--bindings", v)
	}
	if ns, _, _ := unstructured.NestedString(a.obj.Object, "spec", "destination", "namespace"); ns != "" {
		args = append(args, "--namespace", ns)
	}
	args = append(args, "--", ".")
	args = append(args, inputs...)
	return render{name: name, dir: filepath.Join(testutil.Root, filepath.FromSlash(path)), args: args}
}

// assertNothingLocal: the stream to apply holds no edgegate.dev object and
// nothing marked local-config (HostBindings, intents, policies never reach a
// cluster).
func assertNothingLocal(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if o.GroupVersionKind().Group == "edgegate.dev" {
			t.Errorf("the stream to apply holds %s", ref(o))
		}
		if v, ok := o.GetAnnotations()[localConfigAnnotation]; ok {
			t.Errorf("the stream to apply holds %s, annotated %s: %q", ref(o), localConfigAnnotation, v)
		}
		if o.GetNamespace() == "" && o.GetKind() != "Namespace" {
			t.Errorf("%s: only Namespaces are cluster-scoped in edgegate's output", ref(o))
		}
	}
}

// assertFunctionAgrees runs edgegate as a KRM function on the directory (a
// ResourceList on stdin, as kpt and kustomize call it): once the local-config
// items are filtered out, as kpt and kustomize do before applying, exactly
// the CLI's objects remain.
func assertFunctionAgrees(t *testing.T, dir string, only []string, cli []*unstructured.Unstructured) {
	t.Helper()
	res := testutil.Run(t, dir, krmInput(t, dir, only))
	if res.Code != 0 {
		t.Fatalf("edgegate as a KRM function: exit %d, stderr:\n%s", res.Code, res.Stderr)
	}
	var list map[string]any
	if err := yaml.Unmarshal([]byte(res.Stdout), &list); err != nil {
		t.Fatalf("the function's output is not one YAML document: %v", err)
	}
	if list["apiVersion"] != "config.kubernetes.io/v1" || list["kind"] != "ResourceList" {
		t.Fatalf("the function printed %v %v, want a config.kubernetes.io/v1 ResourceList", list["apiVersion"], list["kind"])
	}
	rawItems, _, err := unstructured.NestedSlice(list, "items")
	if err != nil {
		t.Fatal(err)
	}
	var applied []*unstructured.Unstructured
	local := 0
	for i, raw := range rawItems {
		m, ok := raw.(map[string]any)
		if !ok {
			t.Fatalf("item %d is not an object", i)
		}
		item := &unstructured.Unstructured{Object: m}
		v, marked := item.GetAnnotations()[localConfigAnnotation]
		if marked && v != "true" {
			t.Errorf("%s: %s is %q; kpt and kustomize only agree on \"true\"", ref(item), localConfigAnnotation, v)
		}
		if v == "true" {
			local++
			continue
		}
		if item.GroupVersionKind().Group == "edgegate.dev" {
			t.Errorf("%s is an item the function leaves to be applied", ref(item))
		}
		stripBookkeeping(item)
		applied = append(applied, item)
	}
	if local == 0 {
		t.Error("the function returned no local-config item (intents and HostBindings stay in the package as local-config)")
	}
	want, got := byRef(t, cli), byRef(t, applied)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] == nil {
			t.Errorf("%s: rendered by the CLI, missing from the function's items to apply", k)
			continue
		}
		for _, d := range differences(want[k].Object, got[k].Object, "") {
			t.Errorf("%s: CLI → function: %s", k, d)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if want[k] == nil {
			t.Errorf("%s: an item the function leaves to be applied, not in the CLI's output", k)
		}
	}
}

// krmInput is the ResourceList kpt or kustomize hands the function for dir:
// every object of its manifests an item, but not kustomization files (which
// configure kustomize and are never items) nor hidden directories, the same
// files the CLI reads; only the files in only, when given.
func krmInput(t *testing.T, dir string, only []string) []byte {
	t.Helper()
	tmp := t.TempDir()
	files := only
	if files == nil {
		files = testutil.YAMLFiles(t, dir)
	}
	for _, rel := range files {
		base := filepath.Base(rel)
		if base == "kustomization.yaml" || base == "kustomization.yml" || hiddenDir(rel) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(tmp, filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return testutil.ResourceList(t, tmp, "")
}

func hiddenDir(rel string) bool {
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return true
		}
	}
	return false
}

// stripBookkeeping drops the annotations kpt and kustomize put on items to
// track files, and remove before writing or applying.
func stripBookkeeping(u *unstructured.Unstructured) {
	ann := u.GetAnnotations()
	for k := range ann {
		if strings.HasPrefix(k, "internal.config.kubernetes.io/") ||
			k == "config.kubernetes.io/path" || k == "config.kubernetes.io/index" {
			delete(ann, k)
		}
	}
	if len(ann) == 0 {
		unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
	} else {
		u.SetAnnotations(ann)
	}
}

// appNamespaces are the namespaces the rendered objects live in that
// edgegate does not render: the teams' own, created before applying.
func appNamespaces(objs []*unstructured.Unstructured) []string {
	rendered := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" && o.GroupVersionKind().Group == "" {
			rendered[o.GetName()] = true
		}
	}
	apps := map[string]bool{}
	for _, o := range objs {
		if ns := o.GetNamespace(); ns != "" && !rendered[ns] {
			apps[ns] = true
		}
	}
	return slices.Sorted(maps.Keys(apps))
}

// fluxApplyOptions are kustomize-controller's apply options for a
// Kustomization without spec.force.
func fluxApplyOptions() ssa.ApplyOptions {
	opts := ssa.DefaultApplyOptions()
	group := fluxOwner.Group
	opts.ExclusionSelector = map[string]string{group + "/reconcile": "disabled", group + "/ssa": "Ignore"}
	opts.IfNotPresentSelector = map[string]string{group + "/ssa": "IfNotPresent"}
	opts.ForceSelector = map[string]string{group + "/force": "Enabled"}
	opts.Cleanup = ssa.ApplyCleanupOptions{
		Annotations: []string{corev1.LastAppliedConfigAnnotation},
		FieldManagers: []ssa.FieldManager{
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationApply},
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationUpdate},
			{Name: "before-first-apply", OperationType: metav1.ManagedFieldsOperationUpdate},
		},
		Exclusions: map[string]string{group + "/ssa": "Merge"},
	}
	opts.WaitInterval = 200 * time.Millisecond
	opts.WaitTimeout = time.Minute
	return opts
}

// fluxObjects decodes the stream into what kustomize-controller hands to
// ApplyAllStaged: owner labels set and, when normalized, native kinds
// normalized through their typed structs.
func (c *cluster) fluxObjects(t *testing.T, stream []byte, normalized bool) []*unstructured.Unstructured {
	t.Helper()
	objs := decodeStream(t, stream)
	c.manager.SetOwnerLabels(objs, "edgegate", "flux-system")
	if normalized {
		if err := normalize.UnstructuredList(objs); err != nil {
			t.Fatalf("Flux's normalization: %v", err)
		}
	}
	return objs
}

// fluxApply applies the stream with Flux's engine and returns the change set.
func (c *cluster) fluxApply(t *testing.T, stream []byte, normalized bool) *ssa.ChangeSet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := c.manager.ApplyAllStaged(ctx, c.fluxObjects(t, stream, normalized), fluxApplyOptions())
	if err != nil {
		t.Fatalf("server-side apply (Flux's ApplyAllStaged): %v", err)
	}
	return cs
}

// drift dry-runs each object of the stream and lists, per object, how the
// result differs from the live object: what a Configured action changes.
func (c *cluster) drift(t *testing.T, stream []byte, normalized bool) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	for _, o := range c.fluxObjects(t, stream, normalized) {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(o.GroupVersionKind())
		if err := c.client.Get(ctx, client.ObjectKeyFromObject(o), live); err != nil {
			out[ref(o)] = []string{fmt.Sprintf("reading it: %v", err)}
			continue
		}
		dry := o.DeepCopy()
		err := c.client.Patch(ctx, dry, client.Apply, client.DryRunAll, client.ForceOwnership, client.FieldOwner(fluxOwner.Field))
		if err != nil {
			out[ref(o)] = []string{fmt.Sprintf("dry-run: %v", err)}
			continue
		}
		out[ref(o)] = differences(driftView(live), driftView(dry), "")
	}
	return out
}

// driftView keeps what Flux's drift detection compares: labels,
// annotations and everything outside metadata and status.
func driftView(u *unstructured.Unstructured) map[string]any {
	m := u.DeepCopy().Object
	delete(m, "status")
	meta := map[string]any{}
	if l := u.GetLabels(); len(l) > 0 {
		meta["labels"] = l
	}
	if a := u.GetAnnotations(); len(a) > 0 {
		meta["annotations"] = a
	}
	m["metadata"] = meta
	return m
}

// assertActions checks that the change set has one entry per rendered
// object, each with the action want. For an object with another action it
// reports what the server would change (drift, computed before the apply).
func assertActions(t *testing.T, step string, cs *ssa.ChangeSet, rendered []*unstructured.Unstructured, want ssa.Action, drift map[string][]string) {
	t.Helper()
	seen := map[string]ssa.Action{}
	for _, e := range cs.Entries {
		k := e.ObjMetadata.GroupKind.Kind
		if g := e.ObjMetadata.GroupKind.Group; g != "" {
			k += "." + g
		}
		k += " "
		if e.ObjMetadata.Namespace != "" {
			k += e.ObjMetadata.Namespace + "/"
		}
		k += e.ObjMetadata.Name
		seen[k] = e.Action
	}
	for _, o := range rendered {
		got, ok := seen[ref(o)]
		switch {
		case !ok:
			t.Errorf("%s: %s is not in the change set", step, ref(o))
		case got != want:
			msg := fmt.Sprintf("%s: %s was %s, want %s", step, ref(o), got, want)
			if d := drift[ref(o)]; len(d) > 0 {
				msg += "; the server changes:\n    " + strings.Join(d, "\n    ")
			}
			t.Error(msg)
		}
		delete(seen, ref(o))
	}
	for _, k := range slices.Sorted(maps.Keys(seen)) {
		t.Errorf("%s: the change set holds %s (%s), which edgegate did not render", step, k, seen[k])
	}
}

func assertNoWarnings(t *testing.T, step string, c *cluster) {
	t.Helper()
	for _, w := range c.warnings.take() {
		t.Errorf("%s: the API server warned: %s", step, w)
	}
}

// kubectlDryRun pipes the stream to the preinstalled kubectl, an older
// client than the server: `kubectl apply --server-side --dry-run=server`.
func kubectlDryRun(t *testing.T, c *cluster, name string, stream []byte, objects int) {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is not on PATH (it is preinstalled at /usr/bin/kubectl on these machines): %v", err)
	}
	cmd := exec.Command(kubectl, "--kubeconfig", c.kubeconfig, "apply", "--server-side", "--dry-run=server", "-f", "-")
	cmd.Stdin = bytes.NewReader(stream)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("%s: kubectl apply --server-side --dry-run=server: %v\nstdout:\n%s\nstderr:\n%s", name, err, stdout.String(), stderr.String())
		return
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Errorf("%s: kubectl apply --server-side --dry-run=server printed on stderr:\n%s", name, s)
	}
	applied := 0
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if strings.HasSuffix(line, " serverside-applied (server dry run)") {
			applied++
		}
	}
	if applied != objects {
		t.Errorf("%s: kubectl dry-run applied %d objects, want %d:\n%s", name, applied, objects, stdout.String())
	}
}
