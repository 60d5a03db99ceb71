package manifest

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestToNodeWritesWhatYAMLv3Writes(t *testing.T) {
	type inner struct {
		Port  int    `yaml:"port"`
		Empty string `yaml:"empty,omitempty"`
	}
	raw := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{strNode("kept"), strNode("as is")}}
	v := struct {
		Name     string            `yaml:"name"`
		Quoted   []string          `yaml:"quoted"`
		Labels   map[string]string `yaml:"labels"`
		Inner    *inner            `yaml:"inner,omitempty"`
		Nil      *inner            `yaml:"nil,omitempty"`
		Flag     bool              `yaml:"flag"`
		Off      bool              `yaml:"off,omitempty"`
		Raw      *yaml.Node        `yaml:"raw"`
		Any      any               `yaml:"any"`
		EmptyMap map[string]string `yaml:"emptyMap,omitempty"`
	}{
		Name:   "web",
		Quoted: []string{"*", "true", "80", "./*", "null", "a: b", "off", "1:20", "y"},
		Labels: map[string]string{"z": "1", "a": "yes"},
		Inner:  &inner{Port: 80},
		Flag:   true,
		Raw:    raw,
		Any:    []inner{{Port: 1}},
	}
	var viaYAML yaml.Node
	if err := viaYAML.Encode(v); err != nil {
		t.Fatal(err)
	}
	direct, err := ToNode(v)
	if err != nil {
		t.Fatal(err)
	}
	write := func(n *yaml.Node) string {
		var buf bytes.Buffer
		if err := WriteStream(&buf, []*Object{{Node: n}}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if a, b := write(&viaYAML), write(direct); a != b {
		t.Errorf("ToNode writes\n%s\nyaml.v3 writes\n%s", b, a)
	}
}

func TestWriteStreamSeparatesDocuments(t *testing.T) {
	objs, _ := Parse([]byte("a: 1\nkind: K\napiVersion: v1\n---\napiVersion: v1\nkind: K\nb: 2\n"), "f.yaml")
	var buf bytes.Buffer
	if err := WriteStream(&buf, objs); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "a: 1\nkind: K\napiVersion: v1\n---\napiVersion: v1\nkind: K\nb: 2\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestWriteStreamAllOrNothing: when one document cannot be encoded, the
// stream writes nothing at all (callers print it to stdout, where half an
// output is worse than none).
func TestWriteStreamAllOrNothing(t *testing.T) {
	good, _ := ToNode(map[string]string{"apiVersion": "v1", "kind": "ConfigMap"})
	bad := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{strNode("a"), {Kind: yaml.AliasNode}}} // an alias of nothing
	var out bytes.Buffer
	err := WriteStream(&out, []*Object{NewObject(good, Position{}), NewObject(bad, Position{})})
	if err == nil {
		t.Fatal("WriteStream accepted a node it cannot encode")
	}
	if out.Len() != 0 {
		t.Fatalf("WriteStream wrote %d bytes before failing:\n%s", out.Len(), out.String())
	}
	out.Reset()
	if err := WriteStream(&out, []*Object{NewObject(good, Position{}), NewObject(good, Position{})}); err != nil {
		t.Fatal(err)
	}
	if want := "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: ConfigMap\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}
