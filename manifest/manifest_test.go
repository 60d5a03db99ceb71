package manifest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestParse(t *testing.T) {
	src := `# only a comment
---
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: x}
---
# another comment
---
- not
- an object
---
apiVersion: v1
metadata: {name: no-kind}
`
	objs, diags := Parse([]byte(src), "f.yaml")
	if len(objs) != 1 || objs[0].Ref != (Ref{APIVersion: "v1", Kind: "ConfigMap", Namespace: "x", Name: "a"}) {
		t.Fatalf("objects = %+v", objs)
	}
	if objs[0].Pos != (Position{File: "f.yaml", Index: 0, Line: 4}) {
		t.Errorf("position = %+v", objs[0].Pos)
	}
	want := "f.yaml:10: error: document is not a Kubernetes object (expected a mapping)\nf.yaml:13: error: document has no apiVersion or kind"
	if diags.Error() != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", diags.Error(), want)
	}
}

func TestParseSyntaxError(t *testing.T) {
	_, diags := Parse([]byte("apiVersion: v1\nkind: [\n"), "bad.yaml")
	if len(diags) != 1 || diags[0].Pos.Line == 0 || !strings.HasPrefix(diags[0].String(), "bad.yaml:") || !strings.Contains(diags[0].Message, "invalid YAML") {
		t.Errorf("diagnostics = %v", diags)
	}
}

type spec struct {
	Name    string            `yaml:"name"`
	Count   int               `yaml:"count"`
	Enabled bool              `yaml:"enabled"`
	Labels  map[string]string `yaml:"labels"`
	Items   []item            `yaml:"items"`
	Raw     *yaml.Node        `yaml:"raw"`
}

type item struct {
	Port int `yaml:"port"`
}

func decode(t *testing.T, src string) (spec, Diagnostics) {
	t.Helper()
	objs := parseUnchecked(t, "apiVersion: x/v1\nkind: K\nmetadata: {name: n}\nspec:\n"+src, "f.yaml")
	var s spec
	diags := Decode(objs[0], objs[0].Field("spec"), "spec", &s)
	return s, diags
}

// parseUnchecked reads the objects of src as Parse does before it checks
// them (duplicate keys, aliases), to test what the decoder does on its own.
func parseUnchecked(t *testing.T, src, file string) []*Object {
	t.Helper()
	docs, d := ParseDocuments([]byte(src), file)
	if d.HasErrors() {
		t.Fatal(d)
	}
	var objs []*Object
	for _, doc := range docs {
		objs = append(objs, NewObject(doc.Content[0], Position{File: file, Line: doc.Content[0].Line}))
	}
	return objs
}

func TestDecode(t *testing.T) {
	s, diags := decode(t, "  name: web\n  count: 3\n  enabled: true\n  labels: {a: b}\n  items: [{port: 80}]\n  raw: {anything: [1, 2]}\n")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if s.Name != "web" || s.Count != 3 || !s.Enabled || s.Labels["a"] != "b" || len(s.Items) != 1 || s.Items[0].Port != 80 || s.Raw == nil {
		t.Errorf("decoded %+v", s)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"  nmae: web\n", `f.yaml:5: error: K n: spec.nmae: unknown field (did you mean "name"?)`},
		{"  count: three\n", `f.yaml:5: error: K n: spec.count: expected an integer, got string "three"`},
		{"  name: 42\n", `spec.name: expected a string, got number 42 (quote it: "42")`},
		{"  items: [{port: '80'}]\n", `spec.items[0].port: expected an integer, got string "80"`},
		{"  items: {port: 80}\n", "spec.items: expected a list, got a map"},
		{"  name: a\n  name: b\n", "f.yaml:6: error: K n: spec.name: duplicate key"},
		{"  labels: {a: b, a: c}\n", "spec.labels.a: duplicate key"},
		{"  enabled: yes\n", `spec.enabled: expected true or false, got string "yes"`},
		{"  count: 99999999999999999999\n", "spec.count: expected an integer"},
	} {
		_, diags := decode(t, tc.src)
		if !strings.Contains(diags.Error(), tc.want) {
			t.Errorf("decoding %q:\n got %v\nwant %s", tc.src, diags.Error(), tc.want)
		}
	}
}

func TestDecodeAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("  x0: &a0 [[]]\n")
	// Each level doubles the one before: 2^40 lists if expanded.
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  x%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	objs := parseUnchecked(t, "apiVersion: x/v1\nkind: K\nmetadata: {name: n}\nspec:\n"+b.String(), "bomb.yaml")
	var out nested
	diags := Decode(objs[0], objs[0].Field("spec", "x40"), "spec.x40", &out)
	if !strings.Contains(diags.Error(), "alias bomb") {
		t.Errorf("want an alias bomb error, got %v", diags)
	}
}

