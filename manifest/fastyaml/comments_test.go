package fastyaml

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// commentCases are inputs with comments in the layouts Parse takes: it must
// take them and give every comment to the node yaml.v3 gives it to.
var commentCases = []string{
	"# yaml-language-server: $schema=https://example.com/appintent.json\napiVersion: v1\nkind: K\n",
	"# m\n# The blog team's app.\napiVersion: v1\nkind: K\n",
	"# m\n\napiVersion: v1\n",
	"# m\n\n# about\napiVersion: v1\n",
	"# m\n\n\n# a\n\n# b\n# c\nk: v\n",
	"# m\n\n\n# a\n\n\nk: v\n",
	"\n\n# m\nk: v\n",
	"#\n#x  \n# é 😀 'q' \"d\" : - ? [ {\nk: v\n",
	"# m\nk:\n  a: 1\n",
	"# m\n'k': 1\n",
	"---\n# m\nk: v\n",
	"a: 1\n---\n# m\nk: v\n",
	"a: |\n  x\n\n# c\nb: 2\n",
	"a: |+\n  x\n\n# c\nb: 2\n",
	"a: >-\n  x\n\n\n# c\nb: 2\n",
	"# m\nk: v\n---\n# n\nk: w\n---\n# o\n# p\nk: x\n",
	"a: 1\n# c\nb: 2\n",
	"a: 1\n# c\n# d\nb: 2\n",
	"a: 1\n\n# c\nb: 2\n",
	"x:\n  a: 1\n  # c\n  b: 2\n",
	"a:\n  x: 1\n# c\nb: 2\n",
	"a:\n  x:\n    y: 1\n# c\nb: 2\n",
	"a:\n- x\n# c\nb: 2\n",
	"a:\n  - x\n# c\nb: 2\n",
	"a: |\n  x\n  # not a comment\n# c\nb: 2\n",
	"a: [1]\n# c\nb: {x: 1}\n",
	"- a: 1\n  # c\n  b: 2\n",
	"# m\napiVersion: v1\nkind: K\nspec:\n  # the hosts\n  hosts: [a]\n  # the routes\n  routes:\n  - to: x\n    # c\n    timeout: 1s\n",
}

// commentFallbackCases are inputs with comments Parse must decline: yaml.v3
// places their comments in ways Parse does not reproduce.
var commentFallbackCases = []string{
	"a: 1 # line comment\n",
	"a: 1\n# foot\n",
	"a: 1\n# foot\n\nb: 2\n",
	"a:\n  x: 1\n  # foot of x\nb: 2\n",
	"a: 1\n  # indented\nb: 2\n",
	"# c\n---\na: 1\n",
	"---\n# c\n\na: 1\n",
	"---\n\n# c\na: 1\n",
	"a: 1\n---\n\n# c\nb: 1\n",
	"---\n# c\n\n# d\na: 1\n",
	"a: 1\n# c\n---\nb: 1\n",
	"a: 1\n---\n# c\n\n\nb: 1\n",
	"# c\n- a\n",
	"# c\nx\n",
	"# c\n{a: 1}\n",
	"# only a comment\n",
	"# c\n\n\n",
	"- a\n# c\n- b\n",
	"a:\n# c\n  b: 2\n",
	"a:\n# c\nb: 2\n",
	" # c\na: 1\n",
	"#\tc\na: 1\n",
	"a: 1\n...\n# c\n---\nb: 1\n",
	"a: [1, # c\n  2]\n",
	"a: | # c\n  x\n",
}

func TestCommentCases(t *testing.T) {
	for _, in := range commentCases {
		ok, err := checkParse([]byte(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
		} else if !ok {
			t.Errorf("%q: Parse fell back", in)
		}
	}
	for _, in := range commentFallbackCases {
		ok, err := checkParse([]byte(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
		} else if ok {
			t.Errorf("%q: Parse did not fall back", in)
		}
	}
}

// withComments inserts comment lines into src at random: full-line
// comments at the indentation of the line after them, of the line before,
// or at random, with blank lines around them or not, and now and then a
// comment at the end of a line; friendly, only at the indentation of the
// line after them, without blank lines, in the layouts Parse mostly takes.
func withComments(rng *rand.Rand, src string, friendly bool) string {
	lines := strings.SplitAfter(src, "\n")
	indent := func(k int) int {
		if k < 0 || k >= len(lines) {
			return 0
		}
		return len(lines[k]) - len(strings.TrimLeft(lines[k], " "))
	}
	texts := []string{"#", "# c", "#c  ", "# yaml-language-server: $schema=https://x/y.json", "# é: [x] 'q'", "## -- x"}
	var b strings.Builder
	for k := 0; k <= len(lines); k++ {
		if rng.IntN(4) == 0 {
			for n := 1 + rng.IntN(2); n > 0; n-- {
				if !friendly && rng.IntN(5) == 0 {
					b.WriteString("\n")
				}
				ind := indent(k)
				switch r := rng.IntN(6); {
				case friendly:
				case r == 0:
					ind = indent(k - 1)
				case r == 1:
					ind = rng.IntN(5)
				case r == 2, r == 3:
					ind = 0
				}
				b.WriteString(strings.Repeat(" ", ind) + texts[rng.IntN(len(texts))] + "\n")
				if !friendly && rng.IntN(6) == 0 {
					b.WriteString("\n")
				}
			}
		}
		if k < len(lines) {
			line := lines[k]
			if !friendly && rng.IntN(40) == 0 && strings.HasSuffix(line, "\n") {
				line = strings.TrimSuffix(line, "\n") + " # end\n"
			}
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestRandomComments holds Parse to yaml.v3 on random documents with
// comments inserted at random: what it takes must carry every comment
// where yaml.v3 puts it.
func TestRandomComments(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	g := &yamlGen{rng: rand.New(rand.NewPCG(7, 8))}
	var took, failures int
	for i := 0; i < n && failures < 10; i++ {
		src := withComments(g.rng, g.stream(), i%2 == 0)
		ok, err := checkParse([]byte(src))
		if err != nil {
			failures++
			t.Errorf("%v\ninput: %q", err, src)
		}
		if ok {
			took++
		}
	}
	t.Log(fmt.Sprintf("Parse took %d of %d streams with comments", took, n))
}

// TestGeneratedWithModeline: the generated repository with a modeline at
// the top of every file, as the examples have, is read by Parse, not by
// yaml.v3.
func TestGeneratedWithModeline(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		files := generatedWithModeline(seed, 100)
		took, total := testParseFiles(t, files)
		if took != total {
			t.Errorf("seed %d: Parse took %d of %d inputs", seed, took, total)
		}
		testEmitFiles(t, files)
	}
}
