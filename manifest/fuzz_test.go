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
