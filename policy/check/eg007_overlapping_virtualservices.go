package check

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render/match"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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
//   - Either of those, where the two rules do the same (the same
//     destinations, redirect or response, destination hosts compared as
//     Istio resolves them): creation order changes nothing today, but one of
//     them is never used and the two teams' routes drift apart silently:
//     warning.
//   - One VirtualService's catch-all and another's narrower rule: the outcome
//     is fixed (the narrower rule wins), but the catch-all's owner loses part
//     of "every request" to another team: warning.
//
// Disjoint matches (different exact paths, different ports, contradicting
// headers) are fine: Istio merges them as intended, which is how teams
// share a host. Conditions the check cannot decide (two different regexes)
// count as disjoint. Keys are (gateway, host of the virtual host, route
// table): the host is the more specific of the VirtualService host and the
// Gateway server host it matches, as istiod intersects them, and the route
// table is that server's (one per HTTPS server, one per HTTP port): two
// VirtualServices whose namespaces different servers admit ("eu/*.a.com"
// on 443, "us/*.a.com" on 8443, as edgegate's Gateway for a shared
// certificate lists them) never meet. Matches are grouped by path,
// so a pair is only compared when the paths can overlap.
type overlappingVirtualServices struct{}

// member is one VirtualService routing one virtual host.
type member struct {
	vs      *model.VirtualService
	matches []*match.Match
}

