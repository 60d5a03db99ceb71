package manifest

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestNodeReaders checks the node-reading helpers against the lenient
// decoder: reading the first of each key of a map, skipping nulls, gives
// the fields it decodes.
func TestNodeReaders(t *testing.T) {
	type fields struct {
		S string `yaml:"s"`
		I int    `yaml:"i"`
	}
	for _, doc := range []string{
		`{s: a, i: 1}`, `{s: "80", i: "80"}`, `{s: 80, i: 0x50}`, `{s: 1.5, i: 1.5}`,
		`{s: true, i: true}`, `{s: null, i: null}`, `{s: ~, i: ~}`, `{s: [a], i: {a: 1}}`,
		`{s: !!str 5, i: !!int "7"}`, `{i: 99999999999999999999}`, `{i: -0o17}`, `{i: 1_000}`,
		`{s: a, s: b, i: 1, i: 2}`, `{s: null, s: b, i: null, i: 2}`, `{}`,
	} {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
			t.Fatal(err)
		}
		n := root.Content[0]
		var want fields
		DecodeLenient(NewObject(n, Position{}), n, "spec", &want)
		var got fields
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			if SeenBefore(n.Content[:i], key) || IsNull(val) {
				continue
			}
			switch key {
			case "s":
				got.S = DecodedString(val)
			case "i":
				got.I = DecodedInt(val)
			}
		}
		if got != want {
			t.Errorf("%s: read %+v, decoder %+v", doc, got, want)
		}
	}
}
