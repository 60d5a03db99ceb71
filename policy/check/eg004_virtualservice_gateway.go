package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/policy/model"
)

// virtualServiceGateway finds VirtualServices bound to a Gateway that does
// not exist (Istio IST0101, Kiali KIA1102), and gateway references written
// in a form other than "<namespace>/<name>" (Kiali KIA1108). A VirtualService
// bound to a missing Gateway is accepted by the API server and silently
// routes nothing: the seed's team saw 404s, not an error.
//
// References resolve exactly as Istio resolves them. "mesh" is the sidecars,
// not a Gateway. "ns/name" is that Gateway; a short "name" is a Gateway of
// the VirtualService's own namespace, never another's. istiod (pilot's
// resolveGatewayName) also reads "./name" as the VirtualService's namespace
// and the legacy "name.ns[.svc.cluster.local]" as ns/name, but `istioctl
// analyze` (resource.NewShortOrFullName) does not and reports IST0101 for
// them, and istiod's validation warns about the legacy form and rejects
// "./name": both are reported, so that every IST0101 about a gateway has a
// finding here.
//
// A missing Gateway is an error when the input holds Gateways of the
// namespace it names, or one of that name in another namespace (a short
// name never reaches it): the input then speaks for that namespace and the
// reference is a typo. Otherwise it is a warning: a team rendering its own
// namespace binds to a platform Gateway applied from elsewhere, and failing
// its render for an object the gate cannot see would make the gate unusable.
//
// Gateways named in http[].match[].gateways are checked the same way, and
// must also be among spec.gateways (or "mesh" when spec.gateways is empty):
// a VirtualService is only ever applied to the gateways it binds, so a match
// naming another gateway never applies.
//
// A VirtualService without spec.gateways binds to mesh only; when a Gateway
// of the input serves one of its hosts and no VirtualService routes that
// host on the Gateway, it is a warning (see meshOnly).
type virtualServiceGateway struct{}

// bound is the set of namespace/name (or "mesh") a VirtualService
// is applied to, as istiod resolves spec.gateways.
func bound(vs *model.VirtualService) map[string]bool {
	out := map[string]bool{}
	if len(vs.Spec.Gateways) == 0 {
		out[model.Mesh] = true
	}
	for _, g := range vs.Spec.Gateways {
		out[model.ResolveGatewayName(vs.Obj.Namespace, g)] = true
	}
	return out
}

// catalog answers "what Gateways does the input hold" by namespace
// and by name, for the hints of findings.
type catalog struct {
	byNamespace map[string][]string // namespace → names
	byName      map[string][]string // name → namespace/name
}

func newCatalog(idx *model.Index) catalog {
	c := catalog{byNamespace: map[string][]string{}, byName: map[string][]string{}}
	for _, g := range idx.Gateways {
		c.byNamespace[g.Obj.Namespace] = append(c.byNamespace[g.Obj.Namespace], g.Obj.Name)
		c.byName[g.Obj.Name] = append(c.byName[g.Obj.Name], g.Obj.Namespace+"/"+g.Obj.Name)
	}
	for _, m := range []map[string][]string{c.byNamespace, c.byName} {
		for _, v := range m {
			sort.Strings(v)
		}
	}
	return c
}

func (virtualServiceGateway) Run(idx *model.Index, r *model.Reporter) {
	cat := newCatalog(idx)
	for _, vs := range idx.VirtualServices {
		for _, ref := range model.SpecRefs(vs) {
			checkRef(idx, r, cat, vs, ref)
		}
		bound := bound(vs)
		for ri, rule := range vs.Spec.HTTP {
			for mi, m := range rule.Match {
				for gi, g := range m.Gateways {
					ref := model.NewGatewayRef(vs.Obj.Namespace, g, fmt.Sprintf("spec.http[%d].match[%d].gateways[%d]", ri, mi, gi))
					if ref.IsGateway() && !checkRef(idx, r, cat, vs, ref) {
						continue
					}
					if !bound[ref.Pilot] {
						r.Warn(vs.Obj, ref.Field,
							"this match never applies: the VirtualService is bound to %s, not to %q; add it to spec.gateways or drop it here",
							describeBound(vs), ref.Pilot)
					}
				}
			}
		}
	}
	meshOnly(idx, r)
}

