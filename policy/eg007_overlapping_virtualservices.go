package policy

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/manifest"
)

func init() { register(overlappingVirtualServices{}) }

// overlappingVirtualServices finds VirtualServices that route the same host
// on the same Gateway with matches that compete (Kiali KIA1106). istiod
// builds one virtual host per host of a gateway and appends the routes of
// every VirtualService for that host in the order it lists them (oldest
// first), then moves catch-all routes (path "/" or ".*", no header or query
// condition) to the end. So when a request matches rules of two
// VirtualServices, which one answers depends on their creation times: an
// accident of history that differs between clusters and changes when one is
// re-created.
//
//   - Two rules that are not catch-alls match a common request (the same
//     exact path, nested prefixes, an exact path a regex accepts): error.
//   - Both VirtualServices have a catch-all: one of them is dead, which one
//     depends on creation order: error.
//   - One VirtualService's catch-all and another's narrower rule: the outcome
//     is fixed (the narrower rule wins), but the catch-all's owner loses part
//     of "every request" to another team: warning.
//
// Disjoint matches (different exact paths, different ports, contradicting
// headers) are fine: Istio merges them as intended, which is how teams
// share a host. Conditions the check cannot decide (two different regexes)
// count as disjoint. Keys are (gateway, host of the virtual host): the host
// is the more specific of the VirtualService host and the Gateway server
// host it matches, as istiod intersects them. Matches are grouped by path,
// so a pair is only compared when the paths can overlap.
type overlappingVirtualServices struct{}

func (overlappingVirtualServices) Meta() Meta {
	return Meta{
		ID: "EG007", Name: "overlapping-virtualservices", Severity: manifest.Error,
		Description: "several VirtualServices route the same host on the same Gateway with overlapping matches, and creation order picks the winner",
		Mirrors:     []string{"KIA1106"},
	}
}

// eg007Member is one VirtualService routing one virtual host.
type eg007Member struct {
	vs      *VirtualService
	matches []*eg008Match
}

// eg007AppendGateways appends to dst each Gateway vs binds to (as istiod
// resolves spec.gateways), once each, in order.
func eg007AppendGateways(dst []string, vs *VirtualService) []string {
	var seen map[string]bool
	if len(vs.Spec.Gateways) > 1 {
		seen = make(map[string]bool, len(vs.Spec.Gateways))
	}
	for _, raw := range vs.Spec.Gateways {
		if !eg007IsGatewayRef(raw) {
			continue
		}
		pilot := eg004Resolve(vs.Obj.Namespace, raw)
		if seen != nil {
			if seen[pilot] {
				continue
			}
			seen[pilot] = true
		}
		dst = append(dst, pilot)
	}
	return dst
}

// eg007IsGatewayRef reports whether an entry of spec.gateways names a
// Gateway: eg004Ref.isGateway, which reads only the entry as written.
func eg007IsGatewayRef(raw string) bool { return eg004Ref{raw: raw}.isGateway() }

