package check

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

// hostOwnershipCheck stops one namespace from taking over another's host on a
// shared gateway workload. Istio has no notion of host ownership: any
// namespace whose Gateway selects a gateway workload, or whose
// VirtualService may attach to an unscoped Gateway host, can serve any host
// there, and Envoy hands the traffic to whichever server is most specific.
// So a team that writes another team's host (or a wildcard above it) into
// its Gateway or AppIntent receives that team's requests, cookies and
// credentials.
//
// Who claims a host is the namespace whose routes can serve it:
//   - an AppIntent claims its spec.hosts for its own namespace, on the
//     gateway it resolves to (spec.gateway, else the default, else the only
//     IngressGateway, else the built-in istio-ingress/edge);
//   - a Gateway server host "./h" claims h for the Gateway's namespace and
//     "ns/h" for ns, whatever namespace the Gateway object itself lives in
//     (in scopeToNamespace mode edgegate writes the app's Gateway into the
//     gateway's namespace with hosts "<app-namespace>/h": the app's namespace
//     is the claimant, not the gateway's);
//   - a plain "h" (or "*/h") lets VirtualServices of any namespace attach, so
//     the claimants are the namespaces whose VirtualServices do attach to it
//     (each one's spec.hosts), and the open host itself is an error where
//     the host is reserved.
//
// Who owns it, per gateway workload:
//   - the most specific IngressGateway spec.hostOwnership pattern covering
//     the host lists the namespaces allowed to claim it; any other claimant
//     is an error;
//   - otherwise a concrete host belongs to the namespace the HostBindings
//     lock records first for it; any other claimant is an error;
//   - with no lock record, two namespaces claiming one concrete host are both
//     errors (no one takes a host over by sorting first, as in the allocator);
//   - a wildcard ("*.example.com") over hosts other namespaces own (the
//     lock, or hostOwnership) is an error unless the platform consents, a
//     warning over hosts they only claim (see wildcardOwnership);
//   - "*" on a workload where other namespaces hold hosts (or hostOwnership
//     reserves some) is a warning: it answers for their hosts on every port
//     they do not serve and whenever their Gateway is gone.
//
// Hosts are compared as pilot compares them, lowercased and without a
// trailing dot (the index's canonical names): "SHOP.example.com" in a
// Gateway of namespace evil is shop.example.com, and its routes would join
// that host's virtual host.
//
// Claims are grouped by (workload, host) in maps, and pattern lookups cost
// the labels of a host, so the check is O(n log n) in the claims.
type hostOwnershipCheck struct{}

// claim is one host claimed on one gateway workload by one namespace.
type claim struct {
	obj   *manifest.Object
	field string
	host  string // bare host, as pilot compares it (lowercased, no trailing dot)
	// written is the host as the field spells it, when that is not host:
	// pilot serves "SHOP.example.com." as shop.example.com.
	written string
	ns      string // the namespace whose routes serve it; "" = any namespace
	via     string // how the claim was read, for messages
	w       *model.OwnershipWorkload
}

// spelled names the claim's host as its field writes it, and as pilot
// reads it when that differs.
func (c *claim) spelled() string {
	if c.written == "" {
		return fmt.Sprintf("%q", c.host)
	}
	return fmt.Sprintf("%q (%s to pilot, which compares hosts lowercased and without a trailing dot)", c.written, c.host)
}

func (c *claim) who() string {
	if c.ns == "" {
		return "any namespace"
	}
	return "namespace " + c.ns
}

func (c *claim) ref() string {
	return fmt.Sprintf("%s %s (%s)", c.obj.Ref, c.field, model.WhereField(c.obj, c.field))
}

