package policy

import (
	"fmt"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// The request-match algebra of EG007 and EG008: an HTTP match of a
// VirtualService normalised into conditions, with the two questions the
// checks ask of a pair of matches:
//
//   - covers: does every request the second matches also match the first?
//     (EG008: a later match covered by an earlier one is never used)
//   - intersects: is there certainly a request both match? (EG007: two
//     VirtualServices merged on one host compete for it)
//
// Both answer "no" when they cannot decide (two different regexes), so the
// checks only report what they can show.

type eg008Kind uint8

const (
	eg008Any     eg008Kind = iota // unconstrained
	eg008Present                  // a header or query parameter is present, any value
	eg008Exact
	eg008Prefix
	eg008Regex
)

// eg008Str is one normalised StringMatch.
type eg008Str struct {
	kind  eg008Kind
	fold  bool // case-insensitive (ignoreUriCase)
	value string
}

func (s eg008Str) String() string {
	switch s.kind {
	case eg008Any:
		return "anything"
	case eg008Present:
		return "present"
	case eg008Exact:
		return fmt.Sprintf("exact %q", s.value)
	case eg008Prefix:
		return fmt.Sprintf("prefix %q", s.value)
	}
	return fmt.Sprintf("regex %q", s.value)
}

// eg008NewStr normalises an Istio StringMatch; nil is eg008Any, and an
// empty one is eg008Present (for a header: present with any value).
func eg008NewStr(m *StringMatch) eg008Str {
	switch {
	case m == nil:
		return eg008Str{}
	case m.Exact != "":
		return eg008Str{kind: eg008Exact, value: m.Exact}
	case m.Prefix != "":
		return eg008Str{kind: eg008Prefix, value: m.Prefix}
	case m.Regex != "":
		return eg008Str{kind: eg008Regex, value: m.Regex}
	}
	return eg008Str{kind: eg008Present}
}

// eg008NewURI normalises a uri match: no match, prefix "/" and regex ".*"
// all match every path (Envoy's own notion of a catch-all route).
func eg008NewURI(m *StringMatch, fold bool) eg008Str {
	s := eg008NewStr(m)
	switch {
	case s.kind == eg008Present,
		s.kind == eg008Prefix && s.value == "/",
		s.kind == eg008Regex && s.value == ".*":
		return eg008Str{}
	}
	s.fold = fold
	return s
}

// eg008Caseless reports whether folding case cannot change s.
func eg008Caseless(s string) bool { return strings.ToLower(s) == strings.ToUpper(s) }

// eg008Regexps compiles each regex once per run, as Envoy matches it: RE2,
// against the whole value, and finds its literal prefix once per run too:
// inputs repeat a few regexes thousands of times, and parsing one costs
// more than everything else done with a match. Not safe to share between
// goroutines: its maps fill as regexes are met.
type eg008Regexps struct {
	compiled map[string]*regexp.Regexp
	literals map[string]string
}

func newEG008Regexps() *eg008Regexps {
	return &eg008Regexps{compiled: map[string]*regexp.Regexp{}, literals: map[string]string{}}
}

func (c *eg008Regexps) fullMatch(re, s string) bool {
	r, ok := c.compiled[re]
	if !ok {
		r, _ = regexp.Compile(`^(?:` + re + `)$`) // an invalid regex matches nothing
		c.compiled[re] = r
	}
	return r != nil && r.MatchString(s)
}

// literalPrefix is eg008LiteralPrefix, computed once per regex: the literal
// text every value it fully matches starts with ("/api/v" for
// ^/api/v[0-9]+/.*), "" when there is none.
func (c *eg008Regexps) literalPrefix(re string) string {
	lit, ok := c.literals[re]
	if !ok {
		lit = eg008LiteralPrefix(re)
		c.literals[re] = lit
	}
	return lit
}

// covers reports whether every value n accepts is accepted by m.
func (c *eg008Regexps) covers(m, n eg008Str) bool {
	switch m.kind {
	case eg008Any:
		return true
	case eg008Present:
		return n.kind != eg008Any
	}
	if n.kind == eg008Any || n.kind == eg008Present {
		return false
	}
	if n.fold && !m.fold && !eg008Caseless(n.value) {
		return false // n accepts spellings m rejects
	}
	mv, nv := m.value, n.value
	if m.fold && m.kind != eg008Regex && n.kind != eg008Regex {
		mv, nv = strings.ToLower(mv), strings.ToLower(nv)
	}
	switch m.kind {
	case eg008Exact:
		return n.kind == eg008Exact && nv == mv
	case eg008Prefix:
		if n.kind == eg008Regex {
			// Every value the regex matches starts with its literal prefix.
			lit := c.literalPrefix(n.value)
			if m.fold {
				lit, mv = strings.ToLower(lit), strings.ToLower(mv)
			}
			return lit != "" && strings.HasPrefix(lit, mv)
		}
		return (n.kind == eg008Exact || n.kind == eg008Prefix) && strings.HasPrefix(nv, mv)
	case eg008Regex:
		switch n.kind {
		case eg008Regex:
			return m.value == n.value
		case eg008Exact:
			return c.fullMatch(m.value, n.value)
		}
	}
	return false
}

// intersects reports whether some value is certainly accepted by both.
func (c *eg008Regexps) intersects(m, n eg008Str) bool {
	if m.kind == eg008Any || n.kind == eg008Any || m.kind == eg008Present || n.kind == eg008Present {
		return true
	}
	if m.kind > n.kind {
		m, n = n, m // order: exact, prefix, regex
	}
	mv, nv := m.value, n.value
	if (m.fold || n.fold) && n.kind != eg008Regex {
		mv, nv = strings.ToLower(mv), strings.ToLower(nv)
	}
	switch {
	case m.kind == eg008Exact && n.kind == eg008Exact:
		return mv == nv
	case m.kind == eg008Exact && n.kind == eg008Prefix:
		return strings.HasPrefix(mv, nv)
	case m.kind == eg008Prefix && n.kind == eg008Prefix:
		return strings.HasPrefix(mv, nv) || strings.HasPrefix(nv, mv)
	case n.kind == eg008Regex && m.kind == eg008Regex:
		return m.value == n.value
	case n.kind == eg008Regex:
		// The exact value, or the prefix itself, is a request both accept.
		return c.fullMatch(n.value, m.value)
	}
	return false
}

// eg008LiteralPrefix returns the literal text every value re fully matches
// starts with (Envoy matches a regex against the whole value, so a leading ^
// changes nothing): the case-sensitive literals at the start of its top-level
// concatenation, through capture groups. "" when the regex is invalid or
// starts with anything else (a class, an alternation, a repetition).
func eg008LiteralPrefix(re string) string {
	parsed, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(n *syntax.Regexp, start bool) bool // false: stop here
	walk = func(n *syntax.Regexp, start bool) bool {
		switch n.Op {
		case syntax.OpLiteral:
			if n.Flags&syntax.FoldCase != 0 {
				return false
			}
			b.WriteString(string(n.Rune))
			return true
		case syntax.OpBeginText, syntax.OpBeginLine:
			return start && b.Len() == 0
		case syntax.OpCapture:
			return walk(n.Sub[0], start)
		case syntax.OpConcat:
			for _, sub := range n.Sub {
				if !walk(sub, start) {
					return false
				}
			}
			return true
		case syntax.OpEmptyMatch:
			return true
		}
		return false
	}
	walk(parsed, true)
	return b.String()
}

// eg008Match is one HTTPMatchRequest, normalised. A rule without matches is
// represented by one eg008Match that matches everything.
type eg008Match struct {
	vs          *VirtualService
	rule, index int // spec.http[rule].match[index]; index -1: the rule has no match
	uri         eg008Str
	scheme      eg008Str
	method      eg008Str
	authority   eg008Str
	headers     eg008Conds
	query       eg008Conds
	without     eg008Conds
	port        int
	gateways    []string // resolved namespace/name, or "mesh"
	srcLabels   map[string]string
	srcNS       string
	istio       eg008IstioPrefix // prefix "" when the uri is not a prefix
}

func (m *eg008Match) field() string {
	if m.index < 0 {
		return "spec.http[" + strconv.Itoa(m.rule) + "]"
	}
	return "spec.http[" + strconv.Itoa(m.rule) + "].match[" + strconv.Itoa(m.index) + "]"
}

// matchesEverything reports whether the match puts no condition at all on a
// request: every request reaching the VirtualService matches it.
func (m *eg008Match) matchesEverything() bool {
	return m.uri.kind == eg008Any && m.scheme.kind == eg008Any && m.method.kind == eg008Any &&
		m.authority.kind == eg008Any && len(m.headers) == 0 && len(m.query) == 0 && len(m.without) == 0 &&
		m.port == 0 && len(m.gateways) == 0 && len(m.srcLabels) == 0 && m.srcNS == ""
}

// envoyCatchAll reports whether pilot turns the match into a catch-all Envoy
// route (path "/" or ".*", no header or query condition), which it sorts
// after every other route of a host merged from several VirtualServices.
// Port, gateways and source conditions only decide where the route exists.
func (m *eg008Match) envoyCatchAll() bool {
	return m.uri.kind == eg008Any && m.scheme.kind == eg008Any && m.method.kind == eg008Any &&
		m.authority.kind == eg008Any && len(m.headers) == 0 && len(m.query) == 0 && len(m.without) == 0
}

// eg008MatchStore is the memory of the matches of one VirtualService,
// reused for the next one by a caller that keeps none of them (EG008).
type eg008MatchStore struct {
	matches []eg008Match
	ptrs    []*eg008Match
	rules   [][]*eg008Match
	conds   []eg008Cond
}

// eg008Matches normalises the matches of every http rule of vs, in store
// (which it overwrites), or in memory of their own when store is nil.
func eg008Matches(vs *VirtualService, store *eg008MatchStore) [][]*eg008Match {
	if store == nil {
		store = &eg008MatchStore{}
	}
	ns := vs.Obj.Namespace
	n := 0
	for _, rule := range vs.Spec.HTTP {
		n += max(1, len(rule.Match))
	}
	// A few allocations for all the matches of vs, or none for a store
	// already large enough, rather than several per match.
	matches := slices.Grow(store.matches[:0], n)[:n]
	ptrs := slices.Grow(store.ptrs[:0], n)[:n]
	for i := range matches {
		ptrs[i] = &matches[i]
	}
	out := slices.Grow(store.rules[:0], len(vs.Spec.HTTP))[:len(vs.Spec.HTTP)]
	conds := store.conds[:0]
	next := 0
	for r, rule := range vs.Spec.HTTP {
		if len(rule.Match) == 0 {
			matches[next] = eg008Match{vs: vs, rule: r, index: -1}
			out[r] = ptrs[next : next+1 : next+1]
			next++
			continue
		}
		out[r] = ptrs[next : next+len(rule.Match) : next+len(rule.Match)]
		for i := range rule.Match {
			m := &rule.Match[i]
			hm := &matches[next]
			next++
			*hm = eg008Match{
				vs: vs, rule: r, index: i,
				uri:       eg008NewURI(m.URI, m.IgnoreURICase),
				scheme:    eg008NewStr(m.Scheme),
				method:    eg008NewStr(m.Method),
				authority: eg008NewStr(m.Authority),
				port:      m.Port,
				srcLabels: m.SourceLabels,
				srcNS:     m.SourceNamespace,
			}
			if m.URI != nil && m.URI.Exact == "" && m.URI.Prefix != "" {
				hm.istio = eg008IstioPrefix{
					prefix: m.URI.Prefix, port: m.Port,
					method:    eg008Or(eg008IstioValue(m.Method), "exact:GET"),
					authority: eg008IstioValue(m.Authority),
					headers:   eg008IstioMap(m.Headers), query: eg008IstioMap(m.QueryParams), without: eg008IstioMap(m.WithoutHeaders),
				}
			}
			hm.headers, conds = eg008AppendConds(conds, m.Headers)
			hm.query, conds = eg008AppendConds(conds, m.QueryParams)
			hm.without, conds = eg008AppendConds(conds, m.WithoutHeaders)
			for _, g := range m.Gateways {
				hm.gateways = append(hm.gateways, eg004Resolve(ns, g))
			}
		}
	}
	store.matches, store.ptrs, store.rules, store.conds = matches, ptrs, out, conds
	return out
}

// appendIdentity appends Istio's notion of "the same match": its fields as
// written, in a fixed order, minus the name.
func (m *eg008Match) appendIdentity(b []byte) []byte {
	if m.index < 0 {
		return append(b, "{}"...)
	}
	raw := &m.vs.Spec.HTTP[m.rule].Match[m.index]
	b = eg008AppendRaw(b, raw.URI)
	b = append(b, '|')
	b = strconv.AppendBool(b, raw.IgnoreURICase)
	for _, s := range []*StringMatch{raw.Scheme, raw.Method, raw.Authority} {
		b = append(b, '|')
		b = eg008AppendRaw(b, s)
	}
	for _, conds := range []map[string]StringMatch{raw.Headers, raw.QueryParams, raw.WithoutHeaders} {
		b = append(b, '|')
		b = eg008AppendRawMap(b, conds)
	}
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(raw.Port), 10)
	b = append(b, '|')
	b = eg008AppendQuotedList(b, raw.Gateways)
	b = append(b, '|')
	b = eg008AppendRawLabels(b, raw.SourceLabels)
	b = append(b, '|')
	return strconv.AppendQuote(b, raw.SourceNamespace)
}

