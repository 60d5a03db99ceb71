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

// renderGateway renders the Gateway of one app: one server per binding
// that no SharedGateway serves; nil when there is none left.
func renderGateway(a *App, bindings []Binding) *manifest.Object {
	ns, name, scope := gatewayPlacement(a)
	spec := gatewaySpec{Selector: a.Workload.Selector}
	for _, b := range bindings {
		if b.Shared != nil {
			continue
		}
		server := gatewayServer{Port: serverPortOf(b.Listener)}
		for _, h := range b.Hosts {
			server.Hosts = append(server.Hosts, scope+h)
		}
		if b.Listener.Protocol == HTTPS {
			server.TLS = &serverTLS{Mode: a.Spec.TLS.Mode, CredentialName: a.Spec.TLS.CredentialName}
		}
		spec.Servers = append(spec.Servers, server)
	}
	if len(spec.Servers) == 0 {
		return nil
	}
	o := newObject(istioNetworkingV1, "Gateway", ns, name, nil, struct {
		Spec gatewaySpec `yaml:"spec"`
	}{spec})
	o.Source = a.Obj
	return o
}

// renderSharedGateway renders a SharedGateway: per listener, one HTTPS
// server presenting the certificate for the hosts of every app that shares
// it, each written "namespace/host" so only that app's namespace binds it.
func renderSharedGateway(g *SharedGateway) *manifest.Object {
	spec := gatewaySpec{Selector: g.Workload.Selector}
	for _, s := range g.Servers {
		server := gatewayServer{Port: serverPortOf(s.Listener), TLS: &serverTLS{Mode: s.Mode, CredentialName: g.Credential}}
		for _, a := range s.Apps {
			for _, h := range a.Spec.Hosts {
				server.Hosts = append(server.Hosts, a.Namespace+"/"+h)
			}
		}
		spec.Servers = append(spec.Servers, server)
	}
	o := newObject(istioNetworkingV1, "Gateway", g.Namespace, g.Name, nil, struct {
		Spec gatewaySpec `yaml:"spec"`
	}{spec})
	o.Source = g.Workload.Obj // the platform's IngressGateway; nil for the built-in gateway
	return o
}

func serverPortOf(l Listener) serverPort {
	return serverPort{
		Number:   l.Port,
		Name:     fmt.Sprintf("%s-%d", portNamePrefix(l.Protocol), l.Port),
		Protocol: string(l.Protocol),
	}
}

// portNamePrefix is the Istio port-name prefix of a protocol (KIA0601).
func portNamePrefix(p Protocol) string {
	return strings.ToLower(string(p))
}
