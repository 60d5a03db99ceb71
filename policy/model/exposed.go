package model

import (
	"sort"

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

// Intersections returns the hosts istiod builds a virtual host for when a
// VirtualService of namespace ns with host h binds to the Gateway: the more
// specific of h and each visible server host it matches.
func (x *Exposed) Intersections(ns, h string) []string {
	if !hostname.IsWildcard(h) {
		if _, ok := x.Exposes(ns, h); ok {
			return []string{h}
		}
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, sh := range x.All {
		if sh.Namespace != "*" && sh.Namespace != ns || !hostname.Overlap(sh.Name, h) {
			continue
		}
		i := sh.Name
		if hostname.Matches(sh.Name, h) {
			i = h
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	sort.Strings(out)
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
