package fastyaml

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A panic in Parse that is not a fallback is a bug: Parse returns it as an
// *InternalError naming the line, column and byte offset it reached, and
// says it is a bug to report; the pooled parser stays usable.
func TestParsePanicIsInternalError(t *testing.T) {
	src := "apiVersion: v1\nkind: K\nmetadata:\n  name: boom\n"
	at := strings.Index(src, "boom")
	ParseHook = func(_ string, offset int) {
		if offset >= at {
			var m map[string]int
			m["x"] = 1 // a real runtime panic: assignment to entry in nil map
		}
	}
	docs, ok, err := Parse([]byte(src))
	ParseHook = nil
	if ok || docs != nil {
		t.Fatalf("Parse took input it panicked on: ok=%v, %d documents", ok, len(docs))
	}
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("Parse returned %v (%T), want an *InternalError", err, err)
	}
	// The first node made past "boom" is its scalar, once scanned: the
	// position is the end of "boom".
	if end := at + len("boom"); ie.Op != "parser" || ie.Line != 4 || ie.Column != 13 || ie.Offset != end {
		t.Errorf("InternalError at %s line %d column %d offset %d, want parser line 4 column 13 offset %d", ie.Op, ie.Line, ie.Column, ie.Offset, end)
	}
	msg := err.Error()
	for _, want := range []string{
		"internal error in edgegate's YAML parser",
		"while reading line 4, column 13 (byte offset 45)",
		"assignment to entry in nil map",
		"this is a bug in edgegate, please report it at " + ReportURL,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if len(ie.Stack) == 0 {
		t.Error("no stack")
	}
	// The parser went back to the pool in a usable state.
	if _, err := checkParse([]byte(src)); err != nil {
		t.Fatalf("after the panic: %v", err)
	}
}

// A fallback is never an error.
func TestParseFallbackIsNoError(t *testing.T) {
	docs, ok, err := Parse([]byte("a: &x 1\n"))
	if ok || docs != nil || err != nil {
		t.Fatalf("Parse of an anchor: ok=%v docs=%v err=%v, want a fallback", ok, docs, err)
	}
}

// A panic in Emit that is not a fallback is a bug: Emit writes nothing and
// returns an *InternalError naming the line and column of the node it was
// writing.
func TestEmitPanicIsInternalError(t *testing.T) {
	docs, ok, err := Parse([]byte("a: 1\nb:\n  c: boom\n"))
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	EmitHook = func(n *yaml.Node) {
		if n.Value == "boom" {
			panic("forced")
		}
	}
	var buf bytes.Buffer
	buf.WriteString("prefix")
	ok, err = Emit(&buf, docs[0])
	EmitHook = nil
	if ok || buf.String() != "prefix" {
		t.Fatalf("Emit took the tree it panicked on (ok=%v) or wrote %q", ok, buf.String())
	}
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("Emit returned %v (%T), want an *InternalError", err, err)
	}
	if ie.Op != "writer" || ie.Line != 3 || ie.Column != 6 || ie.Offset != -1 {
		t.Errorf("InternalError %s line %d column %d offset %d, want writer line 3 column 6 offset -1", ie.Op, ie.Line, ie.Column, ie.Offset)
	}
	want := "internal error in edgegate's YAML writer while writing the node at line 3, column 6: forced; this is a bug in edgegate, please report it at " + ReportURL + " with the input"
	if err.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", err, want)
	}
	// A node built in code has no position.
	EmitHook = func(*yaml.Node) { panic("forced") }
	_, err = Emit(&buf, &yaml.Node{Kind: yaml.ScalarNode, Value: "x"})
	EmitHook = nil
	if err == nil || !strings.Contains(err.Error(), "at an unknown position: forced") {
		t.Errorf("node without a position: %v", err)
	}
	if _, err := checkEmit(docs[0]); err != nil {
		t.Fatalf("after the panic: %v", err)
	}
}
