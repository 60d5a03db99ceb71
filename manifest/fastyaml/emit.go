package fastyaml

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// bestIndent is the indentation manifest.NewEncoder sets.
const bestIndent = 2

// maxEmitDepth bounds the nesting Emit takes (a cyclic tree would never end).
const maxEmitDepth = 10000

// maxSimpleKey is the longest scalar libyaml writes as a simple key.
const maxSimpleKey = 128

// Scalar styles, as libyaml's emitter names them.
type scalarStyle int

const (
	plainStyle scalarStyle = iota
	singleStyle
	doubleStyle
	literalStyle
	foldedStyle
)

// emitter is libyaml's emitter (go.yaml.in/yaml/v3 emitterc.go) reduced to
// what yaml.v3's Encoder with SetIndent(2) and CompactSeqIndent() does for a
// node tree without comments, anchors and explicit tags: a recursive walk
// that keeps the emitter's state (column, indent, whitespace, indention)
// exactly, without its event queue. The best width is yaml.v3's default,
// unlimited, so no line is ever folded.
type emitter struct {
	out        []byte
	indent     int
	column     int
	flowLevel  int
	whitespace bool
	indention  bool

	// The context of the node being emitted.
	mappingCtx   bool
	simpleKeyCtx bool

	depth int        // of the node being emitted
	cur   *yaml.Node // the node being emitted, for an InternalError

	// The analysis of the key about to be emitted, made by simpleKey.
	keyAnalysis analysis
	keyAnalyzed bool
}

var emitters = sync.Pool{New: func() any { return new(emitter) }}

// Emit writes the document n (a DocumentNode, or the root node of one)
// exactly as manifest.NewEncoder — yaml.v3's Encoder with SetIndent(2) and
// CompactSeqIndent() — writes it with Encode and Close. It returns false,
// having written nothing, for trees outside the subset it implements
// exactly: comments, anchors, aliases, tags that the value does not resolve
// to (yaml.v3 would write them), invalid UTF-8, non-scalar mapping keys, and
// anything yaml.v3 would fail on. The caller then encodes the document with
// yaml.v3.
//
// A panic other than declining the tree is a bug in Emit: it returns it as an
// *InternalError naming the line and column of the node being written (when
// the node has them), having written nothing, and the caller must report it
// as an error rather than fall back on.
func Emit(buf *bytes.Buffer, n *yaml.Node) (ok bool, err error) {
	if n == nil {
		return false, nil
	}
	e := emitters.Get().(*emitter)
	e.cur = nil
	defer func() {
		if r := recover(); r != nil {
			ok = false
			if _, isFallback := r.(fallback); !isFallback {
				line, col := 0, 0
				if e.cur != nil {
					line, col = e.cur.Line, e.cur.Column
				}
				err = newInternalError("writer", r, line, col, -1)
			}
		}
		e.cur = nil
		if cap(e.out) <= 1<<20 {
			emitters.Put(e)
		}
	}()
	e.out = e.out[:0]
	e.indent = -1
	e.column = 0
	e.flowLevel = 0
	e.whitespace = true
	e.indention = true
	e.keyAnalyzed = false
	e.depth = 0
	root := n
	if n.Kind == documentNode {
		if n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" || n.Anchor != "" || len(n.Content) != 1 {
			return false, nil
		}
		root = n.Content[0]
	}
	e.node(root, false, false, false, false)
	// DOCUMENT-END (implicit): end the last line.
	e.writeIndent()
	buf.Write(e.out)
	return true, nil
}

// node emits n in its context: parentSeq tells that its parent is a block
// sequence, sequence and mapping that it is an item or a key or value,
// simpleKey that it is a simple key.
func (e *emitter) node(n *yaml.Node, parentSeq, sequence, mapping, simpleKey bool) {
	if e.depth++; e.depth > maxEmitDepth {
		fail()
	}
	e.emitNode(n, parentSeq, sequence, mapping, simpleKey)
	e.depth--
}

