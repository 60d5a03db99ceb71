package check

import (
	"fmt"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

// externalNamePortName finds ports of ExternalName Services whose name does
// not give Istio their protocol, or is just "tcp" (Istio's IST0150). An
// ExternalName Service has no cluster IP: Istio makes it a DNS-resolved
// service, and a TCP port of it (named tcp, or one whose protocol Istio
// cannot tell, which it treats as TCP) can be matched by port alone, so
// proxies, gateways included, may send the port's unmatched traffic to it or
// fail to forward the port's own. Naming the port after its real protocol
// (http-…, https-…, tls-…, or appProtocol) lets Istio match by host or SNI.
//
// As Istio's PortNameAnalyzer does: every ExternalName Service of the input
// but Istio's own (labelled istio or release: istio), those generated for
// Gateway API gateways (gateway.istio.io/managed) and those in Kubernetes'
// own namespaces, which Istio's analyzers never read.
type externalNamePortName struct{}

func (externalNamePortName) Run(idx *model.Index, r *model.Reporter) {
	for _, s := range idx.Services {
		o := s.Obj
		if manifest.ScalarValue(o.Field("spec", "type")) != "ExternalName" ||
			o.Label("istio") != "" || o.Label("release") == "istio" || o.Label("gateway.istio.io/managed") != "" {
			continue
		}
		switch o.Namespace {
		case "kube-system", "kube-public", "kube-node-lease", "local-path-storage":
			continue
		}
		var ports []struct {
			Name        string  `yaml:"name"`
			Port        int     `yaml:"port"`
			Protocol    string  `yaml:"protocol"`
			AppProtocol *string `yaml:"appProtocol"`
		}
		model.DecodeAt(o, o.Field("spec", "ports"), "spec.ports", &ports)
		for i, p := range ports {
			var why string
			switch {
			case p.AppProtocol == nil && p.Name == "tcp":
				why = "is named tcp"
			case !model.PortProtocolKnown(p.Port, p.Name, p.Protocol, p.AppProtocol) && p.Name == "":
				why = "has no name, so Istio cannot tell its protocol and treats it as TCP"
			case !model.PortProtocolKnown(p.Port, p.Name, p.Protocol, p.AppProtocol):
				why = fmt.Sprintf("is named %q, which does not say its protocol, so Istio treats it as TCP", p.Name)
			default:
				continue
			}
			r.Warn(o, fmt.Sprintf("spec.ports[%d].name", i),
				"port %d of ExternalName Service %s %s: with no cluster IP to match, proxies match a TCP port by port alone, so they may send port %d's unmatched traffic to %s, or fail to forward this port's own (Istio: IST0150); name it after its real protocol (http-%d, https-%d, tls-%d) or set appProtocol",
				p.Port, model.NSName(o), why, p.Port, externalName(o), p.Port, p.Port, p.Port)
		}
	}
}

// externalName is the name an ExternalName Service resolves to.
func externalName(o *manifest.Object) string {
	if n := manifest.ScalarValue(o.Field("spec", "externalName")); n != "" {
		return n
	}
	return "its external name"
}
