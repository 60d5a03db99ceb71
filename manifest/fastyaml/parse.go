package fastyaml

import (
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fallback is panicked with when the input leaves the supported subset; Parse
// recovers it and reports ok=false. Any other panic is a bug, which Parse and
// Emit return as an *InternalError.
type fallback struct{}

// maxDepth bounds nesting; deeper input falls back.
const maxDepth = 300

// maxKeyBytes bounds simple keys: libyaml rejects a key whose ':' is more
// than 1024 characters past its start.
const maxKeyBytes = 1000

// Byte classes of the scanning loops.
const (
	stopPlainBlock = 1 << iota // ends a run of a plain scalar in block context
	stopPlainFlow              // ends a run of a plain scalar in flow context
	stopSingle                 // ends a run of a single-quoted scalar
	stopDouble                 // ends a run of a double-quoted scalar
	stopLine                   // ends a run of a block scalar line
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			t[c] = stopPlainBlock | stopPlainFlow | stopSingle | stopDouble | stopLine
		}
	}
	t[' '] |= stopPlainBlock | stopPlainFlow
	t[':'] |= stopPlainBlock | stopPlainFlow
	for _, c := range ",?[]{}" {
		t[c] |= stopPlainFlow
	}
	t['\''] |= stopSingle
	t['"'] |= stopDouble
	t['\\'] |= stopDouble
	t['\t'] &^= stopSingle | stopDouble | stopLine
	return t
}()

type parser struct {
	src          string
	pos          int
	line         int // 0-based line of pos
	lineStart    int // offset of the current line
	nonASCIILine int // the line on which a non-ASCII character was last seen

	// After skipBlank: the next content line starts at pos, indented by ind
	// spaces, unless eof.
	ind int
	eof bool

	depth int

	// The full-line comments skipBlank passed over before the content
	// line at pos, not yet given to a node. Creating a node while any are
	// pending declines the input: only the layouts whose placement
	// yaml.v3's is known for take them (takeComments).
	comments []comment
	// blankAfter counts the blank lines between the last pending comment
	// and the content line.
	blankAfter int
	groups     []string // scratch for commentGroups

	slab  []yaml.Node  // the chunk nodes are allocated from
	arena []*yaml.Node // the chunk Content slices are allocated from
	stack []*yaml.Node // the children of the collections being parsed
	buf   []byte       // scratch for scalars that need unescaping

	// keysUnchecked: a mapping of the stream may repeat a key (one does, or
	// one is too long to compare every key with every other).
	keysUnchecked bool
}

// comment is a full-line comment: the text from its '#' to the end of the
// line, the spaces before it and the blank lines between it and the line
// before.
type comment struct {
	start, end  int // of the text in src
	ind         int
	blankBefore int
}

// Parse parses a multi-document YAML stream into the node trees yaml.v3's
// Decoder returns for it, one DocumentNode per document, with every field
// (Kind, Style, Tag, Value, Line, Column, HeadComment, LineComment,
// FootComment) as yaml.v3 sets it. It returns ok=false for input outside the
// subset it implements exactly (comments other than the full-line ones
// doc.go lists, anchors, aliases, tags, complex keys, tabs outside quoted scalars,
// multi-line plain or quoted scalars, multi-line flow collections,
// directives, merge keys, CR line breaks, a BOM, and anything yaml.v3
// rejects): the caller then decodes the whole input with yaml.v3.
//
// A panic other than declining the input is a bug in Parse: it returns it as
// an *InternalError naming where in data it happened, which the caller must
// report as an error rather than fall back on.
//
// Scalar values are substrings of one copy of data. The nodes are allocated
// in chunks and the Content slices share backing arrays (each capped at its
// length, so appending to one reallocates it); a chunk may hold the nodes of
// several calls. Parse is safe for concurrent use.
func Parse(data []byte) (docs []*yaml.Node, ok bool, err error) {
	docs, ok, _, err = ParseFrom(data, 0)
	return docs, ok, err
}

