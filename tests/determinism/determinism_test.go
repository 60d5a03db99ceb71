// Package determinism renders the same repositories laid out in many
// different ways and requires byte-identical results: edgegate's output, and
// the host bindings it allocates, must never depend on file names, on how
// documents are split into files, on their order, on directory nesting or on
// the order of the paths given.
//
// Each repository (every example, and a generated 500-app repository) is
// split into its YAML documents and re-assembled variants times by a
// seeded random generator (so a failure reproduces: the message names the
// seed and variant, and the variant's files are kept on failure):
//
//   - stdin: all documents, shuffled, in one stream (`render -`);
//   - one file per document, with random names and nesting;
//   - documents dealt into a random number of files, shuffled inside each,
//     .yaml and .yml mixed, nested up to three directories deep;
//   - the files of such a layout passed as separate paths in random order.
//
// For each variant, `edgegate render` must print exactly what it prints for
// the original layout and the same diagnostics (file names aside), and
// `edgegate lock`, run on the variant without its HostBindings (starting from
// no lock), must write exactly the lock it writes for the original layout,
// which for the examples is the lock they commit.
//
// Every render and lock runs the real binary; variants run in parallel (up
// to -parallel, GOMAXPROCS by default). About 25 s of CPU in all, most of it
// for the generated repository's 42 runs.
package determinism

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/bench/gen"
	"github.com/edgegate/edgegate/tests/testutil"
)

const (
	// seed fixes every shuffle; change it to explore, keep it to reproduce.
	seed = 20240611
	// variants is how many layouts of each repository are rendered.
	variants = 20
)

// doc is one YAML document of a repository.
type doc struct {
	text   string
	lock   bool   // a HostBindings object
	origin string // the file it was read from
}

var hostBindingsKind = regexp.MustCompile(`(?m)^kind: HostBindings\s*$`)

// splitDocuments cuts a file into its documents at "---" lines, dropping
// empty ones; documents holding only comments are kept (they must be harmless
// wherever they go).
func splitDocuments(path string, data []byte) []doc {
	var docs []doc
	var cur strings.Builder
	flush := func() {
		text := cur.String()
		cur.Reset()
		if strings.TrimSpace(text) == "" {
			return
		}
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		docs = append(docs, doc{text: text, origin: path, lock: hostBindingsKind.MatchString(text)})
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if trimmed := strings.TrimRight(line, " \t\r\n"); trimmed == "---" || strings.HasPrefix(trimmed, "--- ") {
			flush()
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return docs
}

// repo is a repository to render: its documents, and the paths to render it
// from in its original layout.
type repo struct {
	name  string
	dir   string // the original layout
	paths []string
	docs  []doc
}

func readRepo(t testing.TB, name, dir string) repo {
	t.Helper()
	r := repo{name: name, dir: dir, paths: []string{"."}}
	for _, rel := range testutil.YAMLFiles(t, dir) {
		if base := filepath.Base(rel); base == "kustomization.yaml" || base == "kustomization.yml" {
			continue // never read by edgegate
		}
		if hasHiddenDir(rel) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		r.docs = append(r.docs, splitDocuments(rel, data)...)
	}
	if len(r.docs) == 0 {
		t.Fatalf("%s has no documents", dir)
	}
	return r
}

func hasHiddenDir(rel string) bool {
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return true
		}
	}
	return false
}

// layout is one way of presenting a repository's documents.
type layout struct {
	files map[string]string // relative path → content
	stdin string            // when set, render "-" and no files
	paths []string          // the paths to render, relative to the variant's dir
	desc  string
}

// makeLayout deals docs (already without or with the lock, as wanted) into
// a layout chosen by variant i.
func makeLayout(rng *rand.Rand, docs []doc, i int) layout {
	docs = append([]doc(nil), docs...)
	rng.Shuffle(len(docs), func(a, b int) { docs[a], docs[b] = docs[b], docs[a] })
	switch i % 4 {
	case 0:
		var b strings.Builder
		for _, d := range docs {
			b.WriteString(separator(rng))
			b.WriteString(d.text)
		}
		return layout{stdin: b.String(), paths: []string{"-"}, desc: "stdin"}
	case 1:
		l := layout{files: map[string]string{}, paths: []string{"."}, desc: "one file per document"}
		for _, d := range docs {
			l.files[freshName(rng, l.files)] = d.text
		}
		return l
	default:
		n := 1 + rng.IntN(min(len(docs), 12))
		groups := make([][]doc, n)
		for _, d := range docs {
			g := rng.IntN(n)
			groups[g] = append(groups[g], d)
		}
		l := layout{files: map[string]string{}, paths: []string{"."}}
		for _, g := range groups {
			if len(g) == 0 {
				continue
			}
			var b strings.Builder
			for j, d := range g {
				if j > 0 || rng.IntN(2) == 0 {
					b.WriteString(separator(rng))
				}
				b.WriteString(d.text)
			}
			l.files[freshName(rng, l.files)] = b.String()
		}
		l.desc = fmt.Sprintf("%d files", len(l.files))
		if i%4 == 3 {
			l.paths = nil
			for p := range l.files {
				l.paths = append(l.paths, p)
			}
			sort.Strings(l.paths)
			rng.Shuffle(len(l.paths), func(a, b int) { l.paths[a], l.paths[b] = l.paths[b], l.paths[a] })
			l.desc += " passed as paths in random order"
		}
		return l
	}
}

