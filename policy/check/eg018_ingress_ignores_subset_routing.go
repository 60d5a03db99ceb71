package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

// ingressIgnoresSubsetRouting finds an ingress route that sends to a Service
// without a subset while another VirtualService for that Service splits its
// traffic by subset (Istio's IST0140). A gateway applies only the
// VirtualServices bound to it: the gateway's request goes to the Service's
// every pod, and the other VirtualService's subsets (a canary, a version
// pin) never apply to ingress traffic, which is rarely what its owner meant.
//
// As Istio's DestinationHostAnalyzer does, on HTTP routes: the ingress
// VirtualService binds to a Gateway and names the destination without a
// subset; the other names the same host in spec.hosts and routes it to a
// subset. Hosts are compared as Istio resolves them from each
// VirtualService's namespace (Istio compares them as written). One warning
// per ingress destination, naming the first such VirtualService by key.
type ingressIgnoresSubsetRouting struct{}

func (ingressIgnoresSubsetRouting) Run(idx *model.Index, r *model.Reporter) {
	// The hosts some VirtualService routes to one of its subsets, and
	// the first such VirtualService by key.
	subsetRouted := map[string]*model.VirtualService{}
	for _, vs := range model.SortByObjectKey(idx.VirtualServices, func(vs *model.VirtualService) *manifest.Object { return vs.Obj }) {
		hosts := map[string]bool{}
		for _, h := range vs.Spec.Hosts {
			hosts[model.FQDN(vs.Obj.Namespace, strings.ToLower(h))] = true
		}
		for _, rule := range vs.Spec.HTTP {
			for _, d := range rule.Route {
				h := model.FQDN(vs.Obj.Namespace, strings.ToLower(d.Destination.Host))
				if d.Destination.Subset != "" && hosts[h] && subsetRouted[h] == nil {
					subsetRouted[h] = vs
				}
			}
		}
	}
	if len(subsetRouted) == 0 {
		return
	}
	for _, vs := range idx.VirtualServices {
		if !slices.ContainsFunc(vs.Spec.Gateways, func(g string) bool { return g != "" && g != "mesh" }) {
			continue
		}
		for i, rule := range vs.Spec.HTTP {
			for j, d := range rule.Route {
				if d.Destination.Subset != "" || d.Destination.Host == "" {
					continue
				}
				h := model.FQDN(vs.Obj.Namespace, strings.ToLower(d.Destination.Host))
				other := subsetRouted[h]
				if other == nil || other == vs {
					continue
				}
				r.Warn(vs.Obj, fmt.Sprintf("spec.http[%d].route[%d].destination.host", i, j),
					"ingress traffic goes to every pod of %q: %s (%s) routes that host to subsets, but a gateway applies only the VirtualServices bound to it, so those subsets never apply to requests from here (Istio: IST0140); name the subset here too if ingress traffic should follow it",
					d.Destination.Host, other.Obj.Ref, model.Where(other.Obj))
			}
		}
	}
}
