package check

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

// egressGatewayForIngressCheck finds ingress served by an egress gateway.
// A field report asked whether the egress gateway could take ingress traffic and
// answered no: its Service is ClusterIP, not LoadBalancer, so nothing
// outside the cluster reaches it; it is also where egress policy lives
// (AuthorizationPolicy, NetworkPolicy, allowed external hosts), which
// inbound traffic should not share.
//
// A Gateway is used for ingress when edgegate rendered it (from an
// AppIntent), or when a VirtualService bound to it routes, on that gateway,
// to a destination inside the cluster (a short name, a *.svc or
// *.svc.cluster.local host, or name.namespace of a Service in the input).
// A Gateway with HTTP servers is not enough: Istio's own egress examples
// bind HTTP and TLS servers to the egress gateway and route from there to
// external hosts, and those must pass.
//
// Its gateway workload is an egress gateway when labelled istio:
// egressgateway or app: istio-egressgateway (Istio's install), an error
// whatever its Service; or when every Service exposing it is ClusterIP
// (headless included), also an error, except when something else brings
// outside traffic in: a Kubernetes Ingress or Gateway API route of the input
// with that Service as backend, a GKE NEG annotation on the Service, a
// hostPort or hostNetwork on the pods, or an edgegate IngressGateway that
// asks for spec.service.type ClusterIP (an internal gateway, by choice).
//
// An IngressGateway with `existing: true` whose selector carries the egress
// labels is reported too, on its spec.selector: it declares the egress
// gateway as an ingress one, before any Gateway is rendered.
type egressGatewayForIngressCheck struct{}

func (egressGatewayForIngressCheck) Run(idx *model.Index, r *model.Reporter) {
	for _, d := range idx.IngressGateways {
		if d.Spec.Existing {
			if why := egressLabels(d.Spec.Selector); why != "" {
				r.Report(d.Obj, "spec.selector",
					"the selector picks Istio's egress gateway (%s): its Service is ClusterIP, so clients outside the cluster never reach it, and egress policy applies to what it carries; bind to an ingress gateway, or declare one edgegate runs (drop existing: true)",
					why)
			}
		}
	}
	uses := ingressUses(idx)
	fronted := frontedServices(idx)
	declaredClusterIP := map[string]bool{}
	for _, d := range idx.IngressGateways {
		if !d.Spec.Existing && d.Spec.Service != nil && d.Spec.Service.Type == "ClusterIP" {
			declaredClusterIP[d.Obj.Namespace+"/"+d.Obj.Name] = true
		}
	}
	ws := model.NewWorkloads(idx)
	clusterIPOnly := map[*model.Workload]bool{}
	for _, g := range idx.GatewaysByKey() {
		use := uses[g]
		if use == "" {
			continue
		}
		for _, w := range ws.Gateways(g) {
			if why := egressLabels(w.Labels); why != "" {
				r.Report(g.Obj, "spec.selector",
					"the Gateway serves ingress (%s) but selects %s, Istio's egress gateway (%s): it is exposed by a ClusterIP Service and carries egress policy, so inbound clients never reach it; select an ingress gateway",
					use, w, why)
				continue
			}
			if w.External || len(w.Services) == 0 {
				continue
			}
			if w.Obj.IsManaged() && declaredClusterIP[w.Obj.Namespace+"/"+w.Obj.Name] {
				continue // an internal gateway, declared so
			}
			only, known := clusterIPOnly[w]
			if !known {
				only = isClusterIPOnly(w, fronted)
				clusterIPOnly[w] = only
			}
			if !only {
				continue
			}
			names := make([]string, len(w.Services))
			for i, s := range w.Services {
				names[i] = s.Obj.Ref.String()
			}
			sort.Strings(names)
			r.Report(g.Obj, "spec.selector",
				"the Gateway serves ingress (%s) but selects %s, which only ClusterIP Services expose (%s), like an egress gateway: clients outside the cluster never reach it; select a gateway behind a LoadBalancer or NodePort Service, or front it with an Ingress",
				use, w, strings.Join(names, ", "))
		}
	}
}

// egressLabels says which of Istio's egress gateway labels labels carry.
func egressLabels(labels map[string]string) string {
	switch {
	case labels["istio"] == "egressgateway":
		return "istio: egressgateway"
	case labels["app"] == "istio-egressgateway":
		return "app: istio-egressgateway"
	}
	return ""
}

// isClusterIPOnly reports whether nothing but ClusterIP Services bring
// traffic to w.
func isClusterIPOnly(w *model.Workload, fronted map[string]bool) bool {
	for _, s := range w.Services {
		switch s.Spec.Type {
		case "", "ClusterIP":
		default:
			return false
		}
		if fronted[s.Obj.Namespace+"/"+s.Obj.Name] || s.Obj.Annotation("cloud.google.com/neg") != "" {
			return false
		}
	}
	var pod struct {
		HostNetwork bool `yaml:"hostNetwork"`
		Containers  []struct {
			Ports []struct {
				HostPort int `yaml:"hostPort"`
			} `yaml:"ports"`
		} `yaml:"containers"`
	}
	if w.Pod.Path != "" {
		model.DecodeAt(w.Obj, w.Obj.Field(strings.Split(w.Pod.Path, ".")...), w.Pod.Path, &pod)
	}
	if pod.HostNetwork {
		return false
	}
	for _, c := range pod.Containers {
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				return false
			}
		}
	}
	return true
}

