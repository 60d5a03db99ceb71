package policy

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Reading fields of an object's nodes by hand, with the rules of
// manifest's lenient decoder (decodeAt), for checks that read a few fields
// of thousands of objects, where the reflective decoder costs most of the
// check. The decoder follows aliases: these helpers do not, and their
// callers leave a node with an alias to the decoder.

// decoderNodeBudget is the number of nodes the decoder visits in one call,
// aliases expanded, before it stops and leaves the rest empty: manifest's
// maxDecodeNodes, which is unexported. Code reading nodes by hand does not
// stop there, so it leaves any list long enough to reach it to the decoder.
const decoderNodeBudget = 1 << 20

// keySeenBefore reports whether key is among the keys of the (key, value)
// pairs before it: the decoder ignores a repeated key, as manifest's
// seenBefore (unexported) finds it.
func keySeenBefore(pairs []*yaml.Node, key string) bool {
	for j := 0; j+1 < len(pairs); j += 2 {
		if pairs[j].Value == key {
			return true
		}
	}
	return false
}

// isNullNode reports whether n is null, which the decoder reads as absent.
func isNullNode(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// nodeString is the value the decoder gives a string field of n: a string
// scalar's value, "" for anything else.
func nodeString(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return ""
	}
	return n.Value
}

// nodeInt is the value the decoder gives an int field of n: an integer
// scalar's value, 0 for anything else or out of range.
func nodeInt(n *yaml.Node) int {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0
	}
	i, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil {
		return 0
	}
	return int(i)
}
