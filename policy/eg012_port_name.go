package policy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/manifest"
)

func init() { register(portNameCheck{}) }

// portNameCheck finds port names that do not say their protocol.
//
// Istio reads a Service port's protocol from its name, <protocol>[-suffix]
// (http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis,
// http_proxy, udp), or from appProtocol, which wins (pkg/config/kube
// ConvertProtocol); anything else is "unsupported" and falls back to
// protocol sniffing. Istio's IST0118 (Info) reports such names on every
// Service not labelled istio or release: istio, and Kiali's KIA0601
// (Warning) on Services of meshed pods and on Gateway server ports. What
// EG012 checks, and how loudly:
//
//   - Services selecting a gateway workload (warning, the check's default):
//     in-mesh clients of the gateway (sidecars calling it, east-west
//     traffic) pick the protocol of a call from these names, and Kiali
//     flags them. Istio's analyzer skips them (they carry the istio label),
//     so EG012 fills that gap. status-port is Istio's own name for the
//     health port 15021 in every chart and passes; so do ports that say
//     protocol: UDP, and well-known ports Istio treats as TCP (25, 53, 3306,
//     27017) as Istio does.
//   - Services an ingress route sends to (info, IST0118's level): the
//     gateway's Envoy talks to them in the protocol their port name says, so
//     an unnamed gRPC port may be spoken to in HTTP/1.1. Only Services in
//     the input, reached from a VirtualService bound to a Gateway, and not
//     labelled istio / release: istio (Istio's own exception).
//   - Gateway server port names (info): Istio requires only that they exist
//     and are unique in a Gateway (webhook validation, not this check); the
//     `protocol` field, not the name, sets the listener's protocol. Kiali
//     still shows KIA0601 when the name does not start with the protocol
//     (http for HTTP, https for HTTPS, ...; any name for TCP), so the gate
//     says so without failing anyone.
//
// App Services nothing routes to from a gateway are not checked: they are
// the mesh's business, not the edge's, and Istio reports them itself.
type portNameCheck struct{}

func (portNameCheck) Meta() Meta {
	return Meta{
		ID: "EG012", Name: "port-name", Severity: manifest.Warning,
		Description: "a gateway Service port name does not follow <protocol>[-suffix]",
		Mirrors:     []string{"KIA0601", "IST0118"},
	}
}

// eg012Port is a Service port with the fields the Index does not keep.
type eg012Port struct {
	Name        string  `yaml:"name"`
	Port        int     `yaml:"port"`
	Protocol    string  `yaml:"protocol"`
	AppProtocol *string `yaml:"appProtocol"`
}

func (portNameCheck) Run(idx *Index, r *Reporter) {
	gatewayServices := map[string]*Service{}
	for _, w := range idx.Workloads {
		if w.External || !eg002IsGateway(w) {
			continue
		}
		for _, s := range w.Services {
			gatewayServices[s.Obj.Key()] = s
		}
	}
	for _, key := range slices.Sorted(maps.Keys(gatewayServices)) {
		s := gatewayServices[key]
		if eg012GeneratedByIstio(s.Obj) {
			continue
		}
		for i, p := range eg012Ports(s) {
			if field, msg := eg012Problem(p, i); msg != "" {
				r.Report(s.Obj, field, "%s; it exposes a gateway workload, whose in-mesh clients pick the protocol from it, and Kiali reports KIA0601", msg)
			}
		}
	}

	for _, d := range eg012Destinations(idx) {
		s := d.svc
		if gatewayServices[s.Obj.Key()] != nil || eg012GeneratedByIstio(s.Obj) || s.Obj.Label("istio") != "" || s.Obj.Label("release") == "istio" {
			continue
		}
		for i, p := range eg012Ports(s) {
			if d.ports != nil && !d.ports[p.Port] {
				continue
			}
			if field, msg := eg012Problem(p, i); msg != "" {
				r.Info(s.Obj, field, "%s; %s routes ingress traffic to it, and the gateway talks to it in the protocol the name says (Istio: IST0118)", msg, d.via)
			}
		}
	}

	for _, g := range eg002SortedGateways(idx) {
		for si, srv := range g.Spec.Servers {
			name, proto := srv.Port.Name, strings.ToLower(srv.Port.Protocol)
			if name == "" || proto == "" || proto == "tcp" || proto == "udp" {
				continue
			}
			lower := strings.ToLower(name)
			if lower == proto || strings.HasPrefix(lower, proto+"-") {
				continue
			}
			r.Info(g.Obj, fmt.Sprintf("spec.servers[%d].port.name", si),
				"port name %q does not start with its protocol %s: Istio only needs a unique name, but Kiali reports KIA0601; name it %s or %s-%d",
				name, srv.Port.Protocol, proto, proto, srv.Port.Number)
		}
	}
}

// eg012Ports decodes a Service's ports with appProtocol.
func eg012Ports(s *Service) []eg012Port {
	var ports []eg012Port
	decodeAt(s.Obj, s.Obj.Field("spec", "ports"), "spec.ports", &ports)
	return ports
}

