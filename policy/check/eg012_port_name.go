package check

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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
//
//   - Services an ingress route sends to (info, IST0118's level): the
//     gateway's Envoy talks to them in the protocol their port name says, so
//     an unnamed gRPC port may be spoken to in HTTP/1.1. Only Services in
//     the input, reached from a VirtualService bound to a Gateway, and not
//     labelled istio / release: istio (Istio's own exception).
//
//   - Gateway server port names (info): Istio requires only that they exist
//     and are unique in a Gateway (webhook validation, not this check); the
//     `protocol` field, not the name, sets the listener's protocol. Kiali
//     still shows KIA0601 when the name does not start with the protocol
//     (http for HTTP, https for HTTPS, ...; any name for TCP), so the gate
//     says so without failing anyone.
//
//   - every other Service of the input (info, IST0118's level, with Istio's
//     exceptions: labelled istio or release: istio, generated for Gateway
//     API gateways, in Kubernetes' own namespaces, and ExternalName Services, whose port names EG020
//     judges as Istio's IST0150 does): in-mesh clients pick the protocol
//     from the name too, and an edge check run over an app's manifests
//     should say what Istio's analyzer says about them.
type portNameCheck struct{}

// namedPort is a Service port with the fields the Index does not keep.
type namedPort struct {
	Name        string  `yaml:"name"`
	Port        int     `yaml:"port"`
	Protocol    string  `yaml:"protocol"`
	AppProtocol *string `yaml:"appProtocol"`
}

