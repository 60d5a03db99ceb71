package fastyaml

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/tests/bench/gen"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// repoDirs are the directories of YAML files the differential tests read,
// relative to this package.
var repoDirs = []string{
	"../../examples",
	"../../tests/golden/testdata",
	"../../tests/badinput/cases",
	"../../tests/istio/testdata",
	"../../tests/e2e/testdata",
}

func repoFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for _, dir := range repoDirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				files[path] = data
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		t.Fatal("no YAML files found")
	}
	return files
}

func generated(seed uint64, apps int) map[string][]byte {
	return generatedRepo(gen.Options{Apps: apps, Gateways: 5, Seed: seed})
}

func generatedWithModeline(seed uint64, apps int) map[string][]byte {
	return generatedRepo(gen.Options{Apps: apps, Gateways: 5, Seed: seed, Modeline: true})
}

func generatedRepo(o gen.Options) map[string][]byte {
	repo := gen.Generate(o)
	files := map[string][]byte{}
	for _, p := range repo.Paths() {
		files[p] = repo[p]
	}
	return files
}

// testParseFiles checks Parse on every file, and on the file without its
// comment lines: what it takes must be what yaml.v3 decodes, and what it
// declines must have a reason (parseDeclineReason). It returns how many
// inputs Parse took.
func testParseFiles(t *testing.T, files map[string][]byte) (took, total int) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		data := files[name]
		for i, in := range [][]byte{data, stripCommentLines(data)} {
			ok, err := checkParse(in)
			if err != nil {
				t.Errorf("%s (variant %d): %v\ninput:\n%s", name, i, err, in)
			}
			total++
			if ok {
				took++
			} else if why := parseDeclineReason(in); why == "" {
				t.Errorf("%s (variant %d): Parse declines input in the subset it implements\ninput:\n%s", name, i, in)
			}
		}
	}
	return took, total
}

// testEmitFiles checks Emit on every document yaml.v3 decodes from the files,
// with and without comments.
func testEmitFiles(t *testing.T, files map[string][]byte) (took, total int) {
	t.Helper()
	check := func(what string, n *yaml.Node) {
		ok, err := checkEmit(n)
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
		total++
		if ok {
			took++
		} else if err == nil && emitDeclineReason(n) == "" {
			t.Errorf("%s: Emit declines a tree in the subset it implements", what)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		docs, _ := decodeAll(files[name]) // the documents before a syntax error, if any
		for i, doc := range docs {
			for _, strip := range []bool{false, true} {
				if strip {
					stripComments(doc)
				}
				check(fmt.Sprintf("%s doc %d (comments stripped %v)", name, i, strip), doc)
				if len(doc.Content) == 1 {
					check(fmt.Sprintf("%s doc %d root (comments stripped %v)", name, i, strip), doc.Content[0])
				}
			}
		}
	}
	return took, total
}

func TestParseRepoFiles(t *testing.T) {
	took, total := testParseFiles(t, repoFiles(t))
	t.Logf("Parse took %d of %d inputs", took, total)
}

func TestEmitRepoFiles(t *testing.T) {
	took, total := testEmitFiles(t, repoFiles(t))
	t.Logf("Emit took %d of %d documents", took, total)
}

func TestGenerated(t *testing.T) {
	seeds := []uint64{1, 2, 3, 42, 1234}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		files := generated(seed, 200)
		took, total := testParseFiles(t, files)
		// The generated repositories have no comments: Parse must take
		// every file.
		if took != total {
			t.Errorf("seed %d: Parse took %d of %d inputs", seed, took, total)
		}
		took, total = testEmitFiles(t, files)
		if took != total {
			t.Errorf("seed %d: Emit took %d of %d documents", seed, took, total)
		}
	}
}