func (overlappingVirtualServices) Run(idx *Index, r *Reporter) {
	// Only VirtualServices sharing a Gateway can compete for a virtual host
	// of it: a Gateway only one of them binds to is skipped, which spares
	// normalising the matches and intersecting the hosts of most
	// VirtualServices of a render (one Gateway per app).
	type bound struct {
		vs  *VirtualService
		gws []string // the Gateways it binds to
		key string   // of vs, for sorting
	}
	n := 0
	for _, vs := range idx.VirtualServices {
		n += len(vs.Spec.Gateways)
	}
	gwBuf := make([]string, 0, n) // holds every bound.gws: large enough never to move
	vss := make([]bound, 0, len(idx.VirtualServices))
	binders := map[string]int{} // Gateway → VirtualServices with http rules binding to it
	for _, vs := range idx.VirtualServices {
		if len(vs.Spec.HTTP) == 0 {
			continue
		}
		start := len(gwBuf)
		gwBuf = eg007AppendGateways(gwBuf, vs)
		b := bound{vs: vs, gws: gwBuf[start:len(gwBuf):len(gwBuf)]}
		for _, gw := range b.gws {
			binders[gw]++
		}
		vss = append(vss, b)
	}
	shared := vss[:0]
	for _, b := range vss {
		if slices.ContainsFunc(b.gws, func(gw string) bool { return binders[gw] > 1 }) {
			b.key = b.vs.Obj.Key()
			shared = append(shared, b)
		}
	}
	vss = shared
	sort.SliceStable(vss, func(i, j int) bool { return vss[i].key < vss[j].key })
	cache := eg005Cache{}
	groups := map[string][]*eg007Member{}
	for _, b := range vss {
		vs := b.vs
		all := eg008Matches(vs, nil) // kept in groups: memory of their own
		for _, gw := range b.gws {
			if binders[gw] < 2 {
				continue
			}
			matches := eg007Applicable(all, gw)
			if len(matches) == 0 {
				continue
			}
			g := idx.Gateway(gw)
			for _, h := range vs.Spec.Hosts {
				vhosts := []string{h}
				if g != nil {
					vhosts = cache.get(g).intersections(vs.Obj.Namespace, h)
				}
				for _, vh := range vhosts {
					key := gw + "\x00" + strings.ToLower(vh)
					groups[key] = append(groups[key], &eg007Member{vs: vs, matches: matches})
				}
			}
		}
	}
	re := newEG008Regexps()
	reported := map[[2]string]bool{} // VirtualService, gateway
	for _, key := range slices.Sorted(maps.Keys(groups)) {
		members := eg007Dedup(groups[key])
		if len(members) < 2 {
			continue
		}
		gw, host, _ := strings.Cut(key, "\x00")
		for _, c := range eg007Conflicts(re, members) {
			k := [2]string{c.self.vs.Obj.Key(), gw}
			if !reported[k] {
				reported[k] = true
				eg007Report(r, c, gw, host)
			}
		}
	}
}

// eg007Applicable are the matches of a VirtualService that istiod turns
// into routes on gateway gw: those whose gateways (if any) include it, up to
// the first catch-all that applies to every port, after which istiod stops.
func eg007Applicable(rules [][]*eg008Match, gw string) []*eg008Match {
	var out []*eg008Match
	for _, rule := range rules {
		for _, m := range rule {
			if len(m.gateways) > 0 && !eg006Contains(m.gateways, gw) {
				continue
			}
			out = append(out, m)
			if m.envoyCatchAll() && m.port == 0 {
				return out
			}
		}
	}
	return out
}

// eg007Dedup keeps one member per VirtualService (several of its hosts
// may intersect to the same virtual host).
func eg007Dedup(ms []*eg007Member) []*eg007Member {
	seen := map[*VirtualService]bool{}
	var out []*eg007Member
	for _, m := range ms {
		if !seen[m.vs] {
			seen[m.vs] = true
			out = append(out, m)
		}
	}
	return out
}

type eg007Conflict struct {
	self, other  *eg007Member
	mine, theirs *eg008Match
	orderDecides bool
}

// eg007Conflicts finds, for each member, one match of another member that a
// request can satisfy together with one of its own: the first whose winner
// creation order decides, else the first at all. Each member is reported
// once, against one other VirtualService, and stops looking at its first
// order-decided conflict, so output and work stay linear when many
// VirtualServices compete for one host.
func eg007Conflicts(re *eg008Regexps, members []*eg007Member) []eg007Conflict {
	var x eg008URIIndex
	var owner []*eg007Member // by sequence number in x
	for _, mem := range members {
		for _, m := range mem.matches {
			x.add(m)
			owner = append(owner, mem)
		}
	}
	ov := newEG007Overlaps(&x)
	var out []eg007Conflict
	for _, mem := range members {
		var found eg007Conflict // found.self is nil until one is
		for _, m := range mem.matches {
			for _, seq := range ov.candidates(re, m) {
				o, other := x.all[seq], owner[seq]
				if other == mem || !re.matchIntersects(m, o) {
					continue
				}
				c := eg007Conflict{self: mem, other: other, mine: m, theirs: o, orderDecides: m.envoyCatchAll() == o.envoyCatchAll()}
				if found.self == nil || c.orderDecides && !found.orderDecides {
					found = c
				}
				if found.orderDecides {
					break
				}
			}
			if found.self != nil && found.orderDecides {
				break
			}
		}
		if found.self != nil {
			out = append(out, found)
		}
	}
	return out
}

