package model

import (
	"sort"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
)

// exposedHost is one host of one Gateway server, split.
type exposedHost struct {
	ServerHost
	Namespace string // the namespace it admits, "*" for all
	Name      string
}

// Exposed indexes the hosts of one Gateway by the namespace they admit.
type Exposed struct {
	All   []exposedHost
	any   hostname.Set[exposedHost]
	byNS  map[string]*hostname.Set[exposedHost]
	Names hostname.Set[exposedHost] // every host, ignoring namespaces
}

func newExposed(g *Gateway) *Exposed {
	x := &Exposed{byNS: map[string]*hostname.Set[exposedHost]{}}
	for si, s := range g.Spec.Servers {
		for hi, h := range s.Hosts {
			ns, name := SplitGatewayHost(h)
			if ns == "." {
				ns = g.Obj.Namespace
			}
			sh := exposedHost{ServerHost: ServerHost{Gateway: g, Server: si, Host: hi}, Namespace: ns, Name: name}
			x.All = append(x.All, sh)
			x.Names.Add(name, sh)
			if ns == "*" {
				x.any.Add(name, sh)
				continue
			}
			set := x.byNS[ns]
			if set == nil {
				set = &hostname.Set[exposedHost]{}
				x.byNS[ns] = set
			}
			set.Add(name, sh)
		}
	}
	return x
}

// Exposes returns a server host visible to namespace ns that matches host.
func (x *Exposed) Exposes(ns, host string) (exposedHost, bool) {
	if sh, ok := x.any.Overlapping(host); ok {
		return sh, true
	}
	if set := x.byNS[ns]; set != nil {
		return set.Overlapping(host)
	}
	return exposedHost{}, false
}

// VirtualHost is a virtual host istiod builds on a Gateway: its host, in
// the route table of the server that admits it.
type VirtualHost struct {
	// RouteTable names the route table within the Gateway, as pilot's
	// gatewayRDSRouteName does: "http.<port>" for plain-HTTP servers (one per
	// port), "https.<port>.<port name>" for each HTTPS server. Only
	// VirtualServices in one route table meet.
	RouteTable string
	Host       string
}

// routeTable names the route table of server si of g (see VirtualHost).
func routeTable(g *Gateway, si int) string {
	s := &g.Spec.Servers[si]
	if strings.EqualFold(s.Port.Protocol, "HTTPS") {
		return "https." + strconv.Itoa(s.Port.Number) + "." + s.Port.Name
	}
	return "http." + strconv.Itoa(s.Port.Number)
}

// Intersections returns the virtual hosts istiod builds when a
// VirtualService of namespace ns with host h binds to the Gateway: the more
// specific of h and each visible server host it matches, in the route table
// of that server. A concrete h is placed on the first server exposing it to
// ns (servers admitting every namespace first), where any other
// VirtualService of ns, or of a namespace that server admits too, meets it.
func (x *Exposed) Intersections(ns, h string) []VirtualHost {
	if !hostname.IsWildcard(h) {
		if sh, ok := x.Exposes(ns, h); ok {
			return []VirtualHost{{RouteTable: routeTable(sh.Gateway, sh.Server), Host: h}}
		}
		return nil
	}
	seen := map[VirtualHost]bool{}
	var out []VirtualHost
	for _, sh := range x.All {
		if sh.Namespace != "*" && sh.Namespace != ns || !hostname.Overlap(sh.Name, h) {
			continue
		}
		i := sh.Name
		if hostname.Matches(sh.Name, h) {
			i = h
		}
		vh := VirtualHost{RouteTable: routeTable(sh.Gateway, sh.Server), Host: i}
		if !seen[vh] {
			seen[vh] = true
			out = append(out, vh)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Host != out[j].Host {
			return out[i].Host < out[j].Host
		}
		return out[i].RouteTable < out[j].RouteTable
	})
	return out
}

// ExposureCache builds exposedHosts once per Gateway.
type ExposureCache map[*Gateway]*Exposed

func (c ExposureCache) Get(g *Gateway) *Exposed {
	x, ok := c[g]
	if !ok {
		x = newExposed(g)
		c[g] = x
	}
	return x
}

// NSName is "namespace/name" of an object.
func NSName(o *manifest.Object) string { return o.Namespace + "/" + o.Name }
