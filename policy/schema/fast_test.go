package schema

import (
	"slices"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestShortTag: shortTag, the validator's shortcut, agrees with
// yaml.Node.ShortTag for every kind, tag, style and value that matter.
func TestShortTag(t *testing.T) {
	tags := []string{"", "!", "!!str", "!!int", "!!bool", "!!null", "!!merge", "!!map", "!!seq", "!!custom",
		"tag:yaml.org,2002:str", "tag:yaml.org,2002:merge", "!custom"}
	styles := []yaml.Style{0, yaml.TaggedStyle, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle, yaml.FlowStyle}
	values := []string{"", "<<", "1", "1.5", "true", "yes", "~", "null", "x"}
	for _, kind := range []yaml.Kind{yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode} {
		for _, tag := range tags {
			for _, style := range styles {
				for _, value := range values {
					n := &yaml.Node{Kind: kind, Tag: tag, Style: style, Value: value}
					if got, want := shortTag(n), n.ShortTag(); got != want {
						t.Errorf("shortTag(%+v) = %q, want %q", n, got, want)
					}
					if got, want := isMergeKey(n), n.ShortTag() == "!!merge"; got != want {
						t.Errorf("isMergeKey(%+v) = %v, want %v", n, got, want)
					}
				}
			}
		}
	}
}

// TestItems: Items and Len see what Elements returns.
func TestItems(t *testing.T) {
	doc := parse(t, "d: &y 4\na: &x [1, *y, {b: c}]\nb: *x\nc: 3\n")
	for _, key := range []string{"a", "b", "c", "missing"} {
		n := Field(doc, key)
		var got []*yaml.Node
		for i, item := range Items(n) {
			if i != len(got) {
				t.Errorf("%s: index %d, want %d", key, i, len(got))
			}
			got = append(got, item)
		}
		want := Elements(n)
		if !slices.Equal(got, want) || Len(n) != len(want) {
			t.Errorf("%s: Items %v, Len %d, want %v", key, got, Len(n), want)
		}
	}
}
