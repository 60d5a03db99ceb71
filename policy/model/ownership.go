package model

import (
	"fmt"
	"github.com/edgegate/edgegate/api/v1alpha1"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/podlabels"
)

// The ownership model EG010 (host-ownership) and EG011 (gateway-tls) share:
// which gateway workload a Gateway, an AppIntent or a HostBindings lock is
// about, which namespaces IngressGateway.spec.hostOwnership allows on which
// host patterns of that workload, and which app the lock records for a host.
// It is built once per check run, in time linear in the objects (times the
// labels of a host for pattern lookups).

// OwnershipWorkload is one gateway workload as ownership sees it: the pods that
// Gateways select, however they are known (a Deployment or Pod in the input,
// an existing IngressGateway's declared selector, or only a selector).
type OwnershipWorkload struct {
	Key string
	// namespace is where the workload runs, which is where Istio looks up a
	// Gateway's tls.credentialName; "" when the input does not tell.
	Namespace string
	// gateway is the IngressGateway that declares the workload, if any.
	gateway *DeclaredGateway
	// display names the workload in messages.
	display  string
	Patterns *patterns
	// lock maps a host to the first record of it in the HostBindings lock.
	Lock map[string]LockEntry
}

func (w *OwnershipWorkload) String() string { return w.display }

// LockEntry is one host record of a HostBindings lock.
type LockEntry struct {
	obj       *manifest.Object
	field     string // spec.ports[i].hosts
	app       string // namespace/name
	Namespace string
	Pos       int // order of the record over all locks, for "the first owner"
}

func (e LockEntry) Describe() string {
	return fmt.Sprintf("the HostBindings lock records it for app %s (%s %s)", e.app, WhereField(e.obj, e.field), e.field)
}

// WhereField names the file and line of a field of an object.
func WhereField(o *manifest.Object, field string) string {
	if o.Pos.File != "" && o.Pos.Line > 0 && o.Node != nil {
		return fmt.Sprintf("%s:%d", o.Pos.File, o.LineOf(field))
	}
	return Where(o)
}

// HostPattern is one spec.hostOwnership entry: a host pattern and the namespaces it allows.
type HostPattern struct {
	Pattern string
	Allowed map[string]bool
	Obj     *manifest.Object // the IngressGateway
}

func (p *HostPattern) Allows(ns string) bool { return p.Allowed[ns] }

func (p *HostPattern) Namespaces() string {
	return strings.Join(slices.Sorted(maps.Keys(p.Allowed)), ", ")
}

func (p *HostPattern) Describe() string {
	return fmt.Sprintf("spec.hostOwnership[%q] of %s (%s) reserves it to namespace(s) %s", p.Pattern, p.Obj.Ref, WhereField(p.Obj, "spec.hostOwnership"), p.Namespaces())
}

// patterns indexes the host patterns of one workload so that the most
// specific pattern covering a host, and the patterns strictly below a
// wildcard, are found in time proportional to the labels of the host.
type patterns struct {
	exact map[string]*HostPattern   // concrete pattern → entry
	wild  map[string]*HostPattern   // "*.S" stored under S
	star  *HostPattern              // "*"
	below map[string][]*HostPattern // S → patterns whose name is S or lies below S
	all   []*HostPattern            // sorted by pattern, built on first use
}

func (ps *patterns) add(pattern string, namespaces []string, obj *manifest.Object) {
	if ps.exact == nil {
		ps.exact, ps.wild, ps.below = map[string]*HostPattern{}, map[string]*HostPattern{}, map[string][]*HostPattern{}
	}
	var p *HostPattern
	name := pattern
	switch {
	case pattern == "*":
		if ps.star == nil {
			ps.star = &HostPattern{Pattern: pattern, Allowed: map[string]bool{}, Obj: obj}
		}
		p = ps.star
	case hostname.IsWildcard(pattern):
		name = strings.TrimPrefix(pattern, "*.")
		if p = ps.wild[name]; p == nil {
			p = &HostPattern{Pattern: pattern, Allowed: map[string]bool{}, Obj: obj}
			ps.wild[name] = p
		}
	default:
		if p = ps.exact[name]; p == nil {
			p = &HostPattern{Pattern: pattern, Allowed: map[string]bool{}, Obj: obj}
			ps.exact[name] = p
		}
	}
	if len(p.Allowed) == 0 && pattern != "*" {
		for _, s := range append([]string{name}, HostSuffixes(name)...) {
			ps.below[s] = append(ps.below[s], p)
		}
	}
	for _, ns := range namespaces {
		p.Allowed[ns] = true
	}
}

func (ps *patterns) empty() bool {
	return ps == nil || (len(ps.exact) == 0 && len(ps.wild) == 0 && ps.star == nil)
}

