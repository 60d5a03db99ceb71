// Package match is the algebra of Istio HTTP match requests, as Envoy
// applies them: whether every request one match accepts is accepted by
// another (Covers: a later route is never reached) and whether two matches
// accept a common request (Intersects: two VirtualServices route the same
// requests), with RE2 regexes matched in full and compiled once per run, and
// an index of matches by path so that a set of n matches is compared in
// about n log n, not n². The policy checks (EG007, EG008) use it, and
// render's check that no route of an AppIntent shadows a later one can
// (Covers); it imports nothing of either.
//
// The algebra, as EG007 and EG008 use it: an HTTP match of a
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
package match

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// StringMatch is Istio's exact / prefix / regex match.
type StringMatch struct {
	Exact  string `yaml:"exact"`
	Prefix string `yaml:"prefix"`
	Regex  string `yaml:"regex"`
}

// HTTPMatchRequest is one entry of an http rule's match list of a
// VirtualService, as written.
type HTTPMatchRequest struct {
	URI       *StringMatch           `yaml:"uri"`
	Scheme    *StringMatch           `yaml:"scheme"`
	Method    *StringMatch           `yaml:"method"`
	Authority *StringMatch           `yaml:"authority"`
	Headers   map[string]StringMatch `yaml:"headers"`
	Port      int                    `yaml:"port"`
	Gateways  []string               `yaml:"gateways"`
	// Anything else makes a match narrower than these fields say.
	QueryParams     map[string]StringMatch `yaml:"queryParams"`
	WithoutHeaders  map[string]StringMatch `yaml:"withoutHeaders"`
	SourceLabels    map[string]string      `yaml:"sourceLabels"`
	SourceNamespace string                 `yaml:"sourceNamespace"`
	IgnoreURICase   bool                   `yaml:"ignoreUriCase"`
}

// Kind is the kind of condition a normalised StringMatch puts on a value.
type Kind uint8

const (
	Any     Kind = iota // unconstrained
	present             // a header or query parameter is present, any value
	Exact
	Prefix
	Regex
)

// Str is one normalised StringMatch.
type Str struct {
	Kind  Kind
	fold  bool // case-insensitive (ignoreUriCase)
	Value string
}

func (s Str) String() string {
	switch s.Kind {
	case Any:
		return "anything"
	case present:
		return "present"
	case Exact:
		return fmt.Sprintf("exact %q", s.Value)
	case Prefix:
		return fmt.Sprintf("prefix %q", s.Value)
	}
	return fmt.Sprintf("regex %q", s.Value)
}

// newStr normalises an Istio StringMatch; nil is Any, and an
// empty one is present (for a header: present with any value).
func newStr(m *StringMatch) Str {
	switch {
	case m == nil:
		return Str{}
	case m.Exact != "":
		return Str{Kind: Exact, Value: m.Exact}
	case m.Prefix != "":
		return Str{Kind: Prefix, Value: m.Prefix}
	case m.Regex != "":
		return Str{Kind: Regex, Value: m.Regex}
	}
	return Str{Kind: present}
}

// NewURI normalises a uri match: no match, prefix "/" and regex ".*"
// all match every path (Envoy's own notion of a catch-all route).
func NewURI(m *StringMatch, fold bool) Str {
	s := newStr(m)
	switch {
	case s.Kind == present,
		s.Kind == Prefix && s.Value == "/",
		s.Kind == Regex && s.Value == ".*":
		return Str{}
	}
	s.fold = fold
	return s
}

// caseless reports whether folding case cannot change s.
func caseless(s string) bool { return strings.ToLower(s) == strings.ToUpper(s) }

// Regexps compiles each regex once per run, as Envoy matches it: RE2,
// against the whole value, and finds its literal prefix once per run too:
// inputs repeat a few regexes thousands of times, and parsing one costs
// more than everything else done with a match. Not safe to share between
// goroutines: its maps fill as regexes are met.
type Regexps struct {
	compiled map[string]*regexp.Regexp
	literals map[string]string
}

func NewRegexps() *Regexps {
	return &Regexps{compiled: map[string]*regexp.Regexp{}, literals: map[string]string{}}
}

func (c *Regexps) FullMatch(re, s string) bool {
	r, ok := c.compiled[re]
	if !ok {
		r, _ = regexp.Compile(`^(?:` + re + `)$`) // an invalid regex matches nothing
		c.compiled[re] = r
	}
	return r != nil && r.MatchString(s)
}

