package testutil

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

// ParseFiles reads YAML documents as if from files: a "---FILE name" line
// starts a new file (the first is "input.yaml"), so a test can say which file
// an object came from. A parse error fails the test.
func ParseFiles(t testing.TB, src string) []*manifest.Object {
	t.Helper()
	var objs []*manifest.Object
	file := "input.yaml"
	var buf strings.Builder
	flush := func() {
		o, d := manifest.Parse([]byte(buf.String()), file)
		if d.HasErrors() {
			t.Fatalf("parse %s: %v", file, d)
		}
		objs = append(objs, o...)
		buf.Reset()
	}
	for _, line := range strings.SplitAfter(src, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "---FILE "); ok {
			flush()
			file = name
			continue
		}
		buf.WriteString(line)
	}
	flush()
	return objs
}