func describeBound(vs *model.VirtualService) string {
	if len(vs.Spec.Gateways) == 0 {
		return "mesh only (spec.gateways is empty)"
	}
	return fmt.Sprintf("spec.gateways %q", vs.Spec.Gateways)
}

// checkRef reports on one reference to a Gateway and says whether it
// resolves to a Gateway of the input.
func checkRef(idx *model.Index, r *model.Reporter, cat catalog, vs *model.VirtualService, ref model.GatewayRef) bool {
	if !ref.IsGateway() {
		return true
	}
	ns := vs.Obj.Namespace
	byAnalyzer, byPilot := idx.Gateway(ref.Analyzer), idx.Gateway(ref.Pilot)
	switch {
	case byAnalyzer != nil && ref.Analyzer == ref.Pilot:
		if !strings.Contains(ref.Raw, "/") {
			r.Warn(vs.Obj, ref.Field,
				"short gateway name %q: prefer %q (a short name always means the VirtualService's own namespace, so moving either object silently unbinds them)",
				ref.Raw, ref.Pilot)
		}
		return true
	case byAnalyzer != nil:
		// A Gateway literally named "a.b" in the VirtualService's namespace.
		if byPilot != nil {
			r.Report(vs.Obj, ref.Field,
				"ambiguous gateway reference %q: istiod binds it to Gateway %s but istioctl reads it as %s; write \"namespace/name\"",
				ref.Raw, ref.Pilot, ref.Analyzer)
			return true
		}
		r.Report(vs.Obj, ref.Field,
			"istiod reads the legacy gateway reference %q as %q, which is not in the input, so the VirtualService is not bound to Gateway %s: write %q",
			ref.Raw, ref.Pilot, ref.Analyzer, ref.Analyzer)
		return false
	case byPilot != nil && strings.HasPrefix(ref.Raw, "./"):
		r.Report(vs.Obj, ref.Field,
			"istiod's validation rejects %q (the namespace must be a DNS label) and istioctl reports it as not found (IST0101): write %q",
			ref.Raw, ref.Pilot)
		return true
	case byPilot != nil:
		r.Warn(vs.Obj, ref.Field,
			"legacy gateway reference %q: istiod binds it to %s, but istioctl analyze reports it as not found (IST0101) and istiod's validation warns: write %q",
			ref.Raw, ref.Pilot, ref.Pilot)
		return true
	}
	// Missing.
	gwNS, gwName, _ := strings.Cut(ref.Pilot, "/")
	var hint string
	elsewhere := others(cat.byName[gwName], ref.Pilot)
	short := !strings.Contains(ref.Raw, "/")
	switch {
	case len(elsewhere) > 0 && short:
		hint = fmt.Sprintf(": a short name only finds a Gateway of namespace %s; for the Gateway of that name in the input write %q", ns, elsewhere[0])
	case len(elsewhere) > 0:
		hint = fmt.Sprintf(" (the input has %s)", strings.Join(elsewhere, ", "))
	case len(cat.byNamespace[gwNS]) > 0:
		hint = fmt.Sprintf(" (Gateways of namespace %s in the input: %s)", gwNS, strings.Join(model.Abbreviate(cat.byNamespace[gwNS], 5), ", "))
	}
	if len(cat.byNamespace[gwNS]) > 0 || len(elsewhere) > 0 && short {
		r.Report(vs.Obj, ref.Field,
			"Gateway %s is not in the input: the VirtualService receives no traffic through it%s", ref.Pilot, hint)
		return false
	}
	r.Warn(vs.Obj, ref.Field,
		"Gateway %s is not in the input, which holds no Gateway of namespace %s: if it is applied from elsewhere this is fine, otherwise the VirtualService receives no traffic through it%s",
		ref.Pilot, gwNS, hint)
	return false
}

func others(keys []string, self string) []string {
	var out []string
	for _, k := range keys {
		if k != self {
			out = append(out, k)
		}
	}
	return out
}

