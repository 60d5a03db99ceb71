package policy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
)

// The ownership model EG010 (host-ownership) and EG011 (gateway-tls) share:
// which gateway workload a Gateway, an AppIntent or a HostBindings lock is
// about, which namespaces IngressGateway.spec.hostOwnership allows on which
// host patterns of that workload, and which app the lock records for a host.
// It is built once per check run, in time linear in the objects (times the
// labels of a host for pattern lookups).

// eg010Workload is one gateway workload as ownership sees it: the pods that
// Gateways select, however they are known (a Deployment or Pod in the input,
// an existing IngressGateway's declared selector, or only a selector).
type eg010Workload struct {
	key string
	// namespace is where the workload runs, which is where Istio looks up a
	// Gateway's tls.credentialName; "" when the input does not tell.
	namespace string
	// gateway is the IngressGateway that declares the workload, if any.
	gateway *DeclaredGateway
	// display names the workload in messages.
	display  string
	patterns *eg010Patterns
	// lock maps a host to the first record of it in the HostBindings lock.
	lock map[string]eg010LockEntry
}

func (w *eg010Workload) String() string { return w.display }

// eg010LockEntry is one host record of a HostBindings lock.
type eg010LockEntry struct {
	obj   *manifest.Object
	field string // spec.ports[i].hosts
	app   string // namespace/name
	ns    string
	pos   int // order of the record over all locks, for "the first owner"
}

func (e eg010LockEntry) describe() string {
	return fmt.Sprintf("the HostBindings lock records it for app %s (%s %s)", e.app, eg010Where(e.obj, e.field), e.field)
}

// eg010Where names the file and line of a field of an object.
func eg010Where(o *manifest.Object, field string) string {
	if o.Pos.File != "" && o.Pos.Line > 0 && o.Node != nil {
		return fmt.Sprintf("%s:%d", o.Pos.File, o.LineOf(field))
	}
	return where(o)
}

// eg010Pattern is one spec.hostOwnership entry.
type eg010Pattern struct {
	pattern string
	allowed map[string]bool
	obj     *manifest.Object // the IngressGateway
}

func (p *eg010Pattern) allows(ns string) bool { return p.allowed[ns] }

func (p *eg010Pattern) namespaces() string {
	return strings.Join(slices.Sorted(maps.Keys(p.allowed)), ", ")
}

func (p *eg010Pattern) describe() string {
	return fmt.Sprintf("spec.hostOwnership[%q] of %s (%s) reserves it to namespace(s) %s", p.pattern, p.obj.Ref, eg010Where(p.obj, "spec.hostOwnership"), p.namespaces())
}

// eg010Patterns indexes the host patterns of one workload so that the most
// specific pattern covering a host, and the patterns strictly below a
// wildcard, are found in time proportional to the labels of the host.
type eg010Patterns struct {
	exact map[string]*eg010Pattern   // concrete pattern → entry
	wild  map[string]*eg010Pattern   // "*.S" stored under S
	star  *eg010Pattern              // "*"
	below map[string][]*eg010Pattern // S → patterns whose name is S or lies below S
	all   []*eg010Pattern            // sorted by pattern, built on first use
}

func (ps *eg010Patterns) add(pattern string, namespaces []string, obj *manifest.Object) {
	if ps.exact == nil {
		ps.exact, ps.wild, ps.below = map[string]*eg010Pattern{}, map[string]*eg010Pattern{}, map[string][]*eg010Pattern{}
	}
	var p *eg010Pattern
	name := pattern
	switch {
	case pattern == "*":
		if ps.star == nil {
			ps.star = &eg010Pattern{pattern: pattern, allowed: map[string]bool{}, obj: obj}
		}
		p = ps.star
	case hostname.IsWildcard(pattern):
		name = strings.TrimPrefix(pattern, "*.")
		if p = ps.wild[name]; p == nil {
			p = &eg010Pattern{pattern: pattern, allowed: map[string]bool{}, obj: obj}
			ps.wild[name] = p
		}
	default:
		if p = ps.exact[name]; p == nil {
			p = &eg010Pattern{pattern: pattern, allowed: map[string]bool{}, obj: obj}
			ps.exact[name] = p
		}
	}
	if len(p.allowed) == 0 && pattern != "*" {
		for _, s := range append([]string{name}, eg010Suffixes(name)...) {
			ps.below[s] = append(ps.below[s], p)
		}
	}
	for _, ns := range namespaces {
		p.allowed[ns] = true
	}
}