func separator(rng *rand.Rand) string {
	return []string{"---\n", "--- \n"}[rng.IntN(2)]
}

// freshName picks an unused relative path, nested up to three directories.
func freshName(rng *rand.Rand, taken map[string]string) string {
	for {
		var parts []string
		for depth := rng.IntN(4); depth > 0; depth-- {
			parts = append(parts, fmt.Sprintf("d%x", rng.IntN(6)))
		}
		ext := []string{".yaml", ".yml"}[rng.IntN(2)]
		parts = append(parts, fmt.Sprintf("f%04x%s", rng.IntN(1<<16), ext))
		name := filepath.Join(parts...)
		clash := false
		for other := range taken {
			// a file may not also be a directory of another path
			if other == name || strings.HasPrefix(other, name+string(filepath.Separator)) || strings.HasPrefix(name, other+string(filepath.Separator)) {
				clash = true
				break
			}
		}
		if !clash {
			return name
		}
	}
}

func (l layout) write(t testing.TB, dir string) {
	t.Helper()
	for rel, content := range l.files {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// location matches the places a diagnostic names a file: "file:line: " at
// the start ("-" for stdin) and "file:line" references inside.
var (
	location      = regexp.MustCompile(`(^|[\s(])(?:[\w./-]+\.ya?ml(?::\d+)?|-:\d+)`)
	stdinLocation = regexp.MustCompile(`^-(:\d+)?: `)
)

// normalize sorts the lines of stderr with file names and lines replaced by
// FILE: what a diagnostic says must not depend on the layout, where it points
// does.
// summaryFiles is the file count of the summary line ("9 warnings in 12 files").
var summaryFiles = regexp.MustCompile(` in [0-9]+ files?$`)

func normalize(stderr string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if l == "" {
			continue
		}
		l = stdinLocation.ReplaceAllString(l, "FILE: ")
		// The summary line counts the files, which the layouts change.
		l = summaryFiles.ReplaceAllString(l, " in FILES")
		lines = append(lines, location.ReplaceAllString(l, "${1}FILE"))
	}
	sort.Strings(lines)
	return lines
}

// renderLayout renders one layout in a fresh directory.
func renderLayout(t testing.TB, l layout) (stdout string, diagnostics []string) {
	t.Helper()
	dir := t.TempDir()
	l.write(t, dir)
	res := testutil.Run(t, dir, []byte(l.stdin), append([]string{"render"}, l.paths...)...)
	if res.Code != 0 {
		t.Fatalf("render (%s) exit %d:\n%s", l.desc, res.Code, res.Stderr)
	}
	return res.Stdout, normalize(res.Stderr)
}

// lockLayout runs `edgegate lock` on one layout (which holds no lock) and
// returns the lock it writes and the changes it reports.
func lockLayout(t testing.TB, l layout) (lock, changes string) {
	t.Helper()
	dir := t.TempDir()
	l.write(t, dir)
	lockFile := filepath.Join(t.TempDir(), "hostbindings.yaml")
	res := testutil.Run(t, dir, []byte(l.stdin), append([]string{"lock", "--bindings", lockFile}, l.paths...)...)
	if res.Code != 0 {
		t.Fatalf("lock (%s) exit %d:\n%s", l.desc, res.Code, res.Stderr)
	}
	data, err := os.ReadFile(lockFile)
	if err != nil {
		t.Fatalf("lock (%s) wrote no file: %v\n%s", l.desc, err, res.Stdout)
	}
	// The first line names the lock file, which differs by variant.
	_, changes, _ = strings.Cut(res.Stdout, "\n")
	return string(data), changes
}

// committedLock is the content of the file holding r's HostBindings, when
// one file holds them all and nothing else; "" otherwise.
func committedLock(t testing.TB, r repo) string {
	t.Helper()
	files := map[string]bool{}
	for _, d := range r.docs {
		if d.lock {
			files[d.origin] = true
		}
	}
	if len(files) != 1 {
		return ""
	}
	for _, d := range r.docs {
		if !d.lock && files[d.origin] {
			return ""
		}
	}
	for f := range files {
		data, err := os.ReadFile(filepath.Join(r.dir, f))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	return ""
}

// withoutLocks is the original layout of r without its HostBindings: where
// `edgegate lock` starts from no lock.
func withoutLocks(r repo) layout {
	l := layout{files: map[string]string{}, paths: []string{"."}, desc: "original layout without its lock"}
	for _, d := range r.docs {
		if !d.lock {
			l.files[d.origin] += "---\n" + d.text
		}
	}
	return l
}

// check renders and locks r in its original layout, then in variants other
// layouts (in parallel, up to -parallel at a time), and compares.
func check(t *testing.T, r repo, seed uint64) {
	res := testutil.Run(t, r.dir, nil, append([]string{"render"}, r.paths...)...)
	if res.Code != 0 {
		t.Fatalf("render of %s exit %d:\n%s", r.dir, res.Code, res.Stderr)
	}
	wantRender, wantDiags := res.Stdout, normalize(res.Stderr)
	wantLock, wantChanges := lockLayout(t, withoutLocks(r))
	if !strings.Contains(wantLock, "kind: HostBindings") {
		t.Fatalf("lock of %s records no bindings:\n%s", r.dir, wantLock)
	}
	if committed := committedLock(t, r); committed != "" && committed != wantLock {
		t.Errorf("a fresh lock of %s differs from its committed lock:\n%s", r.dir, testutil.FirstDifference(committed, wantLock))
	}
	var noLocks []doc
	for _, d := range r.docs {
		if !d.lock {
			noLocks = append(noLocks, d)
		}
	}
	for i := 0; i < variants; i++ {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		rl := makeLayout(rng, r.docs, i)
		ll := makeLayout(rng, noLocks, i+1+rng.IntN(3))
		t.Run(fmt.Sprintf("variant-%02d", i), func(t *testing.T) {
			t.Parallel()
			where := fmt.Sprintf("seed %d variant %d", seed, i)
			got, diags := renderLayout(t, rl)
			if got != wantRender {
				t.Errorf("%s: render from %s differs from the original layout's:\n%s", where, rl.desc, testutil.FirstDifference(wantRender, got))
				keep(t, r.name, i, rl)
			}
			if d := diffLines(wantDiags, diags); d != "" {
				t.Errorf("%s: render from %s reports other diagnostics (file names aside):\n%s", where, rl.desc, d)
			}
			lock, changes := lockLayout(t, ll)
			if lock != wantLock {
				t.Errorf("%s: lock from %s differs from the original layout's:\n%s", where, ll.desc, testutil.FirstDifference(wantLock, lock))
				keep(t, r.name, i, ll)
			}
			if changes != wantChanges {
				t.Errorf("%s: lock from %s reports other changes:\nwant:\n%s\ngot:\n%s", where, ll.desc, wantChanges, changes)
			}
		})
	}
}

// keep writes a failing layout where a human can rerun it.
func keep(t *testing.T, name string, i int, l layout) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("edgegate-determinism-%s-%02d-", name, i))
	if err != nil {
		return
	}
	l.write(t, dir)
	if l.stdin != "" {
		_ = os.WriteFile(filepath.Join(dir, "stdin.yaml"), []byte(l.stdin), 0o644)
	}
	t.Logf("layout kept in %s (paths: %s)", dir, strings.Join(l.paths, " "))
}