// istioPrefix is what Istio's overlap test compares of the match, or nil
// when its uri is not a prefix.
func (m *eg008Match) istioPrefix() *eg008IstioPrefix {
	if m.istio.prefix == "" {
		return nil
	}
	return &m.istio
}

// eg008Cond is one header or query parameter condition of a match.
type eg008Cond struct {
	name string
	str  eg008Str
}

// eg008Conds are the header (or query parameter) conditions of a match,
// sorted by name: a match has a few, and a sorted slice is one small
// allocation where a map is several large ones.
type eg008Conds []eg008Cond

// eg008AppendConds normalises m at the end of buf: the conditions, and buf.
func eg008AppendConds(buf []eg008Cond, m map[string]StringMatch) (eg008Conds, []eg008Cond) {
	if len(m) == 0 {
		return nil, buf
	}
	start := len(buf)
	for name, v := range m {
		buf = append(buf, eg008Cond{name: name, str: eg008NewStr(&v)})
	}
	out := eg008Conds(buf[start:len(buf):len(buf)])
	slices.SortFunc(out, func(a, b eg008Cond) int { return strings.Compare(a.name, b.name) })
	return out, buf
}

// get returns the condition on name, and whether there is one.
func (cs eg008Conds) get(name string) (eg008Str, bool) {
	i, ok := slices.BinarySearchFunc(cs, name, func(c eg008Cond, name string) int { return strings.Compare(c.name, name) })
	if !ok {
		return eg008Str{}, false
	}
	return cs[i].str, true
}

