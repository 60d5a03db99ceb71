package model

import (
	"slices"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
)

// GatewayReason says why w runs Envoy as a gateway (see
// gatewaySelectorCheck), or "" when it does not. EG003, EG009, EG012 and
// EG013 use the same definition.
func GatewayReason(w *Workload) string {
	if w.External {
		return "declared by an existing IngressGateway"
	}
	for _, t := range strings.Split(w.Annotations["inject.istio.io/templates"], ",") {
		if strings.TrimSpace(t) == "gateway" {
			return "annotation inject.istio.io/templates: gateway"
		}
	}
	// An injected sidecar, dumped from a cluster, carries an istio-proxy
	// container too, and the injector's status annotation.
	if _, injected := w.Annotations["sidecar.istio.io/status"]; !injected {
		for _, c := range w.Pod.Containers {
			if c.Name == "istio-proxy" {
				return "container istio-proxy"
			}
			if strings.Contains(c.Image, "/proxyv2:") || strings.Contains(c.Image, "/proxyv2@") {
				return "proxyv2 image"
			}
		}
	}
	switch w.Labels["istio"] {
	case "ingressgateway", "egressgateway", "eastwestgateway":
		return "label istio: " + w.Labels["istio"]
	}
	return ""
}

// Workloads memoises, for one run of a check, what EG002 derives per
// workload, so a workload many Gateways select is read once.
type Workloads struct {
	idx    *Index
	ids    map[*Workload]string
	shadow map[*Workload]bool
}

func NewWorkloads(idx *Index) *Workloads {
	return &Workloads{idx: idx, ids: map[*Workload]string{}, shadow: map[*Workload]bool{}}
}

// Identity is WorkloadIdentity, memoised.
func (c *Workloads) Identity(w *Workload) string {
	id, ok := c.ids[w]
	if !ok {
		id = WorkloadIdentity(w)
		c.ids[w] = id
	}
	return id
}

// Shadowed is shadowed, memoised.
func (c *Workloads) Shadowed(w *Workload) bool {
	s, ok := c.shadow[w]
	if !ok {
		s = shadowed(c.idx, w)
		c.shadow[w] = s
	}
	return s
}

// Gateways returns the gateway workloads g selects, one per rollout, in
// selection order, the stand-ins of existing gateways whose pods are in the
// input left out.
func (c *Workloads) Gateways(g *Gateway) []*Workload {
	var out []*Workload
	seen := map[string]bool{}
	for _, w := range g.Workloads {
		if !IsGateway(w) || c.Shadowed(w) {
			continue
		}
		if id := c.Identity(w); !seen[id] {
			seen[id] = true
			out = append(out, w)
		}
	}
	return out
}

// IsGateway reports whether w is a gateway workload.
func IsGateway(w *Workload) bool { return GatewayReason(w) != "" }

// WorkloadIdentity names the rollout w belongs to: a Pod or ReplicaSet is its
// controlling Deployment (or StatefulSet, DaemonSet), found through
// ownerReferences and the pod-template-hash suffix of ReplicaSet names.
func WorkloadIdentity(w *Workload) string {
	if w.External {
		return "external:" + w.Obj.Key()
	}
	var meta struct {
		OwnerReferences []struct {
			Kind       string `yaml:"kind"`
			Name       string `yaml:"name"`
			Controller *bool  `yaml:"controller"`
		} `yaml:"ownerReferences"`
	}
	DecodeAt(w.Obj, w.Obj.Field("metadata"), "metadata", &meta)
	kind, name := w.Obj.Kind, w.Obj.Name
	for _, o := range meta.OwnerReferences {
		if o.Controller == nil || !*o.Controller || o.Name == "" {
			continue
		}
		kind, name = o.Kind, o.Name
		break
	}
	// A ReplicaSet is named <deployment>-<hash>, its pods
	// <deployment>-<hash>-<suffix>, all labelled pod-template-hash: <hash>.
	if hash := w.Labels["pod-template-hash"]; hash != "" {
		switch {
		case kind == "ReplicaSet" && strings.HasSuffix(name, "-"+hash):
			kind, name = "Deployment", strings.TrimSuffix(name, "-"+hash)
		case kind == "Pod":
			if i := strings.LastIndex(name, "-"+hash+"-"); i > 0 {
				kind, name = "Deployment", name[:i]
			}
		}
	}
	return kind + "/" + w.Namespace + "/" + name
}