// A VirtualService without spec.gateways binds to mesh, the sidecars, only
// (the seed's first VirtualService, "nothing written means mesh"). When a
// Gateway of the input serves one of its hosts to its namespace and no
// VirtualService binds to that Gateway for that host, requests through the
// gateway get 404 while the routes sit unused on the sidecars: a warning on
// the VirtualService's spec.gateways, naming the Gateway.
//
// Hosts match as in EG005 (the server hosts visible to the VirtualService's
// namespace that overlap its host). Hosts that name a Service or ServiceEntry
// of the input, short names and cluster-local names are the mesh's own and
// skipped: routing them for the sidecars is what mesh-only is for. A Gateway
// counts as routed for a host when a VirtualService bound to it has an
// overlapping host.
//
// Cost: the Gateways' server hosts are indexed by the namespace they admit
// and by host (exact, wildcard suffix, hosts below a domain), and the
// VirtualServices bound to each Gateway in a hostname.Set, so each host of a
// mesh-only VirtualService is looked up in time proportional to its labels
// and the Gateways serving it. Gateways routed for every host ("*") are left
// out of the index, each (namespace, host) is answered once, and at most
// meshOnlyCandidates Gateways are examined per host.

// meshOnlyCandidates bounds the Gateways examined for one host.
const meshOnlyCandidates = 32

// hostIndex finds every server host overlapping a host, with Istio's
// matching (the hostname package): "*" overlaps everything, "*.d" a host below d.
type hostIndex struct {
	all       []model.ServerHost
	star      []model.ServerHost            // "*"
	exact     map[string][]model.ServerHost // concrete hosts
	wildcards map[string][]model.ServerHost // "*.d" under d
	below     map[string][]model.ServerHost // d → hosts strictly below d
}

func (x *hostIndex) add(name string, s model.ServerHost) {
	if x.exact == nil {
		x.exact, x.wildcards, x.below = map[string][]model.ServerHost{}, map[string][]model.ServerHost{}, map[string][]model.ServerHost{}
	}
	x.all = append(x.all, s)
	switch {
	case name == "*":
		x.star = append(x.star, s)
		return
	case hostname.IsWildcard(name):
		name = strings.TrimPrefix(name, "*.")
		x.wildcards[name] = append(x.wildcards[name], s)
	default:
		x.exact[name] = append(x.exact[name], s)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			x.below[name[i+1:]] = append(x.below[name[i+1:]], s)
		}
	}
}

// overlapping calls f with the server hosts overlapping h (a server host may
// come more than once) until f returns false.
func (x *hostIndex) overlapping(h string, f func(model.ServerHost) bool) {
	each := func(list []model.ServerHost) bool {
		for _, s := range list {
			if !f(s) {
				return false
			}
		}
		return true
	}
	if h == "*" {
		each(x.all)
		return
	}
	if !each(x.star) {
		return
	}
	name := h
	if hostname.IsWildcard(h) {
		name = strings.TrimPrefix(h, "*.")
		if !each(x.wildcards[name]) || !each(x.below[name]) {
			return
		}
	} else if !each(x.exact[h]) {
		return
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '.' && !each(x.wildcards[name[i+1:]]) {
			return
		}
	}
}

// meshOnlyHost reports whether a host of a mesh-only VirtualService may
// be meant for a gateway: not a name of the mesh's own.
func meshOnlyHost(reg *model.Registry, serviceNamespaces map[string][]string, vs *model.VirtualService, h string) bool {
	switch {
	case h == "" || !hostname.IsWildcard(h) && !strings.Contains(h, "."):
		return false // a short Service name
	case strings.HasSuffix(h, ".svc") || strings.HasSuffix(h, ".cluster.local") || strings.HasSuffix(h, "."+model.ClusterDomain):
		return false
	case !hostname.IsWildcard(h) && reg.Lookup(vs.Obj.Namespace, vs.Spec.ExportTo, h) != nil:
		return false // a Service or ServiceEntry of the input
	}
	// "name.namespace" of a Service of the input.
	if name, ns, ok := strings.Cut(h, "."); ok && !strings.Contains(ns, ".") && slices.Contains(serviceNamespaces[name], ns) {
		return false
	}
	return true
}