// literalPrefix is the function literalPrefix, computed once per regex: the literal
// text every value it fully matches starts with ("/api/v" for
// ^/api/v[0-9]+/.*), "" when there is none.
func (c *Regexps) literalPrefix(re string) string {
	lit, ok := c.literals[re]
	if !ok {
		lit = literalPrefix(re)
		c.literals[re] = lit
	}
	return lit
}

// covers reports whether every value n accepts is accepted by m.
func (c *Regexps) covers(m, n Str) bool {
	switch m.Kind {
	case Any:
		return true
	case present:
		return n.Kind != Any
	}
	if n.Kind == Any || n.Kind == present {
		return false
	}
	if n.fold && !m.fold && !caseless(n.Value) {
		return false // n accepts spellings m rejects
	}
	mv, nv := m.Value, n.Value
	if m.fold && m.Kind != Regex && n.Kind != Regex {
		mv, nv = strings.ToLower(mv), strings.ToLower(nv)
	}
	switch m.Kind {
	case Exact:
		return n.Kind == Exact && nv == mv
	case Prefix:
		if n.Kind == Regex {
			// Every value the regex matches starts with its literal prefix.
			lit := c.literalPrefix(n.Value)
			if m.fold {
				lit, mv = strings.ToLower(lit), strings.ToLower(mv)
			}
			return lit != "" && strings.HasPrefix(lit, mv)
		}
		return (n.Kind == Exact || n.Kind == Prefix) && strings.HasPrefix(nv, mv)
	case Regex:
		switch n.Kind {
		case Regex:
			return m.Value == n.Value
		case Exact:
			return c.FullMatch(m.Value, n.Value)
		}
	}
	return false
}

// intersects reports whether some value is certainly accepted by both.
func (c *Regexps) intersects(m, n Str) bool {
	if m.Kind == Any || n.Kind == Any || m.Kind == present || n.Kind == present {
		return true
	}
	if m.Kind > n.Kind {
		m, n = n, m // order: exact, prefix, regex
	}
	mv, nv := m.Value, n.Value
	if (m.fold || n.fold) && n.Kind != Regex {
		mv, nv = strings.ToLower(mv), strings.ToLower(nv)
	}
	switch {
	case m.Kind == Exact && n.Kind == Exact:
		return mv == nv
	case m.Kind == Exact && n.Kind == Prefix:
		return strings.HasPrefix(mv, nv)
	case m.Kind == Prefix && n.Kind == Prefix:
		return strings.HasPrefix(mv, nv) || strings.HasPrefix(nv, mv)
	case n.Kind == Regex && m.Kind == Regex:
		return m.Value == n.Value
	case n.Kind == Regex:
		// The exact value, or the prefix itself, is a request both accept.
		return c.FullMatch(n.Value, m.Value)
	}
	return false
}

// LiteralPrefix is literalPrefix, for a caller bounding what a regex may
// share with another match: two paths whose literal prefixes are not
// prefixes of one another share no value.
func LiteralPrefix(re string) string { return literalPrefix(re) }

