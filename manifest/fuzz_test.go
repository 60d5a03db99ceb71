package manifest

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

type fuzzSpec struct {
	Name    string            `yaml:"name"`
	Hosts   []string          `yaml:"hosts"`
	Labels  map[string]string `yaml:"labels"`
	Count   *int              `yaml:"count"`
	Enabled bool              `yaml:"enabled"`
	Routes  []struct {
		Prefix string         `yaml:"prefix"`
		Nested []fuzzSpec     `yaml:"nested"`
		Raw    *yaml.Node     `yaml:"raw"`
		Any    map[string]any `yaml:"any"`
	} `yaml:"routes"`
}

// FuzzParseDecode feeds arbitrary bytes to the reader and the strict and
// lenient decoders: they may reject input, never panic, and whatever parses
// must write back out and parse again to the same objects.
func FuzzParseDecode(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: K\nmetadata: {name: a, namespace: b}\nspec: {name: x, hosts: [a, b], routes: [{prefix: /}]}\n",
		"---\n# comment\n---\napiVersion: v1\nkind: K\nspec: &a {name: x}\nother: *a\n",
		"a: [\n", "- 1\n- 2\n", "apiVersion: v1\nkind: K\nspec: {count: 99999999999999999999, enabled: yes}\n",
		"apiVersion: v1\nkind: K\nspec:\n  x0: &a0 [[]]\n  x1: &a1 [*a0, *a0]\n  routes: *a1\n",
		"# yaml-language-server: $schema=https://x/appintent.json\n# The app.\napiVersion: v1\nkind: K\nmetadata: {name: a}\nspec:\n  # hosts\n  hosts: [a]\n",
		"# m\n\n# about\napiVersion: v1\nkind: K\n---\n# n\napiVersion: v1\nkind: K\n# foot\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, _ := Parse(data, "fuzz.yaml")
		for _, o := range objs {
			if spec := o.Field("spec"); spec != nil {
				var s fuzzSpec
				Decode(o, spec, "spec", &s)
				DecodeLenient(o, spec, "spec", &s)
			}
			o.LineOf("spec.routes[0].nested[1].name")
			o.LineOf("spec..x[")
		}
		var buf bytes.Buffer
		if err := WriteStream(&buf, objs); err != nil {
			return // a node yaml.v3 cannot write back (e.g. odd tags) is not ours
		}
		again, diags := Parse(buf.Bytes(), "again.yaml")
		if diags.HasErrors() || len(again) != len(objs) {
			t.Fatalf("written stream does not parse back: %v (%d objects, want %d)\n%s", diags, len(again), len(objs), buf.String())
		}
		for i := range objs {
			if again[i].Ref != objs[i].Ref {
				t.Fatalf("object %d changed identity: %v → %v", i, objs[i].Ref, again[i].Ref)
			}
		}
	})
}

// FuzzParseLimited feeds arbitrary bytes to the checked reader (Lists,
// duplicate keys, merge keys, limits): it may refuse input, never panic,
// and never reads more objects than its limit allows.
func FuzzParseLimited(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n",
		"apiVersion: v1\nkind: SecretList\nitems: [&a {apiVersion: v1, kind: Secret}, *a, *a]\n",
		"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: List, items: []}]}]\n",
		"apiVersion: v1\nkind: K\nmetadata: {name: a, name: b, <<: {x: y}}\n",
		"a: &a [*a]\napiVersion: v1\nkind: K\n", "---\n---\n---\n",
		"# yaml-language-server: $schema=https://x/appintent.json\napiVersion: v1\nkind: List\nitems:\n# the items\n- {apiVersion: v1, kind: K}\n",
		"# m\napiVersion: v1\nkind: K\nmetadata:\n  # c\n  name: a\n  # d\n  name: b\n",
	} {
		f.Add([]byte(seed))
	}
	lim := Limits{MaxObjects: 64, MaxBytes: 64 * BytesPerObject}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, _ := ParseLimited(data, "fuzz.yaml", lim)
		if len(objs) > lim.MaxObjects {
			t.Fatalf("%d objects, limit %d", len(objs), lim.MaxObjects)
		}
		for _, o := range objs {
			if IsList(o) {
				t.Fatalf("a List was not unwrapped: %v", o.Ref)
			}
		}
	})
}