// eg007Overlaps looks up, in a complete path index, every match whose path
// may share a request with a given match's, in both directions: the same
// exact path, prefixes of the path, exact paths and prefixes below a
// prefix (by binary search over sorted keys), regexes accepting an exact
// path or a prefix, and matches of any path. Not safe to share between
// goroutines: candidates reuses its found list.
type eg007Overlaps struct {
	x              *eg008URIIndex
	exacts, prefix []string // sorted keys
	found          []int    // candidates of the current lookup
}

func newEG007Overlaps(x *eg008URIIndex) *eg007Overlaps {
	x.indexPaths()
	return &eg007Overlaps{x: x, exacts: slices.Sorted(slices.Values(x.first[eg008Exact])), prefix: slices.Sorted(slices.Values(x.first[eg008Prefix]))}
}

// candidates lists the sequence numbers in ov.x of the matches whose path
// may overlap m's, in the order they were added. The list is valid until
// the next call.
func (ov *eg007Overlaps) candidates(re *eg008Regexps, m *eg008Match) []int {
	x := ov.x
	found := ov.found[:0]
	if m.uri.kind == eg008Any {
		for seq := range x.all {
			found = append(found, seq)
		}
		ov.found = found
		return found
	}
	found = append(found, x.bucket(eg008Any, "")...)
	v := strings.ToLower(m.uri.value)
	below := func(keys []string, kind eg008Kind) {
		for i := sort.SearchStrings(keys, v); i < len(keys) && strings.HasPrefix(keys[i], v); i++ {
			found = append(found, x.bucket(kind, keys[i])...)
		}
	}
	switch m.uri.kind {
	case eg008Exact, eg008Prefix:
		if m.uri.kind == eg008Exact {
			found = append(found, x.bucket(eg008Exact, v)...)
		} else {
			below(ov.exacts, eg008Exact)
			below(ov.prefix, eg008Prefix)
		}
		for i := 1; i <= len(v); i++ {
			if m.uri.kind == eg008Exact || i < len(v) {
				found = append(found, x.bucket(eg008Prefix, v[:i])...)
			}
		}
		for _, r := range x.first[eg008Regex] {
			if re.fullMatch(r, m.uri.value) {
				found = append(found, x.bucket(eg008Regex, r)...)
			}
		}
	case eg008Regex:
		found = append(found, x.bucket(eg008Regex, m.uri.value)...)
		for seq, o := range x.all {
			if (o.uri.kind == eg008Exact || o.uri.kind == eg008Prefix) && re.fullMatch(m.uri.value, o.uri.value) {
				found = append(found, seq)
			}
		}
	}
	slices.Sort(found) // no match is found twice
	ov.found = found
	return found
}

func eg007Report(r *Reporter, c eg007Conflict, gw, host string) {
	o, m, om := c.other.vs.Obj, c.mine, c.theirs
	switch {
	case !c.orderDecides && m.envoyCatchAll():
		r.Warn(c.self.vs.Obj, m.field(),
			"host %q on Gateway %s is also routed by %s (%s): its %s takes the requests it matches from this catch-all rule, since istiod puts catch-all routes last; move the routes into one VirtualService if that is not intended",
			host, gw, o.Ref, where(o), om.field())
	case !c.orderDecides:
		r.Warn(c.self.vs.Obj, m.field(),
			"host %q on Gateway %s is also routed by %s (%s), whose catch-all %s only gets the requests this rule does not match (istiod puts catch-all routes last); move the routes into one VirtualService if that is not intended",
			host, gw, o.Ref, where(o), om.field())
	case m.envoyCatchAll():
		r.Report(c.self.vs.Obj, m.field(),
			"host %q on Gateway %s is also routed by %s (%s), which has a catch-all too (%s): istiod keeps only the catch-all of the older VirtualService, so which one is dead depends on creation order; keep one catch-all, or merge the VirtualServices",
			host, gw, o.Ref, where(o), om.field())
	default:
		r.Report(c.self.vs.Obj, m.field(),
			"host %q on Gateway %s is also routed by %s (%s): requests matching both this rule and its %s go to whichever VirtualService is older, since istiod merges them in creation order; make the matches disjoint or merge the VirtualServices",
			host, gw, o.Ref, where(o), om.field())
	}
}