func TestExamples(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join(testutil.Root, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, e := range entries {
		dir := filepath.Join(testutil.Root, "examples", e.Name())
		if !e.IsDir() || len(testutil.YAMLFiles(t, dir)) == 0 {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			check(t, readRepo(t, e.Name(), dir), seed+uint64(k))
		})
	}
	if n < 6 {
		t.Fatalf("found %d examples, want at least 6", n)
	}
}

// TestGenerated renders a generated 500-app repository over 5 gateways: many
// namespaces, wildcards, catch-alls that must move, TLS, hand-written Gateways.
func TestGenerated(t *testing.T) {
	dir := t.TempDir()
	repoFiles := gen.Generate(gen.Options{Apps: 500, Gateways: 5, Seed: seed})
	for _, p := range repoFiles.Paths() {
		path := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, repoFiles[p], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	check(t, readRepo(t, "generated", dir), seed)
}

// TestSplitDocuments pins the splitter the variants are built with: every
// object of a file survives, with its content.
func TestSplitDocuments(t *testing.T) {
	in := "# leading comment\napiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n---\n# only a comment\n--- \napiVersion: v1\nkind: B\nmetadata: {name: b}\ndata: {x: \"---\"}"
	docs := splitDocuments("x.yaml", []byte(in))
	var joined bytes.Buffer
	for _, d := range docs {
		joined.WriteString("---\n" + d.text)
	}
	want, _ := manifest.Parse([]byte(in), "x.yaml")
	got, diags := manifest.Parse(joined.Bytes(), "x.yaml")
	if diags.HasErrors() || len(got) != len(want) || len(got) != 2 {
		t.Fatalf("split into %d documents (%v), %d objects, want 2: %q", len(docs), diags, len(got), joined.String())
	}
	for i := range got {
		if got[i].Ref != want[i].Ref {
			t.Errorf("object %d: %v, want %v", i, got[i].Ref, want[i].Ref)
		}
	}
}

func diffLines(want, got []string) string {
	count := map[string]int{}
	for _, l := range want {
		count[l]++
	}
	for _, l := range got {
		count[l]--
	}
	var out []string
	for l, n := range count {
		switch {
		case n > 0:
			out = append(out, "- "+l)
		case n < 0:
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