// ParseFrom is Parse for data that starts after line lines of its stream
// (a part of a larger stream): the nodes' lines, and an InternalError's,
// count from there. uniqueKeys reports that no mapping of data repeats a
// key (compared by value, as a reader of the objects would), so that a
// caller looking for repeated keys need not walk the nodes again.
func ParseFrom(data []byte, line int) (docs []*yaml.Node, ok, uniqueKeys bool, err error) {
	p := parsers.Get().(*parser)
	p.src = string(data)
	p.pos, p.line, p.lineStart, p.nonASCIILine = 0, line, 0, -1
	p.ind, p.eof, p.depth = 0, false, 0
	p.keysUnchecked = false
	p.comments, p.blankAfter = p.comments[:0], 0
	slab, arena := p.slab, p.arena
	defer func() {
		r := recover()
		if r != nil {
			// Drop the nodes of this parse, zeroing those that share a
			// chunk with the results of earlier calls so that they keep
			// nothing alive.
			clear(slab[len(slab):cap(slab)])
			clear(arena[len(arena):cap(arena)])
			p.slab, p.arena = slab, arena
			docs, ok, uniqueKeys = nil, false, false
			if _, isFallback := r.(fallback); !isFallback {
				err = newInternalError("parser", r, p.line+1, p.pos-p.lineStart+1, p.pos)
			}
		}
		if cap(p.stack) > 1024 {
			p.stack = make([]*yaml.Node, 0, 64)
		} else {
			clear(p.stack[:cap(p.stack)])
			p.stack = p.stack[:0]
		}
		if cap(p.buf) > 64<<10 {
			p.buf = nil
		}
		clear(p.comments[:cap(p.comments)])
		p.comments = p.comments[:0]
		clear(p.groups[:cap(p.groups)])
		p.groups = p.groups[:0]
		p.src = ""
		parsers.Put(p)
	}()
	docs = p.parseStream()
	return docs, true, !p.keysUnchecked, nil
}

// maxCheckedPairs bounds the mappings whose keys the parser compares
// pairwise; a longer one is left to the caller.
const maxCheckedPairs = 32

// mapContent is content for the (key, value) pairs of a mapping, noting
// whether a key repeats.
func (p *parser) mapContent(base int) []*yaml.Node {
	pairs := p.stack[base:]
	if len(pairs) > 2*maxCheckedPairs {
		p.keysUnchecked = true
	} else if !p.keysUnchecked {
		for i := 2; i < len(pairs); i += 2 {
			for j := 0; j < i; j += 2 {
				if pairs[i].Value == pairs[j].Value {
					p.keysUnchecked = true
				}
			}
		}
	}
	return p.content(base)
}

// Nodes and Content slices are handed out of chunks this large; the rest of
// a chunk serves the next call.
const (
	nodeChunk    = 1024
	contentChunk = 2048
)

var parsers = sync.Pool{New: func() any {
	return &parser{stack: make([]*yaml.Node, 0, 64)}
}}

func fail() { panic(fallback{}) }

func (p *parser) newNode() *yaml.Node {
	if ParseHook != nil {
		ParseHook(p.src, p.pos)
	}
	if len(p.comments) > 0 {
		fail() // a comment where yaml.v3's placement is not reproduced
	}
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]yaml.Node, 0, nodeChunk)
	}
	p.slab = p.slab[:len(p.slab)+1]
	return &p.slab[len(p.slab)-1]
}

// content moves the nodes pushed since base into the shared arena.
func (p *parser) content(base int) []*yaml.Node {
	k := len(p.stack) - base
	if k == 0 {
		return nil
	}
	if cap(p.arena)-len(p.arena) < k {
		p.arena = make([]*yaml.Node, 0, max(k, contentChunk))
	}
	a := len(p.arena)
	p.arena = append(p.arena, p.stack[base:]...)
	p.stack = p.stack[:base]
	return p.arena[a : a+k : a+k]
}

// col is the 0-based column of pos on the current line, in characters.
func (p *parser) col(pos int) int {
	if p.nonASCIILine == p.line {
		return utf8.RuneCountInString(p.src[p.lineStart:pos])
	}
	return pos - p.lineStart
}

func (p *parser) scalar(value, tag string, style yaml.Style, line, col int) *yaml.Node {
	n := p.newNode()
	n.Kind = scalarNode
	n.Style = style
	n.Tag = tag
	n.Value = value
	n.Line = line + 1
	n.Column = col + 1
	return n
}

func (p *parser) empty(line, col int) *yaml.Node {
	return p.scalar("", nullTag, 0, line, col)
}