// literalPrefix returns the literal text every value re fully matches
// starts with (Envoy matches a regex against the whole value, so a leading ^
// changes nothing): the case-sensitive literals at the start of its top-level
// concatenation, through capture groups. "" when the regex is invalid or
// starts with anything else (a class, an alternation, a repetition).
func literalPrefix(re string) string {
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

// Match is one HTTPMatchRequest, normalised. A rule without matches is
// represented by one Match that matches everything.
type Match struct {
	raw         *HTTPMatchRequest // as written; nil for a rule without matches
	Rule, Index int               // spec.http[rule].match[index]; index -1: the rule has no match
	URI         Str
	scheme      Str
	method      Str
	authority   Str
	headers     conds
	query       conds
	without     conds
	Port        int
	Gateways    []string // resolved namespace/name, or "mesh"
	srcLabels   map[string]string
	srcNS       string
	Istio       istioPrefix // prefix "" when the uri is not a prefix
}

func (m *Match) Field() string {
	if m.Index < 0 {
		return "spec.http[" + strconv.Itoa(m.Rule) + "]"
	}
	return "spec.http[" + strconv.Itoa(m.Rule) + "].match[" + strconv.Itoa(m.Index) + "]"
}

// MatchesEverything reports whether the match puts no condition at all on a
// request: every request reaching the VirtualService matches it.
func (m *Match) MatchesEverything() bool {
	return m.URI.Kind == Any && m.scheme.Kind == Any && m.method.Kind == Any &&
		m.authority.Kind == Any && len(m.headers) == 0 && len(m.query) == 0 && len(m.without) == 0 &&
		m.Port == 0 && len(m.Gateways) == 0 && len(m.srcLabels) == 0 && m.srcNS == ""
}

// EnvoyCatchAll reports whether pilot turns the match into a catch-all Envoy
// route (path "/" or ".*", no header or query condition), which it sorts
// after every other route of a host merged from several VirtualServices.
// Port, gateways and source conditions only decide where the route exists.
func (m *Match) EnvoyCatchAll() bool {
	return m.URI.Kind == Any && m.scheme.Kind == Any && m.method.Kind == Any &&
		m.authority.Kind == Any && len(m.headers) == 0 && len(m.query) == 0 && len(m.without) == 0
}

// MatchStore is the memory of the matches of one VirtualService,
// reused for the next one by a caller that keeps none of them (EG008).
type MatchStore struct {
	matches []Match
	ptrs    []*Match
	rules   [][]*Match
	conds   []cond
}

// Matches normalises the matches of the http rules of a VirtualService in
// namespace, in store (which it overwrites), or in memory of their own when
// store is nil. matchesOf gives the match list of each rule: a function, not
// a slice of lists, so the caller's rules are read where they are, and not a
// generic, whose instance would move the caller's store to the heap.
// resolveGateway turns a gateway reference of a match into the
// namespace/name istiod binds (or "mesh").
func Matches(namespace string, rules int, matchesOf func(rule int) []HTTPMatchRequest, resolveGateway func(namespace, ref string) string, store *MatchStore) [][]*Match {
	if store == nil {
		store = &MatchStore{}
	}
	n := 0
	for i := range rules {
		n += max(1, len(matchesOf(i)))
	}
	// A few allocations for all the matches, or none for a store already
	// large enough, rather than several per match.
	matches := slices.Grow(store.matches[:0], n)[:n]
	ptrs := slices.Grow(store.ptrs[:0], n)[:n]
	for i := range matches {
		ptrs[i] = &matches[i]
	}
	out := slices.Grow(store.rules[:0], rules)[:rules]
	conds := store.conds[:0]
	next := 0
	for r := range rules {
		list := matchesOf(r)
		if len(list) == 0 {
			matches[next] = Match{Rule: r, Index: -1}
			out[r] = ptrs[next : next+1 : next+1]
			next++
			continue
		}
		out[r] = ptrs[next : next+len(list) : next+len(list)]
		for i := range list {
			matches[next], conds = normalise(&list[i], r, i, namespace, resolveGateway, conds)
			next++
		}
	}
	store.matches, store.ptrs, store.rules, store.conds = matches, ptrs, out, conds
	return out
}

// normalise is m, the index-th match of rule r, normalised, with its
// header and query conditions appended to conds.
func normalise(m *HTTPMatchRequest, r, index int, namespace string, resolveGateway func(namespace, ref string) string, conds []cond) (Match, []cond) {
	hm := Match{
		raw: m, Rule: r, Index: index,
		URI:       NewURI(m.URI, m.IgnoreURICase),
		scheme:    newStr(m.Scheme),
		method:    newStr(m.Method),
		authority: newStr(m.Authority),
		Port:      m.Port,
		srcLabels: m.SourceLabels,
		srcNS:     m.SourceNamespace,
	}
	if m.URI != nil && m.URI.Exact == "" && m.URI.Prefix != "" {
		hm.Istio = istioPrefix{
			Prefix: m.URI.Prefix, port: m.Port,
			method:    cmp.Or(istioValue(m.Method), "exact:GET"),
			authority: istioValue(m.Authority),
			headers:   istioMap(m.Headers), query: istioMap(m.QueryParams), without: istioMap(m.WithoutHeaders),
		}
	}
	hm.headers, conds = appendConds(conds, m.Headers)
	hm.query, conds = appendConds(conds, m.QueryParams)
	hm.without, conds = appendConds(conds, m.WithoutHeaders)
	for _, g := range m.Gateways {
		hm.Gateways = append(hm.Gateways, resolveGateway(namespace, g))
	}
	return hm, conds
}

// Covers reports whether every request b accepts is also accepted by a: a
// route matching b that comes after one matching a is never reached. It
// compiles the regexes it meets anew: a caller comparing many matches keeps
// one Regexps and calls its RequestCovers. Gateway references are compared
// as written.
func Covers(a, b *HTTPMatchRequest) bool { return NewRegexps().RequestCovers(a, b) }

// RequestCovers is Covers with the regexes of c.
func (c *Regexps) RequestCovers(a, b *HTTPMatchRequest) bool {
	ma, conds := normalise(a, 0, 0, "", asWritten, nil)
	mb, _ := normalise(b, 0, 1, "", asWritten, conds)
	return c.MatchCovers(&ma, &mb)
}

// RequestIntersects reports whether a request exists that a and b both
// accept.
func (c *Regexps) RequestIntersects(a, b *HTTPMatchRequest) bool {
	ma, conds := normalise(a, 0, 0, "", asWritten, nil)
	mb, _ := normalise(b, 0, 1, "", asWritten, conds)
	return c.MatchIntersects(&ma, &mb)
}

func asWritten(_, ref string) string { return ref }

// AppendIdentity appends Istio's notion of "the same match": its fields as
// written, in a fixed order, minus the name.
func (m *Match) AppendIdentity(b []byte) []byte {
	raw := m.raw
	if raw == nil {
		return append(b, "{}"...)
	}
	b = appendRaw(b, raw.URI)
	b = append(b, '|')
	b = strconv.AppendBool(b, raw.IgnoreURICase)
	for _, s := range []*StringMatch{raw.Scheme, raw.Method, raw.Authority} {
		b = append(b, '|')
		b = appendRaw(b, s)
	}
	for _, conds := range []map[string]StringMatch{raw.Headers, raw.QueryParams, raw.WithoutHeaders} {
		b = append(b, '|')
		b = appendRawMap(b, conds)
	}
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(raw.Port), 10)
	b = append(b, '|')
	b = AppendQuotedList(b, raw.Gateways)
	b = append(b, '|')
	b = AppendRawLabels(b, raw.SourceLabels)
	b = append(b, '|')
	return strconv.AppendQuote(b, raw.SourceNamespace)
}

