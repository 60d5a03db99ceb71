package fastyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// decodeAll decodes every document of data as manifest.Parse does.
func decodeAll(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml.v3 panicked: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, &doc)
	}
}

// encode writes n as manifest.NewEncoder does (the test cannot import
// manifest, which will import this package).
func encode(n *yaml.Node) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml.v3 panicked: %v", r)
		}
	}()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// diffNodes compares got (from Parse) with want (from yaml.v3) recursively.
func diffNodes(got, want *yaml.Node, path string) error {
	if got == nil || want == nil {
		if got != want {
			return fmt.Errorf("%s: got %v, want %v", path, got, want)
		}
		return nil
	}
	type fields struct {
		Kind          yaml.Kind
		Style         yaml.Style
		Tag, Value    string
		Anchor        string
		Alias         bool
		Line, Column  int
		Head, LC, Foo string
		N             int
	}
	f := func(n *yaml.Node) fields {
		return fields{n.Kind, n.Style, n.Tag, n.Value, n.Anchor, n.Alias != nil, n.Line, n.Column, n.HeadComment, n.LineComment, n.FootComment, len(n.Content)}
	}
	if g, w := f(got), f(want); g != w {
		return fmt.Errorf("%s:\n got %+v\nwant %+v", path, g, w)
	}
	if (got.Content == nil) != (want.Content == nil) {
		return fmt.Errorf("%s: Content nil %v, want nil %v", path, got.Content == nil, want.Content == nil)
	}
	for i := range got.Content {
		if err := diffNodes(got.Content[i], want.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkParse runs Parse on data and compares it with yaml.v3. It reports
// whether Parse took the input.
func checkParse(data []byte) (ok bool, err error) {
	docs, ok, err := Parse(data)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, nil
	}
	want, werr := decodeAll(data)
	if werr != nil {
		return true, fmt.Errorf("Parse accepted input yaml.v3 rejects (%v)", werr)
	}
	if len(docs) != len(want) {
		return true, fmt.Errorf("Parse returned %d documents, yaml.v3 %d", len(docs), len(want))
	}
	for i := range docs {
		if err := diffNodes(docs[i], want[i], fmt.Sprintf("doc%d", i)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// checkEmit runs Emit on n and compares it with yaml.v3. It reports whether
// Emit took the node.
func checkEmit(n *yaml.Node) (ok bool, err error) {
	var buf bytes.Buffer
	buf.WriteString("prefix")
	ok, err = Emit(&buf, n)
	if err != nil {
		return false, err
	}
	if !ok {
		if buf.String() != "prefix" {
			return false, errors.New("Emit failed but wrote to the buffer")
		}
		return false, nil
	}
	want, werr := encode(n)
	if werr != nil {
		return true, fmt.Errorf("Emit took a node yaml.v3 fails on (%v)", werr)
	}
	got := buf.Bytes()[len("prefix"):]
	if !bytes.Equal(got, want) {
		return true, fmt.Errorf("Emit wrote\n%s\nyaml.v3 wrote\n%s\n(got %q\nwant %q)", got, want, got, want)
	}
	return true, nil
}

// stripComments clears every comment of the tree.
func stripComments(n *yaml.Node) {
	if n == nil {
		return
	}
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		stripComments(c)
	}
}

// stripCommentLines drops the lines whose first non-space character is '#'.
func stripCommentLines(data []byte) []byte {
	var out []byte
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
			continue
		}
		out = append(out, line...)
	}
	return out
}
