package render

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render/match"
)

type virtualServiceSpec struct {
	Hosts    []string    `yaml:"hosts"`
	Gateways []string    `yaml:"gateways"`
	HTTP     []httpRoute `yaml:"http"`
}

type httpRoute struct {
	Name     string             `yaml:"name,omitempty"`
	Match    []httpMatch        `yaml:"match,omitempty"`
	Redirect *httpRedirect      `yaml:"redirect,omitempty"`
	Rewrite  *httpRewrite       `yaml:"rewrite,omitempty"`
	Route    []routeDestination `yaml:"route,omitempty"`
	Timeout  string             `yaml:"timeout,omitempty"`
	Retries  *httpRetry         `yaml:"retries,omitempty"`
}

type httpMatch struct {
	URI       *stringMatch           `yaml:"uri,omitempty"`
	Authority *stringMatch           `yaml:"authority,omitempty"`
	Headers   map[string]stringMatch `yaml:"headers,omitempty"`
	Port      int                    `yaml:"port,omitempty"`
}

type stringMatch struct {
	Exact  string `yaml:"exact,omitempty"`
	Prefix string `yaml:"prefix,omitempty"`
	Regex  string `yaml:"regex,omitempty"`
}

type httpRedirect struct {
	Scheme    string `yaml:"scheme"`
	Authority string `yaml:"authority,omitempty"`
	Port      int    `yaml:"port,omitempty"`
}

type httpRewrite struct {
	URI string `yaml:"uri"`
}

type routeDestination struct {
	Destination destination `yaml:"destination"`
	Weight      *int        `yaml:"weight,omitempty"`
}

type destination struct {
	Host string       `yaml:"host"`
	Port portSelector `yaml:"port"`
}

type portSelector struct {
	Number int `yaml:"number"`
}

type httpRetry struct {
	Attempts int `yaml:"attempts"`
}

// redirectRouteName names the rules that send plain HTTP to HTTPS.
const redirectRouteName = v1alpha1.RedirectRouteName

// renderVirtualService renders the routes of one app, bound to its own
// Gateway only (never to mesh). With TLS and a redirect, the first rules
// answer every request on the app's HTTP port with a redirect to its HTTPS
// port: Istio's tls.httpsRedirect would keep a non-default port, landing
// clients on the HTTP port again. With tls.http: serve there is no redirect,
// and the routes, which name no port, serve the HTTP listener and the HTTPS
// one alike. origins names, for each http rule, the field of the AppIntent
// it comes from (spec.tls.http for a redirect rule, spec.routes[i] for a
// route), so that explain can point at what a person wrote.
//
// An app whose HTTPS binding a SharedGateway serves binds to that Gateway
// too, and to its own only when it keeps a server there (plain HTTP).
func renderVirtualService(a *App, bindings []Binding) (vs *manifest.Object, origins []string) {
	gwNamespace, gwName, _ := gatewayPlacement(a)
	spec := virtualServiceSpec{Hosts: a.Spec.Hosts}
	own := false
	for _, b := range bindings {
		if b.Shared == nil {
			own = true
		} else {
			spec.Gateways = append(spec.Gateways, b.Shared.Key())
		}
	}
	if own || len(bindings) == 0 {
		spec.Gateways = append(spec.Gateways, gwNamespace+"/"+gwName)
	}
	sort.Strings(spec.Gateways)
	spec.Gateways = slices.Compact(spec.Gateways)
	if a.Spec.TLS != nil && a.Spec.TLS.HTTP == v1alpha1.HTTPRedirect {
		var httpL, httpsL Listener
		for _, b := range bindings {
			switch b.Listener.Protocol {
			case HTTP:
				httpL = b.Listener
			case HTTPS:
				httpsL = b.Listener
			}
		}
		spec.HTTP = append(spec.HTTP, redirectRules(a.Spec.Hosts, httpL.Port, httpsL.Port)...)
		for range spec.HTTP {
			origins = append(origins, "spec.tls.http")
		}
	}
	for i := range a.Spec.Routes {
		rules := renderRoute(&a.Spec.Routes[i], a.matches[i], a.Targets[i])
		spec.HTTP = append(spec.HTTP, rules...)
		for range rules {
			origins = append(origins, fmt.Sprintf("spec.routes[%d]", i))
		}
	}
	o := newObject(istioNetworkingV1, "VirtualService", a.Namespace, a.Name, nil, struct {
		Spec virtualServiceSpec `yaml:"spec"`
	}{spec})
	o.Source = a.Obj
	return o, origins
}

