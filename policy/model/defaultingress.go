package model

import (
	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
)

// Istio's default ingress gateway, as `istioctl analyze` assumes it when it
// reads files (local.AddDefaultResources in istio.io/istio): pods labelled
// istio: ingressgateway in istio-system behind the Service
// istio-ingressgateway, whose ports 80, 443, 31400 and 15443 send to the same
// container ports. It is what the default and demo profiles install.
const (
	DefaultIngressNamespace = "istio-system"
	DefaultIngressService   = "istio-ingressgateway"
)

// DefaultIngressAssumed says, in a finding, what edgegate assumes and why.
const DefaultIngressAssumed = "the input declares no gateway workload, so edgegate assumes Istio's default ingress gateway, as istioctl analyze does: pods labelled istio: ingressgateway in istio-system behind the Service istio-ingressgateway, ports 80, 443, 31400 and 15443"

// DefaultIngressSelector is the label of the default ingress gateway's pods.
func DefaultIngressSelector() map[string]string { return map[string]string{"istio": "ingressgateway"} }

// DefaultIngressPorts are the default ingress gateway Service's ports.
func DefaultIngressPorts() []v1alpha1.ServicePort {
	return []v1alpha1.ServicePort{
		{Name: "http2", Port: 80, TargetPort: 80},
		{Name: "https", Port: 443, TargetPort: 443},
		{Name: "tcp", Port: 31400, TargetPort: 31400},
		{Name: "tls", Port: 15443, TargetPort: 15443},
	}
}

// assumeDefaultIngress adds Istio's default ingress gateway as a workload
// known only by its description (External and Assumed) when the input has
// Gateways but declares no gateway workload at all: no pod template running a
// gateway, no IngressGateway, and no AppIntent (which edgegate's built-in
// gateway serves). Such an input is a set of hand-written
// Istio objects checked on their own, which `istioctl analyze` judges
// against the default ingress; edgegate does the same, so a Gateway port or
// certificate the default ingress cannot serve is reported rather than left
// unjudged, and EG002 says, in an info on every Gateway it serves, that it
// was assumed. An input that declares any gateway workload is taken to
// declare them all, and nothing is assumed.
func (idx *Index) assumeDefaultIngress() {
	if len(idx.Gateways) == 0 || len(idx.IngressGateways) > 0 || len(idx.AppIntents) > 0 {
		return
	}
	for _, w := range idx.Workloads {
		if IsGateway(w) {
			return
		}
	}
	node, err := manifest.ToNode(map[string]any{
		"apiVersion": "v1",
		"kind":       "Service",
		"metadata":   map[string]any{"name": DefaultIngressService, "namespace": DefaultIngressNamespace},
	})
	if err != nil {
		return
	}
	// It stands in for the gateway as an existing IngressGateway's
	// declaration does, named after its Service.
	decl := &DeclaredGateway{Obj: manifest.NewObject(node, manifest.Position{}), Spec: v1alpha1.IngressGatewaySpec{
		Existing: true, Selector: DefaultIngressSelector(), ServicePorts: DefaultIngressPorts(),
	}}
	idx.addExternalWorkload(decl)
	w := idx.Workloads[len(idx.Workloads)-1]
	w.Assumed = true
	idx.AssumedIngress = w
}
