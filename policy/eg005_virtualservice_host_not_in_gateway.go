package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/hostname"
)

func init() { register(virtualServiceHostNotInGateway{}) }

// virtualServiceHostNotInGateway finds VirtualServices whose hosts a Gateway
// they bind to does not expose to their namespace (Istio IST0132). istiod
// builds a gateway's routes from the intersection of its servers' hosts and
// the VirtualService's hosts; with none in common the VirtualService is
// bound but receives nothing, and requests for its host get a 404.
//
// A server host is visible to a VirtualService of namespace N when it is
// plain ("host") or "*/host", "N/host", or "./host" on a Gateway of N (the
// form edgegate renders, and "<ns>/host" on the gateway's namespace with
// scopeToNamespace). Hosts match as Istio's host.Name.Matches does: "*"
// matches every host, "*.example.com" any host below example.com.
//
// For each spec.gateways entry, as `istioctl analyze` does, it is an error
// when no host of the VirtualService is visible on that Gateway; the message
// says when a server has the host but admits other namespaces only. When a
// Gateway is missing (EG004) istioctl also reports IST0132, so a warning is
// reported too. Beyond Istio, once some host is served, each host that no
// bound Gateway exposes is an error of its own (unless the VirtualService
// also binds to mesh, whose hosts are service names).
type virtualServiceHostNotInGateway struct{}

func (virtualServiceHostNotInGateway) Meta() Meta {
	return Meta{
		ID: "EG005", Name: "virtualservice-host-not-in-gateway", Severity: manifest.Error,
		Description: "a VirtualService host is not exposed to its namespace by the Gateway it binds to",
		Mirrors:     []string{"IST0132"},
	}
}

// eg005ServerHost is one host of one Gateway server, split.
type eg005ServerHost struct {
	serverHost
	namespace string // the namespace it admits, "*" for all
	name      string
}

// eg005Exposed indexes the hosts of one Gateway by the namespace they admit.
type eg005Exposed struct {
	all   []eg005ServerHost
	any   hostname.Set[eg005ServerHost]
	byNS  map[string]*hostname.Set[eg005ServerHost]
	names hostname.Set[eg005ServerHost] // every host, ignoring namespaces
}

func eg005NewExposed(g *Gateway) *eg005Exposed {
	x := &eg005Exposed{byNS: map[string]*hostname.Set[eg005ServerHost]{}}
	for si, s := range g.Spec.Servers {
		for hi, h := range s.Hosts {
			ns, name := SplitGatewayHost(h)
			if ns == "." {
				ns = g.Obj.Namespace
			}
			sh := eg005ServerHost{serverHost: serverHost{gw: g, server: si, host: hi}, namespace: ns, name: name}
			x.all = append(x.all, sh)
			x.names.Add(name, sh)
			if ns == "*" {
				x.any.Add(name, sh)
				continue
			}
			set := x.byNS[ns]
			if set == nil {
				set = &hostname.Set[eg005ServerHost]{}
				x.byNS[ns] = set
			}
			set.Add(name, sh)
		}
	}
	return x
}

// exposes returns a server host visible to namespace ns that matches host.
func (x *eg005Exposed) exposes(ns, host string) (eg005ServerHost, bool) {
	if sh, ok := x.any.Overlapping(host); ok {
		return sh, true
	}
	if set := x.byNS[ns]; set != nil {
		return set.Overlapping(host)
	}
	return eg005ServerHost{}, false
}

