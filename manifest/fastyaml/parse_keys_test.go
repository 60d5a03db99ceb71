package fastyaml

import (
	"fmt"
	"strings"
	"testing"
)

// ParseFrom tells whether a mapping repeats a key, so that the reader skips
// its own walk for repeated keys only when none does: a repeat anywhere
// (block or flow, quoted or plain, at any depth) and a mapping too long to
// compare pairwise must say no.
func TestParseFromUniqueKeys(t *testing.T) {
	long := new(strings.Builder)
	for i := 0; i <= maxCheckedPairs; i++ {
		fmt.Fprintf(long, "k%d: v\n", i)
	}
	for _, c := range []struct {
		name, src string
		unique    bool
	}{
		{"distinct", "a: 1\nb:\n  c: 2\n  d: [1, 2]\ne: {f: 1, g: 2}\n---\na: 1\n", true},
		{"top level", "a: 1\nb: 2\na: 3\n", false},
		{"nested", "a:\n  b: 1\n  b: 2\n", false},
		{"quoted and plain", "a:\n  \"b\": 1\n  b: 2\n", false},
		{"flow", "a: {b: 1, c: 2, b: 3}\n", false},
		{"in a list", "a:\n- b: 1\n  b: 2\n", false},
		{"in a later document", "a: 1\n---\nb: 1\nb: 2\n", false},
		{"too long to compare", long.String(), false},
	} {
		_, ok, unique, err := ParseFrom([]byte(c.src), 0)
		if err != nil || !ok {
			t.Fatalf("%s: not parsed (ok=%v, %v)", c.name, ok, err)
		}
		if unique != c.unique {
			t.Errorf("%s: uniqueKeys = %v, want %v", c.name, unique, c.unique)
		}
	}
}

// ParseFrom counts lines from the line it is given, as a part of a larger
// stream needs.
func TestParseFromLine(t *testing.T) {
	docs, ok, _, err := ParseFrom([]byte("a:\n  b: 1\n"), 10)
	if err != nil || !ok {
		t.Fatalf("not parsed: ok=%v, %v", ok, err)
	}
	root := docs[0].Content[0]
	if docs[0].Line != 11 || root.Line != 11 || root.Content[1].Content[0].Line != 12 {
		t.Errorf("lines %d, %d, %d; want 11, 11, 12", docs[0].Line, root.Line, root.Content[1].Content[0].Line)
	}
}
