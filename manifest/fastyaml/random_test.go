package fastyaml

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// yamlGen writes random YAML text in the subset Parse implements, with
// random layout: indentation widths, compact and indentless sequences,
// flow collections, every scalar style, blank lines and document markers.
type yamlGen struct {
	rng *rand.Rand
	b   strings.Builder
}

var genWords = []string{
	"a", "b", "name", "app-1", "x.y/z", "true", "false", "yes", "no", "null", "~", "1", "-1", "+1", "0x1F", "08", "0o17",
	"1.5", ".5", "1e3", ".inf", "-.inf", ".nan", "2001-12-14", "1:20", "héllo", "a b", "a:b", "a#b", "-x", "?x", ":x",
	"x.", "...x", "---x", "500ms", "svc:8080", "*.example.com", "/p1/", "^/api/v1/[a-z]+$", "a,b", "a]b", "{x", "é", "😀",
}

func (g *yamlGen) word() string { return genWords[g.rng.IntN(len(genWords))] }

// scalar writes a scalar that fits on one line, in flow context or not.
func (g *yamlGen) scalar(flow bool) string {
	w := g.word()
	switch g.rng.IntN(6) {
	case 0:
		return "'" + strings.ReplaceAll(w, "'", "''") + "'"
	case 1:
		esc := []string{"\\t", "\\n", "\\\\", "\\\"", "\\x41", "\\u00e9", "\\U0001F600", "\\ ", "\\0", "\\N", "\\_"}
		return "\"" + w + esc[g.rng.IntN(len(esc))] + "\""
	}
	if flow && strings.ContainsAny(w, ",[]{}") || strings.HasPrefix(w, "?") || strings.HasPrefix(w, ":") && flow {
		return "'" + w + "'"
	}
	if strings.HasPrefix(w, "*") || strings.HasPrefix(w, "{") {
		return "\"" + w + "\""
	}
	return w
}

func (g *yamlGen) flow(depth int) string {
	n := g.rng.IntN(4)
	sp := []string{"", " ", "  "}[g.rng.IntN(3)]
	var items []string
	if g.rng.IntN(2) == 0 || depth > 2 {
		for i := 0; i < n; i++ {
			if depth < 2 && g.rng.IntN(4) == 0 {
				items = append(items, g.flow(depth+1))
			} else {
				items = append(items, g.scalar(true))
			}
		}
		return "[" + sp + strings.Join(items, ","+sp) + sp + "]"
	}
	for i := 0; i < n; i++ {
		k := g.scalar(true)
		v := g.scalar(true)
		switch {
		case g.rng.IntN(8) == 0:
			v = ""
		case depth < 2 && g.rng.IntN(4) == 0:
			v = g.flow(depth + 1)
		}
		items = append(items, k+": "+v)
	}
	return "{" + sp + strings.Join(items, ","+sp) + sp + "}"
}

func (g *yamlGen) blockScalar(indent int) string {
	var h strings.Builder
	h.WriteByte("|>"[g.rng.IntN(2)])
	switch g.rng.IntN(4) {
	case 1:
		h.WriteByte('-')
	case 2:
		h.WriteByte('+')
	}
	step := 2
	if g.rng.IntN(4) == 0 {
		step = 1 + g.rng.IntN(3)
		h.WriteByte(byte('0' + step))
	}
	h.WriteByte('\n')
	pad := strings.Repeat(" ", indent+step)
	for i, n := 0, 1+g.rng.IntN(4); i < n; i++ {
		switch g.rng.IntN(5) {
		case 0:
			h.WriteString("\n")
		case 1:
			h.WriteString(pad + "  " + g.word() + "\n")
		default:
			h.WriteString(pad + g.word() + " " + g.word() + "\n")
		}
	}
	if g.rng.IntN(3) == 0 {
		h.WriteString("\n")
	}
	return h.String()
}

// node writes a block node whose first line continues the current line
// (after "key:" or "- "), indented by indent.
func (g *yamlGen) node(indent, depth int, inSeq bool) {
	r := g.rng.IntN(10)
	switch {
	case depth > 3 || r < 4:
		g.b.WriteString(" " + g.scalar(false) + "\n")
	case r < 5:
		g.b.WriteString(" " + g.flow(0) + "\n")
	case r < 6:
		g.b.WriteString(" " + g.blockScalar(indent))
	case r < 8:
		step := 1 + g.rng.IntN(3)
		if inSeq && g.rng.IntN(2) == 0 {
			// Compact: "- key: v" on the entry's line.
			g.mapping(indent+2, depth+1, true)
			return
		}
		g.b.WriteString("\n")
		g.mapping(indent+step, depth+1, false)
	default:
		step := g.rng.IntN(3)
		if inSeq && g.rng.IntN(2) == 0 {
			g.sequence(indent+2, depth+1, true)
			return
		}
		if step == 0 && inSeq {
			step = 2
		}
		g.b.WriteString("\n")
		g.sequence(indent+step, depth+1, false)
	}
}

func (g *yamlGen) mapping(indent, depth int, compact bool) {
	for i, n := 0, 1+g.rng.IntN(4); i < n; i++ {
		if !(compact && i == 0) {
			g.b.WriteString(strings.Repeat(" ", indent))
		} else {
			g.b.WriteString(" ")
		}
		g.b.WriteString(g.scalar(false) + ":")
		if g.rng.IntN(10) == 0 {
			g.b.WriteString("\n")
			continue
		}
		g.node(indent, depth, false)
		if g.rng.IntN(10) == 0 {
			g.b.WriteString("\n")
		}
	}
}

