package check

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/policy/model"
)

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

func (virtualServiceHostNotInGateway) Run(idx *model.Index, r *model.Reporter) {
	cache := model.ExposureCache{}
	for _, vs := range idx.VirtualServices {
		ns := vs.Obj.Namespace
		served := make([]bool, len(vs.Spec.Hosts))
		anyServed, unknown, mesh := false, false, false
		for _, ref := range model.SpecRefs(vs) {
			if ref.Raw == model.Mesh {
				mesh = true
				continue
			}
			if !ref.IsGateway() {
				unknown = true
				continue
			}
			g := idx.Gateway(ref.Analyzer)
			if g == nil {
				unknown = true
				if pg := idx.Gateway(ref.Pilot); pg != nil {
					x := cache.Get(pg)
					if hostsExposed(x, ns, vs.Spec.Hosts, served) {
						anyServed = true
						r.Warn(vs.Obj, ref.Field,
							"istioctl analyze reports IST0132 here because it does not resolve %q (see EG004), though Gateway %s does expose the VirtualService's hosts: write %q",
							ref.Raw, ref.Pilot, ref.Pilot)
					} else {
						reportNotExposed(r, vs, ref, pg, x)
					}
					continue
				}
				r.Warn(vs.Obj, ref.Field,
					"hosts %q cannot be checked against Gateway %s, which is not in the input (see EG004)",
					vs.Spec.Hosts, ref.Pilot)
				continue
			}
			x := cache.Get(g)
			if hostsExposed(x, ns, vs.Spec.Hosts, served) {
				anyServed = true
				continue
			}
			reportNotExposed(r, vs, ref, g, x)
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

// hostsExposed marks the hosts the Gateway exposes to namespace ns and says
// whether there was any.
func hostsExposed(x *model.Exposed, ns string, hosts []string, served []bool) bool {
	found := false
	for i, h := range hosts {
		if _, ok := x.Exposes(ns, h); ok {
			served[i] = true
			found = true
		}
	}
	return found
}

func reportNotExposed(r *model.Reporter, vs *model.VirtualService, ref model.GatewayRef, g *model.Gateway, x *model.Exposed) {
	ns := vs.Obj.Namespace
	// Is a host there, but scoped to other namespaces?
	for _, h := range vs.Spec.Hosts {
		if sh, ok := x.Names.Overlapping(h); ok {
			r.Report(vs.Obj, ref.Field,
				"Gateway %s serves %q only to VirtualServices of namespace %s (%s: %q), not to namespace %s: the VirtualService receives no traffic from it; scope the server host to %q (or \"*/%s\"), or move the VirtualService",
				model.NSName(g.Obj), sh.Name, sh.Namespace, sh.Field(), sh.Raw(), ns, ns+"/"+sh.Name, sh.Name)
			return
		}
	}
	var hosts []string
	for _, sh := range x.All {
		hosts = append(hosts, sh.Raw())
	}
	r.Report(vs.Obj, ref.Field,
		"no host of the VirtualService %q is among the hosts of Gateway %s %q: the VirtualService receives no traffic from it; add the host to a server of the Gateway or fix spec.hosts",
		vs.Spec.Hosts, model.NSName(g.Obj), hosts)
}
