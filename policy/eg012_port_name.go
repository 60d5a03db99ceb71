package policy

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
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

	dests := eg012Destinations(idx)
	var ports []eg012Port
	for i := range dests.list {
		d := &dests.list[i]
		s := d.svc
		if gatewayServices[s.Obj.Key()] != nil {
			continue
		}
		ports = eg012AppendPorts(ports[:0], s)
		checked := false // the labels that exempt a Service, read at its first problem
		for i, p := range ports {
			if !d.routesTo(p.Port) {
				continue
			}
			field, msg := eg012Problem(p, i)
			if msg == "" {
				continue
			}
			if !checked {
				checked = true
				if eg012GeneratedByIstio(s.Obj) || s.Obj.Label("istio") != "" || s.Obj.Label("release") == "istio" {
					break
				}
			}
			r.Info(s.Obj, field, "%s; %s routes ingress traffic to it, and the gateway talks to it in the protocol the name says (Istio: IST0118)", msg, dests.via(idx, s).Ref)
		}
	}

	// In the order of GatewaysByKey (a Gateway repeated in the input
	// is reported where the first of its copies is), each key built once.
	for _, g := range idx.GatewaysByKey() {
		for si, srv := range g.Spec.Servers {
			name, proto := srv.Port.Name, strings.ToLower(srv.Port.Protocol)
			if name == "" || proto == "" || proto == "tcp" || proto == "udp" {
				continue
			}
			lower := strings.ToLower(name)
			if lower == proto || strings.HasPrefix(lower, proto+"-") {
				continue
			}
			r.Info(g.Obj, "spec.servers["+strconv.Itoa(si)+"].port.name",
				"port name %q does not start with its protocol %s: Istio only needs a unique name, but Kiali reports KIA0601; name it %s or %s-%d",
				name, srv.Port.Protocol, proto, proto, srv.Port.Number)
		}
	}
}

// eg012Ports decodes a Service's ports with appProtocol.
func eg012Ports(s *Service) []eg012Port { return eg012AppendPorts(nil, s) }

// eg012AppendPorts decodes a Service's ports with appProtocol into buf,
// which it overwrites. Reading the nodes directly costs a fraction of the
// reflective decoder, which remains for what eg012ReadPorts leaves to it.
func eg012AppendPorts(buf []eg012Port, s *Service) []eg012Port {
	n := s.Obj.Field("spec", "ports")
	if ports, ok := eg012ReadPorts(buf, n); ok {
		return ports
	}
	var ports []eg012Port
	decodeAt(s.Obj, n, "spec.ports", &ports)
	return ports
}

// eg012MaxReadPorts is the longest list of ports eg012ReadPorts reads: the
// decoder visits at most eg012NodesPerPort nodes of a port without aliases
// (the port, its name, port and protocol, and its appProtocol twice: the
// pointer, then the string), plus one for the list, so a longer list may
// spend its manifest.MaxDecodeNodes, and is left to it. TestEG012MaxReadPorts
// checks that the limit is exact.
const (
	eg012NodesPerPort = 6
	eg012MaxReadPorts = (manifest.MaxDecodeNodes - 1) / eg012NodesPerPort
)

// eg012ReadPorts reads a list of Service ports exactly as the lenient
// decoder does (a field of the wrong type is left empty, a repeated key is
// ignored, null is absent); false when it meets what it leaves to the
// decoder: an alias, or a list longer than eg012MaxReadPorts.
func eg012ReadPorts(buf []eg012Port, n *yaml.Node) ([]eg012Port, bool) {
	switch {
	case n == nil:
		return nil, true
	case n.Kind == yaml.AliasNode || len(n.Content) > eg012MaxReadPorts:
		return nil, false
	case n.Kind != yaml.SequenceNode:
		return nil, true // null, or not a list: nothing
	}
	ports := slices.Grow(buf[:0], len(n.Content))[:len(n.Content)]
	clear(ports)
	for i, item := range n.Content {
		switch item.Kind {
		case yaml.AliasNode:
			return nil, false
		case yaml.MappingNode:
		default:
			continue // null, or not a map: an empty port
		}
		p := &ports[i]
		for j := 0; j+1 < len(item.Content); j += 2 {
			key, val := item.Content[j].Value, item.Content[j+1]
			switch key {
			case "name", "port", "protocol", "appProtocol":
			default:
				continue
			}
			if manifest.SeenBefore(item.Content[:j], key) {
				continue
			}
			if val.Kind == yaml.AliasNode {
				return nil, false
			}
			if manifest.IsNull(val) {
				continue
			}
			switch key {
			case "name":
				p.Name = nodeString(val)
			case "protocol":
				p.Protocol = nodeString(val)
			case "port":
				p.Port = nodeInt(val)
			case "appProtocol":
				v := nodeString(val)
				p.AppProtocol = &v
			}
		}
	}
	return ports, true
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
	svc     *Service
	anyPort bool // a route names no port of a Service with several
	// The ports routes name, unless anyPort: the first inline, as most
	// Services are routed to on one port, the others sorted.
	hasPort bool
	port    int
	more    []int
}