func (e *emitter) emitNode(n *yaml.Node, parentSeq, sequence, mapping, simpleKey bool) {
	if n == nil {
		fail()
	}
	e.cur = n
	if EmitHook != nil {
		EmitHook(n)
	}
	if n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" || n.Anchor != "" || n.Alias != nil {
		fail()
	}
	if n.Kind == 0 && n.IsZero() {
		e.mappingCtx, e.simpleKeyCtx = mapping, simpleKey
		e.scalar("null", plainStyle, parentSeq)
		return
	}
	tag := n.Tag
	stag := shortTag(tag)
	forceQuoting := false
	if tag != "" && n.Style&styleTagged == 0 {
		switch n.Kind {
		case scalarNode:
			if stag == strTag && n.Style&(styleSingleQuoted|styleDoubleQuoted|styleLiteral|styleFolded) != 0 {
				tag = ""
			} else if rtag := resolve(n.Value); rtag == stag {
				tag = ""
			} else if stag == strTag {
				tag = ""
				forceQuoting = true
			}
		case mappingNode:
			if stag == mapTag {
				tag = ""
			}
		case sequenceNode:
			if stag == seqTag {
				tag = ""
			}
		}
	}
	if tag != "" {
		fail() // yaml.v3 writes the tag
	}
	e.mappingCtx, e.simpleKeyCtx = mapping, simpleKey
	switch n.Kind {
	case scalarNode:
		if !utf8.ValidString(n.Value) {
			fail() // yaml.v3 writes it as !!binary
		}
		style := plainStyle
		switch {
		case n.Style&styleDoubleQuoted != 0:
			style = doubleStyle
		case n.Style&styleSingleQuoted != 0:
			style = singleStyle
		case n.Style&styleLiteral != 0:
			style = literalStyle
		case n.Style&styleFolded != 0:
			style = foldedStyle
		case strings.Contains(n.Value, "\n"):
			style = literalStyle
		case forceQuoting:
			style = doubleStyle
		}
		e.scalar(n.Value, style, parentSeq)
	case sequenceNode:
		if e.flowLevel > 0 || n.Style&styleFlow != 0 || len(n.Content) == 0 {
			e.flowSequence(n, parentSeq)
		} else {
			e.blockSequence(n, parentSeq)
		}
	case mappingNode:
		if len(n.Content)%2 != 0 {
			fail()
		}
		if e.flowLevel > 0 || n.Style&styleFlow != 0 || len(n.Content) == 0 {
			e.flowMapping(n, parentSeq)
		} else {
			e.blockMapping(n, parentSeq)
		}
	default:
		fail() // documents inside documents, aliases, unknown kinds
	}
}

// increaseIndent is yaml_emitter_increase_indent_compact; it returns the
// indent to restore.
func (e *emitter) increaseIndent(flow, compactSeq, parentSeq bool) int {
	saved := e.indent
	if e.indent < 0 {
		if flow {
			e.indent = bestIndent
		} else {
			e.indent = 0
		}
	} else if parentSeq {
		e.indent += 2
	} else {
		e.indent = bestIndent * ((e.indent + bestIndent) / bestIndent)
		if compactSeq {
			e.indent -= 2
		}
	}
	return saved
}

func (e *emitter) blockSequence(n *yaml.Node, parentSeq bool) {
	compact := e.mappingCtx && (e.column == 0 || !e.indention)
	saved := e.increaseIndent(false, compact, parentSeq)
	for _, item := range n.Content {
		e.writeIndent()
		e.writeIndicator("-", true, false, true)
		e.node(item, true, true, false, false)
	}
	e.indent = saved
}

func (e *emitter) blockMapping(n *yaml.Node, parentSeq bool) {
	saved := e.increaseIndent(false, false, parentSeq)
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		e.writeIndent()
		if e.simpleKey(k) {
			e.node(k, false, false, true, true)
			e.writeIndicator(":", false, false, false)
		} else {
			e.writeIndicator("?", true, false, true)
			e.node(k, false, false, true, false)
			e.writeIndent()
			e.writeIndicator(":", true, false, true)
		}
		e.node(v, false, false, true, false)
	}
	e.indent = saved
}

func (e *emitter) flowSequence(n *yaml.Node, parentSeq bool) {
	e.writeIndicator("[", true, true, false)
	saved := e.increaseIndent(true, false, parentSeq)
	e.flowLevel++
	for i, item := range n.Content {
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		if e.column == 0 {
			e.writeIndent()
		}
		e.node(item, false, true, false, false)
	}
	e.flowLevel--
	e.indent = saved
	if e.column == 0 {
		e.writeIndent()
	}
	e.writeIndicator("]", false, false, false)
}

func (e *emitter) flowMapping(n *yaml.Node, parentSeq bool) {
	e.writeIndicator("{", true, true, false)
	saved := e.increaseIndent(true, false, parentSeq)
	e.flowLevel++
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		if e.column == 0 {
			e.writeIndent()
		}
		if e.simpleKey(k) {
			e.node(k, false, false, true, true)
			e.writeIndicator(":", false, false, false)
		} else {
			e.writeIndicator("?", true, false, false)
			e.node(k, false, false, true, false)
			e.writeIndicator(":", true, false, false)
		}
		e.node(v, false, false, true, false)
	}
	e.flowLevel--
	e.indent = saved
	e.writeIndicator("}", false, false, false)
}