// eg008AppendRaw appends a StringMatch as written: "-" for none.
func eg008AppendRaw(b []byte, m *StringMatch) []byte {
	if m == nil {
		return append(b, '-')
	}
	b = strconv.AppendQuote(b, m.Exact)
	b = append(b, '/')
	b = strconv.AppendQuote(b, m.Prefix)
	b = append(b, '/')
	return strconv.AppendQuote(b, m.Regex)
}

// eg008AppendRawMap appends {"name"=raw,...}, sorted by name.
func eg008AppendRawMap(b []byte, m map[string]StringMatch) []byte {
	b = append(b, '{')
	if len(m) > 0 {
		for i, k := range slices.Sorted(maps.Keys(m)) {
			if i > 0 {
				b = append(b, ',')
			}
			v := m[k]
			b = strconv.AppendQuote(b, k)
			b = append(b, '=')
			b = eg008AppendRaw(b, &v)
		}
	}
	return append(b, '}')
}

// eg008AppendRawLabels appends {"key"="value",...}, sorted by key.
func eg008AppendRawLabels(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	if len(m) > 0 {
		for i, k := range slices.Sorted(maps.Keys(m)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, '=')
			b = strconv.AppendQuote(b, m[k])
		}
	}
	return append(b, '}')
}

// eg008AppendQuotedList appends a list as fmt's %q prints it: ["a" "b"].
func eg008AppendQuotedList(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendQuote(b, s)
	}
	return append(b, ']')
}