func (p *parser) at(i int) byte {
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

// blankz reports whether i is a space, tab, line break or the end.
func (p *parser) blankz(i int) bool {
	if i >= len(p.src) {
		return true
	}
	c := p.src[i]
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// marker reports whether pos, at the start of a line, holds "---" or "...".
func (p *parser) marker() bool {
	s := p.src
	i := p.pos
	if i+3 > len(s) || !(s[i] == '-' && s[i+1] == '-' && s[i+2] == '-' || s[i] == '.' && s[i+1] == '.' && s[i+2] == '.') {
		return false
	}
	return p.blankz(i + 3)
}

// entry reports whether pos holds a block sequence entry indicator.
func (p *parser) entry() bool {
	return p.at(p.pos) == '-' && p.blankz(p.pos+1)
}

func (p *parser) skipSpaces() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

// endLine consumes the rest of the line, which must be blank.
func (p *parser) endLine() {
	p.skipSpaces()
	if p.pos >= len(p.src) {
		return
	}
	if p.src[p.pos] != '\n' {
		fail()
	}
	p.pos++
	p.line++
	p.lineStart = p.pos
}

// skipBlank moves from the start of a line to the first character of the
// next line that has content, collecting the full-line comments it passes
// in comments.
func (p *parser) skipBlank() {
	s := p.src
	blank := 0
	for {
		i := p.pos
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			p.pos = i
			p.eof = true
			p.blankAfter = blank
			return
		}
		switch s[i] {
		case '\n':
			p.pos = i + 1
			p.line++
			p.lineStart = p.pos
			blank++
			continue
		case '#':
			p.pos = p.scanComment(i, blank)
			blank = 0
			if p.pos < len(s) {
				p.pos++
				p.line++
				p.lineStart = p.pos
			}
			continue
		case '\t', '\r':
			fail()
		}
		p.pos = i
		p.ind = i - p.lineStart
		p.blankAfter = blank
		return
	}
}

// scanComment records the comment at i, the first non-space character of
// its line, and returns the offset of the line break (or end) after it.
func (p *parser) scanComment(i, blankBefore int) int {
	s := p.src
	j := i
	for {
		for j < len(s) && class[s[j]]&stopLine == 0 {
			j++
		}
		if j < len(s) && s[j] >= 0x80 {
			j += p.rune(j)
			continue
		}
		break
	}
	if j < len(s) && s[j] != '\n' || strings.IndexByte(s[i:j], '\t') >= 0 {
		fail() // control character, CR, or a tab
	}
	p.comments = append(p.comments, comment{start: i, end: j, ind: i - p.lineStart, blankBefore: blankBefore})
	return j
}

// rune validates the non-ASCII character at i and returns its length.
func (p *parser) rune(i int) int {
	r, size := utf8.DecodeRuneInString(p.src[i:])
	switch {
	case r == utf8.RuneError && size == 1:
		fail() // invalid UTF-8
	case r < 0xA0: // C1 controls and NEL
		fail()
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		fail()
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFEFF, r == 0xFFFE, r == 0xFFFF:
		fail()
	}
	p.nonASCIILine = p.line
	return size
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		fail()
	}
}

func (p *parser) parseStream() []*yaml.Node {
	// The documents collect at the bottom of the stack.
	first := true
	p.skipBlank()
	for !p.eof {
		var doc *yaml.Node
		if p.ind == 0 && p.marker() && p.src[p.pos] == '.' {
			if first {
				fail()
			}
			p.pos += 3
			p.endLine()
			p.skipBlank()
			continue
		}
		if p.ind == 0 && p.marker() {
			doc = p.newNode()
			doc.Kind = documentNode
			doc.Line = p.line + 1
			doc.Column = 1
			p.pos += 3
			p.endLine()
			p.skipBlank()
			var root *yaml.Node
			var head string
			if len(p.comments) > 0 && !p.eof && !(p.ind == 0 && p.marker()) {
				head = p.markedDocComments()
			}
			switch {
			case p.eof:
				// The stream end mark: the start of the line after the last.
				line := p.line
				if p.lineStart < len(p.src) {
					line++
				}
				root = p.empty(line, 0)
			case p.ind == 0 && p.marker():
				root = p.empty(p.line, 0)
			default:
				root = p.parseBlockNode(-1, p.ind)
			}
			if head != "" {
				firstKeyHead(root, head)
			}
			p.stack = append(p.stack, root)
		} else {
			if !first {
				fail() // content after "..." without "---"
			}
			var docHead, keyHead string
			if len(p.comments) > 0 {
				docHead, keyHead = p.streamHeadComments()
			}
			root := p.parseBlockNode(-1, p.ind)
			if docHead != "" || keyHead != "" {
				firstKeyHead(root, keyHead)
			}
			doc = p.newNode()
			doc.Kind = documentNode
			doc.Line = root.Line
			doc.Column = root.Column
			doc.HeadComment = docHead
			p.stack = append(p.stack, root)
		}
		if len(p.comments) > 0 {
			fail() // foot comments
		}
		doc.Content = p.content(len(p.stack) - 1)
		p.stack = append(p.stack, doc)
		first = false
		if !p.eof && !(p.ind == 0 && p.marker()) {
			fail()
		}
	}
	if len(p.comments) > 0 {
		fail() // a stream of comments only, or foot comments
	}
	return p.content(0)
}