func (g *yamlGen) sequence(indent, depth int, compact bool) {
	for i, n := 0, 1+g.rng.IntN(4); i < n; i++ {
		if !(compact && i == 0) {
			g.b.WriteString(strings.Repeat(" ", indent))
		} else {
			g.b.WriteString(" ")
		}
		g.b.WriteString("-")
		if g.rng.IntN(10) == 0 {
			g.b.WriteString("\n")
			continue
		}
		g.node(indent, depth, true)
	}
}

func (g *yamlGen) stream() string {
	g.b.Reset()
	for i, n := 0, 1+g.rng.IntN(3); i < n; i++ {
		if i > 0 || g.rng.IntN(2) == 0 {
			g.b.WriteString("---\n")
		}
		switch g.rng.IntN(8) {
		case 0:
			g.b.WriteString(g.flow(0) + "\n")
		case 1:
			g.sequence(0, 0, false)
		case 2:
			// empty document
		default:
			g.mapping(0, 0, false)
		}
		if g.rng.IntN(5) == 0 {
			g.b.WriteString("...\n")
		}
	}
	return g.b.String()
}

// mutate applies a few random byte edits.
func mutate(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i, n := 0, 1+rng.IntN(3); i < n && len(b) > 0; i++ {
		p := rng.IntN(len(b))
		switch rng.IntN(4) {
		case 0:
			b = append(b[:p], b[p+1:]...)
		case 1:
			const chars = " \n-:#'\"[]{},|>\t"
			b = append(b[:p], append([]byte{chars[rng.IntN(len(chars))]}, b[p:]...)...)
		case 2:
			b[p] = " \n-:"[rng.IntN(4)]
		default:
			// duplicate a line
			start := strings.LastIndexByte(string(b[:p]), '\n') + 1
			end := strings.IndexByte(string(b[p:]), '\n')
			if end < 0 {
				continue
			}
			line := append([]byte(nil), b[start:p+end+1]...)
			b = append(b[:start], append(line, b[start:]...)...)
		}
	}
	return string(b)
}

func TestRandomDocs(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	g := &yamlGen{rng: rand.New(rand.NewPCG(3, 4))}
	var took, tookMutated, failures int
	for i := 0; i < n && failures < 10; i++ {
		src := g.stream()
		ok, err := checkParse([]byte(src))
		if err != nil {
			failures++
			t.Errorf("%v\ninput: %q", err, src)
		}
		if ok {
			took++
		}
		mut := mutate(g.rng, src)
		ok, err = checkParse([]byte(mut))
		if err != nil {
			failures++
			t.Errorf("%v\ninput: %q", err, mut)
		}
		if ok {
			tookMutated++
		}
		// Emit what yaml.v3 decodes, comments aside.
		docs, _ := decodeAll([]byte(src))
		for _, d := range docs {
			if _, err := checkEmit(d); err != nil {
				failures++
				t.Errorf("%v\nsource: %q", err, src)
			}
		}
	}
	t.Log(fmt.Sprintf("Parse took %d of %d generated streams, %d of %d mutated ones", took, n, tookMutated, n))
}

// randomTree builds a random node tree: every kind, style and tag Emit
// handles, scalars from the tricky values.
func randomTree(rng *rand.Rand, depth int) *yaml.Node {
	styles := []yaml.Style{0, 0, 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle, yaml.FlowStyle}
	tags := []string{"", "!!str", "!!str", "tag:yaml.org,2002:str"}
	n := &yaml.Node{Style: styles[rng.IntN(len(styles))]}
	switch r := rng.IntN(10); {
	case depth > 3 || r < 5:
		n.Kind = yaml.ScalarNode
		n.Value = trickyValues[rng.IntN(len(trickyValues))]
		if rng.IntN(3) == 0 {
			n.Value += trickyValues[rng.IntN(len(trickyValues))]
		}
		n.Tag = tags[rng.IntN(len(tags))]
		if rng.IntN(10) == 0 {
			n.Tag = resolve(n.Value)
		}
	case r < 7:
		n.Kind = yaml.SequenceNode
		if rng.IntN(2) == 0 {
			n.Tag = "!!seq"
		}
		for i, k := 0, rng.IntN(4); i < k; i++ {
			n.Content = append(n.Content, randomTree(rng, depth+1))
		}
	default:
		n.Kind = yaml.MappingNode
		if rng.IntN(2) == 0 {
			n.Tag = "!!map"
		}
		for i, k := 0, rng.IntN(4); i < k; i++ {
			key := randomTree(rng, 4)
			if rng.IntN(2) == 0 {
				key.Value = genWords[rng.IntN(len(genWords))]
			}
			n.Content = append(n.Content, key, randomTree(rng, depth+1))
		}
	}
	if rng.IntN(30) == 0 {
		*n = yaml.Node{} // a zero node is written as null
	}
	return n
}

func TestRandomEmit(t *testing.T) {
	n := 30000
	if testing.Short() {
		n = 3000
	}
	rng := rand.New(rand.NewPCG(5, 6))
	took, failures := 0, 0
	for i := 0; i < n && failures < 10; i++ {
		tree := randomTree(rng, 0)
		if rng.IntN(2) == 0 {
			tree = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{tree}}
		}
		ok, err := checkEmit(tree)
		if err != nil {
			failures++
			t.Error(err)
		}
		if ok {
			took++
			// What Emit writes, Parse must read as yaml.v3 does.
			var buf bytes.Buffer
			Emit(&buf, tree)
			if _, err := checkParse(buf.Bytes()); err != nil {
				failures++
				t.Errorf("%v\ninput:\n%s", err, buf.Bytes())
			}
		}
	}
	t.Logf("Emit took %d of %d random trees", took, n)
}