// trickyValues are strings whose quoting or resolution is easy to get wrong.
var trickyValues = []string{
	"", "*", "true", "True", "TRUE", "false", "yes", "Yes", "no", "on", "off", "y", "n", "Y", "N",
	"1:20", "-1:20", "190:20:30", "1:2", "0x1F", "0X1F", "0xZZ", "1e3", "1E3", "1e+3", "1.5e-3", ".5", "5.", "-.5", "+.5",
	"-", "--", "---", "----", "...", "....", "- x", "-x", "?", "? x", "?x", ":", ": x", ":x", "x:", "x: ", "x:y",
	"~", "null", "Null", "NULL", "nULL", "a: b", "#x", "x #y", "x#y", " lead", "trail ", " both ", "  ",
	"@x", "`x", "!x", "&x", "%x", "{x", "}x", "[x", "]x", ",", ",x", "x,y", "x]", "'quote", "\"dq", "a'b", "a\"b",
	"tab\t", "\ttab", "a\tb", "héllo", "\u2028", "a\u2028b", "\u2029", "\u0085", "a\u0085b", "\u00a0", "\u00a0x",
	"\ufeff", "\ufeffx", "x\ufeff", "\ufffd", "\ufffe", "😀", "x😀y", "\x00", "a\x00b", "\x07", "\x1b", "\x7f", "\u0080", "\u009f",
	"\\", "\\n", "a\\b", "\"", "'", "''", "\"\"",
	"08", "09", "0o17", "0O17", "0o8", "017", "0b101", "0B101", "-0b101", "-0o17", "+1", "-1", "+0", "-0", "0", "00",
	"1_000", "1__0", "_1", "1_", "0x_1F", "0b1_0", "9223372036854775807", "9223372036854775808", "18446744073709551615",
	"18446744073709551616", "-9223372036854775808", "-9223372036854775809", "123456789012345678", "1234567890123456789",
	".inf", ".Inf", ".INF", "+.inf", "-.inf", "-.Inf", ".nan", ".NaN", ".NAN", "inf", "+inf", "nan", "infinity", ".infinity",
	"1.", "1.2.3", "10.0.0.1", "1e", "e1", "1e3.5", ".e3", "._5", "._", "1_000.5", "0.1_5",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43,00+00:00", "2001-12-14 21:59:43.10", "2001-12-14T21:59:43Z", "2001-1-2", "2001-13-45",
	"20011-12-14", "2001-12", "<<", "<", "=", "500ms", "8080/TCP", "v1", "apps/v1", "a/b:c", "http://x.y/z#frag",
	"a\nb", "a\n", "a\n\n", "\n", "\na", " a\nb", "a \nb", "a\n b", "a\n\nb", "a\n\n\nb\n", "\n\n", "a\r\nb", "a\rb",
	"  a\n  b\n", "a\n  b\n c", "x\n\u2028y", "trailing space \n", "# not a comment\n",
	strings.Repeat("long word ", 20), strings.Repeat("k", 128), strings.Repeat("k", 129), strings.Repeat("é", 70),
	strings.Repeat("x", 1100), "a  b", "a   b  ", "a\u00a0b", "key: value\nother: x",
}

// trickyDoc builds a mapping that uses every tricky value as key, value,
// flow item and block item, in several styles and tags.
func trickyDoc(values []string) *yaml.Node {
	str := func(v string, style yaml.Style, tag string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v, Style: style}
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i, v := range values {
		for _, style := range []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle} {
			for _, tag := range []string{"!!str", ""} {
				m.Content = append(m.Content,
					str(fmt.Sprintf("k%d", i), 0, ""), str(v, style, tag),
					str(v, style, tag), str("x", 0, ""),
					str("flow", 0, ""), &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{str(v, style, tag), str(v, style, tag)}},
					str("fmap", 0, ""), &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{str(v, style, tag), str(v, style, tag)}},
					str("block", 0, ""), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{str(v, style, tag), {Kind: yaml.SequenceNode, Content: []*yaml.Node{str(v, style, tag)}}}},
				)
			}
		}
	}
	return m
}

func TestTricky(t *testing.T) {
	var took, total int
	for _, v := range trickyValues {
		doc := trickyDoc([]string{v})
		// Emit, on the whole mapping and on each pair.
		if ok, err := checkEmit(doc); err != nil {
			t.Errorf("value %q: %v", v, err)
		} else if ok {
			took++
		}
		total++
		for i := 0; i < len(doc.Content); i += 2 {
			pair := &yaml.Node{Kind: yaml.MappingNode, Content: doc.Content[i : i+2]}
			if _, err := checkEmit(pair); err != nil {
				t.Errorf("value %q: %v", v, err)
			}
			if _, err := checkEmit(doc.Content[i+1]); err != nil {
				t.Errorf("value %q: %v", v, err)
			}
		}
		// Parse, on what yaml.v3 writes for the documents.
		out, err := encode(doc)
		if err != nil {
			continue
		}
		if _, err := checkParse(out); err != nil {
			t.Errorf("value %q: %v\ninput:\n%s", v, err, out)
		}
		for _, line := range strings.SplitAfter(string(out), "\n") {
			if _, err := checkParse([]byte(line)); err != nil {
				t.Errorf("value %q: %v\ninput:\n%s", v, err, line)
			}
		}
	}
	t.Logf("Emit took %d of %d tricky documents", took, total)
}