// shadowed reports whether w stands in for an existing gateway whose
// pods are in the input after all: a gateway workload of the IngressGateway's
// namespace that carries its declared selector and is that gateway by name
// (the IngressGateway's, or istio- and it) or by Service (one of its Services
// has every declared servicePort). The two are one workload, and the one in
// the input says more. Another gateway sharing the labels (the seed's second
// gateway) is neither, and stays a second workload.
func shadowed(idx *Index, w *Workload) bool {
	if !w.External {
		return false
	}
	name := w.Obj.Name
	for _, other := range idx.Carrying(w.Labels) {
		if other.External || other.Namespace != w.Namespace || !IsGateway(other) {
			continue
		}
		id := WorkloadIdentity(other)
		if strings.HasSuffix(id, "/"+name) || strings.HasSuffix(id, "/istio-"+name) {
			return true
		}
		if len(w.Services) == 0 || len(w.Services[0].Spec.Ports) == 0 {
			continue
		}
		for _, s := range other.Services {
			if hasPorts(s, other, w.Services[0].Spec.Ports) {
				return true
			}
		}
	}
	return false
}

// hasPorts reports whether s has every port of want, to the same targets.
func hasPorts(s *Service, w *Workload, want []ServicePort) bool {
	for _, wp := range want {
		found := false
		for _, p := range s.Spec.Ports {
			if p.Port == wp.Port && p.Target(w) == wp.TargetPort.Int {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// EdgegateGateway names a gateway of edgegate's the input declares, or
// returns "": an IngressGateway (rendered or existing: true), or the built-in
// gateway the AppIntents of the input bind to when none is declared. With
// one in the input, every Gateway is judged against the gateway workloads
// the input holds (EG002), since a Gateway that reaches none of them might
// reach that gateway's pods by labels the input does not show. A rendered
// output alone declares none: its Gateways for an existing gateway select
// pods it does not hold.
func EdgegateGateway(idx *Index) string {
	// The first by key, so the message does not depend on input order.
	first := func(objs []*manifest.Object) *manifest.Object {
		return slices.MinFunc(objs, func(a, b *manifest.Object) int { return manifest.CompareKeys(a.Ref, b.Ref) })
	}
	if len(idx.IngressGateways) > 0 {
		objs := make([]*manifest.Object, len(idx.IngressGateways))
		for i, d := range idx.IngressGateways {
			objs[i] = d.Obj
		}
		return first(objs).Ref.String()
	}
	if len(idx.AppIntents) > 0 {
		objs := make([]*manifest.Object, len(idx.AppIntents))
		for i, a := range idx.AppIntents {
			objs[i] = a.Obj
		}
		return "the built-in gateway " + v1alpha1.BuiltinGatewayNamespace + "/" + v1alpha1.BuiltinGatewayName + " (AppIntent " + NSName(first(objs)) + " binds to it)"
	}
	return ""
}

// UnjudgedSelector tells EG002's findings that protect another namespace: o
// is a Gateway with a selector that reaches no gateway workload of the
// input while one of edgegate's is there (EdgegateGateway). Such a Gateway
// escapes the checks of host ownership, so only the platform may accept it.
// Any other EG002 finding is the Gateway's namespace's own to suppress.
func UnjudgedSelector(idx *Index, o *manifest.Object, _ string) bool {
	g := idx.Gateway(o.Namespace + "/" + o.Name)
	if g == nil || g.Obj != o {
		return true // not a finding this function knows: protect
	}
	if len(g.Spec.Selector) == 0 || EdgegateGateway(idx) == "" {
		return false
	}
	for _, w := range g.Workloads {
		if IsGateway(w) {
			return false
		}
	}
	return true
}