// simpleKey is yaml_emitter_check_simple_key for the key k. Only scalar keys
// are supported.
func (e *emitter) simpleKey(k *yaml.Node) bool {
	if k == nil {
		fail()
	}
	switch k.Kind {
	case scalarNode:
		if !utf8.ValidString(k.Value) {
			fail()
		}
		e.keyAnalysis = analyze(k.Value)
		e.keyAnalyzed = true
		return len(k.Value) <= maxSimpleKey && !e.keyAnalysis.multiline
	case 0:
		if k.IsZero() {
			return true // "null"
		}
	}
	fail()
	return false
}

// analysis is libyaml's scalar_data.
type analysis struct {
	multiline           bool
	flowPlainAllowed    bool
	blockPlainAllowed   bool
	singleQuotedAllowed bool
	blockAllowed        bool
}

// analyze is yaml_emitter_analyze_scalar (with unicode output allowed).
func analyze(value string) analysis {
	if len(value) == 0 {
		return analysis{blockPlainAllowed: true, singleQuotedAllowed: true}
	}
	// Fast path for printable ASCII: no line breaks, tabs or special
	// characters, so only the indicators and spaces matter.
	var flowIndicators, blockIndicators bool
	if len(value) >= 3 && (value[:3] == "---" || value[:3] == "...") {
		flowIndicators, blockIndicators = true, true
	}
	precededByWhitespace := true
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c < 0x20 || c >= 0x7f {
			return analyzeSlow(value)
		}
		followedByWhitespace := i+1 >= len(value) || value[i+1] == ' ' || value[i+1] == '\t'
		flow, block := indicators(c, i == 0, precededByWhitespace, followedByWhitespace)
		flowIndicators, blockIndicators = flowIndicators || flow, blockIndicators || block
		precededByWhitespace = c == ' '
	}
	a := analysis{flowPlainAllowed: true, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
	if value[0] == ' ' || value[len(value)-1] == ' ' {
		a.flowPlainAllowed = false
		a.blockPlainAllowed = false
	}
	if value[len(value)-1] == ' ' {
		a.blockAllowed = false
	}
	if flowIndicators {
		a.flowPlainAllowed = false
	}
	if blockIndicators {
		a.blockPlainAllowed = false
	}
	return a
}

// indicators reports whether the character c of a scalar, its first or a
// later one, keeps the scalar from being written plain in flow context and
// in block context.
func indicators(c byte, first, precededByWhitespace, followedByWhitespace bool) (flow, block bool) {
	if first {
		switch c {
		case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
			return true, true
		case '?', ':':
			return true, followedByWhitespace
		case '-':
			return followedByWhitespace, followedByWhitespace
		}
		return false, false
	}
	switch c {
	case ',', '?', '[', ']', '{', '}':
		return true, false
	case ':':
		return true, followedByWhitespace
	case '#':
		return precededByWhitespace, precededByWhitespace
	}
	return false, false
}