func (portNameCheck) Run(idx *model.Index, r *model.Reporter) {
	gatewayServices := map[string]*model.Service{}
	for _, w := range idx.Workloads {
		if w.External || !model.IsGateway(w) {
			continue
		}
		for _, s := range w.Services {
			gatewayServices[s.Obj.Key()] = s
		}
	}
	for _, key := range slices.Sorted(maps.Keys(gatewayServices)) {
		s := gatewayServices[key]
		if generatedByIstio(s.Obj) {
			continue
		}
		for i, p := range ports(s) {
			if field, msg := problem(p, i); msg != "" {
				r.Report(s.Obj, field, "%s; it exposes a gateway workload, whose in-mesh clients pick the protocol from it, and Kiali reports KIA0601", msg)
			}
		}
	}

	dests := destinations(idx)
	var ports []namedPort
	judged := map[*model.Service]bool{}
	for i := range dests.list {
		d := &dests.list[i]
		s := d.svc
		if gatewayServices[s.Obj.Key()] != nil {
			continue
		}
		judged[s] = true
		ports = appendPorts(ports[:0], s)
		checked := false // the labels that exempt a Service, read at its first problem
		for i, p := range ports {
			if !d.routesTo(p.Port) {
				continue
			}
			field, msg := problem(p, i)
			if msg == "" {
				continue
			}
			if !checked {
				checked = true
				if generatedByIstio(s.Obj) || s.Obj.Label("istio") != "" || s.Obj.Label("release") == "istio" {
					break
				}
			}
			r.Info(s.Obj, field, "%s; %s routes ingress traffic to it, and the gateway talks to it in the protocol the name says (Istio: IST0118)", msg, dests.via(idx, s).Ref)
		}
	}

	for _, s := range idx.Services {
		if judged[s] || gatewayServices[s.Obj.Key()] != nil || generatedByIstio(s.Obj) ||
			s.Obj.Label("istio") != "" || s.Obj.Label("release") == "istio" ||
			manifest.ScalarValue(s.Obj.Field("spec", "type")) == "ExternalName" || kubernetesSystemNamespace(s.Obj.Namespace) {
			continue
		}
		judged[s] = true // a Service repeated in the input is judged once
		ports = appendPorts(ports[:0], s)
		for i, p := range ports {
			if field, msg := problem(p, i); msg != "" {
				r.Info(s.Obj, field, "%s; Istio then sniffs the protocol of every connection to it (Istio: IST0118)", msg)
			}
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

// ports decodes a Service's ports with appProtocol.
func ports(s *model.Service) []namedPort { return appendPorts(nil, s) }

// appendPorts decodes a Service's ports with appProtocol into buf,
// which it overwrites. Reading the nodes directly costs a fraction of the
// reflective decoder, which remains for what readPorts leaves to it.
func appendPorts(buf []namedPort, s *model.Service) []namedPort {
	n := s.Obj.Field("spec", "ports")
	if ports, ok := readPorts(buf, n); ok {
		return ports
	}
	var ports []namedPort
	model.DecodeAt(s.Obj, n, "spec.ports", &ports)
	return ports
}

// maxReadPorts is the longest list of ports readPorts reads: the
// decoder visits at most nodesPerPort nodes of a port without aliases
// (the port, its name, port and protocol, and its appProtocol twice: the
// pointer, then the string), plus one for the list, so a longer list may
// spend its manifest.MaxDecodeNodes, and is left to it. TestEG012MaxReadPorts
// checks that the limit is exact.
const (
	nodesPerPort = 6
	maxReadPorts = (manifest.MaxDecodeNodes - 1) / nodesPerPort
)

// readPorts reads a list of Service ports exactly as the lenient
// decoder does (a field of the wrong type is left empty, a repeated key is
// ignored, null is absent); false when it meets what it leaves to the
// decoder: an alias, or a list longer than maxReadPorts.
func readPorts(buf []namedPort, n *yaml.Node) ([]namedPort, bool) {
	switch {
	case n == nil:
		return nil, true
	case n.Kind == yaml.AliasNode || len(n.Content) > maxReadPorts:
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
				p.Name = manifest.DecodedString(val)
			case "protocol":
				p.Protocol = manifest.DecodedString(val)
			case "port":
				p.Port = manifest.DecodedInt(val)
			case "appProtocol":
				v := manifest.DecodedString(val)
				p.AppProtocol = &v
			}
		}
	}
	return ports, true
}

// kubernetesSystemNamespace reports the namespaces Istio's analyzers never
// read (inject.IgnoredNamespaces): Kubernetes' own and kind's storage.
func kubernetesSystemNamespace(ns string) bool {
	switch ns {
	case "kube-system", "kube-public", "kube-node-lease", "local-path-storage":
		return true
	}
	return false
}

// generatedByIstio reports Services Istio generates for Gateway API
// gateways and waypoints, which Istio's analyzer skips too.
func generatedByIstio(o *manifest.Object) bool {
	return o.Label("gateway.istio.io/managed") != ""
}

// problem checks one port as Istio's ConvertProtocol reads it and
// returns the field and the finding, or "" when the protocol is known.
func problem(p namedPort, i int) (field, msg string) {
	if strings.EqualFold(p.Protocol, "UDP") {
		return "", ""
	}
	if p.AppProtocol != nil {
		if model.KnownAppProtocol(*p.AppProtocol) {
			return "", ""
		}
		return fmt.Sprintf("spec.ports[%d].appProtocol", i),
			fmt.Sprintf("appProtocol %q (port %d) is not a protocol Istio knows (http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis, or kubernetes.io/h2c, ws, wss)", *p.AppProtocol, p.Port)
	}
	if p.Name == "status-port" || model.KnownPortName(p.Name) {
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

// destinationPorts is a Service an ingress route sends to.
type destinationPorts struct {
	svc     *model.Service
	anyPort bool // a route names no port of a Service with several
	// The ports routes name, unless anyPort: the first inline, as most
	// Services are routed to on one port, the others sorted.
	hasPort bool
	port    int
	more    []int
}

// routesTo reports whether a route sends to port.
func (d *destinationPorts) routesTo(port int) bool {
	if d.anyPort || d.hasPort && d.port == port {
		return true
	}
	_, found := slices.BinarySearch(d.more, port)
	return found
}

func (d *destinationPorts) addPort(port int) {
	switch {
	case !d.hasPort:
		d.port, d.hasPort = port, true
	case port != d.port:
		d.more = append(d.more, port)
	}
}

// destinationSet is the Services ingress routes send to, in the order
// they are first routed to. Not safe to share between goroutines: via fills
// vias lazily.
type destinationSet struct {
	list []destinationPorts
	// vias are the VirtualServices that name them in messages, found when
	// a message needs one.
	vias map[*model.Service]*manifest.Object
}

// destinations finds the Services of the input that VirtualServices
// bound to a Gateway route to, with the ports they name.
func destinations(idx *model.Index) *destinationSet {
	// At most every Service, in one allocation rather than a growing list.
	set := &destinationSet{list: make([]destinationPorts, 0, len(idx.Services))}
	// A Service the index resolves a host to is the one of its namespace
	// and name, so the pointer identifies it as its key does.
	byService := make(map[*model.Service]int, len(idx.Services))
	eachRoute(idx, idx.VirtualServices, func(vs *model.VirtualService, s *model.Service, d *model.RouteDestination) {
		i, ok := byService[s]
		if !ok {
			i = len(set.list)
			byService[s] = i
			set.list = append(set.list, destinationPorts{svc: s})
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

// eachRoute calls f with each destination of the VirtualServices vss
// bound to a Gateway that names a Service of the input, with the Service.
func eachRoute(idx *model.Index, vss []*model.VirtualService, f func(*model.VirtualService, *model.Service, *model.RouteDestination)) {
	for _, vs := range vss {
		if !slices.ContainsFunc(vs.Spec.Gateways, func(ref string) bool { return ref != "mesh" && ref != "" }) {
			continue
		}
		each := func(d *model.RouteDestination) {
			if s := routedService(idx, d.Destination.Host, vs.Obj.Namespace); s != nil {
				f(vs, s, d)
			}
		}
		for i := range vs.Spec.HTTP {
			for j := range vs.Spec.HTTP[i].Route {
				each(&vs.Spec.HTTP[i].Route[j])
			}
		}
		for _, rules := range [2][]model.L4Route{vs.Spec.TLS, vs.Spec.TCP} {
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
func (set *destinationSet) via(idx *model.Index, s *model.Service) *manifest.Object {
	if set.vias == nil {
		set.vias = map[*model.Service]*manifest.Object{}
		sorted := model.SortByObjectKey(idx.VirtualServices, func(vs *model.VirtualService) *manifest.Object { return vs.Obj })
		eachRoute(idx, sorted, func(vs *model.VirtualService, s *model.Service, _ *model.RouteDestination) {
			if set.vias[s] == nil {
				set.vias[s] = vs.Obj
			}
		})
	}
	return set.vias[s]
}

// routedService finds the Service of the input a destination host names:
// name (in the VirtualService's namespace), name.ns, name.ns.svc[.domain].
func routedService(idx *model.Index, host, vsNamespace string) *model.Service {
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
