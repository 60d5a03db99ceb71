package policy

import (
	"fmt"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
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
	value string
	fold  bool // case-insensitive (ignoreUriCase)
	// lit is, for a regex, the literal text every value it fully matches
	// starts with ("/api/v" for ^/api/v[0-9]+/.*), "" when there is none.
	lit string
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

// eg008NewStr normalises an Istio StringMatch; nil is eg008Any, and an empty
// one is eg008Present (for a header: present with any value).
func eg008NewStr(m *StringMatch) eg008Str {
	switch {
	case m == nil:
		return eg008Str{}
	case m.Exact != "":
		return eg008Str{kind: eg008Exact, value: m.Exact}
	case m.Prefix != "":
		return eg008Str{kind: eg008Prefix, value: m.Prefix}
	case m.Regex != "":
		return eg008Str{kind: eg008Regex, value: m.Regex, lit: eg008LiteralPrefix(m.Regex)}
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
// against the whole value.
type eg008Regexps map[string]*regexp.Regexp

func (c eg008Regexps) fullMatch(re, s string) bool {
	r, ok := c[re]
	if !ok {
		r, _ = regexp.Compile(`^(?:` + re + `)$`) // an invalid regex matches nothing
		c[re] = r
	}
	return r != nil && r.MatchString(s)
}

// covers reports whether every value n accepts is accepted by m.
func (c eg008Regexps) covers(m, n eg008Str) bool {
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
			lit := n.lit
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
func (c eg008Regexps) intersects(m, n eg008Str) bool {
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
// represented by one httpMatch that matches everything.
type eg008Match struct {
	rule, index int // spec.http[rule].match[index]; index -1: the rule has no match
	uri         eg008Str
	scheme      eg008Str
	method      eg008Str
	authority   eg008Str
	headers     map[string]eg008Str
	query       map[string]eg008Str
	without     map[string]eg008Str
	port        int
	gateways    []string // resolved namespace/name, or "mesh"
	srcLabels   map[string]string
	srcNS       string
	key         string // Istio's notion of "the same match" (its JSON, minus the name)
	istio       *eg008IstioPrefix
}

func (m *eg008Match) field() string {
	if m.index < 0 {
		return fmt.Sprintf("spec.http[%d]", m.rule)
	}
	return fmt.Sprintf("spec.http[%d].match[%d]", m.rule, m.index)
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

// eg008Matches normalises the matches of every http rule of vs.
func eg008Matches(vs *VirtualService) [][]*eg008Match {
	ns := vs.Obj.Namespace
	out := make([][]*eg008Match, len(vs.Spec.HTTP))
	for r, rule := range vs.Spec.HTTP {
		if len(rule.Match) == 0 {
			out[r] = []*eg008Match{{rule: r, index: -1, key: "{}"}}
			continue
		}
		for i, m := range rule.Match {
			hm := &eg008Match{
				rule: r, index: i,
				uri:       eg008NewURI(m.URI, m.IgnoreURICase),
				scheme:    eg008NewStr(m.Scheme),
				method:    eg008NewStr(m.Method),
				authority: eg008NewStr(m.Authority),
				headers:   eg008StrMap(m.Headers),
				query:     eg008StrMap(m.QueryParams),
				without:   eg008StrMap(m.WithoutHeaders),
				port:      m.Port,
				srcLabels: m.SourceLabels,
				srcNS:     m.SourceNamespace,
			}
			for _, g := range m.Gateways {
				hm.gateways = append(hm.gateways, eg004Resolve(ns, g))
			}
			hm.key = fmt.Sprintf("%s|%t|%s|%s|%s|%s|%s|%s|%d|%q|%s|%q",
				eg008Raw(m.URI), m.IgnoreURICase, eg008Raw(m.Scheme), eg008Raw(m.Method), eg008Raw(m.Authority),
				eg008RawMap(m.Headers), eg008RawMap(m.QueryParams), eg008RawMap(m.WithoutHeaders), m.Port, m.Gateways,
				eg008RawLabels(m.SourceLabels), m.SourceNamespace)
			if m.URI != nil && m.URI.Exact == "" && m.URI.Prefix != "" {
				hm.istio = &eg008IstioPrefix{
					prefix: m.URI.Prefix, port: m.Port,
					method:    eg008Or(eg008IstioValue(m.Method), "exact:GET"),
					authority: eg008IstioValue(m.Authority),
					headers:   eg008IstioMap(m.Headers), query: eg008IstioMap(m.QueryParams), without: eg008IstioMap(m.WithoutHeaders),
				}
			}
			out[r] = append(out[r], hm)
		}
	}
	return out
}

func eg008StrMap(m map[string]StringMatch) map[string]eg008Str {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]eg008Str, len(m))
	for k, v := range m {
		out[k] = eg008NewStr(&v)
	}
	return out
}

func eg008Raw(m *StringMatch) string {
	if m == nil {
		return "-"
	}
	return fmt.Sprintf("%q/%q/%q", m.Exact, m.Prefix, m.Regex)
}

func eg008RawMap(m map[string]StringMatch) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		parts = append(parts, fmt.Sprintf("%q=%s", k, eg008Raw(&v)))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func eg008RawLabels(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%q=%q", k, m[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// covers reports whether every request n matches is matched by m.
func (c eg008Regexps) matchCovers(m, n *eg008Match) bool {
	if m.key == n.key {
		return true
	}
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
	for k, v := range m.headers {
		if !c.covers(v, n.headers[k]) {
			return false
		}
	}
	for k, v := range m.query {
		if !c.covers(v, n.query[k]) {
			return false
		}
	}
	// m excludes values v; n must exclude at least those.
	for k, v := range m.without {
		w, ok := n.without[k]
		if !ok || !c.covers(w, v) {
			return false
		}
	}
	return true
}

// matchIntersects reports whether some request certainly matches both.
func (c eg008Regexps) matchIntersects(m, n *eg008Match) bool {
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
	if !c.mapsIntersect(m.headers, n.headers) || !c.mapsIntersect(m.query, n.query) {
		return false
	}
	// A header one requires and the other rules out.
	for _, p := range [][2]*eg008Match{{m, n}, {n, m}} {
		for k, excluded := range p[0].without {
			if h, ok := p[1].headers[k]; ok && c.covers(excluded, h) {
				return false
			}
		}
	}
	return true
}

func (c eg008Regexps) mapsIntersect(a, b map[string]eg008Str) bool {
	for k, v := range a {
		if w, ok := b[k]; ok && !c.intersects(v, w) {
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
type eg008URIIndex struct {
	all    []*eg008Match
	seq    map[*eg008Match]int // order of addition
	any    []*eg008Match
	exact  map[string][]*eg008Match
	prefix map[string][]*eg008Match
	regex  map[string][]*eg008Match
	regexs []string // distinct regexes, in order
}

func (x *eg008URIIndex) add(m *eg008Match) {
	if x.exact == nil {
		x.exact, x.prefix, x.regex = map[string][]*eg008Match{}, map[string][]*eg008Match{}, map[string][]*eg008Match{}
		x.seq = map[*eg008Match]int{}
	}
	x.seq[m] = len(x.all)
	x.all = append(x.all, m)
	v := strings.ToLower(m.uri.value)
	switch m.uri.kind {
	case eg008Exact:
		x.exact[v] = append(x.exact[v], m)
	case eg008Prefix:
		x.prefix[v] = append(x.prefix[v], m)
	case eg008Regex:
		if len(x.regex[m.uri.value]) == 0 {
			x.regexs = append(x.regexs, m.uri.value)
		}
		x.regex[m.uri.value] = append(x.regex[m.uri.value], m)
	default:
		x.any = append(x.any, m)
	}
}

// candidates calls f with every indexed match whose path may cover or
// intersect m's (for intersection, the other direction is found when the
// other match is looked up), in the order they were added.
func (x *eg008URIIndex) candidates(c eg008Regexps, m *eg008Match, f func(*eg008Match)) {
	var out []*eg008Match
	out = append(out, x.any...)
	v := strings.ToLower(m.uri.value)
	switch m.uri.kind {
	case eg008Exact, eg008Prefix:
		if m.uri.kind == eg008Exact {
			out = append(out, x.exact[v]...)
		}
		for i := 1; i <= len(v); i++ {
			out = append(out, x.prefix[v[:i]]...)
		}
		for _, re := range x.regexs {
			if c.fullMatch(re, m.uri.value) {
				out = append(out, x.regex[re]...)
			}
		}
	case eg008Regex:
		out = append(out, x.regex[m.uri.value]...)
		// Prefixes of its literal prefix may cover it.
		lit := strings.ToLower(m.uri.lit)
		for i := 1; i <= len(lit); i++ {
			out = append(out, x.prefix[lit[:i]]...)
		}
	}
	x.inOrder(out, func(o *eg008Match) bool { f(o); return true })
}

// inOrder calls f with ms in the order they were added, until f returns false.
func (x *eg008URIIndex) inOrder(ms []*eg008Match, f func(*eg008Match) bool) {
	sort.Slice(ms, func(i, j int) bool { return x.seq[ms[i]] < x.seq[ms[j]] })
	for _, o := range ms {
		if !f(o) {
			return
		}
	}
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

func eg008IstioMap(m map[string]StringMatch) map[string]string {
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