// Covering returns the most specific pattern that covers every host h
// covers, as Envoy picks the most specific virtual host: an exact pattern,
// then the longest wildcard, then "*".
func (ps *patterns) Covering(h string) *HostPattern {
	if ps.empty() {
		return nil
	}
	switch {
	case h == "*":
		return ps.star
	case hostname.IsWildcard(h):
		name := strings.TrimPrefix(h, "*.")
		if p := ps.wild[name]; p != nil {
			return p
		}
		for _, s := range HostSuffixes(name) {
			if p := ps.wild[s]; p != nil {
				return p
			}
		}
	default:
		if p := ps.exact[h]; p != nil {
			return p
		}
		for _, s := range HostSuffixes(h) {
			if p := ps.wild[s]; p != nil {
				return p
			}
		}
	}
	return ps.star
}

// Under returns the patterns a wildcard h overlaps without covering them:
// hosts reserved below the domain h claims. Sorted by pattern.
// For "*" that is every other pattern.
func (ps *patterns) Under(h string) []*HostPattern {
	if ps.empty() || !hostname.IsWildcard(h) {
		return nil
	}
	if h == "*" {
		var out []*HostPattern
		for _, p := range ps.sorted() {
			if p.Pattern != "*" {
				out = append(out, p)
			}
		}
		return out
	}
	var out []*HostPattern
	for _, p := range ps.below[strings.TrimPrefix(h, "*.")] {
		if p.Pattern != h && hostname.Overlap(h, p.Pattern) && !hostname.Matches(p.Pattern, h) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pattern < out[j].Pattern })
	return out
}

// NotAllowing reports whether some pattern of the workload excludes ns, and
// returns the first such pattern.
func (ps *patterns) NotAllowing(ns string) *HostPattern {
	if ps.empty() {
		return nil
	}
	for _, p := range ps.sorted() {
		if ns == "" || !p.Allows(ns) {
			return p
		}
	}
	return nil
}

// sorted returns every pattern, sorted, built on first use.
func (ps *patterns) sorted() []*HostPattern {
	if ps.all == nil {
		if ps.star != nil {
			ps.all = append(ps.all, ps.star)
		}
		for _, p := range ps.exact {
			ps.all = append(ps.all, p)
		}
		for _, p := range ps.wild {
			ps.all = append(ps.all, p)
		}
		sort.Slice(ps.all, func(i, j int) bool { return ps.all[i].Pattern < ps.all[j].Pattern })
	}
	return ps.all
}

// HostSuffixes of "a.b.c" are "b.c" and "c", longest first.
func HostSuffixes(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			out = append(out, name[i+1:])
		}
	}
	return out
}

// Ownership is the shared model.
type Ownership struct {
	Index     *Index
	Workloads map[string]*OwnershipWorkload
	declared  []*DeclaredGateway // sorted by key
	// gatewayOf maps a rendered Gateway's key (namespace/name) to the
	// AppIntent it was rendered from.
	gatewayOf map[string]*DeclaredApp
	// Memoized lookups.
	ofDeclared map[*DeclaredGateway][]*OwnershipWorkload
	ofGW       map[*Gateway][]*OwnershipWorkload
}

// NewOwnership builds the model over idx.
func NewOwnership(idx *Index) *Ownership {
	m := &Ownership{Index: idx, Workloads: map[string]*OwnershipWorkload{}, gatewayOf: map[string]*DeclaredApp{},
		ofDeclared: map[*DeclaredGateway][]*OwnershipWorkload{}, ofGW: map[*Gateway][]*OwnershipWorkload{}}
	m.declared = SortByObjectKey(idx.IngressGateways, func(g *DeclaredGateway) *manifest.Object { return g.Obj })
	for _, g := range m.declared {
		for _, w := range m.gatewayWorkloads(g) {
			if w.Namespace != "" && w.Namespace != g.Obj.Namespace {
				// An IngressGateway speaks for the workload of its own
				// namespace: one a team declares with the platform
				// gateway's selector reserves nothing on the platform's.
				continue
			}
			if w.Patterns == nil {
				w.Patterns = &patterns{}
			}
			for _, pattern := range slices.Sorted(maps.Keys(g.Spec.HostOwnership)) {
				w.Patterns.add(hostname.Canonical(pattern), g.Spec.HostOwnership[pattern], g.Obj)
			}
		}
	}
	m.readLocks()
	for _, a := range idx.AppIntents {
		g, ok := m.resolveApp(a)
		if !ok {
			continue
		}
		key := a.Obj.Namespace + "/" + a.Obj.Name
		if g != nil && g.Spec.ScopeToNamespace {
			key = g.Obj.Namespace + "/" + a.Obj.Namespace + "-" + a.Obj.Name
		}
		m.gatewayOf[key] = a
	}
	return m
}