// IstioPrefix is what Istio's overlap test compares of the match, or nil
// when its uri is not a prefix.
func (m *Match) IstioPrefix() *istioPrefix {
	if m.Istio.Prefix == "" {
		return nil
	}
	return &m.Istio
}

// cond is one header or query parameter condition of a match.
type cond struct {
	name string
	str  Str
}

// conds are the header (or query parameter) conditions of a match,
// sorted by name: a match has a few, and a sorted slice is one small
// allocation where a map is several large ones.
type conds []cond

// appendConds normalises m at the end of buf: the conditions, and buf.
func appendConds(buf []cond, m map[string]StringMatch) (conds, []cond) {
	if len(m) == 0 {
		return nil, buf
	}
	start := len(buf)
	for name, v := range m {
		buf = append(buf, cond{name: name, str: newStr(&v)})
	}
	out := conds(buf[start:len(buf):len(buf)])
	slices.SortFunc(out, func(a, b cond) int { return strings.Compare(a.name, b.name) })
	return out, buf
}

// get returns the condition on name, and whether there is one.
func (cs conds) get(name string) (Str, bool) {
	i, ok := slices.BinarySearchFunc(cs, name, func(c cond, name string) int { return strings.Compare(c.name, name) })
	if !ok {
		return Str{}, false
	}
	return cs[i].str, true
}

// appendRaw appends a StringMatch as written: "-" for none.
func appendRaw(b []byte, m *StringMatch) []byte {
	if m == nil {
		return append(b, '-')
	}
	b = strconv.AppendQuote(b, m.Exact)
	b = append(b, '/')
	b = strconv.AppendQuote(b, m.Prefix)
	b = append(b, '/')
	return strconv.AppendQuote(b, m.Regex)
}

// appendRawMap appends {"name"=raw,...}, sorted by name.
func appendRawMap(b []byte, m map[string]StringMatch) []byte {
	b = append(b, '{')
	if len(m) > 0 {
		for i, k := range slices.Sorted(maps.Keys(m)) {
			if i > 0 {
				b = append(b, ',')
			}
			v := m[k]
			b = strconv.AppendQuote(b, k)
			b = append(b, '=')
			b = appendRaw(b, &v)
		}
	}
	return append(b, '}')
}

