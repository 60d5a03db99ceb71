package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest/fastyaml"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const bugNote = "this is a bug in edgegate, please report it at " + fastyaml.ReportURL

// panicAfter makes fastyaml's Parse panic (a bug) at the first node it
// makes once past value.
func panicAfter(t *testing.T, value string) {
	t.Helper()
	fastyaml.ParseHook = func(data string, offset int) {
		if strings.HasSuffix(data[:offset], value) {
			panic("forced bug")
		}
	}
	t.Cleanup(func() { fastyaml.ParseHook = nil })
}

// A bug in fastyaml's Parse is an error diagnostic at the file and line it
// names, never a crash and never a silent fallback on yaml.v3.
func TestParsePanicIsDiagnostic(t *testing.T) {
	panicAfter(t, "boom")
	objs, diags := Parse([]byte("apiVersion: v1\nkind: K\nmetadata:\n  name: boom\n"), "dir/f.yaml")
	if len(objs) != 0 || len(diags) != 1 || !diags.HasErrors() {
		t.Fatalf("got %d objects and %v, want one error", len(objs), diags)
	}
	got := diags[0].String()
	want := "dir/f.yaml:4: error: internal error in edgegate's YAML parser while reading line 4, column 13 (byte offset 45): forced bug; " + bugNote + " with the input"
	if got != want {
		t.Errorf("diagnostic\n%s\nwant\n%s", got, want)
	}
}

// When a large stream is parsed in parts, the position is the stream's.
func TestParseInPartsPanicIsDiagnostic(t *testing.T) {
	defer func(old int) { parallelParseMin = old }(parallelParseMin)
	parallelParseMin = 1
	var b strings.Builder
	for i := 0; i < 40; i++ {
		if i > 0 {
			b.WriteString("---\n")
		}
		name := "ok"
		if i == 30 {
			name = "boom"
		}
		b.WriteString("apiVersion: v1\nkind: K\nmetadata:\n  name: " + name + "\n")
	}
	data := []byte(b.String())
	if _, ok, _, err := parseInParts(data); !ok || err != nil {
		t.Skipf("stream not cut (GOMAXPROCS 1?): ok=%v, %v", ok, err)
	}
	end := bytes.Index(data, []byte("boom")) + len("boom")
	line := bytes.Count(data[:end], []byte("\n")) + 1
	panicAfter(t, "boom")
	_, diags := ParseDocuments(data, "big.yaml")
	if len(diags) != 1 {
		t.Fatalf("got %v, want one error", diags)
	}
	want := fmt.Sprintf("big.yaml:%d: error: internal error in edgegate's YAML parser while reading line %d, column 13 (byte offset %d): forced bug; %s with the input", line, line, end, bugNote)
	if got := diags[0].String(); got != want {
		t.Errorf("diagnostic\n%s\nwant\n%s", got, want)
	}
}

// A bug in fastyaml's Emit fails WriteStream with an error naming the object
// and the line, and writes nothing.
func TestEmitPanicIsError(t *testing.T) {
	objs, diags := Parse([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: boom\n  namespace: ns\n"), "in.yaml")
	if len(diags) != 0 || len(objs) != 2 {
		t.Fatal(diags)
	}
	fastyaml.EmitHook = func(n *yaml.Node) {
		if n.Value == "boom" {
			panic("forced bug")
		}
	}
	t.Cleanup(func() { fastyaml.EmitHook = nil })
	var out bytes.Buffer
	err := WriteStream(&out, objs)
	if out.Len() != 0 {
		t.Errorf("WriteStream wrote %q", out.String())
	}
	var ie *fastyaml.InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("WriteStream returned %v, want an *fastyaml.InternalError", err)
	}
	want := "in.yaml:9: error: ConfigMap ns/boom: internal error in edgegate's YAML writer while writing the node at line 9, column 9: forced bug; " + bugNote + " with the input"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
}
