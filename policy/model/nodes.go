package model

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// nodeString is the value the decoder gives a string field of n: a string
// scalar's value, "" for anything else.
func NodeString(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return ""
	}
	return n.Value
}

// nodeInt is the value the decoder gives an int field of n: an integer
// scalar's value, 0 for anything else or out of range.
func NodeInt(n *yaml.Node) int {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0
	}
	i, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil {
		return 0
	}
	return int(i)
}