// AppendRawLabels appends {"key"="value",...}, sorted by key.
func AppendRawLabels(b []byte, m map[string]string) []byte {
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

// AppendQuotedList appends a list as fmt's %q prints it: ["a" "b"].
func AppendQuotedList(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendQuote(b, s)
	}
	return append(b, ']')
}

// MatchCovers reports whether every request n matches is matched by m.
// Identical matches need no shortcut: each condition covers itself.
func (c *Regexps) MatchCovers(m, n *Match) bool {
	if m.Port != 0 && m.Port != n.Port || m.srcNS != "" && m.srcNS != n.srcNS {
		return false
	}
	if len(m.Gateways) > 0 && (len(n.Gateways) == 0 || !allIn(n.Gateways, m.Gateways)) {
		return false
	}
	for k, v := range m.srcLabels {
		if have, ok := n.srcLabels[k]; !ok || have != v {
			return false
		}
	}
	if !c.covers(m.URI, n.URI) || !c.covers(m.scheme, n.scheme) || !c.covers(m.method, n.method) || !c.covers(m.authority, n.authority) {
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

// MatchIntersects reports whether some request certainly matches both.
func (c *Regexps) MatchIntersects(m, n *Match) bool {
	if m.Port != 0 && n.Port != 0 && m.Port != n.Port || m.srcNS != "" && n.srcNS != "" && m.srcNS != n.srcNS {
		return false
	}
	for k, v := range m.srcLabels {
		if have, ok := n.srcLabels[k]; ok && have != v {
			return false
		}
	}
	if !c.intersects(m.URI, n.URI) || !c.intersects(m.scheme, n.scheme) || !c.intersects(m.method, n.method) || !c.intersects(m.authority, n.authority) {
		return false
	}
	if !c.condsIntersect(m.headers, n.headers) || !c.condsIntersect(m.query, n.query) {
		return false
	}
	// A header one requires and the other rules out.
	for _, p := range [2][2]*Match{{m, n}, {n, m}} {
		for _, excluded := range p[0].without {
			if h, ok := p[1].headers.get(excluded.name); ok && c.covers(excluded.str, h) {
				return false
			}
		}
	}
	return true
}

func (c *Regexps) condsIntersect(a, b conds) bool {
	for _, v := range a {
		if w, ok := b.get(v.name); ok && !c.intersects(v.str, w) {
			return false
		}
	}
	return true
}

func allIn(small, big []string) bool {
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

// URIIndex finds, among the matches added so far, the candidates that may
// cover or intersect a match by its path alone: the same exact path, every
// prefix of a path, identical regexes, matches of any path. Values are
// indexed lowercased so case-insensitive matches are found too; callers
// check candidates exactly. It keeps pairwise comparisons to matches that
// share a path, not every match of every rule.
//
// Most VirtualServices have a handful of matches: while the index is that
// small, a scan of it is cheaper than building maps (EG008 takes under half
// the time at 10k apps), and it builds them only when it grows past
// ScanLimit. Not safe to share between goroutines: candidates reuses
// its found list.
type URIIndex struct {
	All    []*Match          // in order of addition: a match's position is its sequence number
	keys   []string          // the path each match is indexed under
	ByPath map[pathKey][]int // sequence numbers; nil while the index is scanned
	First  map[Kind][]string // distinct paths by kind, in order of first addition
	found  []int             // candidates of the current lookup
}

// pathKey is a path as indexed: lowercased, except a regex; "" for a
// match of any path.
type pathKey struct {
	kind Kind
	path string
}

// ScanLimit is the size up to which an URIIndex is scanned.
const ScanLimit = 16

// pathOf is the key m is indexed under.
func pathOf(m *Match) pathKey {
	switch m.URI.Kind {
	case Exact, Prefix:
		return pathKey{m.URI.Kind, strings.ToLower(m.URI.Value)}
	case Regex:
		return pathKey{Regex, m.URI.Value}
	}
	return pathKey{kind: Any}
}

func (x *URIIndex) Add(m *Match) {
	k := pathOf(m)
	x.All = append(x.All, m)
	x.keys = append(x.keys, k.path)
	switch {
	case x.ByPath != nil:
		x.put(k, len(x.All)-1)
	case len(x.All) > ScanLimit:
		x.IndexPaths()
	}
}

// Reset empties the index, keeping its memory for the next use.
func (x *URIIndex) Reset() {
	clear(x.All) // drop the matches for the collector
	x.All, x.keys = x.All[:0], x.keys[:0]
	x.ByPath, x.First = nil, nil
}

// IndexPaths builds the maps of the index, which from then on keeps them.
func (x *URIIndex) IndexPaths() {
	if x.ByPath != nil {
		return
	}
	x.ByPath = map[pathKey][]int{}
	x.First = map[Kind][]string{}
	for seq, m := range x.All {
		x.put(pathOf(m), seq)
	}
}

func (x *URIIndex) put(k pathKey, seq int) {
	if len(x.ByPath[k]) == 0 {
		x.First[k.kind] = append(x.First[k.kind], k.path)
	}
	x.ByPath[k] = append(x.ByPath[k], seq)
}

// Bucket lists the sequence numbers of the matches indexed under kind and
// path (after indexPaths).
func (x *URIIndex) Bucket(kind Kind, path string) []int {
	return x.ByPath[pathKey{kind, path}]
}

// Candidates lists the sequence numbers of the indexed matches whose path
// may cover m's, in the order they were added. The list is valid until the
// next call.
func (x *URIIndex) Candidates(c *Regexps, m *Match) []int {
	found := x.found[:0]
	if len(x.All) == 0 {
		return found
	}
	v := strings.ToLower(m.URI.Value)
	lit := ""
	if m.URI.Kind == Regex {
		lit = strings.ToLower(c.literalPrefix(m.URI.Value))
	}
	if x.ByPath == nil {
		for seq, o := range x.All {
			if x.mayCover(c, o, x.keys[seq], m, v, lit) {
				found = append(found, seq)
			}
		}
		x.found = found
		return found
	}
	found = append(found, x.Bucket(Any, "")...)
	switch m.URI.Kind {
	case Exact, Prefix:
		if m.URI.Kind == Exact {
			found = append(found, x.Bucket(Exact, v)...)
		}
		for i := 1; i <= len(v); i++ {
			found = append(found, x.Bucket(Prefix, v[:i])...)
		}
		for _, re := range x.First[Regex] {
			if c.FullMatch(re, m.URI.Value) {
				found = append(found, x.Bucket(Regex, re)...)
			}
		}
	case Regex:
		found = append(found, x.Bucket(Regex, m.URI.Value)...)
		// Prefixes of its literal prefix may cover it.
		for i := 1; i <= len(lit); i++ {
			found = append(found, x.Bucket(Prefix, lit[:i])...)
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
func (x *URIIndex) mayCover(c *Regexps, o *Match, key string, m *Match, v, lit string) bool {
	switch o.URI.Kind {
	case Exact:
		return m.URI.Kind == Exact && key == v
	case Prefix:
		switch m.URI.Kind {
		case Exact, Prefix:
			return key != "" && strings.HasPrefix(v, key)
		case Regex:
			return key != "" && strings.HasPrefix(lit, key)
		}
		return false
	case Regex:
		switch m.URI.Kind {
		case Exact, Prefix:
			return c.FullMatch(o.URI.Value, m.URI.Value)
		case Regex:
			return o.URI.Value == m.URI.Value
		}
		return false
	}
	return true // any path
}

// istioPrefix is what Istio's validation compares of a match with a
// uri prefix when it looks for overlapping matches (IST0131): the prefix,
// port, method ("exact:GET" when absent), authority, headers, query
// parameters and withoutHeaders, each "exact:v", "prefix:v" or "" (regex).
type istioPrefix struct {
	Prefix                  string
	port                    int
	method, authority       string
	headers, query, without map[string]string
}

func istioValue(m *StringMatch) string {
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

// istioMap is nil for no conditions, which reads as an empty map.
func istioMap(m map[string]StringMatch) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = istioValue(&v)
	}
	return out
}

// IstioCovered is Istio's coveredValidation, kept as it is: a, an earlier
// match, is taken to cover b. It is looser than covers (a method, header or
// parameter value of a that merely starts with b's counts), and ignores the
// scheme, gateways, source and case conditions.
func IstioCovered(a, b *istioPrefix) bool {
	if !strings.HasPrefix(b.Prefix, a.Prefix) || a.port != b.port {
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
