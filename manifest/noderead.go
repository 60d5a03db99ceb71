package manifest

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Reading fields of an object's nodes by hand, with the rules of
// the lenient decoder (DecodeLenient), for checks that read a few fields
// of thousands of objects, where the reflective decoder costs most of the
// check. The decoder follows aliases: these helpers do not, and their
// callers leave a node with an alias to the decoder. SeenBefore,
// IsNull and MaxDecodeNodes are the decoder's own rules
// for repeated keys, nulls and its node budget.

// DecodedString is the value the decoder gives a string field of n: a string
// scalar's value, "" for anything else.
func DecodedString(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return ""
	}
	return n.Value
}

// DecodedInt is the value the decoder gives an int field of n: an integer
// scalar's value, 0 for anything else or out of range.
func DecodedInt(n *yaml.Node) int {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0
	}
	i, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil {
		return 0
	}
	return int(i)
}