// routesTo reports whether a route sends to port.
func (d *eg012Destination) routesTo(port int) bool {
	if d.anyPort || d.hasPort && d.port == port {
		return true
	}
	_, found := slices.BinarySearch(d.more, port)
	return found
}

func (d *eg012Destination) addPort(port int) {
	switch {
	case !d.hasPort:
		d.port, d.hasPort = port, true
	case port != d.port:
		d.more = append(d.more, port)
	}
}

// eg012DestinationSet is the Services ingress routes send to, in the order
// they are first routed to. Not safe to share between goroutines: via fills
// vias lazily.
type eg012DestinationSet struct {
	list []eg012Destination
	// vias are the VirtualServices that name them in messages, found when
	// a message needs one.
	vias map[*Service]*manifest.Object
}

// eg012Destinations finds the Services of the input that VirtualServices
// bound to a Gateway route to, with the ports they name.
func eg012Destinations(idx *Index) *eg012DestinationSet {
	// At most every Service, in one allocation rather than a growing list.
	set := &eg012DestinationSet{list: make([]eg012Destination, 0, len(idx.Services))}
	// A Service the index resolves a host to is the one of its namespace
	// and name, so the pointer identifies it as its key does.
	byService := make(map[*Service]int, len(idx.Services))
	eg012EachRoute(idx, idx.VirtualServices, func(vs *VirtualService, s *Service, d *RouteDestination) {
		i, ok := byService[s]
		if !ok {
			i = len(set.list)
			byService[s] = i
			set.list = append(set.list, eg012Destination{svc: s})
		}
		e := &set.list[i]
		switch {
		case d.Destination.Port == nil || d.Destination.Port.Number == 0:
			if len(s.Spec.Ports) == 1 {
				e.addPort(s.Spec.Ports[0].Port)
			} else {
				e.anyPort = true
			}
		case !e.anyPort:
			e.addPort(d.Destination.Port.Number)
		}
	})
	for i := range set.list {
		if e := &set.list[i]; e.anyPort {
			e.more = nil
		} else if len(e.more) > 1 {
			slices.Sort(e.more)
			e.more = slices.Compact(e.more)
		}
	}
	return set
}

// eg012EachRoute calls f with each destination of the VirtualServices vss
// bound to a Gateway that names a Service of the input, with the Service.
func eg012EachRoute(idx *Index, vss []*VirtualService, f func(*VirtualService, *Service, *RouteDestination)) {
	for _, vs := range vss {
		if !slices.ContainsFunc(vs.Spec.Gateways, func(ref string) bool { return ref != "mesh" && ref != "" }) {
			continue
		}
		each := func(d *RouteDestination) {
			if s := eg012Service(idx, d.Destination.Host, vs.Obj.Namespace); s != nil {
				f(vs, s, d)
			}
		}
		for i := range vs.Spec.HTTP {
			for j := range vs.Spec.HTTP[i].Route {
				each(&vs.Spec.HTTP[i].Route[j])
			}
		}
		for _, rules := range [2][]L4Route{vs.Spec.TLS, vs.Spec.TCP} {
			for i := range rules {
				for j := range rules[i].Route {
					each(&rules[i].Route[j])
				}
			}
		}
	}
}

// via is the VirtualService that names s in a message: the first, by key,
// that routes to it.
func (set *eg012DestinationSet) via(idx *Index, s *Service) *manifest.Object {
	if set.vias == nil {
		set.vias = map[*Service]*manifest.Object{}
		sorted := sortByObjectKey(idx.VirtualServices, func(vs *VirtualService) *manifest.Object { return vs.Obj })
		eg012EachRoute(idx, sorted, func(vs *VirtualService, s *Service, _ *RouteDestination) {
			if set.vias[s] == nil {
				set.vias[s] = vs.Obj
			}
		})
	}
	return set.vias[s]
}

// eg012Service finds the Service of the input a destination host names:
// name (in the VirtualService's namespace), name.ns, name.ns.svc[.domain].
func eg012Service(idx *Index, host, vsNamespace string) *Service {
	if host == "" || strings.Contains(host, "*") {
		return nil
	}
	name, rest, ok := strings.Cut(host, ".")
	if !ok {
		return idx.Service(vsNamespace + "/" + host)
	}
	ns, rest, ok := strings.Cut(rest, ".")
	if !ok {
		return idx.Service(ns + "/" + name)
	}
	if third, _, _ := strings.Cut(rest, "."); third == "svc" {
		return idx.Service(ns + "/" + name)
	}
	return nil
}