func (hostOwnershipCheck) Run(idx *model.Index, r *model.Reporter) {
	m := model.NewOwnership(idx)
	claims := claims(m)

	type groupKey struct {
		w    *model.OwnershipWorkload
		host string
	}
	groups := map[groupKey][]*claim{}
	var keys []groupKey
	// held: per workload, namespace → a concrete or wildcard host it holds
	// there (claimed or locked), for the unscoped catch-all's warning.
	held := map[*model.OwnershipWorkload]map[string]string{}
	hold := func(w *model.OwnershipWorkload, ns, host string) {
		if ns == "" || host == "*" {
			return
		}
		if held[w] == nil {
			held[w] = map[string]string{}
		}
		if have, ok := held[w][ns]; !ok || host < have {
			held[w][ns] = host
		}
	}
	for _, c := range claims {
		k := groupKey{c.w, c.host}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
		hold(c.w, c.ns, c.host)
	}
	for _, w := range m.Workloads {
		for h, e := range w.Lock {
			hold(w, e.Namespace, h)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].w.Key != keys[j].w.Key {
			return keys[i].w.Key < keys[j].w.Key
		}
		return keys[i].host < keys[j].host
	})
	holdings := newHoldings(m, claims)

	for _, k := range keys {
		w, host, group := k.w, k.host, groups[k]
		p := w.Patterns.Covering(host)
		if p != nil {
			for _, c := range group {
				switch {
				case c.ns == "":
					owner := "<namespace>"
					if len(p.Allowed) > 0 {
						owner = slices.Sorted(maps.Keys(p.Allowed))[0]
					}
					r.Report(c.obj, c.field,
						"host %s on %s: %s, but this host has no namespace prefix, so VirtualServices of any namespace can attach to it and serve it: write %q (or %q in a Gateway of that namespace)",
						c.spelled(), w, p.Describe(), owner+"/"+host, "./"+host)
				case !p.Allows(c.ns):
					r.Report(c.obj, c.field,
						"host %s on %s is claimed by %s%s, but %s: serve a host of your own, or ask the platform team to add %s to that list",
						c.spelled(), w, c.who(), c.via, p.Describe(), c.ns)
				}
			}
		} else if !hostname.IsWildcard(host) {
			concreteHost(r, w, host, group)
		}
		if !hostname.IsWildcard(host) {
			continue
		}
		if host == "*" {
			catchAll(r, w, group, held[w])
			continue
		}
		for _, c := range group {
			switch {
			case c.ns == "":
				unscopedWildcard(r, w, host, c)
			case p == nil || p.Allows(c.ns):
				// (A pattern that does not allow the claimant has said so above.)
				wildcardOwnership(r, w, host, c, p, holdings[w])
			}
		}
	}
}

// concreteHost applies the lock, or without a lock record refuses a
// concrete host claimed by two namespaces.
func concreteHost(r *model.Reporter, w *model.OwnershipWorkload, host string, group []*claim) {
	if e, ok := w.Lock[host]; ok {
		for _, c := range group {
			if c.ns == "" {
				r.Warn(c.obj, c.field,
					"host %s on %s belongs to namespace %s (%s), but this host has no namespace prefix, so VirtualServices of any namespace can attach to it and serve it: write %q",
					c.spelled(), w, e.Namespace, e.Describe(), e.Namespace+"/"+host)
				continue
			}
			if c.ns != e.Namespace {
				r.Report(c.obj, c.field,
					"host %s on %s belongs to namespace %s: %s; %s%s may not claim it: serve a host of your own, or move the binding in the lock if ownership really changes hands",
					c.spelled(), w, e.Namespace, e.Describe(), c.who(), c.via)
			}
		}
		return
	}
	byNS := map[string]*claim{}
	for _, c := range group {
		if c.ns == "" {
			continue
		}
		if _, ok := byNS[c.ns]; !ok {
			byNS[c.ns] = c
		}
	}
	if len(byNS) < 2 {
		return
	}
	namespaces := slices.Sorted(maps.Keys(byNS))
	for _, c := range group {
		if c.ns == "" {
			continue
		}
		others := model.OthersThan(namespaces, c.ns, func(ns string) string {
			return fmt.Sprintf("namespace %s (%s)", ns, byNS[ns].ref())
		})
		r.Report(c.obj, c.field,
			"host %s on %s is also claimed by %s, and no HostBindings lock record says whose it is, so neither namespace owns it: agree on the owner, drop the host elsewhere and run `edgegate lock` (or reserve it in spec.hostOwnership)",
			c.spelled(), w, others)
	}
}

