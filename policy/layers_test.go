package policy

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// checkFile names the file of one check in policy/check: eg001_conflicting_gateways.go.
var checkFile = regexp.MustCompile(`^eg\d{3}_[a-z0-9_]+\.go$`)

// TestChecksShareOnlyTheModel keeps the checks apart: a check file may use
// what policy/model, render and the rest of the module export, and the names
// of its own file, but no package-level name declared in another check's
// file. What two checks need is moved to policy/model (or render/match),
// where it has one owner and one set of tests.
func TestChecksShareOnlyTheModel(t *testing.T) {
	dir := "check"
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	// The compiler's export data of the dependencies, which go list builds
	// (from the build cache, mostly): type-checking them from source takes
	// many times longer.
	out, err := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", "./"+dir).Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, file, ok := strings.Cut(line, "="); ok && file != "" {
			exports[path] = file
		}
	}
	lookup := func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", lookup)}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	pkg, err := conf.Check("github.com/edgegate/edgegate/policy/check", fset, files, info)
	if err != nil {
		t.Fatal(err)
	}
	crossings := map[string]map[string]bool{}
	use := func(at token.Pos, obj types.Object) {
		if obj == nil || obj.Pkg() != pkg || !obj.Pos().IsValid() {
			return
		}
		from := filepath.Base(fset.Position(at).Filename)
		decl := filepath.Base(fset.Position(obj.Pos()).Filename)
		if from == decl || !checkFile.MatchString(from) {
			return
		}
		if crossings[from] == nil {
			crossings[from] = map[string]bool{}
		}
		crossings[from][obj.Name()+" (declared in "+decl+")"] = true
	}
	for id, obj := range info.Uses {
		if obj.Parent() == pkg.Scope() {
			use(id.Pos(), obj)
		}
	}
	// A field or method of another check's type, reached without naming
	// the type (through a value another check's function returned).
	for sel, s := range info.Selections {
		use(sel.Sel.Pos(), s.Obj())
	}
	var bad []string
	for from, names := range crossings {
		var list []string
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		bad = append(bad, from+" uses "+strings.Join(list, ", "))
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
	if len(files) < 15 {
		t.Errorf("found %d files in policy/check, want a file per check", len(files))
	}
}