// gatewaySelector is what the Gateways of an IngressGateway select its pods
// by: the declared selector of an existing gateway, else edgegate's labels.
func gatewaySelector(g *DeclaredGateway) map[string]string {
	if g != nil && g.Spec.Existing {
		return g.Spec.Selector
	}
	name := v1alpha1.BuiltinGatewayName
	if g != nil {
		name = g.Obj.Name
	}
	return podlabels.Selector(name)
}

// workload returns the model's entry for an index workload.
func (m *Ownership) workload(w *Workload) *OwnershipWorkload {
	key := w.Obj.Key()
	if ow := m.Workloads[key]; ow != nil {
		return ow
	}
	ow := &OwnershipWorkload{Key: key, Namespace: w.Namespace, display: "gateway workload " + w.String()}
	if w.External {
		ow.display = "gateway " + w.Obj.Namespace + "/" + w.Obj.Name
	}
	m.Workloads[key] = ow
	return ow
}

// bySelector returns the entry for pods known only by a selector.
func (m *Ownership) bySelector(sel map[string]string) *OwnershipWorkload {
	key := "selector:" + SelectorString(sel)
	if ow := m.Workloads[key]; ow != nil {
		return ow
	}
	ow := &OwnershipWorkload{Key: key, display: "the gateway workload selected by {" + SelectorString(sel) + "}"}
	m.Workloads[key] = ow
	return ow
}

// gatewayWorkloads returns the workloads of an IngressGateway (nil: the
// built-in one), naming them after it.
func (m *Ownership) gatewayWorkloads(g *DeclaredGateway) []*OwnershipWorkload {
	if ws, ok := m.ofDeclared[g]; ok {
		return ws
	}
	sel := gatewaySelector(g)
	ns, name := v1alpha1.BuiltinGatewayNamespace, v1alpha1.BuiltinGatewayName
	if g != nil {
		ns, name = g.Obj.Namespace, g.Obj.Name
	}
	var out []*OwnershipWorkload
	for _, w := range m.Index.Carrying(sel) {
		if (g == nil || !g.Spec.Existing) && !w.External && w.Namespace != ns {
			continue // pods elsewhere that happen to carry edgegate's labels
		}
		out = append(out, m.workload(w))
	}
	if len(out) == 0 {
		out = append(out, m.bySelector(sel))
	}
	for _, ow := range out {
		if ow.gateway == nil {
			ow.gateway = g
			ow.display = "gateway " + ns + "/" + name
			if ow.Namespace == "" {
				ow.Namespace = ns
			}
		}
	}
	m.ofDeclared[g] = out
	return out
}

// OfGateway returns the workloads a Gateway selects.
func (m *Ownership) OfGateway(g *Gateway) []*OwnershipWorkload {
	if ws, ok := m.ofGW[g]; ok {
		return ws
	}
	var out []*OwnershipWorkload
	if len(g.Workloads) == 0 {
		out = m.unrenderedReached(g.Spec.Selector)
		if len(out) == 0 {
			out = []*OwnershipWorkload{m.bySelector(g.Spec.Selector)}
		}
	}
	for _, w := range g.Workloads {
		out = append(out, m.workload(w))
	}
	m.ofGW[g] = out
	return out
}

// unrenderedReached returns the workloads of the gateways edgegate will
// render whose pods are not in the input yet (`edgegate check` over intents)
// and whose pods, as edgegate renders them, a Gateway with selector reaches
// (podlabels): the built-in gateway when the AppIntents bind to it, and each
// IngressGateway that is not existing: true.
func (m *Ownership) unrenderedReached(selector map[string]string) []*OwnershipWorkload {
	var out []*OwnershipWorkload
	reach := func(g *DeclaredGateway, name string, spec *v1alpha1.IngressGatewaySpec) {
		ws := m.gatewayWorkloads(g)
		if len(ws) != 1 || !strings.HasPrefix(ws[0].Key, "selector:") {
			return // its pods are in the input: the index selects them
		}
		if podlabels.Rendered(name, spec).Reaches(selector) {
			out = append(out, ws...)
		}
	}
	if len(m.declared) == 0 && len(m.Index.AppIntents) > 0 {
		reach(nil, v1alpha1.BuiltinGatewayName, &v1alpha1.IngressGatewaySpec{})
	}
	for _, d := range m.declared {
		if !d.Spec.Existing && d.Obj.Name != "" {
			reach(d, d.Obj.Name, &d.Spec)
		}
	}
	return out
}

// resolveApp finds the IngressGateway of an AppIntent the way render does:
// the one it names, else the one marked default, else the only one, else
// the built-in gateway (nil). ok is false when render would refuse it.
func (m *Ownership) resolveApp(a *DeclaredApp) (g *DeclaredGateway, ok bool) {
	ref := a.Spec.Gateway
	if ref == "" {
		for _, d := range m.declared {
			if d.Spec.Default {
				return d, true
			}
		}
		switch len(m.declared) {
		case 0:
			return nil, true
		case 1:
			return m.declared[0], true
		}
		return nil, false
	}
	return m.gatewayByRef(ref)
}