// The comments before the first content of a document go where yaml.v3's
// scanner and parser put them, which depends on the blank lines between
// them and on whether a "---" precedes them. Parse takes only the layouts
// below, each checked against yaml.v3 by the differential tests, and only
// before a block mapping, and declines the others.

// streamHeadComments takes the comments at the start of a stream whose
// first document has no "---": groups of comment lines at column 0
// separated by blank lines. yaml.v3 gives the group right above the first
// key (no blank line between) to that key as its head comment, and the
// groups before it to the document, joined by one blank line.
func (p *parser) streamHeadComments() (docHead, keyHead string) {
	groups := p.commentGroups(0)
	if p.blankAfter == 0 {
		keyHead = groups[len(groups)-1]
		groups = groups[:len(groups)-1]
	}
	docHead = strings.Join(groups, "\n\n")
	p.comments = p.comments[:0]
	return docHead, keyHead
}

// markedDocComments takes the comments between a "---" and the first key of
// its document: one group of comment lines at column 0 right above the key,
// which yaml.v3 makes the key's head comment. (Before blank lines, yaml.v3
// moves comments to the document before, or keeps a line break in them.)
func (p *parser) markedDocComments() string {
	if p.blankAfter != 0 || p.comments[0].blankBefore != 0 {
		// Not after blank lines either: a stream parsed in parts
		// (manifest.parseInParts) must read a part's first document as
		// the stream's later ones.
		fail()
	}
	groups := p.commentGroups(0)
	if len(groups) != 1 {
		fail()
	}
	p.comments = p.comments[:0]
	return groups[0]
}

// entryComments takes the comments between two entries of a block mapping
// at column m, or between a key and the first key of its block mapping
// value at column m: one group of comment lines at column m right above the key,
// which yaml.v3 makes the key's head comment. (Comments indented otherwise
// or followed by a blank line become foot comments of what is above.)
func (p *parser) entryComments(m int) string {
	if p.blankAfter != 0 {
		fail()
	}
	groups := p.commentGroups(m)
	if len(groups) != 1 {
		fail()
	}
	p.comments = p.comments[:0]
	return groups[0]
}

// commentGroups splits the pending comments, which must all be at column
// ind, into the runs separated by blank lines, each run's lines joined by
// line breaks.
func (p *parser) commentGroups(ind int) []string {
	groups := p.groups[:0]
	start := 0
	for k, c := range p.comments {
		if c.ind != ind {
			fail()
		}
		if k > 0 && c.blankBefore > 0 {
			groups = append(groups, p.joinComments(p.comments[start:k]))
			start = k
		}
	}
	p.groups = append(groups, p.joinComments(p.comments[start:]))
	return p.groups
}

// joinComments joins the text of consecutive comment lines.
func (p *parser) joinComments(cs []comment) string {
	if cs[0].ind == 0 {
		// The lines are adjacent in the input: their text is one substring.
		return p.src[cs[0].start:cs[len(cs)-1].end]
	}
	var b strings.Builder
	for k, c := range cs {
		if k > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.src[c.start:c.end])
	}
	return b.String()
}

// firstKeyHead gives head to the first key of root, which must be a block
// mapping: yaml.v3 gives it to the first item of a sequence, a scalar's
// comment elsewhere.
func firstKeyHead(root *yaml.Node, head string) {
	if root.Kind != mappingNode || root.Style&styleFlow != 0 {
		fail()
	}
	root.Content[0].HeadComment = head
}