func meshOnly(idx *model.Index, r *model.Reporter) {
	var meshOnly []*model.VirtualService
	for _, vs := range idx.VirtualServices {
		if len(vs.Spec.Gateways) == 0 && len(vs.Spec.Hosts) > 0 {
			meshOnly = append(meshOnly, vs)
		}
	}
	if len(meshOnly) == 0 || len(idx.Gateways) == 0 {
		return
	}
	// The hosts routed on each Gateway, by the VirtualServices bound to it.
	routed := map[string]*hostname.Set[*model.VirtualService]{}
	for _, vs := range idx.VirtualServices {
		for _, g := range vs.Spec.Gateways {
			key := model.ResolveGatewayName(vs.Obj.Namespace, g)
			set := routed[key]
			if set == nil {
				set = &hostname.Set[*model.VirtualService]{}
				routed[key] = set
			}
			for _, h := range vs.Spec.Hosts {
				set.Add(h, vs)
			}
		}
	}
	// The server hosts of the Gateways, by the namespace they admit ("*": all).
	byScope := map[string]*hostIndex{}
	for _, g := range idx.GatewaysByKey() {
		key := g.Obj.Namespace + "/" + g.Obj.Name
		if set := routed[key]; set != nil {
			if _, all := set.Exact("*"); all {
				continue // routed for every host
			}
		}
		for si, s := range g.Spec.Servers {
			for hi, raw := range s.Hosts {
				ns, name := model.SplitGatewayHost(raw)
				if ns == "." {
					ns = g.Obj.Namespace
				}
				x := byScope[ns]
				if x == nil {
					x = &hostIndex{}
					byScope[ns] = x
				}
				x.add(name, model.ServerHost{Gateway: g, Server: si, Host: hi})
			}
		}
	}
	reg := model.NewRegistry(idx)
	_, serviceNamespaces := reg.Names(idx)
	type query struct{ ns, host string }
	answers := map[query]*model.ServerHost{}
	for _, vs := range meshOnly {
		ns := vs.Obj.Namespace
		for _, h := range vs.Spec.Hosts {
			if !meshOnlyHost(reg, serviceNamespaces, vs, h) {
				continue
			}
			q := query{ns, h}
			found, done := answers[q]
			if !done {
				found = unrouted(byScope, routed, ns, h)
				answers[q] = found
			}
			if found == nil {
				continue
			}
			gw := found.Gateway.Obj.Namespace + "/" + found.Gateway.Obj.Name
			r.Warn(vs.Obj, "spec.gateways",
				"the VirtualService has no spec.gateways, so it binds to mesh (the sidecars) only, while Gateway %s serves its host %q (%s: %q) and no VirtualService binds to that Gateway for it: requests through the gateway get 404; add gateways: [%s] (and mesh, if sidecars should keep these routes)",
				gw, h, found.Field(), found.Raw(), gw)
			break // one finding per VirtualService: the fix is the same
		}
	}
}

// unrouted finds a Gateway server host visible to namespace ns that
// overlaps h on a Gateway no VirtualService routes h on, or nil.
func unrouted(byScope map[string]*hostIndex, routed map[string]*hostname.Set[*model.VirtualService], ns, h string) *model.ServerHost {
	var found *model.ServerHost
	seen := map[*model.Gateway]bool{}
	for _, scope := range []string{"*", ns} {
		x := byScope[scope]
		if x == nil {
			continue
		}
		x.overlapping(h, func(s model.ServerHost) bool {
			if seen[s.Gateway] {
				return true
			}
			seen[s.Gateway] = true
			if set := routed[s.Gateway.Obj.Namespace+"/"+s.Gateway.Obj.Name]; set != nil {
				if _, ok := set.Overlapping(h); ok {
					return len(seen) < meshOnlyCandidates
				}
			}
			found = &s
			return false
		})
		if found != nil || len(seen) >= meshOnlyCandidates {
			break
		}
	}
	return found
}
