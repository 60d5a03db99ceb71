package artifact

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Pinned reports whether an image reference names a digest.
func Pinned(image string) bool { return strings.Contains(image, "@") }

// Unpinned is an image reference without its digest: what to resolve again
// when a pin is refreshed.
func Unpinned(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		return image[:i]
	}
	return image
}

// HasTag reports whether an image reference names a tag: a ":" after its
// last "/" (a registry's port comes before the first one), before any digest.
func HasTag(image string) bool {
	ref := Unpinned(image)
	return strings.Contains(ref[strings.LastIndexByte(ref, '/')+1:], ":")
}

// WithDigest pins an image reference: the reference as written (its tag
// stays, for the reader) followed by @digest, replacing any digest there.
func WithDigest(image string, digest v1.Hash) string {
	return Unpinned(image) + "@" + digest.String()
}

// Edit replaces one scalar of a YAML file.
type Edit struct {
	// Node is the scalar, as decoded from the file's bytes (its Line and
	// Column locate it).
	Node  *yaml.Node
	Value string
}

// ReplaceScalars returns data with each edited scalar replaced by its new
// value in the scalar's own quoting style. Everything else, comments and
// layout included, stays byte for byte, so the change reviews as a one-line
// diff.
func ReplaceScalars(data []byte, edits []Edit) ([]byte, error) {
	type span struct {
		start, end int
		text       string
	}
	spans := make([]span, 0, len(edits))
	for _, e := range edits {
		n := e.Node
		if n == nil || n.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("not a scalar")
		}
		start, err := offset(data, n.Line, n.Column)
		if err != nil {
			return nil, err
		}
		var old, repl string
		switch n.Style {
		case 0:
			old, repl = n.Value, e.Value
		case yaml.DoubleQuotedStyle:
			old, repl = `"`+n.Value+`"`, `"`+e.Value+`"`
		case yaml.SingleQuotedStyle:
			old, repl = `'`+n.Value+`'`, `'`+e.Value+`'`
		default:
			return nil, fmt.Errorf("line %d: a block scalar cannot be rewritten in place: write it on one line", n.Line)
		}
		if !bytes.HasPrefix(data[start:], []byte(old)) {
			return nil, fmt.Errorf("line %d: %q is not written as %s there: rewrite it by hand", n.Line, n.Value, old)
		}
		spans = append(spans, span{start, start + len(old), repl})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var out bytes.Buffer
	last := 0
	for _, s := range spans {
		if s.start < last {
			return nil, fmt.Errorf("overlapping edits")
		}
		out.Write(data[last:s.start])
		out.WriteString(s.text)
		last = s.end
	}
	out.Write(data[last:])
	return out.Bytes(), nil
}

// offset turns a 1-based line and column (in characters, as the YAML parser
// counts them) into a byte offset.
func offset(data []byte, line, column int) (int, error) {
	if line < 1 || column < 1 {
		return 0, fmt.Errorf("no position for the scalar")
	}
	pos := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[pos:], '\n')
		if i < 0 {
			return 0, fmt.Errorf("line %d is past the end of the file", line)
		}
		pos += i + 1
	}
	for c := 1; c < column; c++ {
		if pos >= len(data) || data[pos] == '\n' {
			return 0, fmt.Errorf("line %d has no column %d", line, column)
		}
		_, size := utf8.DecodeRune(data[pos:])
		pos += size
	}
	return pos, nil
}