// parseBlockNode parses the node at pos, at column col, in a block
// collection indented by parent (-1 at the root). It returns with the
// parser at the next content line.
func (p *parser) parseBlockNode(parent, col int) *yaml.Node {
	p.enter()
	n := p.blockNode(parent, col)
	p.depth--
	return n
}

func (p *parser) blockNode(parent, col int) *yaml.Node {
	switch c := p.src[p.pos]; {
	case c == '-' && p.blankz(p.pos+1):
		return p.parseBlockSeq(col)
	case c == '|' || c == '>':
		return p.parseBlockScalar(parent)
	case c == '[' || c == '{':
		n := p.parseFlow()
		p.afterValue()
		return n
	}
	n, start := p.parseScalar(col)
	p.skipSpaces()
	if p.at(p.pos) == ':' && p.blankz(p.pos+1) {
		return p.parseBlockMap(col, n, start)
	}
	p.endLine()
	p.skipBlank()
	return n
}

// afterValue ends the line after a value: nothing but spaces may follow.
func (p *parser) afterValue() {
	p.skipSpaces()
	if p.at(p.pos) == ':' {
		fail()
	}
	p.endLine()
	p.skipBlank()
}

// parseInlineValue parses a mapping value on the line of its key.
func (p *parser) parseInlineValue(m int) *yaml.Node {
	switch c := p.src[p.pos]; {
	case c == '-' && p.blankz(p.pos+1):
		fail()
	case c == '|' || c == '>':
		return p.parseBlockScalar(m)
	case c == '[' || c == '{':
		p.enter()
		n := p.parseFlow()
		p.depth--
		p.afterValue()
		return n
	}
	n, _ := p.parseScalar(p.col(p.pos))
	p.afterValue()
	return n
}

// parseBlockMap parses a block mapping at column m whose first key has been
// scanned; pos is at its ':'.
func (p *parser) parseBlockMap(m int, key *yaml.Node, keyStart int) *yaml.Node {
	mp := p.newNode()
	mp.Kind = mappingNode
	mp.Tag = mapTag
	mp.Line = key.Line
	mp.Column = key.Column
	base := len(p.stack)
	for {
		if p.pos-keyStart > maxKeyBytes {
			fail()
		}
		p.pos++ // ':'
		line, col := p.line, p.col(p.pos)
		p.stack = append(p.stack, key)
		p.skipSpaces()
		var v *yaml.Node
		if p.pos >= len(p.src) || p.src[p.pos] == '\n' {
			p.endLine()
			p.skipBlank()
			switch {
			case !p.eof && p.ind > m && len(p.comments) > 0:
				head := p.entryComments(p.ind) // above the first key of a block mapping
				v = p.parseBlockNode(m, p.ind)
				firstKeyHead(v, head)
			case !p.eof && p.ind > m:
				v = p.parseBlockNode(m, p.ind)
			case !p.eof && p.ind == m && p.entry():
				v = p.parseBlockSeq(m) // not indented under its key
			default:
				v = p.empty(line, col)
			}
		} else {
			v = p.parseInlineValue(m)
		}
		p.stack = append(p.stack, v)
		if p.eof || p.ind < m || p.ind == 0 && p.marker() {
			break
		}
		if p.ind > m || p.entry() {
			fail()
		}
		var head string
		if len(p.comments) > 0 {
			head = p.entryComments(m)
		}
		key, keyStart = p.parseScalar(m)
		key.HeadComment = head
		p.skipSpaces()
		if !(p.at(p.pos) == ':' && p.blankz(p.pos+1)) {
			fail()
		}
	}
	mp.Content = p.mapContent(base)
	return mp
}

// parseBlockSeq parses a block sequence whose first entry is at pos, at
// column s.
func (p *parser) parseBlockSeq(s int) *yaml.Node {
	sq := p.newNode()
	sq.Kind = sequenceNode
	sq.Tag = seqTag
	sq.Line = p.line + 1
	sq.Column = p.col(p.pos) + 1
	base := len(p.stack)
	for {
		p.pos++ // '-'
		line, col := p.line, p.col(p.pos)
		p.skipSpaces()
		var item *yaml.Node
		if p.pos >= len(p.src) || p.src[p.pos] == '\n' {
			p.endLine()
			p.skipBlank()
			if !p.eof && p.ind > s {
				item = p.parseBlockNode(s, p.ind)
			} else {
				item = p.empty(line, col)
			}
		} else {
			item = p.parseBlockNode(s, p.col(p.pos))
		}
		p.stack = append(p.stack, item)
		if p.eof || p.ind < s {
			break
		}
		if p.ind > s {
			fail()
		}
		if !p.entry() {
			break
		}
	}
	sq.Content = p.content(base)
	return sq
}