// holding is a host a namespace holds on a gateway workload: one it claims
// in this input, or one the HostBindings lock records for it.
type holding struct {
	host, ns string
	locked   bool   // recorded in the lock: owned, not only claimed
	claim    *claim // the claim, when not locked
}

// from names where the holding is recorded, for messages.
func (h holding) from(w *model.OwnershipWorkload) string {
	if h.locked {
		return w.Lock[h.host].Describe()
	}
	return h.claim.ref()
}

// workloadHoldings are the holdings of one workload, with the holdings
// strictly below each domain indexed (as patterns are), so the hosts under
// a wildcard are found without a scan.
type workloadHoldings struct {
	all   []holding        // sorted by host, then namespace
	below map[string][]int // "example.com" → holdings strictly below "*.example.com"
}

// newHoldings collects, per workload, the hosts each namespace holds there
// rightfully: a concrete host the lock records only by the namespace it
// records (any other claim of it is an error of its own, and must not make
// a wildcard above it one too). Hosts spec.hostOwnership covers are left
// out: the patterns say whose they are.
//
// Only hosts below a domain wildcard some namespace claims on the workload
// are kept: nearly always none, so the check costs little more than the
// lookups of each host's suffixes.
func newHoldings(m *model.Ownership, claims []*claim) map[*model.OwnershipWorkload]*workloadHoldings {
	type key struct{ host, ns string }
	out := map[*model.OwnershipWorkload]*workloadHoldings{}
	domains := map[*model.OwnershipWorkload]map[string]bool{} // "example.com" for a claim of "*.example.com"
	for _, c := range claims {
		if c.ns != "" && c.host != "*" && hostname.IsWildcard(c.host) {
			if domains[c.w] == nil {
				domains[c.w] = map[string]bool{}
			}
			domains[c.w][c.host[2:]] = true
		}
	}
	if len(domains) == 0 {
		return out
	}
	below := func(w *model.OwnershipWorkload, host string) bool {
		name := strings.TrimPrefix(host, "*.")
		for i := 0; i < len(name); i++ {
			if name[i] == '.' && domains[w][name[i+1:]] {
				return true
			}
		}
		return false
	}
	seen := map[*model.OwnershipWorkload]map[key]bool{}
	add := func(w *model.OwnershipWorkload, host, ns string, c *claim) {
		if ns == "" || host == "*" || !below(w, host) || w.Patterns.Covering(host) != nil {
			return
		}
		if e, ok := w.Lock[host]; ok && !hostname.IsWildcard(host) && e.Namespace != ns {
			return
		}
		if seen[w] == nil {
			seen[w] = map[key]bool{}
			out[w] = &workloadHoldings{below: map[string][]int{}}
		}
		if seen[w][key{host, ns}] {
			return
		}
		seen[w][key{host, ns}] = true
		out[w].all = append(out[w].all, holding{host: host, ns: ns, locked: c == nil, claim: c})
	}
	// The lock first: a host it records is owned, whoever also claims it.
	workloads := slices.SortedFunc(maps.Values(m.Workloads), func(a, b *model.OwnershipWorkload) int { return strings.Compare(a.Key, b.Key) })
	for _, w := range workloads {
		if domains[w] == nil {
			continue
		}
		for _, h := range slices.Sorted(maps.Keys(w.Lock)) {
			add(w, h, w.Lock[h].Namespace, nil)
		}
	}
	for _, c := range claims {
		add(c.w, c.host, c.ns, c)
	}
	for _, hs := range out {
		sort.SliceStable(hs.all, func(i, j int) bool {
			a, b := hs.all[i], hs.all[j]
			if a.host != b.host {
				return a.host < b.host
			}
			return a.ns < b.ns
		})
		for i, h := range hs.all {
			for _, s := range model.HostSuffixes(strings.TrimPrefix(h.host, "*.")) {
				hs.below[s] = append(hs.below[s], i)
			}
		}
	}
	return out
}