// redirectRules send every request on httpPort to httpsPort. Istio leaves
// port 443 out of a redirect (it is https's default) and Envoy then keeps
// the port of the request's Host, so a redirect from any HTTP port but 80 to
// 443 would keep that HTTP port: there each host gets a rule of its own that
// names it, which drops the port. The allocator never binds a wildcard host
// that way, as it has no name to redirect to.
func redirectRules(hosts []string, httpPort, httpsPort int) []httpRoute {
	if httpPort == defaultHTTPPort || httpsPort != defaultHTTPSPort {
		return []httpRoute{{
			Name:     redirectRouteName,
			Match:    []httpMatch{{Port: httpPort}},
			Redirect: &httpRedirect{Scheme: "https", Port: httpsPort},
		}}
	}
	rules := make([]httpRoute, 0, len(hosts))
	for i, h := range hosts {
		name := redirectRouteName
		if len(hosts) > 1 {
			name = fmt.Sprintf("%s-%d", redirectRouteName, i)
		}
		rules = append(rules, httpRoute{
			Name: name,
			// The Host header carries the port on a non-default port.
			Match: []httpMatch{
				{Port: httpPort, Authority: &stringMatch{Exact: h}},
				{Port: httpPort, Authority: &stringMatch{Prefix: h + ":"}},
			},
			Redirect: &httpRedirect{Scheme: "https", Authority: h},
		})
	}
	return rules
}

// renderRoute renders one route: one http rule for its matches (exact /api
// and prefix /api/ for prefix /api), or one per rewrite when those differ.
// A match an earlier route's match covers is left out: Istio would never use
// it (and EG008 would say so), and the earlier route takes its requests.
func renderRoute(r *v1alpha1.Route, entries []routeEntry, targets []Target) []httpRoute {
	kept := entries[:0:0]
	for _, e := range entries {
		if !e.covered {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		kept = entries // never reached, which validation reports
	}
	var out []httpRoute
	for _, e := range kept {
		if len(out) > 0 && out[len(out)-1].rewrite() == e.rewrite {
			last := &out[len(out)-1]
			last.Match = append(last.Match, renderMatch(e.match))
			continue
		}
		rule := renderRule(r, targets)
		if len(out) > 0 && r.Name != "" {
			rule.Name = r.Name + v1alpha1.SubpathsSuffix
		}
		if e.match.URI != nil || e.match.Headers != nil {
			rule.Match = []httpMatch{renderMatch(e.match)}
		}
		if e.rewrite != "" {
			rule.Rewrite = &httpRewrite{URI: e.rewrite}
		}
		out = append(out, rule)
	}
	return out
}

func (r *httpRoute) rewrite() string {
	if r.Rewrite == nil {
		return ""
	}
	return r.Rewrite.URI
}

func renderMatch(m match.HTTPMatchRequest) httpMatch {
	return httpMatch{URI: (*stringMatch)(m.URI), Headers: stringMatches(m.Headers)}
}

// renderRule is a rule of route r without its matches and rewrite: its
// name, destinations, timeout and retries.
func renderRule(r *v1alpha1.Route, targets []Target) httpRoute {
	out := httpRoute{Name: r.Name}
	for _, t := range targets {
		d := routeDestination{Destination: destination{Host: t.Host(), Port: portSelector{Number: t.Port}}}
		if len(targets) > 1 {
			w := t.Weight
			d.Weight = &w
		}
		out.Route = append(out.Route, d)
	}
	if r.Timeout != "" {
		d, _ := v1alpha1.ParseTimeout(r.Timeout) // validated
		out.Timeout = protobufDuration(d)
	}
	if r.Retries != nil {
		out.Retries = &httpRetry{Attempts: *r.Retries}
	}
	return out
}

// protobufDuration formats d the way a protobuf Duration is written in JSON
// and YAML ("5s", "0.250s"), the only form istiod reads.
func protobufDuration(d time.Duration) string {
	secs := d / time.Second
	frac := d % time.Second
	if frac == 0 {
		return strconv.FormatInt(int64(secs), 10) + "s"
	}
	return strings.TrimRight(fmt.Sprintf("%d.%09d", secs, frac), "0") + "s"
}

// stringMatches converts the header matches of a route's match into the
// rendered form.
func stringMatches(in map[string]match.StringMatch) map[string]stringMatch {
	if in == nil {
		return nil
	}
	out := make(map[string]stringMatch, len(in))
	for k, v := range in {
		out[k] = stringMatch(v)
	}
	return out
}