// appendGateways appends to dst each Gateway vs binds to (as istiod
// resolves spec.gateways), once each, in order.
func appendGateways(dst []string, vs *model.VirtualService) []string {
	var seen map[string]bool
	if len(vs.Spec.Gateways) > 1 {
		seen = make(map[string]bool, len(vs.Spec.Gateways))
	}
	for _, raw := range vs.Spec.Gateways {
		if !isGatewayRef(raw) {
			continue
		}
		pilot := model.ResolveGatewayName(vs.Obj.Namespace, raw)
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

// isGatewayRef reports whether an entry of spec.gateways names a
// Gateway: Ref.isGateway, which reads only the entry as written.
func isGatewayRef(raw string) bool { return model.GatewayRef{Raw: raw}.IsGateway() }

func (overlappingVirtualServices) Run(idx *model.Index, r *model.Reporter) {
	// Only VirtualServices sharing a Gateway can compete for a virtual host
	// of it: a Gateway only one of them binds to is skipped, which spares
	// normalising the matches and intersecting the hosts of most
	// VirtualServices of a render (one Gateway per app).
	type bound struct {
		vs  *model.VirtualService
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
		gwBuf = appendGateways(gwBuf, vs)
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
	cache := model.ExposureCache{}
	groups := map[string][]*member{}
	for _, b := range vss {
		vs := b.vs
		all := model.Matches(vs, nil) // kept in groups: memory of their own
		for _, gw := range b.gws {
			if binders[gw] < 2 {
				continue
			}
			matches := applicable(all, gw)
			if len(matches) == 0 {
				continue
			}
			g := idx.Gateway(gw)
			for _, h := range vs.Spec.Hosts {
				vhosts := []model.VirtualHost{{Host: h}}
				if g != nil {
					vhosts = cache.Get(g).Intersections(vs.Obj.Namespace, h)
				}
				for _, vh := range vhosts {
					key := gw + "\x00" + strings.ToLower(vh.Host) + "\x00" + vh.RouteTable
					groups[key] = append(groups[key], &member{vs: vs, matches: matches})
				}
			}
		}
	}
	re := match.NewRegexps()
	reported := map[[2]string]bool{} // VirtualService, gateway
	for _, key := range slices.Sorted(maps.Keys(groups)) {
		members := dedup(groups[key])
		if len(members) < 2 {
			continue
		}
		gw, rest, _ := strings.Cut(key, "\x00")
		host, _, _ := strings.Cut(rest, "\x00")
		for _, c := range conflicts(re, members) {
			k := [2]string{c.self.vs.Obj.Key(), gw}
			if !reported[k] {
				reported[k] = true
				reportConflict(r, c, gw, host)
			}
		}
	}
}

// applicable are the matches of a VirtualService that istiod turns
// into routes on gateway gw: those whose gateways (if any) include it, up to
// the first catch-all that applies to every port, after which istiod stops.
func applicable(rules [][]*match.Match, gw string) []*match.Match {
	var out []*match.Match
	for _, rule := range rules {
		for _, m := range rule {
			if len(m.Gateways) > 0 && !slices.Contains(m.Gateways, gw) {
				continue
			}
			out = append(out, m)
			if m.EnvoyCatchAll() && m.Port == 0 {
				return out
			}
		}
	}
	return out
}

// dedup keeps one member per VirtualService (several of its hosts
// may intersect to the same virtual host).
func dedup(ms []*member) []*member {
	seen := map[*model.VirtualService]bool{}
	var out []*member
	for _, m := range ms {
		if !seen[m.vs] {
			seen[m.vs] = true
			out = append(out, m)
		}
	}
	return out
}

type conflict struct {
	self, other  *member
	mine, theirs *match.Match
	orderDecides bool
}

// conflicts finds, for each member, one match of another member that a
// request can satisfy together with one of its own: the first whose winner
// creation order decides, else the first at all. Each member is reported
// once, against one other VirtualService, and stops looking at its first
// order-decided conflict, so output and work stay linear when many
// VirtualServices compete for one host.
func conflicts(re *match.Regexps, members []*member) []conflict {
	var x match.URIIndex
	var owner []*member // by sequence number in x
	for _, mem := range members {
		for _, m := range mem.matches {
			x.Add(m)
			owner = append(owner, mem)
		}
	}
	ov := newOverlaps(&x)
	var out []conflict
	for _, mem := range members {
		var found conflict // found.self is nil until one is
		for _, m := range mem.matches {
			for _, seq := range ov.candidates(re, m) {
				o, other := x.All[seq], owner[seq]
				if other == mem || !re.MatchIntersects(m, o) {
					continue
				}
				c := conflict{self: mem, other: other, mine: m, theirs: o, orderDecides: m.EnvoyCatchAll() == o.EnvoyCatchAll()}
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

// overlaps looks up, in a complete path index, every match whose path
// may share a request with a given match's, in both directions: the same
// exact path, prefixes of the path, exact paths and prefixes below a
// prefix (by binary search over sorted keys), regexes accepting an exact
// path or a prefix, and matches of any path. Not safe to share between
// goroutines: candidates reuses its found list.
type overlaps struct {
	x              *match.URIIndex
	exacts, prefix []string // sorted keys
	found          []int    // candidates of the current lookup
}

func newOverlaps(x *match.URIIndex) *overlaps {
	x.IndexPaths()
	return &overlaps{x: x, exacts: slices.Sorted(slices.Values(x.First[match.Exact])), prefix: slices.Sorted(slices.Values(x.First[match.Prefix]))}
}

// candidates lists the sequence numbers in ov.x of the matches whose path
// may overlap m's, in the order they were added. The list is valid until
// the next call.
func (ov *overlaps) candidates(re *match.Regexps, m *match.Match) []int {
	x := ov.x
	found := ov.found[:0]
	if m.URI.Kind == match.Any {
		for seq := range x.All {
			found = append(found, seq)
		}
		ov.found = found
		return found
	}
	found = append(found, x.Bucket(match.Any, "")...)
	v := strings.ToLower(m.URI.Value)
	below := func(keys []string, kind match.Kind) {
		for i := sort.SearchStrings(keys, v); i < len(keys) && strings.HasPrefix(keys[i], v); i++ {
			found = append(found, x.Bucket(kind, keys[i])...)
		}
	}
	switch m.URI.Kind {
	case match.Exact, match.Prefix:
		if m.URI.Kind == match.Exact {
			found = append(found, x.Bucket(match.Exact, v)...)
		} else {
			below(ov.exacts, match.Exact)
			below(ov.prefix, match.Prefix)
		}
		for i := 1; i <= len(v); i++ {
			if m.URI.Kind == match.Exact || i < len(v) {
				found = append(found, x.Bucket(match.Prefix, v[:i])...)
			}
		}
		for _, r := range x.First[match.Regex] {
			if re.FullMatch(r, m.URI.Value) {
				found = append(found, x.Bucket(match.Regex, r)...)
			}
		}
	case match.Regex:
		found = append(found, x.Bucket(match.Regex, m.URI.Value)...)
		for seq, o := range x.All {
			if (o.URI.Kind == match.Exact || o.URI.Kind == match.Prefix) && re.FullMatch(m.URI.Value, o.URI.Value) {
				found = append(found, seq)
			}
		}
	}
	slices.Sort(found) // no match is found twice
	ov.found = found
	return found
}

func reportConflict(r *model.Reporter, c conflict, gw, host string) {
	o, m, om := c.other.vs.Obj, c.mine, c.theirs
	switch {
	case !c.orderDecides && m.EnvoyCatchAll():
		r.Warn(c.self.vs.Obj, m.Field(),
			"host %q on Gateway %s is also routed by %s (%s): its %s takes the requests it matches from this catch-all rule, since istiod puts catch-all routes last; move the routes into one VirtualService if that is not intended",
			host, gw, o.Ref, model.Where(o), om.Field())
	case !c.orderDecides:
		r.Warn(c.self.vs.Obj, m.Field(),
			"host %q on Gateway %s is also routed by %s (%s), whose catch-all %s only gets the requests this rule does not match (istiod puts catch-all routes last); move the routes into one VirtualService if that is not intended",
			host, gw, o.Ref, model.Where(o), om.Field())
	case sameAction(c.self.vs, m.Rule, c.other.vs, om.Rule):
		r.Warn(c.self.vs.Obj, m.Field(),
			"host %q on Gateway %s is also routed by %s (%s), whose %s matches the same requests and does the same with them: creation order changes nothing today, but only the older VirtualService's rule is used, and a change to either one silently decides by age; keep the route in one VirtualService",
			host, gw, o.Ref, model.Where(o), om.Field())
	case m.EnvoyCatchAll():
		r.Report(c.self.vs.Obj, m.Field(),
			"host %q on Gateway %s is also routed by %s (%s), which has a catch-all too (%s): istiod keeps only the catch-all of the older VirtualService, so which one is dead depends on creation order; keep one catch-all, or merge the VirtualServices",
			host, gw, o.Ref, model.Where(o), om.Field())
	default:
		r.Report(c.self.vs.Obj, m.Field(),
			"host %q on Gateway %s is also routed by %s (%s): requests matching both this rule and its %s go to whichever VirtualService is older, since istiod merges them in creation order; make the matches disjoint or merge the VirtualServices",
			host, gw, o.Ref, model.Where(o), om.Field())
	}
}

// sameAction reports whether rule a of VirtualService va and rule b of vb do
// the same with a request: every field but match and name equal, the
// destination hosts (route, mirror) resolved as Istio resolves them from
// each VirtualService's namespace.
func sameAction(va *model.VirtualService, a int, vb *model.VirtualService, b int) bool {
	x, y := ruleAction(va, a), ruleAction(vb, b)
	return x != "" && x == y
}

// ruleAction is the canonical JSON of spec.http[i] without match and name,
// "" when it cannot be read.
func ruleAction(vs *model.VirtualService, i int) string {
	rules := vs.Obj.Field("spec", "http")
	if rules == nil || rules.Kind != yaml.SequenceNode || i < 0 || i >= len(rules.Content) {
		return ""
	}
	var rule map[string]any
	if err := rules.Content[i].Decode(&rule); err != nil {
		return ""
	}
	delete(rule, "match")
	delete(rule, "name")
	resolve := func(d any) {
		if m, ok := d.(map[string]any); ok {
			if h, ok := m["host"].(string); ok {
				m["host"] = model.FQDN(vs.Obj.Namespace, strings.ToLower(h))
			}
		}
	}
	if routes, ok := rule["route"].([]any); ok {
		for _, r := range routes {
			if m, ok := r.(map[string]any); ok {
				resolve(m["destination"])
			}
		}
	}
	resolve(rule["mirror"])
	out, err := json.Marshal(rule)
	if err != nil {
		return ""
	}
	return string(out)
}