func analyzeSlow(value string) analysis {
	var blockIndicators, flowIndicators, lineBreaks, specialCharacters, tabCharacters bool
	var leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	var previousSpace, previousBreak bool

	if len(value) >= 3 && (value[:3] == "---" || value[:3] == "...") {
		blockIndicators = true
		flowIndicators = true
	}
	precededByWhitespace := true
	for i, w := 0, 0; i < len(value); i += w {
		c := value[i]
		w = width(c)
		followedByWhitespace := i+w >= len(value) || isBlank(value, i+w)
		flow, block := indicators(c, i == 0, precededByWhitespace, followedByWhitespace)
		flowIndicators, blockIndicators = flowIndicators || flow, blockIndicators || block

		if c == '\t' {
			tabCharacters = true
		} else if !isPrintable(value, i) {
			specialCharacters = true
		}
		if c == ' ' {
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(value) {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace = true
			previousBreak = false
		} else if isBreak(value, i) {
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(value) {
				trailingBreak = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace = false
			previousBreak = true
		} else {
			previousSpace = false
			previousBreak = false
		}
		precededByWhitespace = isBlankz(value, i)
	}

	a := analysis{
		multiline:           lineBreaks,
		flowPlainAllowed:    true,
		blockPlainAllowed:   true,
		singleQuotedAllowed: true,
		blockAllowed:        true,
	}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.flowPlainAllowed = false
		a.blockPlainAllowed = false
	}
	if trailingSpace {
		a.blockAllowed = false
	}
	if breakSpace {
		a.flowPlainAllowed = false
		a.blockPlainAllowed = false
		a.singleQuotedAllowed = false
	}
	if spaceBreak || tabCharacters || specialCharacters {
		a.flowPlainAllowed = false
		a.blockPlainAllowed = false
		a.singleQuotedAllowed = false
	}
	if spaceBreak || specialCharacters {
		a.blockAllowed = false
	}
	if lineBreaks {
		a.flowPlainAllowed = false
		a.blockPlainAllowed = false
	}
	if flowIndicators {
		a.flowPlainAllowed = false
	}
	if blockIndicators {
		a.blockPlainAllowed = false
	}
	return a
}

// scalar is yaml_emitter_emit_scalar: it selects the style, as
// yaml_emitter_select_scalar_style does, and writes the value.
func (e *emitter) scalar(value string, style scalarStyle, parentSeq bool) {
	var a analysis
	if e.keyAnalyzed {
		a = e.keyAnalysis
		e.keyAnalyzed = false
	} else {
		a = analyze(value)
	}
	if e.simpleKeyCtx && a.multiline {
		style = doubleStyle
	}
	if style == plainStyle {
		if e.flowLevel > 0 && !a.flowPlainAllowed || e.flowLevel == 0 && !a.blockPlainAllowed {
			style = singleStyle
		}
		if len(value) == 0 && (e.flowLevel > 0 || e.simpleKeyCtx) {
			style = singleStyle
		}
	}
	if style == singleStyle && !a.singleQuotedAllowed {
		style = doubleStyle
	}
	if (style == literalStyle || style == foldedStyle) && (!a.blockAllowed || e.flowLevel > 0 || e.simpleKeyCtx) {
		style = doubleStyle
	}
	saved := e.increaseIndent(true, false, parentSeq)
	switch style {
	case plainStyle:
		e.writePlain(value)
	case singleStyle:
		e.writeSingle(value)
	case doubleStyle:
		e.writeDouble(value)
	case literalStyle:
		e.writeLiteral(value)
	case foldedStyle:
		e.writeFolded(value)
	}
	e.indent = saved
}

func (e *emitter) put(c byte) {
	e.out = append(e.out, c)
	e.column++
}

func (e *emitter) putBreak() {
	e.out = append(e.out, '\n')
	e.column = 0
	e.indention = true
}

// write copies the character at i and returns the offset after it.
func (e *emitter) write(s string, i int) int {
	w := width(s[i])
	e.out = append(e.out, s[i:i+w]...)
	e.column++
	return i + w
}

// writeAll writes s, which holds no line break.
func (e *emitter) writeAll(s string) {
	e.out = append(e.out, s...)
	for i := 0; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			e.column++
		}
	}
}

// writeBreak copies the line break at i and returns the offset after it.
func (e *emitter) writeBreak(s string, i int) int {
	if s[i] == '\n' {
		e.putBreak()
		return i + 1
	}
	i = e.write(s, i)
	e.column = 0
	e.indention = true
	return i
}

func (e *emitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.putBreak()
	}
	for e.column < indent {
		e.put(' ')
	}
	e.whitespace = true
}

func (e *emitter) writeIndicator(indicator string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	e.out = append(e.out, indicator...)
	e.column += len(indicator)
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
}

// writePlain writes a plain scalar; the style selection never picks plain
// for a value with a line break.
func (e *emitter) writePlain(value string) {
	if len(value) > 0 && !e.whitespace {
		e.put(' ')
	}
	e.writeAll(value)
	if len(value) > 0 {
		e.whitespace = false
	}
	e.indention = false
}

func (e *emitter) writeSingle(value string) {
	e.writeIndicator("'", true, false, false)
	breaks := false
	for i := 0; i < len(value); {
		switch {
		case value[i] == ' ':
			i = e.write(value, i)
		case isBreak(value, i):
			if !breaks && value[i] == '\n' {
				e.putBreak()
			}
			i = e.writeBreak(value, i)
			breaks = true
		default:
			if breaks {
				e.writeIndent()
			}
			if value[i] == '\'' {
				e.put('\'')
			}
			i = e.write(value, i)
			e.indention = false
			breaks = false
		}
	}
	e.writeIndicator("'", false, false, false)
	e.whitespace = false
	e.indention = false
}

const hexDigits = "0123456789ABCDEF"

