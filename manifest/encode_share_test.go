package manifest

import (
	"testing"
)

// Structs of scalars alone with equal values share one mapping node, and
// the node is what each would encode to; a struct holding a list or a map
// never shares its node (it is not a plain struct).
func TestToNodeSharesPlainStructs(t *testing.T) {
	type port struct {
		Number int    `yaml:"number"`
		Name   string `yaml:"name,omitempty"`
	}
	type server struct {
		Port  port     `yaml:"port"`
		Hosts []string `yaml:"hosts"`
	}
	a, err := ToNode(server{Port: port{Number: 80, Name: "http"}, Hosts: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ToNode(server{Port: port{Number: 80, Name: "http"}, Hosts: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ToNode(server{Port: port{Number: 81}, Hosts: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two servers (holding lists) share a node")
	}
	if a.Content[1] != b.Content[1] {
		t.Errorf("equal ports do not share a node")
	}
	if a.Content[1] == c.Content[1] {
		t.Errorf("different ports share a node")
	}
	if got := len(c.Content[1].Content); got != 2 {
		t.Errorf("port 81 without a name encodes to %d nodes, want 2 (name omitted)", got)
	}
	if a.Content[3] == b.Content[3] {
		t.Errorf("two lists share a node")
	}
}