// parseScalar scans a plain or quoted scalar in block context at pos, at
// column col, and returns it with its start offset.
func (p *parser) parseScalar(col int) (*yaml.Node, int) {
	start := p.pos
	line := p.line
	switch p.src[p.pos] {
	case '\'':
		return p.scalar(p.scanSingle(), strTag, styleSingleQuoted, line, col), start
	case '"':
		return p.scalar(p.scanDouble(), strTag, styleDoubleQuoted, line, col), start
	}
	v := p.scanPlain(false)
	if v == "<<" {
		fail() // merge key
	}
	return p.scalar(v, resolve(v), 0, line, col), start
}

// plainStart reports whether c at pos may start a plain scalar.
func (p *parser) plainStart(flow bool) bool {
	c := p.src[p.pos]
	switch c {
	case '-':
		if flow {
			n := p.at(p.pos + 1)
			return n != ' ' && n != '\t'
		}
		return !p.blankz(p.pos + 1)
	case '?', ':':
		return !flow && !p.blankz(p.pos+1)
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\t', '\n', '\r':
		return false
	}
	return c >= 0x20 && c != 0x7f
}

// scanPlain scans a single-line plain scalar. It returns with pos after its
// last non-space character.
func (p *parser) scanPlain(flow bool) string {
	if !p.plainStart(flow) {
		fail()
	}
	s := p.src
	start := p.pos
	stop := uint8(stopPlainBlock)
	if flow {
		stop = stopPlainFlow
	}
	i, end := start, start
	for {
		for i < len(s) && class[s[i]]&stop == 0 {
			i++
		}
		if i > end && s[i-1] != ' ' {
			end = i
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c == ':' {
			if p.blankz(i + 1) {
				break
			}
			i++
			end = i
			continue
		}
		if c >= 0x80 {
			i += p.rune(i)
			end = i
			continue
		}
		if c == ' ' {
			j := i + 1
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j < len(s) && s[j] == '#' {
				fail() // comment
			}
			if j >= len(s) || s[j] == '\n' {
				if flow {
					fail()
				}
				break
			}
			i = j
			continue
		}
		if c == '\n' && !flow {
			break
		}
		if flow && (c == ',' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}') {
			break
		}
		fail() // tab, control character, line break in flow
	}
	p.pos = end
	return s[start:end]
}

// scanSingle scans a single-line single-quoted scalar at pos.
func (p *parser) scanSingle() string {
	s := p.src
	start := p.pos + 1
	i, seg := start, start
	escaped := false
	for {
		for i < len(s) && class[s[i]]&stopSingle == 0 {
			i++
		}
		if i >= len(s) {
			fail()
		}
		switch c := s[i]; {
		case c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				if !escaped {
					p.buf = p.buf[:0]
					escaped = true
				}
				p.buf = append(p.buf, s[seg:i+1]...)
				i += 2
				seg = i
				continue
			}
			p.pos = i + 1
			if !escaped {
				return s[start:i]
			}
			p.buf = append(p.buf, s[seg:i]...)
			return string(p.buf)
		case c >= 0x80:
			i += p.rune(i)
		default:
			fail() // line break or control character
		}
	}
}

// scanDouble scans a single-line double-quoted scalar at pos.
func (p *parser) scanDouble() string {
	s := p.src
	start := p.pos + 1
	i, seg := start, start
	escaped := false
	for {
		for i < len(s) && class[s[i]]&stopDouble == 0 {
			i++
		}
		if i >= len(s) {
			fail()
		}
		switch c := s[i]; {
		case c == '"':
			p.pos = i + 1
			if !escaped {
				return s[start:i]
			}
			p.buf = append(p.buf, s[seg:i]...)
			return string(p.buf)
		case c == '\\':
			if !escaped {
				p.buf = p.buf[:0]
				escaped = true
			}
			p.buf = append(p.buf, s[seg:i]...)
			i = p.escape(i)
			seg = i
		case c >= 0x80:
			i += p.rune(i)
		default:
			fail() // line break or control character
		}
	}
}