// intersections returns the hosts istiod builds a virtual host for when a
// VirtualService of namespace ns with host h binds to the Gateway: the more
// specific of h and each visible server host it matches.
func (x *eg005Exposed) intersections(ns, h string) []string {
	if !hostname.IsWildcard(h) {
		if _, ok := x.exposes(ns, h); ok {
			return []string{h}
		}
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, sh := range x.all {
		if sh.namespace != "*" && sh.namespace != ns || !hostname.Overlap(sh.name, h) {
			continue
		}
		i := sh.name
		if hostname.Matches(sh.name, h) {
			i = h
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	sort.Strings(out)
	return out
}

// eg005Cache builds exposedHosts once per Gateway.
type eg005Cache map[*Gateway]*eg005Exposed

func (c eg005Cache) get(g *Gateway) *eg005Exposed {
	x, ok := c[g]
	if !ok {
		x = eg005NewExposed(g)
		c[g] = x
	}
	return x
}

func (virtualServiceHostNotInGateway) Run(idx *Index, r *Reporter) {
	cache := eg005Cache{}
	for _, vs := range idx.VirtualServices {
		ns := vs.Obj.Namespace
		served := make([]bool, len(vs.Spec.Hosts))
		anyServed, unknown, mesh := false, false, false
		for _, ref := range eg004SpecRefs(vs) {
			if ref.raw == eg004Mesh {
				mesh = true
				continue
			}
			if !ref.isGateway() {
				unknown = true
				continue
			}
			g := idx.Gateway(ref.analyzer)
			if g == nil {
				unknown = true
				if pg := idx.Gateway(ref.pilot); pg != nil {
					x := cache.get(pg)
					if eg005HostsExposed(x, ns, vs.Spec.Hosts, served) {
						anyServed = true
						r.Warn(vs.Obj, ref.field,
							"istioctl analyze reports IST0132 here because it does not resolve %q (see EG004), though Gateway %s does expose the VirtualService's hosts: write %q",
							ref.raw, ref.pilot, ref.pilot)
					} else {
						eg005ReportNotExposed(r, vs, ref, pg, x)
					}
					continue
				}
				r.Warn(vs.Obj, ref.field,
					"hosts %q cannot be checked against Gateway %s, which is not in the input (see EG004)",
					vs.Spec.Hosts, ref.pilot)
				continue
			}
			x := cache.get(g)
			if eg005HostsExposed(x, ns, vs.Spec.Hosts, served) {
				anyServed = true
				continue
			}
			eg005ReportNotExposed(r, vs, ref, g, x)
		}
		if mesh || unknown || !anyServed {
			continue
		}
		for i, h := range vs.Spec.Hosts {
			if !served[i] {
				r.Report(vs.Obj, fmt.Sprintf("spec.hosts[%d]", i),
					"host %q is not exposed to namespace %s by any Gateway the VirtualService binds to (%s): requests for it get a 404; add it to a server's hosts or remove it here",
					h, ns, strings.Join(vs.Spec.Gateways, ", "))
			}
		}
	}
}

// eg005HostsExposed marks the hosts the Gateway exposes to namespace ns and says
// whether there was any.
func eg005HostsExposed(x *eg005Exposed, ns string, hosts []string, served []bool) bool {
	found := false
	for i, h := range hosts {
		if _, ok := x.exposes(ns, h); ok {
			served[i] = true
			found = true
		}
	}
	return found
}

func eg005ReportNotExposed(r *Reporter, vs *VirtualService, ref eg004Ref, g *Gateway, x *eg005Exposed) {
	ns := vs.Obj.Namespace
	// Is a host there, but scoped to other namespaces?
	for _, h := range vs.Spec.Hosts {
		if sh, ok := x.names.Overlapping(h); ok {
			r.Report(vs.Obj, ref.field,
				"Gateway %s serves %q only to VirtualServices of namespace %s (%s: %q), not to namespace %s: the VirtualService receives no traffic from it; scope the server host to %q (or \"*/%s\"), or move the VirtualService",
				eg005NSName(g.Obj), sh.name, sh.namespace, sh.field(), sh.raw(), ns, ns+"/"+sh.name, sh.name)
			return
		}
	}
	var hosts []string
	for _, sh := range x.all {
		hosts = append(hosts, sh.raw())
	}
	r.Report(vs.Obj, ref.field,
		"no host of the VirtualService %q is among the hosts of Gateway %s %q: the VirtualService receives no traffic from it; add the host to a server of the Gateway or fix spec.hosts",
		vs.Spec.Hosts, eg005NSName(g.Obj), hosts)
}

// eg005NSName is "namespace/name" of an object.
func eg005NSName(o *manifest.Object) string { return o.Namespace + "/" + o.Name }
