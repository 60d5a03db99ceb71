package fastyaml

import (
	"sort"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fuzzSeeds are the inputs both fuzz targets start from.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, s := range parseCases {
		seeds = append(seeds, []byte(s))
	}
	for _, s := range fallbackCases {
		seeds = append(seeds, []byte(s))
	}
	for _, s := range commentCases {
		seeds = append(seeds, []byte(s))
	}
	for _, s := range commentFallbackCases {
		seeds = append(seeds, []byte(s))
	}
	files := generated(7, 3)
	for name, data := range generatedWithModeline(7, 2) {
		files["modeline/"+name] = data
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		seeds = append(seeds, files[name])
	}
	for _, v := range trickyValues {
		if len(v) > 200 {
			continue
		}
		doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: v}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: v},
			{Kind: yaml.ScalarNode, Value: "l"}, {Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}}},
		}}
		if out, err := encode(doc); err == nil {
			seeds = append(seeds, out)
		}
	}
	return seeds
}

// FuzzParse checks that Parse either falls back or returns exactly what
// yaml.v3's Decoder returns.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan error, 1)
		go func() {
			_, err := checkParse(data)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%v\ninput: %q", err, data)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("hang\ninput: %q", data)
		}
	})
}

// FuzzEmit decodes src with yaml.v3, changes the styles, tags and values of
// its nodes as edits says, and checks that Emit either falls back or writes
// exactly what yaml.v3's Encoder writes.
func FuzzEmit(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(s, []byte{byte(i), byte(i * 7), byte(i * 13), 0x20, 0x20})
	}
	f.Fuzz(func(t *testing.T, src, edits []byte) {
		docs, err := decodeAll(src)
		if err != nil && len(docs) == 0 {
			return
		}
		for _, doc := range docs {
			k := 0
			var walk func(n *yaml.Node)
			walk = func(n *yaml.Node) {
				if len(edits) > 0 {
					editNode(n, edits[k%len(edits)])
					k++
				}
				for _, c := range n.Content {
					walk(c)
				}
			}
			walk(doc)
			for _, n := range []*yaml.Node{doc, rootOf(doc)} {
				if n == nil {
					continue
				}
				if _, err := checkEmit(n); err != nil {
					t.Fatalf("%v\nsrc: %q\nedits: %q", err, src, edits)
				}
			}
		}
	})
}

func rootOf(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0]
	}
	return nil
}

var editStyles = []yaml.Style{
	0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle,
	yaml.FlowStyle, yaml.DoubleQuotedStyle | yaml.LiteralStyle, yaml.TaggedStyle,
}

var editTags = []string{"", "!!str", "tag:yaml.org,2002:str", "!!int"}

// editNode changes n as the byte b says: bit 3 keeps the style, bits 0-2
// pick another; bit 4 keeps the tag, bits 5-6 pick another; bit 7 keeps
// the comments.
func editNode(n *yaml.Node, b byte) {
	if b&0x08 == 0 {
		n.Style = editStyles[b&0x07]
	}
	if b&0x10 == 0 && n.Kind != yaml.DocumentNode {
		n.Tag = editTags[(b>>5)&0x03]
	}
	if b&0x80 == 0 {
		n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	}
}