// escape appends the escape sequence at i (a backslash) to buf and returns
// the offset after it.
func (p *parser) escape(i int) int {
	s := p.src
	if i+1 >= len(s) {
		fail()
	}
	var b byte
	switch s[i+1] {
	case '0':
		b = 0
	case 'a':
		b = '\x07'
	case 'b':
		b = '\x08'
	case 't', '\t':
		b = '\x09'
	case 'n':
		b = '\x0A'
	case 'v':
		b = '\x0B'
	case 'f':
		b = '\x0C'
	case 'r':
		b = '\x0D'
	case 'e':
		b = '\x1B'
	case ' ':
		b = ' '
	case '"':
		b = '"'
	case '\'':
		b = '\''
	case '\\':
		b = '\\'
	case 'N':
		p.buf = append(p.buf, "\u0085"...)
		return i + 2
	case '_':
		p.buf = append(p.buf, "\u00a0"...)
		return i + 2
	case 'L':
		p.buf = append(p.buf, "\u2028"...)
		return i + 2
	case 'P':
		p.buf = append(p.buf, "\u2029"...)
		return i + 2
	case 'x':
		return p.hexEscape(i+2, 2)
	case 'u':
		return p.hexEscape(i+2, 4)
	case 'U':
		return p.hexEscape(i+2, 8)
	default:
		fail() // unknown escape, or an escaped line break
	}
	p.buf = append(p.buf, b)
	return i + 2
}

func (p *parser) hexEscape(i, n int) int {
	s := p.src
	if i+n > len(s) {
		fail()
	}
	v := 0
	for k := 0; k < n; k++ {
		c := s[i+k]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 + int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 + int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 + int(c-'A'+10)
		default:
			fail()
		}
	}
	if v >= 0xD800 && v <= 0xDFFF || v > 0x10FFFF {
		fail()
	}
	p.buf = utf8.AppendRune(p.buf, rune(v))
	return i + n
}

// flowSpaces skips the spaces between flow tokens, which must not leave the
// line.
func (p *parser) flowSpaces() {
	p.skipSpaces()
	if p.pos >= len(p.src) {
		fail()
	}
	switch p.src[p.pos] {
	case '\n', '\t', '#', '\r':
		fail()
	}
}

// parseFlow parses a single-line flow collection at pos.
func (p *parser) parseFlow() *yaml.Node {
	if p.depth++; p.depth > maxDepth {
		fail()
	}
	n := p.newNode()
	n.Style = styleFlow
	n.Line = p.line + 1
	n.Column = p.col(p.pos) + 1
	base := len(p.stack)
	open := p.src[p.pos]
	p.pos++
	if open == '[' {
		n.Kind = sequenceNode
		n.Tag = seqTag
		for first := true; !p.flowNext(first, ']'); first = false {
			p.stack = append(p.stack, p.parseFlowItem())
			p.flowSpaces()
			if p.src[p.pos] == ':' {
				fail() // a single-pair mapping
			}
		}
	} else {
		n.Kind = mappingNode
		n.Tag = mapTag
		for first := true; !p.flowNext(first, '}'); first = false {
			if c := p.src[p.pos]; c == '[' || c == '{' {
				fail() // complex key
			}
			keyStart := p.pos
			key := p.parseFlowItem()
			p.flowSpaces()
			if p.src[p.pos] != ':' || p.pos-keyStart > maxKeyBytes {
				fail() // no value, or too long a key
			}
			p.pos++
			p.flowSpaces()
			var v *yaml.Node
			if c := p.src[p.pos]; c == ',' || c == '}' {
				v = p.empty(p.line, p.col(p.pos))
			} else {
				v = p.parseFlowItem()
			}
			p.stack = append(p.stack, key, v)
		}
	}
	if n.Kind == mappingNode {
		n.Content = p.mapContent(base)
	} else {
		n.Content = p.content(base)
	}
	p.depth--
	return n
}

// flowNext moves to the next entry of a flow collection closed by close,
// past the comma before it unless it is the first, and reports whether the
// collection ended instead.
func (p *parser) flowNext(first bool, close byte) (ended bool) {
	p.flowSpaces()
	c := p.src[p.pos]
	if !first && c == ',' {
		p.pos++
		p.flowSpaces()
		c = p.src[p.pos]
	} else if !first && c != close {
		fail()
	}
	if c == close {
		p.pos++
		return true
	}
	return false
}

