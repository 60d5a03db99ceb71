package model

import (
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/podlabels"
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
func DefaultIngressPorts() []ServicePort {
	return []ServicePort{
		{Name: "http2", Port: 80, TargetPort: IntOrString{Int: 80}, Protocol: "TCP"},
		{Name: "https", Port: 443, TargetPort: IntOrString{Int: 443}, Protocol: "TCP"},
		{Name: "tcp", Port: 31400, TargetPort: IntOrString{Int: 31400}, Protocol: "TCP"},
		{Name: "tls", Port: 15443, TargetPort: IntOrString{Int: 15443}, Protocol: "TCP"},
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
	obj := manifest.NewObject(node, manifest.Position{})
	sel := DefaultIngressSelector()
	// Known by its selector only, as an existing gateway is: a real
	// default install's pods carry more labels (app, the injector's).
	w := &Workload{Obj: obj, Namespace: DefaultIngressNamespace, Labels: sel, External: true, Assumed: true,
		Pods: podlabels.Declared(sel)}
	c := Container{Name: "istio-proxy"}
	svc := &Service{Obj: obj}
	svc.Spec.Selector = sel
	svc.Spec.Ports = DefaultIngressPorts()
	for _, p := range svc.Spec.Ports {
		c.Ports = append(c.Ports, struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
			Protocol      string `yaml:"protocol"`
		}{Name: p.Name, ContainerPort: p.TargetPort.Int, Protocol: "TCP"})
	}
	w.Pod.Containers = []Container{c}
	w.Services = []*Service{svc}
	idx.Workloads = append(idx.Workloads, w)
	idx.AssumedIngress = w
}