func (e *emitter) writeDouble(value string) {
	e.writeIndicator("\"", true, false, false)
	bom := strings.HasPrefix(value, "\xEF\xBB\xBF") // libyaml's is_bom looks at the start of the value
	for i := 0; i < len(value); {
		c := value[i]
		if !isPrintable(value, i) || bom || isBreak(value, i) || c == '"' || c == '\\' {
			r, w := utf8.DecodeRuneInString(value[i:])
			i += w
			e.put('\\')
			switch r {
			case 0x00:
				e.put('0')
			case 0x07:
				e.put('a')
			case 0x08:
				e.put('b')
			case 0x09:
				e.put('t')
			case 0x0A:
				e.put('n')
			case 0x0b:
				e.put('v')
			case 0x0c:
				e.put('f')
			case 0x0d:
				e.put('r')
			case 0x1b:
				e.put('e')
			case 0x22:
				e.put('"')
			case 0x5c:
				e.put('\\')
			case 0x85:
				e.put('N')
			case 0xA0:
				e.put('_')
			case 0x2028:
				e.put('L')
			case 0x2029:
				e.put('P')
			default:
				var n int
				switch {
				case r <= 0xFF:
					e.put('x')
					n = 2
				case r <= 0xFFFF:
					e.put('u')
					n = 4
				default:
					e.put('U')
					n = 8
				}
				for k := (n - 1) * 4; k >= 0; k -= 4 {
					e.put(hexDigits[(r>>uint(k))&0x0F])
				}
			}
			continue
		}
		i = e.write(value, i)
	}
	e.writeIndicator("\"", false, false, false)
	e.whitespace = false
	e.indention = false
}

// writeBlockHints is yaml_emitter_write_block_scalar_hints.
func (e *emitter) writeBlockHints(value string) {
	if len(value) > 0 && (value[0] == ' ' || isBreak(value, 0)) {
		e.writeIndicator(string(rune('0'+bestIndent)), false, false, false)
	}
	chomp := ""
	if len(value) == 0 {
		chomp = "-"
	} else {
		i := len(value) - 1
		for value[i]&0xC0 == 0x80 {
			i--
		}
		if !isBreak(value, i) {
			chomp = "-"
		} else if i == 0 {
			chomp = "+"
		} else {
			i--
			for value[i]&0xC0 == 0x80 {
				i--
			}
			if isBreak(value, i) {
				chomp = "+"
			}
		}
	}
	if chomp != "" {
		e.writeIndicator(chomp, false, false, false)
	}
}

func (e *emitter) writeLiteral(value string) {
	e.writeIndicator("|", true, false, false)
	e.writeBlockHints(value)
	e.putBreak()
	e.whitespace = true
	breaks := true
	for i := 0; i < len(value); {
		if isBreak(value, i) {
			i = e.writeBreak(value, i)
			breaks = true
		} else {
			if breaks {
				e.writeIndent()
			}
			i = e.write(value, i)
			e.indention = false
			breaks = false
		}
	}
}

func (e *emitter) writeFolded(value string) {
	e.writeIndicator(">", true, false, false)
	e.writeBlockHints(value)
	e.putBreak()
	e.whitespace = true
	breaks := true
	leadingSpaces := true
	for i := 0; i < len(value); {
		if isBreak(value, i) {
			if !breaks && !leadingSpaces && value[i] == '\n' {
				k := 0
				for isBreak(value, k) {
					k += width(value[k])
				}
				if !isBlankz(value, k) {
					e.putBreak()
				}
			}
			i = e.writeBreak(value, i)
			breaks = true
		} else {
			if breaks {
				e.writeIndent()
				leadingSpaces = isBlank(value, i)
			}
			i = e.write(value, i)
			e.indention = false
			breaks = false
		}
	}
}

// The character classes of libyaml (yamlprivateh.go), on strings. Reading
// past the end yields NUL, as libyaml's buffers do.

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func width(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 0
}

func isBlank(s string, i int) bool {
	c := at(s, i)
	return c == ' ' || c == '\t'
}

func isBreak(s string, i int) bool {
	c := at(s, i)
	return c == '\r' || c == '\n' ||
		c == 0xC2 && at(s, i+1) == 0x85 ||
		c == 0xE2 && at(s, i+1) == 0x80 && (at(s, i+2) == 0xA8 || at(s, i+2) == 0xA9)
}

func isBlankz(s string, i int) bool {
	return isBlank(s, i) || isBreak(s, i) || at(s, i) == 0
}

func isPrintable(s string, i int) bool {
	c := at(s, i)
	switch {
	case c == 0x0A || c >= 0x20 && c <= 0x7E:
		return true
	case c == 0xC2:
		return at(s, i+1) >= 0xA0
	case c > 0xC2 && c < 0xED:
		return true
	case c == 0xED:
		return at(s, i+1) < 0xA0
	case c == 0xEE:
		return true
	case c == 0xEF:
		c1, c2 := at(s, i+1), at(s, i+2)
		return !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF))
	}
	return false
}
