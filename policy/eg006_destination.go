package policy

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func init() { register(destinationCheck{}) }

// destinationCheck finds VirtualService destinations that reach no Service
// (Istio IST0101 "Referenced host not found", Kiali KIA1101), and
// destinations whose port does not pick one port of the Service (IST0112:
// no port on a Service with several; IST0101 "host:port" for a port the
// Service does not have). The gateway then answers 503 for every request
// of the rule.
//
// Hosts resolve as Istio resolves them: a name without dots is
// <name>.<VirtualService namespace>.svc.cluster.local, any other name is
// used as written. Services (with their networking.istio.io/exportTo
// annotation) and ServiceEntries of the input are looked up as `istioctl
// analyze` does, VirtualService exportTo included.
//
// The gate sees one render, not the cluster: a Service it lacks may well
// exist. A missing host is therefore reported only with evidence that the
// input holds that namespace's Services: the host is <name>.<ns>.svc.cluster.local
// (or a short name) and the input holds at least one Service of <ns>. Not
// "any Service at all": edgegate's own output holds the gateway's Service,
// while the apps' Services are applied by their teams. Hosts outside the
// cluster domain (ServiceEntries, external names) are not judged, except the
// common slip "<name>.<ns>" (or "<name>.<ns>.svc") for a Service of the
// input, which Istio does not expand. A short name with no Service of the
// VirtualService's namespace in the input, while a Service of that name
// exists in another namespace, is a warning. Every other host the input does
// not resolve gets an info (once per host and VirtualService) saying it is
// not checked, since Istio's analyzer, given the same files, reports it as
// not found (IST0101).
type destinationCheck struct{}

func (destinationCheck) Meta() Meta {
	return Meta{
		ID: "EG006", Name: "destination", Severity: manifest.Error,
		Description: "a VirtualService destination names a Service or port the input does not have, or omits the port of a multi-port Service",
		Mirrors:     []string{"IST0101", "IST0112", "KIA1101"},
	}
}

// eg006ClusterDomain is the Kubernetes cluster DNS domain Istio assumes.
const eg006ClusterDomain = "svc.cluster.local"

// eg006FQDNPattern is istioctl's pattern for a Service FQDN: name, namespace.
var eg006FQDNPattern = regexp.MustCompile(`^(.+)\.(.+)\.svc\.cluster\.local$`)

// eg006ExportTo restricts where a Service is visible.
const eg006ExportTo = "networking.istio.io/exportTo"

// eg006Entry is a Service or ServiceEntry as a destination target.
type eg006Entry struct {
	obj   *manifest.Object
	ports []int
}

// eg006Scoped is a host as the registry keys it: visible from scope, "*"
// for everywhere (istioctl's "<scope>/<fqdn>", without building the string).
type eg006Scoped struct {
	scope, host string
}

// eg006Registry is the service registry the input describes, keyed like
// istioctl's. Not safe to share between goroutines: names fills it lazily.
type eg006Registry struct {
	hosts     map[eg006Scoped]*eg006Entry
	wildcards map[eg006Scoped]*eg006Entry // suffixes of "*<suffix>" ServiceEntry hosts
	// The Service names of the input, nil until names builds them.
	services map[string][]string // namespace → Service names
	byName   map[string][]string // Service name → namespaces
}

func eg006FQDN(namespace, host string) string {
	if strings.HasPrefix(host, "*") || strings.Contains(host, ".") {
		return host
	}
	return host + "." + namespace + "." + eg006ClusterDomain
}

// eg006NewRegistry is the registry of idx. Its Service names, which EG006
// only needs for a host it cannot resolve, are built by names on first use.
func eg006NewRegistry(idx *Index) *eg006Registry {
	reg := &eg006Registry{
		hosts:     make(map[eg006Scoped]*eg006Entry, len(idx.Services)),
		wildcards: map[eg006Scoped]*eg006Entry{},
	}
	add := func(scope, host string, e *eg006Entry) {
		if strings.HasPrefix(host, "*") {
			eg006Put(reg.wildcards, eg006Scoped{scope, host[1:]}, e)
			return
		}
		eg006Put(reg.hosts, eg006Scoped{scope, host}, e)
	}
	entries := make([]eg006Entry, len(idx.Services)) // one allocation, not one per Service
	for i, s := range idx.Services {
		e := &entries[i]
		e.obj = s.Obj
		e.ports = make([]int, len(s.Spec.Ports))
		for j, p := range s.Spec.Ports {
			e.ports[j] = p.Port
		}
		ns := s.Obj.Namespace
		host := eg006FQDN(ns, s.Obj.Name)
		anno := s.Obj.Annotation(eg006ExportTo)
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
		e := &eg006Entry{obj: o}
		for _, p := range se.Spec.Ports {
			e.ports = append(e.ports, p.Number)
		}
		scopes := se.Spec.ExportTo
		if len(scopes) == 0 || eg006Contains(scopes, "*") {
			scopes = []string{"*"}
		}
		for _, h := range se.Spec.Hosts {
			for _, scope := range scopes {
				if scope == "." {
					scope = o.Namespace
				}
				add(scope, eg006FQDN(o.Namespace, h), e)
			}
		}
	}
	return reg
}

