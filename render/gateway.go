package render

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/manifest"
)

// Istio's networking API, v1 (served since Istio 1.22).
const istioNetworkingV1 = IstioNetworkingGroup + "/v1"

type gatewaySpec struct {
	Selector map[string]string `yaml:"selector"`
	Servers  []gatewayServer   `yaml:"servers"`
}

type gatewayServer struct {
	Port  serverPort `yaml:"port"`
	Hosts []string   `yaml:"hosts"`
	TLS   *serverTLS `yaml:"tls,omitempty"`
}

type serverPort struct {
	Number   int    `yaml:"number"`
	Name     string `yaml:"name"`
	Protocol string `yaml:"protocol"`
}

type serverTLS struct {
	Mode           string `yaml:"mode"`
	CredentialName string `yaml:"credentialName"`
}

// gatewayPlacement says where an app's Gateway object lives and how its
// hosts are scoped. Hosts carry a namespace ("./host", "ns/host") so only
// VirtualServices of the app's own namespace can attach to them.
func gatewayPlacement(a *App) (namespace, name, hostScope string) {
	if a.Workload.Spec.ScopeToNamespace {
		// The mesh only accepts Gateways from the gateway's own namespace.
		return a.Workload.Namespace, a.Namespace + "-" + a.Name, a.Namespace + "/"
	}
	return a.Namespace, a.Name, "./"
}

// renderGateway renders the Gateway of one app: one server per binding.
func renderGateway(a *App, bindings []Binding) *manifest.Object {
	ns, name, scope := gatewayPlacement(a)
	spec := gatewaySpec{Selector: a.Workload.Selector}
	for _, b := range bindings {
		server := gatewayServer{
			Port: serverPort{
				Number:   b.Listener.Port,
				Name:     fmt.Sprintf("%s-%d", portNamePrefix(b.Listener.Protocol), b.Listener.Port),
				Protocol: string(b.Listener.Protocol),
			},
		}
		for _, h := range b.Hosts {
			server.Hosts = append(server.Hosts, scope+h)
		}
		if b.Listener.Protocol == HTTPS {
			server.TLS = &serverTLS{Mode: a.Spec.TLS.Mode, CredentialName: a.Spec.TLS.CredentialName}
		}
		spec.Servers = append(spec.Servers, server)
	}
	o := newObject(istioNetworkingV1, "Gateway", ns, name, nil, struct {
		Spec gatewaySpec `yaml:"spec"`
	}{spec})
	o.Source = a.Obj
	return o
}

// portNamePrefix is the Istio port-name prefix of a protocol (KIA0601).
func portNamePrefix(p Protocol) string {
	return strings.ToLower(string(p))
}
