package testutil

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Subdirs lists the directories in dir, sorted: the cases of a corpus.
func Subdirs(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// Want is a case's want.txt: one expected message fragment a line, "cli: "
// or "fn: " before one for one side only, and directives on lines starting
// with '#' ("# key: value"), which each corpus reads its own way.
type Want struct {
	// CLI and Fn are the fragments the CLI's and the KRM function's output
	// must hold. The function's drop the ":LINE" after a file name: a
	// ResourceList carries files but not lines.
	CLI, Fn []string
	// Directives are the "# key: value" lines, in order.
	Directives []Directive
}

// Directive is one "# key: value" line of a want.txt.
type Directive struct{ Key, Value string }

var lineNumber = regexp.MustCompile(`([\w./-]+\.ya?ml):\d+`)

// ReadWant reads dir/want.txt; it fails the test when the file expects no
// message at all.
func ReadWant(t testing.TB, dir string) Want {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "want.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var w Want
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if d, ok := strings.CutPrefix(l, "#"); ok {
			key, value, _ := strings.Cut(strings.TrimSpace(d), ":")
			w.Directives = append(w.Directives, Directive{key, strings.TrimSpace(value)})
			continue
		}
		switch mode, rest, _ := strings.Cut(l, ": "); mode {
		case "cli":
			w.CLI = append(w.CLI, rest)
		case "fn":
			w.Fn = append(w.Fn, lineNumber.ReplaceAllString(rest, "$1"))
		default:
			w.CLI = append(w.CLI, l)
			w.Fn = append(w.Fn, lineNumber.ReplaceAllString(l, "$1"))
		}
	}
	if len(w.CLI) == 0 && len(w.Fn) == 0 {
		t.Fatalf("%s/want.txt expects nothing", dir)
	}
	return w
}