// names returns the Service names of idx, the one reg was built from, by
// namespace and by name, sorted; built on the first call.
func (reg *eg006Registry) names(idx *Index) (services, byName map[string][]string) {
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

func eg006Put(m map[eg006Scoped]*eg006Entry, k eg006Scoped, e *eg006Entry) {
	if _, ok := m[k]; !ok {
		m[k] = e
	}
}

func eg006Contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// lookup is istioctl's GetDestinationHost over the input.
func (reg *eg006Registry) lookup(vsNamespace string, exportTo []string, host string) *eg006Entry {
	name := eg006FQDN(vsNamespace, host)
	if e := reg.hosts[eg006Scoped{"*", name}]; e != nil {
		return e
	}
	if len(exportTo) == 0 {
		if e := reg.hosts[eg006Scoped{vsNamespace, name}]; e != nil {
			return e
		}
	}
	for _, s := range exportTo {
		if s == "." {
			s = vsNamespace
		}
		if e := reg.hosts[eg006Scoped{s, name}]; e != nil {
			return e
		}
	}
	if len(reg.wildcards) == 0 {
		return nil
	}
	bare := strings.TrimPrefix(name, "*")
	for _, scope := range [2]string{"*", vsNamespace} {
		if e := reg.wildcards[eg006Scoped{scope, ""}]; e != nil {
			return e
		}
		for i := 0; i < len(bare); i++ {
			if bare[i] == '.' {
				if e := reg.wildcards[eg006Scoped{scope, bare[i:]}]; e != nil {
					return e
				}
			}
		}
	}
	return nil
}

// eg006Destination is one destination of a VirtualService; its field path
// is built only for a finding.
type eg006Destination struct {
	host    string
	port    int
	hasPort bool
	// Where it is: spec.<kind>[rule].route[route].destination,
	// spec.http[rule].mirror, or spec.http[rule].mirrors[route].destination.
	kind        string // http, tls, tcp, mirror or mirrors
	rule, route int
}

// field is the path of the destination.
func (d *eg006Destination) field() string {
	rule := strconv.Itoa(d.rule)
	switch d.kind {
	case "mirror":
		return "spec.http[" + rule + "].mirror"
	case "mirrors":
		return "spec.http[" + rule + "].mirrors[" + strconv.Itoa(d.route) + "].destination"
	}
	return "spec." + d.kind + "[" + rule + "].route[" + strconv.Itoa(d.route) + "].destination"
}

// eg006AppendDestinations appends the destinations of vs to out: routes of
// the http, tls and tcp rules, then mirrors.
func eg006AppendDestinations(out []eg006Destination, vs *VirtualService) []eg006Destination {
	addRoute := func(kind string, i, j int, d *RouteDestination) {
		ad := eg006Destination{host: d.Destination.Host, kind: kind, rule: i, route: j}
		if d.Destination.Port != nil {
			ad.port, ad.hasPort = d.Destination.Port.Number, true
		}
		out = append(out, ad)
	}
	for i := range vs.Spec.HTTP {
		for j := range vs.Spec.HTTP[i].Route {
			addRoute("http", i, j, &vs.Spec.HTTP[i].Route[j])
		}
	}
	for i := range vs.Spec.TLS {
		for j := range vs.Spec.TLS[i].Route {
			addRoute("tls", i, j, &vs.Spec.TLS[i].Route[j])
		}
	}
	for i := range vs.Spec.TCP {
		for j := range vs.Spec.TCP[i].Route {
			addRoute("tcp", i, j, &vs.Spec.TCP[i].Route[j])
		}
	}

	// Mirrors are not in the shared view of a VirtualService.
	spec := vs.Obj.Field("spec")
	if spec == nil || !eg006MayMirror(spec) {
		return out
	}
	type dest struct {
		Host string `yaml:"host"`
		Port *struct {
			Number int `yaml:"number"`
		} `yaml:"port"`
	}
	var mirrors struct {
		HTTP []struct {
			Mirror  *dest `yaml:"mirror"`
			Mirrors []struct {
				Destination *dest `yaml:"destination"`
			} `yaml:"mirrors"`
		} `yaml:"http"`
	}
	manifest.DecodeLenient(vs.Obj, spec, "spec", &mirrors)
	add := func(d *dest, kind string, i, j int) {
		if d == nil {
			return
		}
		ad := eg006Destination{host: d.Host, kind: kind, rule: i, route: j}
		if d.Port != nil {
			ad.port, ad.hasPort = d.Port.Number, true
		}
		out = append(out, ad)
	}
	for i, r := range mirrors.HTTP {
		add(r.Mirror, "mirror", i, 0)
		for j, m := range r.Mirrors {
			add(m.Destination, "mirrors", i, j)
		}
	}
	return out
}

// eg006MayMirror reports whether an http rule of spec may have a mirror:
// when it says no, decoding the rules' mirrors would find none, so the
// decoding is spared. Aliases are not followed: they may hide one.
func eg006MayMirror(spec *yaml.Node) bool {
	if spec.Kind != yaml.MappingNode {
		return spec.Kind == yaml.AliasNode
	}
	for i := 0; i+1 < len(spec.Content); i += 2 {
		if spec.Content[i].Value != "http" {
			continue
		}
		rules := spec.Content[i+1]
		if rules.Kind == yaml.AliasNode {
			return true
		}
		for _, rule := range rules.Content {
			if rule.Kind == yaml.AliasNode {
				return true
			}
			if rule.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j < len(rule.Content); j += 2 {
				if k := rule.Content[j].Value; k == "mirror" || k == "mirrors" {
					return true
				}
			}
		}
	}
	return false
}

func (destinationCheck) Run(idx *Index, r *Reporter) {
	reg := eg006NewRegistry(idx)
	var dests []eg006Destination
	unjudged := map[string]bool{} // hosts of the VirtualService already noted as not checked
	for _, vs := range idx.VirtualServices {
		ns := vs.Obj.Namespace
		clear(unjudged)
		dests = eg006AppendDestinations(dests[:0], vs)
		for i := range dests {
			d := &dests[i]
			if d.host == "" {
				continue // a schema error, not a reference
			}
			e := reg.lookup(ns, vs.Spec.ExportTo, d.host)
			if e == nil {
				eg006ReportMissing(r, idx, reg, vs, d, unjudged)
				continue
			}
			switch {
			case !d.hasPort && len(e.ports) > 1:
				r.Report(vs.Obj, d.field(),
					"%s %s has several ports %s and the destination names none: set port.number (IST0112)",
					e.obj.Kind, eg005NSName(e.obj), fmt.Sprint(e.ports))
			case d.hasPort && !eg006ContainsInt(e.ports, d.port):
				r.Report(vs.Obj, d.field()+".port.number",
					"%s %s has no port %d (its ports are %s): the route answers 503",
					e.obj.Kind, eg005NSName(e.obj), d.port, fmt.Sprint(e.ports))
			}
		}
	}
}

func eg006ContainsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// eg006ReportMissing reports a destination host the input does not resolve:
// an error or warning with evidence that it is wrong, else an info (once per
// host of the VirtualService, at its first destination) saying the gate
// cannot judge it while Istio's analyzer, given the same files, reports it
// as not found (IST0101).
func eg006ReportMissing(r *Reporter, idx *Index, reg *eg006Registry, vs *VirtualService, d *eg006Destination, unjudged map[string]bool) {
	ns := vs.Obj.Namespace
	field := d.field() + ".host"
	if strings.HasPrefix(d.host, "*") {
		return // a wildcard destination is a schema error
	}
	services, byName := reg.names(idx)
	name := eg006FQDN(ns, d.host)
	if m := eg006FQDNPattern.FindStringSubmatch(name); m != nil {
		svc, svcNS := m[1], m[2]
		if names := services[svcNS]; len(names) > 0 {
			r.Report(vs.Obj, field,
				"host %q is not a Service: the input has no Service %s/%s (its Services of namespace %s: %s), so the route answers 503",
				d.host, svcNS, svc, svcNS, strings.Join(eg004Limit(names, 5), ", "))
			return
		}
		if !strings.Contains(d.host, ".") {
			if others := byName[d.host]; len(others) > 0 {
				r.Warn(vs.Obj, field,
					"short host %q means %s (the VirtualService's namespace), which is not in the input, but Service %s/%s is: if that is the one, write %q",
					d.host, name, others[0], d.host, eg006FQDN(others[0], d.host))
				return
			}
		}
		if !unjudged[d.host] {
			unjudged[d.host] = true
			shown := fmt.Sprintf("%q", d.host)
			if name != d.host {
				shown = fmt.Sprintf("%q (%s)", d.host, name)
			}
			r.Info(vs.Obj, field,
				"host %s is not checked: the input holds no Service of namespace %s, so the gate cannot tell whether Service %s/%s exists; Istio's analyzer, given only these files, reports it as not found (IST0101); put the namespace's Services in the input to have it checked",
				shown, svcNS, svcNS, svc)
		}
		return
	}
	// "name.ns" or "name.ns.svc": Istio uses it as written, not as a Service name.
	parts := strings.Split(d.host, ".")
	if len(parts) == 2 || len(parts) == 3 && parts[2] == "svc" || len(parts) == 4 && parts[2] == "svc" && parts[3] == "cluster" {
		svc, svcNS := parts[0], parts[1]
		for _, s := range byName[svc] {
			if s == svcNS {
				r.Report(vs.Obj, field,
					"Istio uses host %q as written and knows no such service: for Service %s/%s write %q",
					d.host, svcNS, svc, eg006FQDN(svcNS, svc))
				return
			}
		}
	}
	if !unjudged[d.host] {
		unjudged[d.host] = true
		r.Info(vs.Obj, field,
			"host %q is not checked: it is outside the cluster domain and no ServiceEntry of the input declares it, which is fine if one applied from elsewhere does; Istio's analyzer, given only these files, reports it as not found (IST0101)",
			d.host)
	}
}
