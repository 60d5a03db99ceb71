// Package layout keeps the packages in the layers README's Layout section
// shows: data flows one way, and no package imports one later in the chain.
package layout

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/edgegate/edgegate/"

// layers lists the packages in the order data flows through them; a
// package may import only packages of earlier layers (and its own
// subpackages' layers listed before it). Packages in one layer may not
// import each other.
var layers = [][]string{
	{"manifest/fastyaml", "manifest/k8sname", "manifest/patterns", "hostname", "render/match", "cmd/edgegate/internal/memlimit"},
	{"manifest"},
	{"api/v1alpha1", "credential"},
	{"podlabels"},
	{"render"},
	{"policy/model", "policy/schema"},
	{"policy/check"},
	{"policy", "artifact", "explain"},
	{"pipeline"},
	{"fn"},
	{"cmd/edgegate"},
}

func TestPackagesImportOnlyEarlierLayers(t *testing.T) {
	root := filepath.Join("..", "..")
	layer := map[string]int{}
	for i, ps := range layers {
		for _, p := range ps {
			layer[p] = i
		}
	}
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch {
			case rel == ".":
				return nil
			case strings.HasPrefix(d.Name(), ".") || rel == "tests" || rel == "examples" || rel == "docs" || rel == "config" ||
				d.Name() == "testdata":
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // a module of its own
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(rel))
		from, ok := layer[pkg]
		if !ok {
			t.Errorf("package %s is in no layer: add it to this test and to README's Layout", pkg)
			return nil
		}
		seen[pkg] = true
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			dep, ok := strings.CutPrefix(p, module)
			if !ok {
				continue
			}
			if to, known := layer[dep]; !known || to >= from {
				t.Errorf("%s imports %s, which is not in an earlier layer", rel, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range layer {
		if !seen[p] {
			t.Errorf("layer package %s has no Go files: remove it from the test", p)
		}
	}
	if len(seen) == 0 {
		t.Fatal("no package found")
	}
}