func (ps *eg010Patterns) empty() bool {
	return ps == nil || (len(ps.exact) == 0 && len(ps.wild) == 0 && ps.star == nil)
}

// covering returns the most specific pattern that covers every host h
// covers, as Envoy picks the most specific virtual host: an exact pattern,
// then the longest wildcard, then "*".
func (ps *eg010Patterns) covering(h string) *eg010Pattern {
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
		for _, s := range eg010Suffixes(name) {
			if p := ps.wild[s]; p != nil {
				return p
			}
		}
	default:
		if p := ps.exact[h]; p != nil {
			return p
		}
		for _, s := range eg010Suffixes(h) {
			if p := ps.wild[s]; p != nil {
				return p
			}
		}
	}
	return ps.star
}

// under returns the patterns a wildcard h overlaps without covering them:
// hosts reserved below the domain h claims. Sorted by pattern.
func (ps *eg010Patterns) under(h string) []*eg010Pattern {
	if ps.empty() || !hostname.IsWildcard(h) || h == "*" {
		return nil
	}
	var out []*eg010Pattern
	for _, p := range ps.below[strings.TrimPrefix(h, "*.")] {
		if p.pattern != h && hostname.Overlap(h, p.pattern) && !hostname.Matches(p.pattern, h) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pattern < out[j].pattern })
	return out
}

// notAllowing reports whether some pattern of the workload excludes ns, and
// returns the first such pattern.
func (ps *eg010Patterns) notAllowing(ns string) *eg010Pattern {
	if ps.empty() {
		return nil
	}
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
		sort.Slice(ps.all, func(i, j int) bool { return ps.all[i].pattern < ps.all[j].pattern })
	}
	for _, p := range ps.all {
		if ns == "" || !p.allows(ns) {
			return p
		}
	}
	return nil
}

// eg010Suffixes of "a.b.c" are "b.c" and "c", longest first.
func eg010Suffixes(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			out = append(out, name[i+1:])
		}
	}
	return out
}

// eg010Ownership is the shared model.
type eg010Ownership struct {
	idx       *Index
	workloads map[string]*eg010Workload
	declared  []*DeclaredGateway // sorted by key
	// gatewayOf maps a rendered Gateway's key (namespace/name) to the
	// AppIntent it was rendered from.
	gatewayOf map[string]*DeclaredApp
	// Memoized lookups.
	ofDeclared map[*DeclaredGateway][]*eg010Workload
	ofGW       map[*Gateway][]*eg010Workload
}