// matchCovers reports whether every request n matches is matched by m.
// Identical matches need no shortcut: each condition covers itself.
func (c *eg008Regexps) matchCovers(m, n *eg008Match) bool {
	if m.port != 0 && m.port != n.port || m.srcNS != "" && m.srcNS != n.srcNS {
		return false
	}
	if len(m.gateways) > 0 && (len(n.gateways) == 0 || !eg008AllIn(n.gateways, m.gateways)) {
		return false
	}
	for k, v := range m.srcLabels {
		if have, ok := n.srcLabels[k]; !ok || have != v {
			return false
		}
	}
	if !c.covers(m.uri, n.uri) || !c.covers(m.scheme, n.scheme) || !c.covers(m.method, n.method) || !c.covers(m.authority, n.authority) {
		return false
	}
	for _, h := range m.headers {
		other, _ := n.headers.get(h.name)
		if !c.covers(h.str, other) {
			return false
		}
	}
	for _, q := range m.query {
		other, _ := n.query.get(q.name)
		if !c.covers(q.str, other) {
			return false
		}
	}
	// m excludes values v; n must exclude at least those.
	for _, v := range m.without {
		w, ok := n.without.get(v.name)
		if !ok || !c.covers(w, v.str) {
			return false
		}
	}
	return true
}