// wildcardOwnership judges a wildcard ("*.example.com") one namespace
// claims on a workload where other namespaces hold hosts below it. Envoy
// gives each request to the most specific host, so the wildcard does not
// take their traffic while their servers stand; but it answers for those
// hosts on every port where their owners do not serve them, whenever their
// Gateway is gone or rejected, and, over TLS, on any HTTP/2 connection a
// browser reuses for them because the wildcard's certificate covers them.
// So a wildcard over hosts another namespace owns (the lock records them
// for it, or spec.hostOwnership reserves them to it) is an error, as a
// concrete host of another namespace would be, unless the platform
// consents: a spec.hostOwnership pattern covering the wildcard lists the
// claimant (the reserved hosts below it are then a warning), or the
// platform's EdgegatePolicy grants EG010 to the claimant, which makes its
// edgegate.dev/suppress count. Holding the wildcard first (in the lock, or
// in sort order) is no consent. Hosts others only claim in this input are
// a warning: a render records them in the lock it checks (so render needs
// the consent), a check of hand-written objects alone cannot tell whose
// they are. ("*" is catchAll's: a catch-all on a shared gateway is a
// warning, whoever holds what.)
func wildcardOwnership(r *model.Reporter, w *model.OwnershipWorkload, host string, c *claim, p *model.HostPattern, hs *workloadHoldings) {
	var owned, claimed []string
	moreOwned, moreClaimed := 0, 0
	// Only the first three of each are written out.
	note := func(to *[]string, more *int, describe func() string) {
		if len(*to) < 3 {
			*to = append(*to, describe())
		} else {
			*more++
		}
	}
	for _, q := range w.Patterns.Under(host) {
		if !q.Allows(c.ns) {
			note(&owned, &moreOwned, func() string {
				return fmt.Sprintf("%q (spec.hostOwnership of %s (%s) reserves it to namespace(s) %s)",
					q.Pattern, q.Obj.Ref, model.WhereField(q.Obj, "spec.hostOwnership"), q.Namespaces())
			})
		}
	}
	if p != nil && p.Allows(c.ns) {
		if len(owned) > 0 {
			r.Warn(c.obj, c.field,
				"host %s on %s, claimed by %s%s, also covers hosts of other namespaces: %s; %s lets namespace %s hold the wildcard, but requests for those hosts reach this claim on every port where their owners do not serve them, and whenever the owners' Gateways are gone; claim a narrower host",
				c.spelled(), w, c.who(), c.via, list(owned, moreOwned), p.Describe(), c.ns)
		}
		return
	}
	if hs != nil {
		for _, i := range hs.below[strings.TrimPrefix(host, "*.")] {
			switch h := hs.all[i]; {
			case h.ns == c.ns:
			case h.locked:
				note(&owned, &moreOwned, func() string { return fmt.Sprintf("%q of namespace %s (%s)", h.host, h.ns, h.from(w)) })
			default:
				note(&claimed, &moreClaimed, func() string { return fmt.Sprintf("namespace %s holds %q there (%s)", h.ns, h.host, h.from(w)) })
			}
		}
	}
	switch {
	case len(owned) > 0:
		r.Report(c.obj, c.field,
			"host %s on %s, claimed by %s%s, covers hosts other namespaces own there: %s. Envoy gives each request to the most specific host, but a wildcard answers for those hosts on every port where their owners do not serve them, whenever their Gateways are gone, and over any HTTP/2 connection a browser reuses for them; holding it first gives no right to them. Claim the hosts you serve, or ask the platform team to consent: a grant in its EdgegatePolicy (spec.grants: [{check: EG010, namespace: %s, name: %s, reason: ...}]) that makes edgegate.dev/suppress: \"EG010: <reason>\" on %s count, or spec.hostOwnership listing namespace %s for %q (beside the owners of the hosts below it)",
			c.spelled(), w, c.who(), c.via, list(owned, moreOwned), c.ns, c.obj.Name, c.obj.Ref, c.ns, host)
	case len(claimed) > 0:
		r.Warn(c.obj, c.field,
			"host %s claimed by %s%s on %s, a gateway shared by several namespaces (%s): a wildcard answers for their hosts on every port they do not serve, and takes their traffic whenever their Gateway is gone; once the lock records those hosts for them, it needs the platform's consent; claim the hosts you serve, or give the wildcard a gateway of its own",
			c.spelled(), c.who(), c.via, w, list(claimed, moreClaimed))
	}
}