// nested is a list of itself, deep enough to follow the bomb's aliases.
type nested []nested

func TestLineOf(t *testing.T) {
	objs, _ := Parse([]byte("apiVersion: v1\nkind: K\nmetadata: {name: n}\nspec:\n  routes:\n  - to: a\n  - exact: /x\n    to: b\n"), "f.yaml")
	o := objs[0]
	for path, want := range map[string]int{
		"spec": 4, "spec.routes": 5, "spec.routes[0]": 6, "spec.routes[1].to": 8, "spec.routes[1].missing": 7,
		"spec.routes[5]": 5, "spec.hosts": 4, "metadata.name": 3, "": 1,
	} {
		if got := o.LineOf(path); got != want {
			t.Errorf("LineOf(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestAnnotations(t *testing.T) {
	objs, _ := Parse([]byte("apiVersion: v1\nkind: K\nmetadata: {name: n}\n"), "f.yaml")
	o := objs[0]
	o.SetAnnotation(LocalConfigAnnotation, "true")
	if !o.IsLocalConfig() {
		t.Fatal("SetAnnotation did not take")
	}
	o.DeleteAnnotation(LocalConfigAnnotation)
	var buf bytes.Buffer
	if err := WriteStream(&buf, objs); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "apiVersion: v1\nkind: K\nmetadata: {name: n}\n" {
		t.Errorf("after delete:\n%s", got)
	}
}

func TestSortOrder(t *testing.T) {
	mk := func(kind, ns, name string) *Object {
		return &Object{Ref: Ref{APIVersion: "v1", Kind: kind, Namespace: ns, Name: name}}
	}
	objs := []*Object{mk("VirtualService", "a", "x"), mk("Deployment", "a", "x"), mk("Gateway", "b", "x"), mk("Namespace", "", "a"), mk("Gateway", "a", "y"), mk("Service", "a", "x")}
	Sort(objs)
	var got []string
	for _, o := range objs {
		got = append(got, o.Ref.String())
	}
	want := "Namespace a, Service a/x, Deployment a/x, Gateway a/y, Gateway b/x, VirtualService a/x"
	if strings.Join(got, ", ") != want {
		t.Errorf("order = %s\nwant    %s", strings.Join(got, ", "), want)
	}
}

// TestCompareKeysIsKeyOrder checks CompareKeys against comparing the Keys
// themselves, on refs built from parts that share prefixes and hold the
// separator.
func TestCompareKeysIsKeyOrder(t *testing.T) {
	parts := []string{"", "a", "a-b", "a/b", "ab", "a.b", "b", "A", "a0", "networking.istio.io", "networking.istio.io/v1"}
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func() string { return parts[rng.IntN(len(parts))] }
	for range 50000 {
		a := Ref{APIVersion: pick() + "/v1", Kind: pick(), Namespace: pick(), Name: pick()}
		b := Ref{APIVersion: pick() + "/v1", Kind: pick(), Namespace: pick(), Name: pick()}
		if rng.IntN(4) == 0 {
			b = a
			b.Name = pick()
		}
		if got, want := CompareKeys(a, b), strings.Compare(a.Key(), b.Key()); got != want {
			t.Fatalf("CompareKeys(%q, %q) = %d, want %d", a.Key(), b.Key(), got, want)
		}
	}
}

// TestSortIsLessOrder checks Sort against a stable sort by Less.
func TestSortIsLessOrder(t *testing.T) {
	kinds := []string{"Namespace", "Service", "Deployment", "Gateway", "VirtualService", "Zebra", "ConfigMap", "Role"}
	words := []string{"", "a", "b", "a-b", "ab"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		var objs []*Object
		for range rng.IntN(60) {
			objs = append(objs, &Object{Ref: Ref{
				APIVersion: words[rng.IntN(len(words))] + "/v1",
				Kind:       kinds[rng.IntN(len(kinds))],
				Namespace:  words[rng.IntN(len(words))],
				Name:       words[rng.IntN(len(words))],
			}})
		}
		want := slices.Clone(objs)
		sort.SliceStable(want, func(i, j int) bool { return Less(want[i], want[j]) })
		Sort(objs)
		for i := range objs {
			if objs[i] != want[i] {
				t.Fatalf("position %d: %v, want %v", i, objs[i].Ref, want[i].Ref)
			}
		}
	}
}