// matchIntersects reports whether some request certainly matches both.
func (c *eg008Regexps) matchIntersects(m, n *eg008Match) bool {
	if m.port != 0 && n.port != 0 && m.port != n.port || m.srcNS != "" && n.srcNS != "" && m.srcNS != n.srcNS {
		return false
	}
	for k, v := range m.srcLabels {
		if have, ok := n.srcLabels[k]; ok && have != v {
			return false
		}
	}
	if !c.intersects(m.uri, n.uri) || !c.intersects(m.scheme, n.scheme) || !c.intersects(m.method, n.method) || !c.intersects(m.authority, n.authority) {
		return false
	}
	if !c.condsIntersect(m.headers, n.headers) || !c.condsIntersect(m.query, n.query) {
		return false
	}
	// A header one requires and the other rules out.
	for _, p := range [2][2]*eg008Match{{m, n}, {n, m}} {
		for _, excluded := range p[0].without {
			if h, ok := p[1].headers.get(excluded.name); ok && c.covers(excluded.str, h) {
				return false
			}
		}
	}
	return true
}

func (c *eg008Regexps) condsIntersect(a, b eg008Conds) bool {
	for _, v := range a {
		if w, ok := b.get(v.name); ok && !c.intersects(v.str, w) {
			return false
		}
	}
	return true
}