// list joins up to three items and says how many more there are.
func list(items []string, more int) string {
	s := strings.Join(items, ", ")
	switch {
	case more == 1:
		s += ", and 1 more"
	case more > 1:
		s += fmt.Sprintf(", and %d more", more)
	}
	return s
}

// unscopedWildcard warns about a wildcard any namespace may attach to that
// covers hosts hostOwnership reserves to particular namespaces (the
// VirtualServices that do attach are claims of their own).
func unscopedWildcard(r *model.Reporter, w *model.OwnershipWorkload, host string, c *claim) {
	below := w.Patterns.Under(host)
	if len(below) == 0 {
		return
	}
	var foreign []string
	for _, p := range below {
		foreign = append(foreign, fmt.Sprintf("%q (namespace(s) %s)", p.Pattern, p.Namespaces()))
	}
	if len(foreign) > 3 {
		foreign = append(foreign[:3], fmt.Sprintf("%d more", len(foreign)-3))
	}
	r.Warn(c.obj, c.field,
		"host %s on %s, claimed by %s%s, also covers %s, reserved by spec.hostOwnership of %s (%s): requests for those hosts reach this claim on every port where their owners do not serve them, and whenever the owners' Gateways are gone; claim a narrower host",
		c.spelled(), w, c.who(), c.via, strings.Join(foreign, ", "), below[0].Obj.Ref, model.WhereField(below[0].Obj, "spec.hostOwnership"))
}

// catchAll warns about "*" on a workload that other namespaces hold
// hosts on (claimed or locked), or where hostOwnership reserves hosts to
// other namespaces. A catch-all is the platform's fallback or a squatter;
// either way it answers for other namespaces' hosts on every port they do
// not serve, which the platform accepts by granting the suppression.
func catchAll(r *model.Reporter, w *model.OwnershipWorkload, group []*claim, held map[string]string) {
	holders := slices.Sorted(maps.Keys(held))
	for _, c := range group {
		var other string
		for _, ns := range holders {
			if ns != c.ns && (c.ns != "" || ns != c.obj.Namespace) {
				other = fmt.Sprintf("namespace %s holds %q there", ns, held[ns])
				break
			}
		}
		if other == "" {
			if p := w.Patterns.NotAllowing(c.ns); p != nil {
				other = fmt.Sprintf("spec.hostOwnership of %s reserves %q to namespace(s) %s", p.Obj.Ref, p.Pattern, p.Namespaces())
			}
		}
		if other == "" {
			continue
		}
		if c.ns == "" {
			r.Warn(c.obj, c.field,
				"host \"*\" without a namespace prefix on %s, a gateway shared by several namespaces (%s), lets VirtualServices of any namespace attach any host, including hosts other namespaces own: scope it to the namespace that serves it (\"./*\" or \"<namespace>/*\")",
				w, other)
			continue
		}
		r.Warn(c.obj, c.field,
			"host \"*\" claimed by %s%s on %s, a gateway shared by several namespaces (%s): a catch-all answers for other namespaces' hosts on every port they do not serve, and takes their traffic whenever their Gateway is gone; claim the hosts you serve, or give the catch-all a gateway of its own",
			c.who(), c.via, w, other)
	}
}