func (p *parser) parseFlowItem() *yaml.Node {
	line, col := p.line, p.col(p.pos)
	switch p.src[p.pos] {
	case '[', '{':
		return p.parseFlow()
	case '\'':
		return p.scalar(p.scanSingle(), strTag, styleSingleQuoted, line, col)
	case '"':
		return p.scalar(p.scanDouble(), strTag, styleDoubleQuoted, line, col)
	}
	v := p.scanPlain(true)
	if v == "<<" {
		fail()
	}
	return p.scalar(v, resolve(v), 0, line, col)
}

// parseBlockScalar parses a literal or folded scalar at pos, in a block
// collection indented by parent (libyaml's parser.indent). It is libyaml's
// yaml_parser_scan_block_scalar for input whose line breaks are all "\n".
func (p *parser) parseBlockScalar(parent int) *yaml.Node {
	s := p.src
	line, col := p.line, p.col(p.pos)
	literal := s[p.pos] == '|'
	p.pos++
	chomping, increment := 0, 0
	c := p.at(p.pos)
	if c == '+' || c == '-' {
		chomping = 1
		if c == '-' {
			chomping = -1
		}
		p.pos++
		if c = p.at(p.pos); c >= '0' && c <= '9' {
			if c == '0' {
				fail()
			}
			increment = int(c - '0')
			p.pos++
		}
	} else if c >= '0' && c <= '9' {
		if c == '0' {
			fail()
		}
		increment = int(c - '0')
		p.pos++
		if c = p.at(p.pos); c == '+' || c == '-' {
			chomping = 1
			if c == '-' {
				chomping = -1
			}
			p.pos++
		}
	}
	p.skipSpaces()
	var column int
	if p.pos >= len(s) {
		column = p.col(p.pos)
	} else if s[p.pos] == '\n' {
		p.pos++
		p.line++
		p.lineStart = p.pos
	} else {
		fail() // a comment, or anything else after the header
	}

	indent := 0
	if increment > 0 {
		if parent >= 0 {
			indent = parent + increment
		} else {
			indent = increment
		}
	}

	trailing := 0 // trailing line breaks
	breaks := func() {
		maxIndent := 0
		for {
			for (indent == 0 || column < indent) && p.pos < len(s) && s[p.pos] == ' ' {
				p.pos++
				column++
			}
			if column > maxIndent {
				maxIndent = column
			}
			if p.pos >= len(s) || s[p.pos] != '\n' {
				if (indent == 0 || column < indent) && p.pos < len(s) && s[p.pos] == '\t' {
					fail()
				}
				break
			}
			p.pos++
			p.line++
			p.lineStart = p.pos
			column = 0
			trailing++
		}
		if indent == 0 {
			indent = max(maxIndent, parent+1, 1)
		}
	}

	out := p.buf[:0]
	leadingBreak := false
	leadingBlank := false
	breaks()
	for column == indent && p.pos < len(s) {
		trailingBlank := s[p.pos] == ' ' || s[p.pos] == '\t'
		if !literal && !leadingBlank && !trailingBlank && leadingBreak {
			if trailing == 0 {
				out = append(out, ' ')
			}
		} else if leadingBreak {
			out = append(out, '\n')
		}
		leadingBreak = false
		for ; trailing > 0; trailing-- {
			out = append(out, '\n')
		}
		leadingBlank = s[p.pos] == ' ' || s[p.pos] == '\t'
		i := p.pos
		for {
			for i < len(s) && class[s[i]]&stopLine == 0 {
				i++
			}
			if i < len(s) && s[i] >= 0x80 {
				i += p.rune(i)
				continue
			}
			break
		}
		if i < len(s) && s[i] != '\n' {
			fail() // control character or CR
		}
		out = append(out, s[p.pos:i]...)
		p.pos = i
		if i < len(s) {
			p.pos++
			p.line++
			p.lineStart = p.pos
			leadingBreak = true
		}
		column = 0
		breaks()
	}
	if chomping != -1 && leadingBreak {
		out = append(out, '\n')
	}
	if chomping == 1 {
		for ; trailing > 0; trailing-- {
			out = append(out, '\n')
		}
	}
	p.buf = out
	style := styleLiteral
	if !literal {
		style = styleFolded
	}
	n := p.scalar(string(out), strTag, style, line, col)
	if p.pos >= len(s) {
		p.eof = true
	} else {
		p.pos = p.lineStart
		p.skipBlank()
	}
	return n
}