func eg008AllIn(small, big []string) bool {
	for _, s := range small {
		found := false
		for _, b := range big {
			if s == b {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// eg008URIIndex finds, among the matches added so far, the candidates that may
// cover or intersect a match by its path alone: the same exact path, every
// prefix of a path, identical regexes, matches of any path. Values are
// indexed lowercased so case-insensitive matches are found too; callers
// check candidates exactly. It keeps pairwise comparisons to matches that
// share a path, not every match of every rule.
//
// Most VirtualServices have a handful of matches: while the index is that
// small, a scan of it is cheaper than building maps (EG008 takes under half
// the time at 10k apps), and it builds them only when it grows past
// eg008ScanLimit. Not safe to share between goroutines: candidates reuses
// its found list.
type eg008URIIndex struct {
	all    []*eg008Match          // in order of addition: a match's position is its sequence number
	keys   []string               // the path each match is indexed under
	byPath map[eg008PathKey][]int // sequence numbers; nil while the index is scanned
	first  map[eg008Kind][]string // distinct paths by kind, in order of first addition
	found  []int                  // candidates of the current lookup
}

// eg008PathKey is a path as indexed: lowercased, except a regex; "" for a
// match of any path.
type eg008PathKey struct {
	kind eg008Kind
	path string
}

// eg008ScanLimit is the size up to which an eg008URIIndex is scanned.
const eg008ScanLimit = 16

// eg008PathOf is the key m is indexed under.
func eg008PathOf(m *eg008Match) eg008PathKey {
	switch m.uri.kind {
	case eg008Exact, eg008Prefix:
		return eg008PathKey{m.uri.kind, strings.ToLower(m.uri.value)}
	case eg008Regex:
		return eg008PathKey{eg008Regex, m.uri.value}
	}
	return eg008PathKey{kind: eg008Any}
}

func (x *eg008URIIndex) add(m *eg008Match) {
	k := eg008PathOf(m)
	x.all = append(x.all, m)
	x.keys = append(x.keys, k.path)
	switch {
	case x.byPath != nil:
		x.put(k, len(x.all)-1)
	case len(x.all) > eg008ScanLimit:
		x.indexPaths()
	}
}

// reset empties the index, keeping its memory for the next use.
func (x *eg008URIIndex) reset() {
	clear(x.all) // drop the matches for the collector
	x.all, x.keys = x.all[:0], x.keys[:0]
	x.byPath, x.first = nil, nil
}

// indexPaths builds the maps of the index, which from then on keeps them.
func (x *eg008URIIndex) indexPaths() {
	if x.byPath != nil {
		return
	}
	x.byPath = map[eg008PathKey][]int{}
	x.first = map[eg008Kind][]string{}
	for seq, m := range x.all {
		x.put(eg008PathOf(m), seq)
	}
}

func (x *eg008URIIndex) put(k eg008PathKey, seq int) {
	if len(x.byPath[k]) == 0 {
		x.first[k.kind] = append(x.first[k.kind], k.path)
	}
	x.byPath[k] = append(x.byPath[k], seq)
}

// bucket lists the sequence numbers of the matches indexed under kind and
// path (after indexPaths).
func (x *eg008URIIndex) bucket(kind eg008Kind, path string) []int {
	return x.byPath[eg008PathKey{kind, path}]
}

// candidates lists the sequence numbers of the indexed matches whose path
// may cover m's, in the order they were added. The list is valid until the
// next call.
func (x *eg008URIIndex) candidates(c *eg008Regexps, m *eg008Match) []int {
	found := x.found[:0]
	if len(x.all) == 0 {
		return found
	}
	v := strings.ToLower(m.uri.value)
	lit := ""
	if m.uri.kind == eg008Regex {
		lit = strings.ToLower(c.literalPrefix(m.uri.value))
	}
	if x.byPath == nil {
		for seq, o := range x.all {
			if x.mayCover(c, o, x.keys[seq], m, v, lit) {
				found = append(found, seq)
			}
		}
		x.found = found
		return found
	}
	found = append(found, x.bucket(eg008Any, "")...)
	switch m.uri.kind {
	case eg008Exact, eg008Prefix:
		if m.uri.kind == eg008Exact {
			found = append(found, x.bucket(eg008Exact, v)...)
		}
		for i := 1; i <= len(v); i++ {
			found = append(found, x.bucket(eg008Prefix, v[:i])...)
		}
		for _, re := range x.first[eg008Regex] {
			if c.fullMatch(re, m.uri.value) {
				found = append(found, x.bucket(eg008Regex, re)...)
			}
		}
	case eg008Regex:
		found = append(found, x.bucket(eg008Regex, m.uri.value)...)
		// Prefixes of its literal prefix may cover it.
		for i := 1; i <= len(lit); i++ {
			found = append(found, x.bucket(eg008Prefix, lit[:i])...)
		}
	}
	slices.Sort(found) // no match is in two buckets
	x.found = found
	return found
}

// mayCover is the path test of candidates for one indexed match o (indexed
// under key), for a scan: o is in a bucket candidates looks up for m, whose
// path lowercased is v and whose regex's literal prefix lowercased is lit.
// TestEG008URIIndexModes checks that both find the same candidates.
func (x *eg008URIIndex) mayCover(c *eg008Regexps, o *eg008Match, key string, m *eg008Match, v, lit string) bool {
	switch o.uri.kind {
	case eg008Exact:
		return m.uri.kind == eg008Exact && key == v
	case eg008Prefix:
		switch m.uri.kind {
		case eg008Exact, eg008Prefix:
			return key != "" && strings.HasPrefix(v, key)
		case eg008Regex:
			return key != "" && strings.HasPrefix(lit, key)
		}
		return false
	case eg008Regex:
		switch m.uri.kind {
		case eg008Exact, eg008Prefix:
			return c.fullMatch(o.uri.value, m.uri.value)
		case eg008Regex:
			return o.uri.value == m.uri.value
		}
		return false
	}
	return true // any path
}

// eg008IstioPrefix is what Istio's validation compares of a match with a
// uri prefix when it looks for overlapping matches (IST0131): the prefix,
// port, method ("exact:GET" when absent), authority, headers, query
// parameters and withoutHeaders, each "exact:v", "prefix:v" or "" (regex).
type eg008IstioPrefix struct {
	prefix                  string
	port                    int
	method, authority       string
	headers, query, without map[string]string
}

func eg008IstioValue(m *StringMatch) string {
	switch {
	case m == nil:
		return ""
	case m.Exact != "":
		return "exact:" + m.Exact
	case m.Prefix != "":
		return "prefix:" + m.Prefix
	}
	return ""
}

// eg008IstioMap is nil for no conditions, which reads as an empty map.
func eg008IstioMap(m map[string]StringMatch) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = eg008IstioValue(&v)
	}
	return out
}

func eg008Or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// eg008IstioCovered is Istio's coveredValidation, kept as it is: a, an earlier
// match, is taken to cover b. It is looser than covers (a method, header or
// parameter value of a that merely starts with b's counts), and ignores the
// scheme, gateways, source and case conditions.
func eg008IstioCovered(a, b *eg008IstioPrefix) bool {
	if !strings.HasPrefix(b.prefix, a.prefix) || a.port != b.port {
		return false
	}
	if a.method != b.method && !strings.HasPrefix(a.method, b.method) {
		return false
	}
	if a.authority != b.authority && !strings.HasPrefix(a.authority, b.authority) {
		return false
	}
	for _, p := range [][2]map[string]string{{a.headers, b.headers}, {a.query, b.query}, {a.without, b.without}} {
		if len(p[0]) != len(p[1]) {
			return false
		}
		for k, v := range p[0] {
			w, ok := p[1][k]
			if !ok || v != w && !strings.HasPrefix(v, w) {
				return false
			}
		}
	}
	return true
}
