package manifest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestParseLimitedLists(t *testing.T) {
	gw := "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: n}\n"
	for _, tc := range []struct {
		name, src string
		want      []string // Ref and line of each object read
		err       string
	}{
		{"v1 List", "apiVersion: v1\nkind: List\nitems:\n- " + indentItem(gw), []string{"Gateway n/g@4"}, ""},
		{"SecretList", "apiVersion: v1\nkind: SecretList\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n- {apiVersion: v1, kind: Secret, metadata: {name: t}}\n",
			[]string{"Secret s@4", "Secret t@5"}, ""},
		{"nested", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n", []string{"ConfigMap c@7"}, ""},
		{"empty List", "apiVersion: v1\nkind: List\nitems: []\n", nil, ""},
		{"null items", "apiVersion: v1\nkind: List\nitems:\n", nil, ""},
		{"a kind ending in List without items is an object", "apiVersion: example.com/v1\nkind: AllowList\nmetadata: {name: a}\nspec: {}\n", []string{"AllowList a@1"}, ""},
		{"ResourceList is the function's", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n", []string{"ResourceList @1"}, ""},
		{"documents beside a List", gw + "---\napiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}]\n", []string{"Gateway n/g@1", "ConfigMap c@7"}, ""},
		{"item not an object", "apiVersion: v1\nkind: List\nitems: [1]\n", nil, "f.yaml:3: error: List (no name): items[0]: not a Kubernetes object"},
		{"item without kind", "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1}]\n", nil, "items[0]: has no apiVersion or kind"},
		{"items a map", "apiVersion: v1\nkind: GatewayList\nitems: {a: b}\n", nil, "items: expected a list of objects, got a map"},
		{"too deep", strings.Repeat("apiVersion: v1\nkind: List\nitems:\n- ", 1) + nestLists(5), nil, "Lists nested more than 4 deep"},
		{"duplicate in an item", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: a, name: b}\n", nil, "f.yaml:6: error: Secret a: metadata.name: duplicate key (first on line 6)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, diags := ParseLimited([]byte(tc.src), "f.yaml", LimitsFor(0))
			if tc.err != "" {
				if !strings.Contains(diags.Error(), tc.err) {
					t.Errorf("diagnostics %q, want %q", diags.Error(), tc.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.Ref.String()+"@"+itoa(o.Pos.Line))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("read %v, want %v", got, tc.want)
			}
		})
	}
}

func indentItem(s string) string {
	return strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

func nestLists(n int) string {
	s := "{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}"
	for i := 0; i < n; i++ {
		s = "{apiVersion: v1, kind: List, items: [" + s + "]}"
	}
	return s + "\n"
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestDuplicateKeys(t *testing.T) {
	head := "apiVersion: v1\nkind: ConfigMap\n"
	for src, want := range map[string]string{
		head + "metadata: {name: a, namespace: x, namespace: y}\n":             "f.yaml:3: error: ConfigMap x/a: metadata.namespace: duplicate key (first on line 3)",
		head + "kind: Secret\nmetadata: {name: a}\n":                           "f.yaml:3: error: ConfigMap a: kind: duplicate key (first on line 2)",
		head + "metadata: {name: a}\ndata:\n  k: a\n  k: b\n":                  "f.yaml:6: error: ConfigMap a: data.k: duplicate key (first on line 5)",
		head + "metadata: {name: a}\nspec:\n  x:\n  - {p: 1, p: 2}\n":          "spec.x[0].p: duplicate key",
		head + "metadata: {name: a}\ndata:\n" + manyKeys(40) + "  k7: again\n": "data.k7: duplicate key (first on line 12)",
	} {
		_, diags := ParseLimited([]byte(src), "f.yaml", LimitsFor(0))
		if !strings.Contains(diags.Error(), want) {
			t.Errorf("%q:\n got %v\nwant %s", src, diags.Error(), want)
		}
	}
	for src, want := range map[string]string{
		"m: &m {name: a, namespace: istio-system}\n" + head + "metadata:\n  <<: *m\n":          "f.yaml:5: error: ConfigMap (no name): metadata.<<: a YAML merge key",
		"m: &m {apiVersion: v1, kind: Secret}\n" + head + "<<: *m\nmetadata: {name: a}\n":      "f.yaml:4: error: ConfigMap a: <<: a YAML merge key",
		head + "metadata: {name: a, labels: {<<: {app.kubernetes.io/managed-by: edgegate}}}\n": "metadata.labels.<<: a YAML merge key",
	} {
		_, diags := ParseLimited([]byte(src), "f.yaml", LimitsFor(0))
		if !strings.Contains(diags.Error(), want) {
			t.Errorf("%q:\n got %v\nwant %s", src, diags.Error(), want)
		}
	}
	// Merge keys may repeat elsewhere; distinct keys are fine.
	ok := head + "metadata: {name: a}\nbase: &b {x: 1}\nother: &c {y: 1}\ndata:\n  <<: *b\n  <<: *c\n"
	if _, diags := ParseLimited([]byte(ok), "f.yaml", LimitsFor(0)); diags.HasErrors() {
		t.Errorf("merge keys refused: %v", diags)
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("  k" + strconv.Itoa(i) + ": v\n")
	}
	return b.String()
}

func TestInputLimits(t *testing.T) {
	lim := LimitsFor(256 << 10) // 1,024 objects
	if lim.MaxObjects != 1024 {
		t.Fatalf("MaxObjects %d", lim.MaxObjects)
	}
	obj := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n"
	for name, tc := range map[string]struct{ src, want string }{
		"documents":  {strings.Repeat("---\n", 1100), "more than 1024 YAML documents: the limit is one per 256 bytes of the input limit of 262144 bytes (raise it with --max-input-bytes)"},
		"list items": {"apiVersion: v1\nkind: List\nitems:\n" + strings.Repeat("- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n", 1100), "more than 1024 objects (documents and List items)"},
		"aliases":    {"apiVersion: v1\nkind: List\nitems:\n- &o\n" + indentAll(obj) + strings.Repeat("- *o\n", 1000), ""},
		"alias bomb": {bomb(), "YAML aliases expand to more than 1048576 nodes in this input"},
	} {
		objs, diags := ParseLimited([]byte(tc.src), "f.yaml", lim)
		if tc.want == "" {
			if diags.HasErrors() || len(objs) != 1001 {
				t.Errorf("%s: %d objects, %v", name, len(objs), diags)
			}
			continue
		}
		if !strings.Contains(diags.Error(), tc.want) {
			t.Errorf("%s: %v, want %s", name, diags.Error(), tc.want)
		}
	}
}

func indentAll(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

// bomb is a List whose items alias an anchor 2^20 times over.
func bomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx0: &a0 [1]\n")
	for i := 1; i <= 22; i++ {
		b.WriteString("x" + itoa(i) + ": &a" + itoa(i) + " [*a" + itoa(i-1) + ", *a" + itoa(i-1) + "]\n")
	}
	return b.String()
}

func TestWalkFiles(t *testing.T) {
	base := t.TempDir()
	tree, outside := filepath.Join(base, "tree"), filepath.Join(base, "outside")
	for _, d := range []string{tree + "/sub", outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path string) {
		if err := os.WriteFile(path, []byte("kind: x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(tree + "/a.yaml")
	write(outside + "/kubeconfig")
	links := map[string]string{
		"in.yaml":      "a.yaml",
		"sub/up.yaml":  "../a.yaml",
		"out.yaml":     outside + "/kubeconfig",
		"sub/rel.yaml": "../../outside/kubeconfig",
		"gone.yaml":    outside + "/missing",
		"chain.yaml":   "out.yaml",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(tree, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(tree+"/pipe.yaml", 0o644); err != nil {
		t.Skip(err)
	}
	if l, err := net.Listen("unix", tree+"/sock.yaml"); err == nil {
		defer l.Close()
	}
	files, diags := WalkFiles(tree)
	var got []string
	for _, f := range files {
		rel, _ := filepath.Rel(tree, f)
		got = append(got, rel)
	}
	if want := "a.yaml in.yaml sub/up.yaml"; strings.Join(got, " ") != want {
		t.Errorf("files %v, want %s", got, want)
	}
	msgs := diags.Error()
	for _, want := range []string{
		"out.yaml: error: a symbolic link to " + outside + "/kubeconfig, outside " + tree + ": refused",
		"sub/rel.yaml: error: a symbolic link to ../../outside/kubeconfig (" + outside + "/kubeconfig), outside",
		"chain.yaml: error: a symbolic link to out.yaml (" + outside + "/kubeconfig), outside",
		"gone.yaml: error: a symbolic link to " + outside + "/missing, which cannot be followed",
		"pipe.yaml: warning: skipped: a named pipe, not a regular file",
	} {
		if !strings.Contains(msgs, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, msgs)
		}
	}
	// A file named on the command line is the caller's, link or not.
	if files, diags := WalkFiles(tree + "/out.yaml"); len(files) != 1 || len(diags) > 0 {
		t.Errorf("a named file: %v, %v", files, diags)
	}
}

func TestResolveInTree(t *testing.T) {
	base := t.TempDir()
	tree, outside := filepath.Join(base, "tree"), filepath.Join(base, "outside")
	os.MkdirAll(tree+"/sub", 0o755)
	os.MkdirAll(outside, 0o755)
	os.WriteFile(tree+"/sub/lock.yaml", nil, 0o644)
	os.Symlink("sub/lock.yaml", tree+"/in.yaml")
	os.Symlink(outside+"/victim", tree+"/out.yaml")
	os.Symlink("../outside/victim", tree+"/rel.yaml")
	os.Symlink(outside, tree+"/dir")
	os.Symlink("out.yaml", tree+"/chain.yaml")
	syscall.Mkfifo(tree+"/pipe.yaml", 0o644)
	realTree, _ := filepath.EvalSymlinks(tree)
	for name, want := range map[string]string{
		"new.yaml":              realTree + "/new.yaml",
		"sub/lock.yaml":         realTree + "/sub/lock.yaml",
		"in.yaml":               realTree + "/sub/lock.yaml",
		"out.yaml":              "refusing to write through it",
		"rel.yaml":              "refusing to write through it",
		"chain.yaml":            "refusing to write through it",
		"dir/hostbindings.yaml": "refusing to write through it",
		"pipe.yaml":             "a named pipe, not a regular file",
	} {
		got, err := ResolveInTree(filepath.Join(tree, name), tree)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if _, err := os.Stat(outside + "/victim"); err == nil {
		t.Error("wrote outside the tree")
	}
}

// TestWalkFilesListsSkippedFiles: a file skipped for its name is an info,
// a warning when it looks like a Kubernetes object (a misnamed gateway
// would silently be missing from the render); kustomization files are
// skipped without a word, and links and pipes are never opened to look.
func TestWalkFilesListsSkippedFiles(t *testing.T) {
	base := t.TempDir()
	tree, outside := filepath.Join(base, "tree"), filepath.Join(base, "outside")
	for _, d := range []string{tree, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	gateway := "apiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: public, namespace: istio-ingress}\n"
	for name, content := range map[string]string{
		"app.yaml":           "kind: x\n",
		"gateway.orig":       "# the platform's gateway\n" + gateway,
		"odd.bak":            "apiVersion: v1\nkind: \"\x1b[31mred\"\n",
		"README.md":          "# notes\nkind: of a README\n",
		"Kptfile":            "apiVersion: kpt.dev/v1\nkind: Kptfile\n",
		"kustomization.yaml": "resources: [app.yaml]\n",
		"blob.bin":           "apiVersion: v1\nkind: Secret\n\x00\x01",
	} {
		if err := os.WriteFile(filepath.Join(tree, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("apiVersion: v1\nkind: Secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(tree, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(tree, "pipe.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, diags := WalkFiles(tree)
	if len(files) != 1 || filepath.Base(files[0]) != "app.yaml" {
		t.Errorf("files %v", files)
	}
	got := map[string]string{}
	for _, d := range diags {
		got[filepath.Base(d.Pos.File)] = string(d.Severity) + ": " + d.Message
	}
	info := "info: skipped: edgegate reads only .yaml and .yml files"
	want := map[string]string{
		"gateway.orig": "warning: skipped: edgegate reads only .yaml and .yml files, and this one looks like YAML holding an object of kind IngressGateway: rename it to .yaml to render it, or move it out of the input",
		"odd.bak":      "warning: skipped: edgegate reads only .yaml and .yml files, and this one looks like YAML holding a Kubernetes object: rename it to .yaml to render it, or move it out of the input",
		"README.md":    info,
		"Kptfile":      info,
		"blob.bin":     info,
		"link.txt":     info,
		"pipe.txt":     info,
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: unexpected %q", name, got[name])
		}
	}
}
