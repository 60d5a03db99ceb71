package model

import (
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
)

// ClusterDomain is the Kubernetes cluster DNS domain Istio assumes.
const ClusterDomain = "svc.cluster.local"

// exportTo restricts where a Service is visible.
const exportTo = "networking.istio.io/exportTo"

// entry is a Service or ServiceEntry as a destination target.
type entry struct {
	Obj   *manifest.Object
	Ports []int
}

// scoped is a host as the registry keys it: visible from scope, "*"
// for everywhere (istioctl's "<scope>/<fqdn>", without building the string).
type scoped struct {
	scope, host string
}

// Registry is the service registry the input describes, keyed like
// istioctl's. Not safe to share between goroutines: names fills it lazily.
type Registry struct {
	hosts     map[scoped]*entry
	wildcards map[scoped]*entry // suffixes of "*<suffix>" ServiceEntry hosts
	// scopedOnly are the hosts some Service or ServiceEntry exports to
	// named namespaces only, with the first such entry and its scopes: what
	// a lookup that fails from another namespace names as the reason.
	scopedOnly map[string]*scopedEntry
	// The Service names of the input, nil until names builds them.
	services map[string][]string // namespace → Service names
	byName   map[string][]string // Service name → namespaces
}

func FQDN(namespace, host string) string {
	if strings.HasPrefix(host, "*") || strings.Contains(host, ".") {
		return host
	}
	return host + "." + namespace + "." + ClusterDomain
}

// NewRegistry is the registry of idx. Its Service names, which EG006
// only needs for a host it cannot resolve, are built by names on first use.
func NewRegistry(idx *Index) *Registry {
	reg := &Registry{
		hosts:     make(map[scoped]*entry, len(idx.Services)),
		wildcards: map[scoped]*entry{},
	}
	add := func(scope, host string, e *entry) {
		if strings.HasPrefix(host, "*") {
			put(reg.wildcards, scoped{scope, host[1:]}, e)
			return
		}
		put(reg.hosts, scoped{scope, host}, e)
		if scope != "*" {
			if reg.scopedOnly == nil {
				reg.scopedOnly = map[string]*scopedEntry{}
			}
			se := reg.scopedOnly[host]
			if se == nil {
				se = &scopedEntry{Obj: e.Obj}
				reg.scopedOnly[host] = se
			}
			if se.Obj == e.Obj && !slices.Contains(se.Scopes, scope) {
				se.Scopes = append(se.Scopes, scope)
			}
		}
	}
	entries := make([]entry, len(idx.Services)) // one allocation, not one per Service
	for i, s := range idx.Services {
		e := &entries[i]
		e.Obj = s.Obj
		e.Ports = make([]int, len(s.Spec.Ports))
		for j, p := range s.Spec.Ports {
			e.Ports[j] = p.Port
		}
		ns := s.Obj.Namespace
		host := FQDN(ns, s.Obj.Name)
		anno := s.Obj.Annotation(exportTo)
		if anno == "" {
			add("*", host, e)
			continue
		}
		for _, scope := range strings.Split(anno, ",") {
			scope = strings.TrimSpace(scope)
			if scope == "." {
				scope = ns
			}
			add(scope, host, e)
		}
	}
	for _, o := range idx.Objects {
		if o.Kind != "ServiceEntry" || o.Group() != render.IstioNetworkingGroup {
			continue
		}
		var se struct {
			Spec struct {
				Hosts    []string `yaml:"hosts"`
				ExportTo []string `yaml:"exportTo"`
				Ports    []struct {
					Number int `yaml:"number"`
				} `yaml:"ports"`
			} `yaml:"spec"`
		}
		manifest.DecodeLenient(o, o.Node, "", &se)
		e := &entry{Obj: o}
		for _, p := range se.Spec.Ports {
			e.Ports = append(e.Ports, p.Number)
		}
		scopes := se.Spec.ExportTo
		if len(scopes) == 0 || slices.Contains(scopes, "*") {
			scopes = []string{"*"}
		}
		for _, h := range se.Spec.Hosts {
			for _, scope := range scopes {
				if scope == "." {
					scope = o.Namespace
				}
				add(scope, FQDN(o.Namespace, h), e)
			}
		}
	}
	return reg
}

// Names returns the Service names of idx, the one reg was built from, by
// namespace and by name, sorted; built on the first call.
func (reg *Registry) Names(idx *Index) (services, byName map[string][]string) {
	if reg.byName == nil {
		reg.services = map[string][]string{}
		reg.byName = make(map[string][]string, len(idx.Services))
		for _, s := range idx.Services {
			ns := s.Obj.Namespace
			reg.services[ns] = append(reg.services[ns], s.Obj.Name)
			reg.byName[s.Obj.Name] = append(reg.byName[s.Obj.Name], ns)
		}
		for _, m := range []map[string][]string{reg.services, reg.byName} {
			for _, v := range m {
				sort.Strings(v)
			}
		}
	}
	return reg.services, reg.byName
}

func put(m map[scoped]*entry, k scoped, e *entry) {
	if _, ok := m[k]; !ok {
		m[k] = e
	}
}

// scopedEntry is a Service or ServiceEntry exported to named namespaces.
type scopedEntry struct {
	Obj    *manifest.Object
	Scopes []string // the namespaces it is exported to, "." resolved
}

// NotExported returns the Service or ServiceEntry that declares host (as a
// VirtualService of vsNamespace names it) for other namespaces only, and the
// namespaces it is exported to; nil when none does. Asked after Lookup
// fails, it tells "no such service" from "not exported here".
func (reg *Registry) NotExported(vsNamespace, host string) (*manifest.Object, []string) {
	se := reg.scopedOnly[FQDN(vsNamespace, host)]
	if se == nil {
		return nil, nil
	}
	return se.Obj, se.Scopes
}

// Lookup is istioctl's GetDestinationHost over the input.
func (reg *Registry) Lookup(vsNamespace string, exportTo []string, host string) *entry {
	name := FQDN(vsNamespace, host)
	if e := reg.hosts[scoped{"*", name}]; e != nil {
		return e
	}
	if len(exportTo) == 0 {
		if e := reg.hosts[scoped{vsNamespace, name}]; e != nil {
			return e
		}
	}
	for _, s := range exportTo {
		if s == "." {
			s = vsNamespace
		}
		if e := reg.hosts[scoped{s, name}]; e != nil {
			return e
		}
	}
	if len(reg.wildcards) == 0 {
		return nil
	}
	bare := strings.TrimPrefix(name, "*")
	for _, scope := range [2]string{"*", vsNamespace} {
		if e := reg.wildcards[scoped{scope, ""}]; e != nil {
			return e
		}
		for i := 0; i < len(bare); i++ {
			if bare[i] == '.' {
				if e := reg.wildcards[scoped{scope, bare[i:]}]; e != nil {
					return e
				}
			}
		}
	}
	return nil
}