// claims reads every claim: AppIntent hosts, Gateway server
// hosts, and VirtualService hosts attached to Gateway hosts open to any
// namespace. Objects edgegate rendered from an AppIntent in the input are
// reported on the AppIntent, not again on the rendered copy.
func claims(m *model.Ownership) []*claim {
	type claimKey struct {
		w        *model.OwnershipWorkload
		ns, host string
	}
	fromApp := map[claimKey]bool{}
	var claims []*claim

	apps := model.SortByObjectKey(m.Index.AppIntents, func(a *model.DeclaredApp) *manifest.Object { return a.Obj })
	for _, a := range apps {
		for _, w := range m.OfApp(a) {
			for i, h := range a.Spec.Hosts {
				if h == "" {
					continue
				}
				claims = append(claims, &claim{obj: a.Obj, field: fmt.Sprintf("spec.hosts[%d]", i), host: h, ns: a.Obj.Namespace, w: w})
				fromApp[claimKey{w, a.Obj.Namespace, h}] = true
			}
		}
	}

	gateways := m.Index.GatewaysByKey()
	open := map[*model.Gateway]*openHosts{}
	for _, g := range gateways {
		ws := m.OfGateway(g)
		oh := &openHosts{}
		for si, s := range g.Spec.Servers {
			for hi, raw := range s.Hosts {
				ns, bare := model.AttachNamespace(g, raw)
				h := s.Names[hi]
				if h == "" {
					continue
				}
				written := ""
				if bare != h {
					written = bare
				}
				via := ""
				switch prefix, _ := model.SplitGatewayHost(raw); {
				case ns == "":
					oh.add(h)
				case prefix == ".":
					via = ` (through "./", the Gateway's own namespace)`
				case ns != g.Obj.Namespace:
					via = fmt.Sprintf(` (through the "%s/" prefix: only its VirtualServices attach)`, ns)
				}
				for _, w := range ws {
					if ns != "" && g.Obj.IsManaged() && fromApp[claimKey{w, ns, h}] {
						continue
					}
					claims = append(claims, &claim{obj: g.Obj, field: fmt.Sprintf("spec.servers[%d].hosts[%d]", si, hi), host: h, written: written, ns: ns, via: via, w: w})
				}
			}
		}
		if oh.set.Len() > 0 {
			open[g] = oh
		}
	}

	services := model.SortByObjectKey(m.Index.VirtualServices, func(vs *model.VirtualService) *manifest.Object { return vs.Obj })
	for _, vs := range services {
		ns := vs.Obj.Namespace
		for _, ref := range vs.Spec.Gateways {
			if ref == "mesh" || ref == "" {
				continue
			}
			key := ref
			if !strings.Contains(ref, "/") {
				key = ns + "/" + ref
			}
			g := m.Index.Gateway(key)
			oh := open[g]
			if oh == nil {
				continue
			}
			ws := m.OfGateway(g)
			via := fmt.Sprintf(" (attached to the unscoped hosts of %s)", g.Obj.Ref)
			for hi, vh := range vs.Names {
				for _, h := range oh.served(vh) {
					written := ""
					if h == vh && vs.Spec.Hosts[hi] != vh {
						written = vs.Spec.Hosts[hi]
					}
					for _, w := range ws {
						if vs.Obj.IsManaged() && fromApp[claimKey{w, ns, h}] {
							continue
						}
						claims = append(claims, &claim{obj: vs.Obj, field: fmt.Sprintf("spec.hosts[%d]", hi), host: h, written: written, ns: ns, via: via, w: w})
					}
				}
			}
		}
	}
	return claims
}

// openHosts are the Gateway server hosts any namespace may attach to.
type openHosts struct {
	set  hostname.Set[string]
	list []string
}

func (o *openHosts) add(h string) {
	if _, dup := o.set.Exact(h); dup {
		return
	}
	o.set.Add(h, h)
	o.list = append(o.list, h)
}

// served returns the hosts a VirtualService host vh serves through these
// Gateway hosts: vh itself when a Gateway host covers it, else the Gateway
// hosts below vh (a VirtualService "*.example.com" on a Gateway host
// "shop.example.com" serves shop.example.com).
func (o *openHosts) served(vh string) []string {
	if vh == "" {
		return nil
	}
	if _, ok := o.set.Overlapping(vh); !ok {
		return nil
	}
	if o.covers(vh) {
		return []string{vh}
	}
	var out []string
	for _, h := range o.list {
		if hostname.Matches(vh, h) {
			out = append(out, h)
		}
	}
	return out
}

// covers reports whether some host of the set covers every host vh covers.
func (o *openHosts) covers(vh string) bool {
	if _, ok := o.set.Exact("*"); ok {
		return true
	}
	if _, ok := o.set.Exact(vh); ok {
		return true
	}
	name := strings.TrimPrefix(vh, "*.")
	if vh == "*" {
		return false
	}
	for _, s := range model.HostSuffixes(name) {
		if _, ok := o.set.Exact("*." + s); ok {
			return true
		}
	}
	return false
}
