// Package badinput runs every case of the bad-input corpus through the CLI
// and the KRM function. Each case is a directory of input files and a
// want.txt whose lines must each appear in stderr. Both paths must fail with
// exit 1 and print no objects: Argo CD and kpt act on whatever is printed.
package badinput

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/tests/testutil"
)

func cases(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("cases")
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

func wants(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "want.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("%s/want.txt is empty", dir)
	}
	return lines
}

func TestCLI(t *testing.T) {
	for _, name := range cases(t) {
		t.Run(name, func(t *testing.T) {
			dir, _ := filepath.Abs(filepath.Join("cases", name))
			res := testutil.Run(t, dir, nil, "render", ".")
			check(t, res, wants(t, dir))
			if res.Stdout != "" {
				t.Errorf("printed objects on failure:\n%s", res.Stdout)
			}
		})
	}
}

// lineNumber matches the ":12" after a file name: a ResourceList carries
// files but not lines.
var lineNumber = regexp.MustCompile(`([\w./-]+\.ya?ml):\d+`)

func TestFunction(t *testing.T) {
	for _, name := range cases(t) {
		t.Run(name, func(t *testing.T) {
			dir, _ := filepath.Abs(filepath.Join("cases", name))
			if strings.Contains(strings.Join(wants(t, dir), "\n"), "invalid YAML") {
				t.Skip("kpt and kustomize parse the files before the function runs")
			}
			res := testutil.Run(t, dir, testutil.ResourceList(t, dir, ""))
			var want []string
			for _, w := range wants(t, dir) {
				want = append(want, lineNumber.ReplaceAllString(w, "$1"))
			}
			check(t, res, want)
			if strings.Contains(res.Stdout, "\n- apiVersion:") || !strings.Contains(res.Stdout, "items: []") {
				t.Errorf("function returned items on failure:\n%s", res.Stdout)
			}
			if !strings.Contains(res.Stdout, "severity: error") {
				t.Errorf("no error result:\n%s", res.Stdout)
			}
		})
	}
}

func check(t *testing.T, res testutil.Result, want []string) {
	t.Helper()
	if res.Code != 1 {
		t.Errorf("exit code %d, want 1", res.Code)
	}
	if strings.Contains(res.Stderr, "panic") || strings.Contains(res.Stderr, "goroutine ") {
		t.Errorf("panicked:\n%s", res.Stderr)
	}
	for _, w := range want {
		if !strings.Contains(res.Stderr, w) {
			t.Errorf("stderr lacks\n  %s\ngot\n  %s", w, strings.ReplaceAll(strings.TrimSpace(res.Stderr), "\n", "\n  "))
		}
	}
}
