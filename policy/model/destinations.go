package model

import (
	"slices"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
)

// ServiceNamespace returns the namespace of the Service a destination host
// of a VirtualService of namespace vsNamespace names, as Istio resolves it: a
// short name is the VirtualService's namespace, <name>.<ns>.svc.cluster.local
// is ns. Any other host (a ServiceEntry's, an external name) names no
// Service of the cluster: ok is false.
func ServiceNamespace(vsNamespace, host string) (ns string, ok bool) {
	name := FQDN(vsNamespace, host)
	rest, found := strings.CutSuffix(name, "."+ClusterDomain)
	if !found {
		return "", false
	}
	_, ns, found = strings.Cut(rest, ".")
	if !found || ns == "" || strings.Contains(ns, ".") {
		return "", false
	}
	return ns, true
}

// DestinationGateway is a gateway of edgegate's that a VirtualService binds
// to, with the IngressGateway spec that says where its apps may route.
type DestinationGateway struct {
	Name string // "gateway ns/name", or the built-in gateway's
	Spec *v1alpha1.IngressGatewaySpec
}

// DestinationGateways returns the gateways of edgegate's that vs binds to
// through its spec.gateways: the declared IngressGateway of each gateway
// workload the referenced Gateways reach (rendered, an existing gateway's
// stand-in or its pods), and the built-in gateway edgegate rendered. A
// gateway edgegate does not declare sets no limit on destinations.
func (idx *Index) DestinationGateways(vs *VirtualService) []DestinationGateway {
	var out []DestinationGateway
	seen := map[string]bool{}
	add := func(name string, spec *v1alpha1.IngressGatewaySpec) {
		if !seen[name] {
			seen[name] = true
			out = append(out, DestinationGateway{Name: name, Spec: spec})
		}
	}
	for _, ref := range SpecRefs(vs) {
		if !ref.IsGateway() {
			continue
		}
		g := idx.Gateway(ref.Pilot)
		if g == nil {
			continue
		}
		for _, w := range g.Workloads {
			if !IsGateway(w) {
				continue
			}
			if d := idx.declarationOf(w); d != nil {
				add("gateway "+NSName(d.Obj)+" ("+manifest.Where(d.Obj)+")", &d.Spec)
			} else if w.Obj.IsManaged() && w.Namespace == v1alpha1.BuiltinGatewayNamespace && w.Obj.Name == v1alpha1.BuiltinGatewayName && len(idx.IngressGateways) == 0 {
				add("the built-in gateway "+v1alpha1.BuiltinGatewayNamespace+"/"+v1alpha1.BuiltinGatewayName, &v1alpha1.IngressGatewaySpec{})
			}
		}
	}
	// By name, so which gateway a finding names does not depend on input order.
	slices.SortFunc(out, func(a, b DestinationGateway) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// declarationOf returns the IngressGateway a gateway workload is: the one an
// existing gateway's stand-in comes from, the one edgegate rendered the
// Deployment for, or an existing one of the workload's namespace whose
// selector its pods carry.
func (idx *Index) declarationOf(w *Workload) *DeclaredGateway {
	for _, d := range SortByObjectKey(idx.IngressGateways, func(d *DeclaredGateway) *manifest.Object { return d.Obj }) {
		switch {
		case w.External:
			if d.Obj == w.Obj {
				return d
			}
		case d.Obj.Namespace != w.Namespace:
		case !d.Spec.Existing && w.Obj.Kind == "Deployment" && w.Obj.Name == d.Obj.Name:
			return d
		case d.Spec.Existing && len(d.Spec.Selector) > 0 && w.Pods.Carries(d.Spec.Selector):
			return d
		}
	}
	return nil
}

// CrossNamespaceDestination tells EG006's findings that protect another
// namespace: those about a destination host of a VirtualService that names
// a Service of another namespace (its backend). Findings about a
// destination of the VirtualService's own namespace, or its ports, are that
// namespace's own to suppress.
func CrossNamespaceDestination(_ *Index, o *manifest.Object, field string) bool {
	if o.Group() != render.IstioNetworkingGroup || o.Kind != "VirtualService" {
		return true // not a finding this function knows: protect
	}
	if !strings.HasSuffix(field, ".host") {
		return false
	}
	ns, ok := ServiceNamespace(o.Namespace, manifest.ScalarValue(o.At(field)))
	return ok && ns != o.Namespace
}