// eg012GeneratedByIstio reports Services Istio generates for Gateway API
// gateways and waypoints, which Istio's analyzer skips too.
func eg012GeneratedByIstio(o *manifest.Object) bool {
	return o.Label("gateway.istio.io/managed") != ""
}

// eg012Problem checks one port as Istio's ConvertProtocol reads it and
// returns the field and the finding, or "" when the protocol is known.
func eg012Problem(p eg012Port, i int) (field, msg string) {
	if strings.EqualFold(p.Protocol, "UDP") {
		return "", ""
	}
	if p.AppProtocol != nil {
		if eg012KnownAppProtocol(*p.AppProtocol) {
			return "", ""
		}
		return fmt.Sprintf("spec.ports[%d].appProtocol", i),
			fmt.Sprintf("appProtocol %q (port %d) is not a protocol Istio knows (http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis, or kubernetes.io/h2c, ws, wss)", *p.AppProtocol, p.Port)
	}
	if p.Name == "status-port" || eg012KnownName(p.Name) {
		return "", ""
	}
	switch p.Port {
	case 25, 53, 3306, 27017: // Istio's well-known TCP ports
		return "", ""
	}
	field = fmt.Sprintf("spec.ports[%d].name", i)
	if p.Name == "" {
		return field, fmt.Sprintf("port %d has no name, so Istio cannot tell its protocol: name it <protocol>[-suffix], e.g. http-%d, https-%d or tcp-%d, or set appProtocol", p.Port, p.Port, p.Port, p.Port)
	}
	return field, fmt.Sprintf("port name %q (port %d) does not say its protocol: name it <protocol>[-suffix], e.g. http-%s or tcp-%s, or set appProtocol", p.Name, p.Port, p.Name, p.Name)
}

// eg012Protocols are the protocols Istio's protocol.Parse knows.
var eg012Protocols = map[string]bool{
	"tcp": true, "udp": true, "grpc": true, "grpc-web": true, "http": true, "http_proxy": true,
	"http2": true, "https": true, "tls": true, "mongo": true, "redis": true, "mysql": true,
}

// eg012KnownName reads a port name as Istio does: grpc-web as a prefix, or
// the part before the first "-", case-insensitively.
func eg012KnownName(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "grpc-web") {
		return true
	}
	prefix, _, _ := strings.Cut(lower, "-")
	return eg012Protocols[prefix]
}

func eg012KnownAppProtocol(ap string) bool {
	switch ap {
	case "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss":
		return true
	}
	return eg012KnownName(ap)
}

// eg012Destination is a Service an ingress route sends to.
type eg012Destination struct {
	svc   *Service
	ports map[int]bool // nil: any port
	via   string
}

// eg012Destinations finds the Services of the input that VirtualServices
// bound to a Gateway route to, with the ports they name.
func eg012Destinations(idx *Index) []eg012Destination {
	byKey := map[string]*eg012Destination{}
	vss := append([]*VirtualService(nil), idx.VirtualServices...)
	sort.Slice(vss, func(i, j int) bool { return vss[i].Obj.Key() < vss[j].Obj.Key() })
	for _, vs := range vss {
		gateway := false
		for _, ref := range vs.Spec.Gateways {
			if ref != "mesh" && ref != "" {
				gateway = true
			}
		}
		if !gateway {
			continue
		}
		var dests []RouteDestination
		for _, h := range vs.Spec.HTTP {
			dests = append(dests, h.Route...)
		}
		for _, l := range append(append([]L4Route(nil), vs.Spec.TLS...), vs.Spec.TCP...) {
			dests = append(dests, l.Route...)
		}
		for _, d := range dests {
			s := eg012Service(idx, d.Destination.Host, vs.Obj.Namespace)
			if s == nil {
				continue
			}
			key := s.Obj.Key()
			e := byKey[key]
			if e == nil {
				e = &eg012Destination{svc: s, ports: map[int]bool{}, via: vs.Obj.Ref.String()}
				byKey[key] = e
			}
			if d.Destination.Port == nil || d.Destination.Port.Number == 0 {
				if len(s.Spec.Ports) == 1 {
					e.ports[s.Spec.Ports[0].Port] = true
				} else {
					e.ports = nil
				}
			} else if e.ports != nil {
				e.ports[d.Destination.Port.Number] = true
			}
		}
	}
	out := make([]eg012Destination, 0, len(byKey))
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, *byKey[k])
	}
	return out
}

// eg012Service finds the Service of the input a destination host names:
// name (in the VirtualService's namespace), name.ns, name.ns.svc[.domain].
func eg012Service(idx *Index, host, vsNamespace string) *Service {
	labels := strings.Split(host, ".")
	switch {
	case host == "" || strings.Contains(host, "*"):
		return nil
	case len(labels) == 1:
		return idx.Service(vsNamespace + "/" + host)
	case len(labels) == 2 || labels[2] == "svc":
		return idx.Service(labels[1] + "/" + labels[0])
	}
	return nil
}