// gatewayByRef resolves "namespace/name" or "name" to a declared
// IngressGateway, or to the built-in one (nil) when none is declared.
func (m *Ownership) gatewayByRef(ref string) (*DeclaredGateway, bool) {
	ns, name, scoped := strings.Cut(ref, "/")
	if !scoped {
		name, ns = ns, ""
	}
	for _, d := range m.declared {
		if d.Obj.Name == name && (ns == "" || d.Obj.Namespace == ns) {
			return d, true
		}
	}
	if len(m.declared) == 0 && name == v1alpha1.BuiltinGatewayName && (ns == "" || ns == v1alpha1.BuiltinGatewayNamespace) {
		return nil, true
	}
	return nil, false
}

// OfApp returns the workloads an AppIntent binds to.
func (m *Ownership) OfApp(a *DeclaredApp) []*OwnershipWorkload {
	g, ok := m.resolveApp(a)
	if !ok {
		return nil
	}
	return m.gatewayWorkloads(g)
}

// readLocks records, per workload, the first lock record of every host.
func (m *Ownership) readLocks() {
	var locks []*manifest.Object
	for _, o := range m.Index.Objects {
		if o.Group() == v1alpha1.Group && o.Kind == v1alpha1.KindHostBindings {
			locks = append(locks, o)
		}
	}
	locks = SortByObjectKey(locks, func(o *manifest.Object) *manifest.Object { return o })
	pos := 0
	for _, o := range locks {
		var hb v1alpha1.HostBindings
		DecodeAt(o, o.Node, "", &hb)
		g, ok := m.gatewayByRef(hb.Spec.Gateway)
		if !ok || !strings.Contains(hb.Spec.Gateway, "/") {
			continue
		}
		workloads := m.gatewayWorkloads(g)
		for i, p := range hb.Spec.Ports {
			// By host as pilot compares it: validation refuses a lock host
			// written otherwise, and ownership never tells two spellings apart.
			hosts := make(map[string]string, len(p.Hosts))
			for h, app := range p.Hosts {
				c := hostname.Canonical(h)
				if _, spelt := p.Hosts[c]; spelt && h != c {
					continue // the record spelt as pilot compares it speaks
				}
				if have, ok := hosts[c]; !ok || app < have {
					hosts[c] = app
				}
			}
			for _, h := range slices.Sorted(maps.Keys(hosts)) {
				app := hosts[h]
				ns, _, ok := strings.Cut(app, "/")
				if !ok || ns == "" {
					continue
				}
				pos++
				e := LockEntry{obj: o, field: fmt.Sprintf("spec.ports[%d].hosts", i), app: app, Namespace: ns, Pos: pos}
				for _, w := range workloads {
					if w.Lock == nil {
						w.Lock = map[string]LockEntry{}
					}
					if _, seen := w.Lock[h]; !seen {
						w.Lock[h] = e
					}
				}
			}
		}
	}
}

// AttachNamespace reads the namespace part of a Gateway server host: the
// namespace whose VirtualServices may attach to it. "./h" is the Gateway's
// own namespace, "ns/h" is ns (in scopeToNamespace mode the Gateway lives in
// the gateway's namespace but serves the app's), and "h" or "*/h" is any
// namespace, returned as "".
func AttachNamespace(g *Gateway, h string) (ns, host string) {
	ns, host = SplitGatewayHost(h)
	switch ns {
	case ".":
		return g.Obj.Namespace, host
	case "*":
		return "", host
	}
	return ns, host
}

// AppFor returns the AppIntent a rendered Gateway came from, if it is in the input.
func (m *Ownership) AppFor(g *Gateway) *DeclaredApp {
	if !g.Obj.IsManaged() {
		return nil
	}
	return m.gatewayOf[g.Obj.Namespace+"/"+g.Obj.Name]
}

// SelectorString renders a selector as k=v,k=v in key order.
func SelectorString(sel map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		parts = append(parts, k+"="+sel[k])
	}
	return strings.Join(parts, ",")
}

// OthersThan lists up to three of sorted other than skip, and how many
// more there are, in time independent of their number.
func OthersThan(sorted []string, skip string, describe func(string) string) string {
	total := len(sorted)
	if _, found := slices.BinarySearch(sorted, skip); found {
		total--
	}
	var out []string
	for _, s := range sorted {
		if len(out) == 3 {
			break
		}
		if s != skip {
			out = append(out, describe(s))
		}
	}
	if total > len(out) {
		out = append(out, fmt.Sprintf("%d more", total-len(out)))
	}
	return strings.Join(out, ", ")
}