// parseCases are inputs Parse must take (and match yaml.v3 on).
var parseCases = []string{
	"",
	"\n\n  \n",
	"a: 1\n",
	"a: 1",
	"---\na: 1\n",
	"---\n",
	"---",
	"--- \n",
	"---\n---\n",
	"a: 1\n---\n",
	"a: 1\n---",
	"a: 1\n...\n",
	"a: 1\n...\n---\nb: 2\n",
	"a: 1\n...\n...\n---\nb: 2\n...\n",
	"---\n...\n",
	"a:\n",
	"a:\nb:\n",
	"a:\n- 1\n-\n- 3\nb: 2\n",
	"a:\n  - 1\n  - 2\n",
	"- a: 1\n  b: 2\n- c\n-\n  d: 3\n- - x\n  - y\n- [1, 2]\n- {a: b}\n",
	"- - - a\n    - b\n  - c\n- d\n",
	"a: {b: c, d: [1, 2, {e: f}], g: }\n",
	"a: {\"b\":1, 'c':d, e: , f: g}\n",
	"a: [a, b, ]\nb: {a: b, }\nc: []\nd: {}\n",
	"a: 'it''s'\nb: \"tab\\there \\u00e9 \\x41 \\U0001F600 \\\\ \\\"\"\n",
	"a: \"x\\ty\"\nb: \"\\0\\a\\b\\n\\v\\f\\r\\e\\ \\N\\_\\L\\P\"\n",
	"'a': 1\n\"b\": 2\nc : 3\n",
	"a: héllo wörld\nb: [héllo, wörld]\nc: {é: è}\nd: 'é' \n",
	"é: 1\nà: {è: [ü, ö]}\n",
	"a: |\n  line1\n  line2\nb: >\n  folded\n  text\n\n  para\nc: |-\n  x\nd: |+\n  y\n\ne: x\n",
	"- |\n  a\n   b\n\n- >-\n  a\n  b\n\n  c\n- end\n",
	"a: |2\n    indented\nb: >+1\n  x\n",
	"a: |\n\n  x\n\n\nb: 1\n",
	"a: |\nb: 1\n",
	"a: |",
	"a: |\n  x",
	"|\n  root\n",
	"key:\n  value\nother: x\n",
	"-\n  a\n- b\n",
	"  a: 1\n  b: 2\n",
	"a:    1\nb:  [ 1 ,  2 ]   \n",
	"a: b c d\nb: x:y\nc: -1\nd: ?x\ne: :x\nf: a#b\n",
	"a: ---\nb: ...\n---x: 1\n",
	"true: 1\n1: 2\nnull: 3\n~: 4\n1.5: 5\n",
	"a: b\na: c\n",
	"a: 2001-12-14\nb: 08\nc: 0o17\nd: .inf\ne: 1_000\n",
	"[a, b]\n",
	"{a: b}\n",
	"'x'\n",
	"x\n",
	"--- \n  - a\n  - b\n",
	"a:\n- b: 1\n  c:\n  - d\n- e\nf: g\n",
	"a: [-1, -x, -]\n",
	"a: [a :b]\n",
}

func TestParseCases(t *testing.T) {
	for _, in := range parseCases {
		ok, err := checkParse([]byte(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
		} else if !ok {
			t.Errorf("%q: Parse fell back", in)
		}
	}
}

// fallbackCases are inputs Parse must refuse.
var fallbackCases = []string{
	"a: 1 # comment\n",
	"a: &x 1\nb: *x\n",
	"a: !foo 1\n",
	"? a\n: b\n",
	"a:\n\tb: 1\n",
	"a: b\n  c\n",
	"a: 'b\n  c'\n",
	"a: [1,\n  2]\n",
	"%YAML 1.2\n---\na: 1\n",
	"<<: {a: 1}\n",
	"\ufeffa: 1\n",
	"a: 1\r\nb: 2\r\n",
	"a: b: c\n",
	"a: 1\n- b\n",
	"...\n",
	"a: 1\n...\nb: 2\n",
	"a: \"\\/\"\n",
	"a: \"b\\\n c\"\n",
	"[a: b]\n",
	"{a}\n",
	"{a:}\n",
	"a: \xff\n",
	"a: \x01\n",
	"--- a\n",
	"a: - b\n",
}

func TestFallbackCases(t *testing.T) {
	for _, in := range fallbackCases {
		ok, err := checkParse([]byte(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
		} else if ok {
			t.Errorf("%q: Parse did not fall back", in)
		}
	}
}

// TestParseReuse checks that the chunks shared between calls never let one
// call's results change another's: a fallback in between, appends to Content
// slices, and concurrent calls.
func TestParseReuse(t *testing.T) {
	files := generated(9, 20)
	var inputs [][]byte
	for _, p := range gen.Repo(files).Paths() {
		inputs = append(inputs, files[p])
	}
	var results [][]*yaml.Node
	for i, in := range inputs {
		docs, ok, err := Parse(in)
		if !ok || err != nil {
			t.Fatalf("input %d fell back", i)
		}
		results = append(results, docs)
		// A fallback half-way through a document.
		if _, ok, err := Parse(append(append([]byte(nil), in...), "\nx: &a 1\n"...)); ok || err != nil {
			t.Fatal("anchor taken")
		}
		// Appending to a Content slice must not overwrite its neighbours.
		root := docs[0].Content[0]
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "k"}, &yaml.Node{Kind: yaml.ScalarNode, Value: "v"})
		root.Content = root.Content[:len(root.Content)-2]
	}
	for i, in := range inputs {
		want, err := decodeAll(in)
		if err != nil {
			t.Fatal(err)
		}
		for j := range want {
			if err := diffNodes(results[i][j], want[j], fmt.Sprintf("input %d doc %d", i, j)); err != nil {
				t.Error(err)
			}
		}
	}

	done := make(chan error)
	for w := 0; w < 4; w++ {
		go func() {
			var err error
			for k := 0; k < 3 && err == nil; k++ {
				for _, in := range inputs {
					if _, err = checkParse(in); err != nil {
						break
					}
				}
			}
			done <- err
		}()
	}
	for w := 0; w < 4; w++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