// newEG010Ownership builds the model over idx.
func newEG010Ownership(idx *Index) *eg010Ownership {
	m := &eg010Ownership{idx: idx, workloads: map[string]*eg010Workload{}, gatewayOf: map[string]*DeclaredApp{},
		ofDeclared: map[*DeclaredGateway][]*eg010Workload{}, ofGW: map[*Gateway][]*eg010Workload{}}
	m.declared = sortByObjectKey(idx.IngressGateways, func(g *DeclaredGateway) *manifest.Object { return g.Obj })
	for _, g := range m.declared {
		for _, w := range m.gatewayWorkloads(g) {
			if w.patterns == nil {
				w.patterns = &eg010Patterns{}
			}
			for _, pattern := range slices.Sorted(maps.Keys(g.Spec.HostOwnership)) {
				w.patterns.add(pattern, g.Spec.HostOwnership[pattern], g.Obj)
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

// eg010GatewaySelector is what the Gateways of an IngressGateway select its pods
// by: the declared selector of an existing gateway, else edgegate's labels.
func eg010GatewaySelector(g *DeclaredGateway) map[string]string {
	if g != nil && g.Spec.Existing {
		return g.Spec.Selector
	}
	name := v1alpha1.BuiltinGatewayName
	if g != nil {
		name = g.Obj.Name
	}
	return map[string]string{"istio": name, "app.kubernetes.io/name": name}
}

// workload returns the model's entry for an index workload.
func (m *eg010Ownership) workload(w *Workload) *eg010Workload {
	key := w.Obj.Key()
	if ow := m.workloads[key]; ow != nil {
		return ow
	}
	ow := &eg010Workload{key: key, namespace: w.Namespace, display: "gateway workload " + w.String()}
	if w.External {
		ow.display = "gateway " + w.Obj.Namespace + "/" + w.Obj.Name
	}
	m.workloads[key] = ow
	return ow
}

// bySelector returns the entry for pods known only by a selector.
func (m *eg010Ownership) bySelector(sel map[string]string) *eg010Workload {
	key := "selector:" + selectorString(sel)
	if ow := m.workloads[key]; ow != nil {
		return ow
	}
	ow := &eg010Workload{key: key, display: "the gateway workload selected by {" + selectorString(sel) + "}"}
	m.workloads[key] = ow
	return ow
}

// gatewayWorkloads returns the workloads of an IngressGateway (nil: the
// built-in one), naming them after it.
func (m *eg010Ownership) gatewayWorkloads(g *DeclaredGateway) []*eg010Workload {
	if ws, ok := m.ofDeclared[g]; ok {
		return ws
	}
	sel := eg010GatewaySelector(g)
	ns, name := v1alpha1.BuiltinGatewayNamespace, v1alpha1.BuiltinGatewayName
	if g != nil {
		ns, name = g.Obj.Namespace, g.Obj.Name
	}
	var out []*eg010Workload
	for _, w := range m.idx.Select(sel) {
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
			if ow.namespace == "" {
				ow.namespace = ns
			}
		}
	}
	m.ofDeclared[g] = out
	return out
}

// ofGateway returns the workloads a Gateway selects.
func (m *eg010Ownership) ofGateway(g *Gateway) []*eg010Workload {
	if ws, ok := m.ofGW[g]; ok {
		return ws
	}
	var out []*eg010Workload
	if len(g.Workloads) == 0 {
		out = []*eg010Workload{m.bySelector(g.Spec.Selector)}
	}
	for _, w := range g.Workloads {
		out = append(out, m.workload(w))
	}
	m.ofGW[g] = out
	return out
}

// resolveApp finds the IngressGateway of an AppIntent the way render does:
// the one it names, else the one marked default, else the only one, else
// the built-in gateway (nil). ok is false when render would refuse it.
func (m *eg010Ownership) resolveApp(a *DeclaredApp) (g *DeclaredGateway, ok bool) {
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
func (m *eg010Ownership) gatewayByRef(ref string) (*DeclaredGateway, bool) {
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

// ofApp returns the workloads an AppIntent binds to.
func (m *eg010Ownership) ofApp(a *DeclaredApp) []*eg010Workload {
	g, ok := m.resolveApp(a)
	if !ok {
		return nil
	}
	return m.gatewayWorkloads(g)
}

// readLocks records, per workload, the first lock record of every host.
func (m *eg010Ownership) readLocks() {
	var locks []*manifest.Object
	for _, o := range m.idx.Objects {
		if o.Group() == v1alpha1.Group && o.Kind == v1alpha1.KindHostBindings {
			locks = append(locks, o)
		}
	}
	locks = sortByObjectKey(locks, func(o *manifest.Object) *manifest.Object { return o })
	pos := 0
	for _, o := range locks {
		var hb v1alpha1.HostBindings
		decodeAt(o, o.Node, "", &hb)
		g, ok := m.gatewayByRef(hb.Spec.Gateway)
		if !ok || !strings.Contains(hb.Spec.Gateway, "/") {
			continue
		}
		workloads := m.gatewayWorkloads(g)
		for i, p := range hb.Spec.Ports {
			for _, h := range slices.Sorted(maps.Keys(p.Hosts)) {
				app := p.Hosts[h]
				ns, _, ok := strings.Cut(app, "/")
				if !ok || ns == "" {
					continue
				}
				pos++
				e := eg010LockEntry{obj: o, field: fmt.Sprintf("spec.ports[%d].hosts", i), app: app, ns: ns, pos: pos}
				for _, w := range workloads {
					if w.lock == nil {
						w.lock = map[string]eg010LockEntry{}
					}
					if _, seen := w.lock[h]; !seen {
						w.lock[h] = e
					}
				}
			}
		}
	}
}

// eg010AttachNamespace reads the namespace part of a Gateway server host: the
// namespace whose VirtualServices may attach to it. "./h" is the Gateway's
// own namespace, "ns/h" is ns (in scopeToNamespace mode the Gateway lives in
// the gateway's namespace but serves the app's), and "h" or "*/h" is any
// namespace, returned as "".
func eg010AttachNamespace(g *Gateway, h string) (ns, host string) {
	ns, host = SplitGatewayHost(h)
	switch ns {
	case ".":
		return g.Obj.Namespace, host
	case "*":
		return "", host
	}
	return ns, host
}

// appFor returns the AppIntent a rendered Gateway came from, if it is in the input.
func (m *eg010Ownership) appFor(g *Gateway) *DeclaredApp {
	if !g.Obj.IsManaged() {
		return nil
	}
	return m.gatewayOf[g.Obj.Namespace+"/"+g.Obj.Name]
}
