package manifest

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest/fastyaml"
)

// TestParseInPartsIsParseWhole cuts streams made of the repository's own
// YAML into parts at every size and checks that the parts, parsed on their
// own and shifted, are node for node (lines and columns included) what
// parsing the stream whole gives.
func TestParseInPartsIsParseWhole(t *testing.T) {
	var files [][]byte
	for _, dir := range []string{"../examples", "../tests/golden", "../config"} {
		names, _ := Files(dir)
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			// The examples open with comments (a yaml-language-server
			// modeline at least), whose layout fastyaml takes at the top
			// of a stream but not always after a "---" (where yaml.v3
			// places them otherwise): joined, their documents count
			// without them.
			for bytes.HasPrefix(data, []byte("#")) {
				_, data, _ = bytes.Cut(data, []byte("\n"))
			}
			if _, ok, err := fastyaml.Parse(data); err != nil {
				t.Fatalf("%s: %v", name, err)
			} else if ok && len(data) > 0 {
				files = append(files, data)
			}
		}
	}
	if len(files) < 20 {
		t.Fatalf("only %d files to build streams from", len(files))
	}
	defer func(old int) { parallelParseMin = old }(parallelParseMin)
	parallelParseMin = 1
	for _, sep := range []string{"---\n", "--- \n"} {
		var stream bytes.Buffer
		for i, f := range files {
			if i > 0 {
				stream.WriteString(sep)
			}
			stream.Write(f)
			if !bytes.HasSuffix(f, []byte("\n")) {
				stream.WriteByte('\n')
			}
		}
		data := stream.Bytes()
		whole, ok, err := fastyaml.Parse(data)
		if err != nil || !ok {
			t.Fatalf("separator %q: fastyaml declines the joined stream", sep)
		}
		parts, ok, _, err := parseInParts(data)
		if err != nil || !ok {
			t.Fatalf("separator %q: the stream was not cut", sep)
		}
		if len(parts) != len(whole) {
			t.Fatalf("separator %q: %d documents in parts, %d whole", sep, len(parts), len(whole))
		}
		for i := range whole {
			if !reflect.DeepEqual(parts[i], whole[i]) {
				t.Fatalf("separator %q: document %d (line %d) differs", sep, i, whole[i].Line)
			}
		}
	}
}

// TestParseInPartsLeavesSomeStreamsWhole: streams whose markers do not
// stand alone are never cut.
func TestParseInPartsLeavesSomeStreamsWhole(t *testing.T) {
	defer func(old int) { parallelParseMin = old }(parallelParseMin)
	parallelParseMin = 1
	doc := "a: 1\n"
	for name, stream := range map[string]string{
		"directive":    "%YAML 1.2\n---\n" + strings.Repeat(doc+"---\n", 20),
		"document end": strings.Repeat(doc+"...\n---\n", 20),
		"no marker":    strings.Repeat("a: ----\n", 20),
	} {
		if _, ok, _, err := parseInParts([]byte(stream)); ok || err != nil {
			t.Errorf("%s: stream was cut", name)
		}
	}
}
