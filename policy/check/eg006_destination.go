package check

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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

// fqdnPattern is istioctl's pattern for a Service FQDN: name, namespace.
var fqdnPattern = regexp.MustCompile(`^(.+)\.(.+)\.svc\.cluster\.local$`)

// routedDestination is one destination of a VirtualService; its field path
// is built only for a finding.
type routedDestination struct {
	host    string
	port    int
	hasPort bool
	// Where it is: spec.<kind>[rule].route[route].destination,
	// spec.http[rule].mirror, or spec.http[rule].mirrors[route].destination.
	kind        string // http, tls, tcp, mirror or mirrors
	rule, route int
}

// field is the path of the destination.
func (d *routedDestination) field() string {
	rule := strconv.Itoa(d.rule)
	switch d.kind {
	case "mirror":
		return "spec.http[" + rule + "].mirror"
	case "mirrors":
		return "spec.http[" + rule + "].mirrors[" + strconv.Itoa(d.route) + "].destination"
	}
	return "spec." + d.kind + "[" + rule + "].route[" + strconv.Itoa(d.route) + "].destination"
}

// appendDestinations appends the destinations of vs to out: routes of
// the http, tls and tcp rules, then mirrors.
func appendDestinations(out []routedDestination, vs *model.VirtualService) []routedDestination {
	addRoute := func(kind string, i, j int, d *model.RouteDestination) {
		ad := routedDestination{host: d.Destination.Host, kind: kind, rule: i, route: j}
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
	if spec == nil || !mayMirror(spec) {
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
		ad := routedDestination{host: d.Host, kind: kind, rule: i, route: j}
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

// mayMirror reports whether an http rule of spec may have a mirror:
// when it says no, decoding the rules' mirrors would find none, so the
// decoding is spared. Aliases are not followed: they may hide one.
func mayMirror(spec *yaml.Node) bool {
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

func (destinationCheck) Run(idx *model.Index, r *model.Reporter) {
	reg := model.NewRegistry(idx)
	var dests []routedDestination
	unjudged := map[string]bool{} // hosts of the VirtualService already noted as not checked
	for _, vs := range idx.VirtualServices {
		ns := vs.Obj.Namespace
		clear(unjudged)
		dests = appendDestinations(dests[:0], vs)
		var gateways []model.DestinationGateway // edgegate's gateways vs binds to, read once
		gatewaysRead := false
		for i := range dests {
			d := &dests[i]
			if d.host == "" {
				continue // a schema error, not a reference
			}
			if svcNS, ok := model.ServiceNamespace(ns, d.host); ok && svcNS != ns {
				if !gatewaysRead {
					gateways, gatewaysRead = idx.DestinationGateways(vs), true
				}
				if refused := crossNamespace(r, vs, d, svcNS, gateways); refused {
					continue
				}
			}
			e := reg.Lookup(ns, vs.Spec.ExportTo, d.host)
			if e == nil {
				reportMissing(r, idx, reg, vs, d, unjudged)
				continue
			}
			switch {
			case !d.hasPort && len(e.Ports) > 1:
				r.Report(vs.Obj, d.field(),
					"%s %s has several ports %s and the destination names none: set port.number (IST0112)",
					e.Obj.Kind, model.NSName(e.Obj), fmt.Sprint(e.Ports))
			case d.hasPort && !slices.Contains(e.Ports, d.port):
				r.Report(vs.Obj, d.field()+".port.number",
					"%s %s has no port %d (its ports are %s): the route answers 503",
					e.Obj.Kind, model.NSName(e.Obj), d.port, fmt.Sprint(e.Ports))
			}
		}
	}
}

// crossNamespace reports a destination of a Service of namespace svcNS,
// not vs's own, when vs binds to a gateway of edgegate's whose IngressGateway
// does not list svcNS in spec.allowedDestinationNamespaces: a team may put
// only its own namespace's backends behind the shared gateway, as render
// holds AppIntents to (v1alpha1.CrossNamespaceMessage). It reports whether
// it did.
func crossNamespace(r *model.Reporter, vs *model.VirtualService, d *routedDestination, svcNS string, gateways []model.DestinationGateway) bool {
	for _, g := range gateways {
		if !g.Spec.AllowsDestination(vs.Obj.Namespace, svcNS) {
			r.Report(vs.Obj, d.field()+".host", "%s",
				v1alpha1.CrossNamespaceMessage(d.host, svcNS, vs.Obj.Namespace, g.Name, g.Spec.AllowedDestinationNamespaces))
			return true
		}
	}
	return false
}

// reportMissing reports a destination host the input does not resolve:
// an error or warning with evidence that it is wrong, else an info (once per
// host of the VirtualService, at its first destination) saying the gate
// cannot judge it while Istio's analyzer, given the same files, reports it
// as not found (IST0101).
func reportMissing(r *model.Reporter, idx *model.Index, reg *model.Registry, vs *model.VirtualService, d *routedDestination, unjudged map[string]bool) {
	ns := vs.Obj.Namespace
	field := d.field() + ".host"
	if strings.HasPrefix(d.host, "*") {
		return // a wildcard destination is a schema error
	}
	if obj, scopes := reg.NotExported(ns, d.host); obj != nil {
		how := "spec.exportTo"
		if obj.Kind == "Service" {
			how = "annotation networking.istio.io/exportTo"
		}
		// Istio applies the route where the VirtualService is exported:
		// its own namespace, or the namespaces its exportTo names.
		where := ns
		if len(vs.Spec.ExportTo) > 0 {
			var to []string
			for _, e := range vs.Spec.ExportTo {
				if e == "." {
					e = ns
				}
				to = append(to, e)
			}
			where = strings.Join(to, ", ") + " (where the VirtualService's spec.exportTo applies it)"
		}
		r.Report(vs.Obj, field,
			"host %q is declared by %s %s, but its exportTo (%s) makes it visible only in namespace %s, not in %s: Istio's routes there do not see it and answer 503 (IST0101); export it there, or route to a host visible there",
			d.host, obj.Kind, model.NSName(obj), how, strings.Join(scopes, ", "), where)
		return
	}
	services, byName := reg.Names(idx)
	name := model.FQDN(ns, d.host)
	if m := fqdnPattern.FindStringSubmatch(name); m != nil {
		svc, svcNS := m[1], m[2]
		if names := services[svcNS]; len(names) > 0 {
			r.Report(vs.Obj, field,
				"host %q is not a Service: the input has no Service %s/%s (its Services of namespace %s: %s), so the route answers 503",
				d.host, svcNS, svc, svcNS, strings.Join(model.Abbreviate(names, 5), ", "))
			return
		}
		if !strings.Contains(d.host, ".") {
			if others := byName[d.host]; len(others) > 0 {
				r.Warn(vs.Obj, field,
					"short host %q means %s (the VirtualService's namespace), which is not in the input, but Service %s/%s is: if that is the one, write %q",
					d.host, name, others[0], d.host, model.FQDN(others[0], d.host))
				return
			}
		}
		if !unjudged[d.host] {
			unjudged[d.host] = true
			shown := fmt.Sprintf("%q", d.host)
			if name != d.host {
				shown = fmt.Sprintf("%q (%s)", d.host, name)
			}
			r.Unchecked(vs.Obj, field,
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
					d.host, svcNS, svc, model.FQDN(svcNS, svc))
				return
			}
		}
	}
	if !unjudged[d.host] {
		unjudged[d.host] = true
		r.Unchecked(vs.Obj, field,
			"host %q is not checked: it is outside the cluster domain and no ServiceEntry of the input declares it, which is fine if one applied from elsewhere does; Istio's analyzer, given only these files, reports it as not found (IST0101)",
			d.host)
	}
}