// frontedServices lists the Services ("ns/name") that a Kubernetes
// Ingress or a Gateway API route of the input sends traffic to.
func frontedServices(idx *model.Index) map[string]bool {
	out := map[string]bool{}
	for _, o := range idx.Objects {
		switch {
		case o.Group() == "networking.k8s.io" && o.Kind == "Ingress":
			var ing struct {
				Spec struct {
					DefaultBackend *backend `yaml:"defaultBackend"`
					Rules          []struct {
						HTTP struct {
							Paths []struct {
								Backend backend `yaml:"backend"`
							} `yaml:"paths"`
						} `yaml:"http"`
					} `yaml:"rules"`
				} `yaml:"spec"`
			}
			manifest.DecodeLenient(o, o.Node, "", &ing)
			if b := ing.Spec.DefaultBackend; b != nil && b.Service.Name != "" {
				out[o.Namespace+"/"+b.Service.Name] = true
			}
			for _, rule := range ing.Spec.Rules {
				for _, p := range rule.HTTP.Paths {
					if p.Backend.Service.Name != "" {
						out[o.Namespace+"/"+p.Backend.Service.Name] = true
					}
				}
			}
		case o.Group() == "gateway.networking.k8s.io" && strings.HasSuffix(o.Kind, "Route"):
			var route struct {
				Spec struct {
					Rules []struct {
						BackendRefs []struct {
							Kind      string `yaml:"kind"`
							Name      string `yaml:"name"`
							Namespace string `yaml:"namespace"`
						} `yaml:"backendRefs"`
					} `yaml:"rules"`
				} `yaml:"spec"`
			}
			manifest.DecodeLenient(o, o.Node, "", &route)
			for _, rule := range route.Spec.Rules {
				for _, b := range rule.BackendRefs {
					if b.Kind != "" && b.Kind != "Service" {
						continue
					}
					ns := b.Namespace
					if ns == "" {
						ns = o.Namespace
					}
					out[ns+"/"+b.Name] = true
				}
			}
		}
	}
	return out
}

type backend struct {
	Service struct {
		Name string `yaml:"name"`
	} `yaml:"service"`
}

// ingressUses says, for each Gateway used for ingress, how it is.
func ingressUses(idx *model.Index) map[*model.Gateway]string {
	uses := map[*model.Gateway]string{}
	for _, g := range idx.Gateways {
		if g.Obj.IsManaged() {
			uses[g] = "edgegate rendered it for an AppIntent"
		}
	}
	vss := model.SortByObjectKey(idx.VirtualServices, func(vs *model.VirtualService) *manifest.Object { return vs.Obj })
	for _, vs := range vss {
		ns := vs.Obj.Namespace
		bound := map[string]bool{}
		for _, ref := range vs.Spec.Gateways {
			if key := gatewayKey(ref, ns); key != "" {
				bound[key] = true
			}
		}
		if len(bound) == 0 {
			continue
		}
		// The routes of each bound gateway, and where they go.
		type route struct {
			gateways []string // match gateways; empty: the VirtualService's
			hosts    []string
			kind     string
		}
		var routes []route
		for _, h := range vs.Spec.HTTP {
			rt := route{kind: "HTTP"}
			for _, d := range h.Route {
				rt.hosts = append(rt.hosts, d.Destination.Host)
			}
			inherit := len(h.Match) == 0
			for _, m := range h.Match {
				if len(m.Gateways) == 0 {
					inherit = true
				}
				rt.gateways = append(rt.gateways, m.Gateways...)
			}
			if inherit {
				rt.gateways = nil
			}
			routes = append(routes, rt)
		}
		for _, kind := range []struct {
			name   string
			routes []model.L4Route
		}{{"TLS", vs.Spec.TLS}, {"TCP", vs.Spec.TCP}} {
			for _, l4 := range kind.routes {
				rt := route{kind: kind.name}
				for _, d := range l4.Route {
					rt.hosts = append(rt.hosts, d.Destination.Host)
				}
				routes = append(routes, rt)
			}
		}
		for _, key := range slices.Sorted(maps.Keys(bound)) {
			g := idx.Gateway(key)
			if g == nil || uses[g] != "" {
				continue
			}
			for _, rt := range routes {
				applies := rt.gateways == nil
				for _, ref := range rt.gateways {
					if gatewayKey(ref, ns) == key {
						applies = true
					}
				}
				if !applies {
					continue
				}
				for _, h := range rt.hosts {
					if inCluster(idx, h, ns) {
						uses[g] = fmt.Sprintf("%s routes %s from it to %s", vs.Obj.Ref, rt.kind, h)
						break
					}
				}
				if uses[g] != "" {
					break
				}
			}
		}
	}
	return uses
}

// gatewayKey resolves a VirtualService's gateway reference to
// "namespace/name": "ns/name", "name" (the VirtualService's namespace), or
// the deprecated "name.ns.svc.cluster.local"; "" for mesh.
func gatewayKey(ref, vsNamespace string) string {
	if ref == "" || ref == "mesh" {
		return ""
	}
	if ns, name, ok := strings.Cut(ref, "/"); ok {
		return ns + "/" + name
	}
	if name, rest, ok := strings.Cut(ref, "."); ok {
		ns, _, _ := strings.Cut(rest, ".")
		return ns + "/" + name
	}
	return vsNamespace + "/" + ref
}

// inCluster reports whether a destination host is a Service of the
// cluster (a short name, name.namespace.svc[.cluster domain], or
// name.namespace of a Service in the input) rather than an external host.
func inCluster(idx *model.Index, host, vsNamespace string) bool {
	switch {
	case host == "":
		return false
	case !strings.Contains(host, "."):
		return true
	}
	// name.namespace.svc[.cluster domain]
	if labels := strings.Split(host, "."); len(labels) >= 3 && labels[2] == "svc" {
		return true
	}
	name, ns, _ := strings.Cut(host, ".")
	return !strings.Contains(ns, ".") && idx.Service(ns+"/"+name) != nil
}
