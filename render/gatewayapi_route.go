package render

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render/match"
)

type httpRouteSpec struct {
	ParentRefs []parentRef     `yaml:"parentRefs"`
	Hostnames  []string        `yaml:"hostnames,omitempty"`
	Rules      []httpRouteRule `yaml:"rules"`
}

type parentRef struct {
	Group       string `yaml:"group"`
	Kind        string `yaml:"kind"`
	Namespace   string `yaml:"namespace"`
	Name        string `yaml:"name"`
	SectionName string `yaml:"sectionName"`
}

type httpRouteRule struct {
	Name        string            `yaml:"name,omitempty"`
	Matches     []httpRouteMatch  `yaml:"matches,omitempty"`
	Filters     []httpRouteFilter `yaml:"filters,omitempty"`
	BackendRefs []httpBackendRef  `yaml:"backendRefs,omitempty"`
	Timeouts    *httpTimeouts     `yaml:"timeouts,omitempty"`
	Retry       *httpRouteRetry   `yaml:"retry,omitempty"`
}

type httpRouteMatch struct {
	Path    *httpPathMatch    `yaml:"path,omitempty"`
	Headers []httpHeaderMatch `yaml:"headers,omitempty"`
}

type httpPathMatch struct {
	Type  string `yaml:"type"`
	Value string `yaml:"value"`
}

type httpHeaderMatch struct {
	Type  string `yaml:"type"`
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type httpRouteFilter struct {
	Type            string               `yaml:"type"`
	URLRewrite      *httpURLRewrite      `yaml:"urlRewrite,omitempty"`
	RequestRedirect *httpRequestRedirect `yaml:"requestRedirect,omitempty"`
}

type httpURLRewrite struct {
	Path httpPathModifier `yaml:"path"`
}

type httpPathModifier struct {
	Type               string `yaml:"type"`
	ReplaceFullPath    string `yaml:"replaceFullPath,omitempty"`
	ReplacePrefixMatch string `yaml:"replacePrefixMatch,omitempty"`
}

type httpRequestRedirect struct {
	Scheme     string `yaml:"scheme"`
	Port       int    `yaml:"port,omitempty"`
	StatusCode int    `yaml:"statusCode"`
}

type httpBackendRef struct {
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace,omitempty"`
	Port      int    `yaml:"port"`
	Weight    *int   `yaml:"weight,omitempty"`
}

type httpTimeouts struct {
	Request string `yaml:"request"`
}

type httpRouteRetry struct {
	Attempts int `yaml:"attempts"`
}

// redirectStatus is the status of the HTTP→HTTPS redirect: 301, as Istio's
// redirect answers, so both APIs answer alike.
const redirectStatus = 301

// renderHTTPRoutes renders the HTTPRoutes of one app on a gateway-api
// gateway: the app's routes on every listener that serves them, and, with
// tls.http: redirect, a second HTTPRoute (<app>-https-redirect) on its plain-HTTP
// listeners answering with a redirect to HTTPS. Both live in the app's
// namespace, attach to the listeners of the app's own hosts by sectionName
// and name those hosts, so they can reach no other namespace's host.
func renderHTTPRoutes(a *App, listeners []kubeListener, experimental bool) ([]*manifest.Object, manifest.Diagnostics) {
	redirect := a.Spec.TLS != nil && a.Spec.TLS.HTTP == v1alpha1.HTTPRedirect
	var serve, plain []parentRef
	httpsPort := 0
	for _, l := range listeners {
		ref := parentRef{Group: GatewayAPIGroup, Kind: "Gateway", Namespace: a.Workload.Namespace, Name: a.Workload.Name, SectionName: l.name}
		if redirect && l.binding.Listener.Protocol == HTTP {
			plain = append(plain, ref)
			continue
		}
		if l.binding.Listener.Protocol == HTTPS {
			httpsPort = l.binding.Listener.Port
		}
		serve = append(serve, ref)
	}
	var hostnames []string
	for _, h := range a.Spec.Hosts {
		if h := listenerHostname(h); h != "" {
			hostnames = append(hostnames, h)
		}
	}
	rules, diags := routeRules(a, experimental)
	var out []*manifest.Object
	if len(serve) > 0 {
		o := newObject(gatewayAPIV1, "HTTPRoute", a.Namespace, a.Name, nil, struct {
			Spec httpRouteSpec `yaml:"spec"`
		}{httpRouteSpec{ParentRefs: serve, Hostnames: hostnames, Rules: rules}})
		o.Source = a.Obj
		out = append(out, o)
	}
	if len(plain) > 0 {
		rd := &httpRequestRedirect{Scheme: "https", StatusCode: redirectStatus}
		if httpsPort != defaultHTTPSPort {
			rd.Port = httpsPort
		}
		o := newObject(gatewayAPIV1, "HTTPRoute", a.Namespace, a.Name+"-"+redirectRouteName, nil, struct {
			Spec httpRouteSpec `yaml:"spec"`
		}{httpRouteSpec{ParentRefs: plain, Hostnames: hostnames, Rules: []httpRouteRule{{
			Name:    redirectRouteName,
			Filters: []httpRouteFilter{{Type: "RequestRedirect", RequestRedirect: rd}},
		}}}})
		o.Source = a.Obj
		out = append(out, o)
	}
	return out, diags
}

// routeRules renders an app's routes as HTTPRoute rules. Gateway API does
// not take the first rule that matches, as edgegate and Istio do: it
// prefers an exact path, then the longest prefix, then the most headers.
// A match an earlier route covers is left out (the earlier one takes its
// requests, as in the Istio output), and a later route that Gateway API
// would prefer over an earlier one for requests both match is an error:
// the outcome would differ from the Istio output's.
func routeRules(a *App, experimental bool) ([]httpRouteRule, manifest.Diagnostics) {
	var diags manifest.Diagnostics
	var rules []httpRouteRule
	type kept struct {
		route int
		m     match.HTTPMatchRequest
	}
	var earlier []kept
	regexps := match.NewRegexps()
	for i := range a.Spec.Routes {
		r := &a.Spec.Routes[i]
		field := fmt.Sprintf("spec.routes[%d]", i)
		entries := a.matches[i]
		var live []routeEntry
		for _, e := range entries {
			if !e.covered {
				live = append(live, e)
			}
		}
		if len(live) == 0 {
			continue // never reached: earlier routes take every request (EG008 says so)
		}
		flagged := false
		for _, e := range live {
			for _, k := range earlier {
				if flagged || k.route == i || !precedes(&e.match, &k.m) || !mayIntersect(regexps, &k.m, &e.match) {
					continue
				}
				flagged = true
				diags = append(diags, manifest.Errorf(a.Obj, field,
					"Gateway API picks a rule by its match, not by order (Istio ranks an exact path, then the longest prefix, then the longest regular expression, then the most headers): requests spec.routes[%d] and this route may both match would go to this route, where edgegate and the Istio output send them to spec.routes[%d]; reorder the routes, or make the matches disjoint",
					k.route, k.route))
			}
			earlier = append(earlier, kept{i, e.match})
		}
		rule := httpRouteRule{Name: r.Name}
		if len(live) == len(entries) {
			rule.Matches = []httpRouteMatch{gatewayAPIMatch(r)}
		} else {
			if r.Rewrite != "" {
				diags = append(diags, manifest.Errorf(a.Obj, field+".rewrite",
					"an earlier route takes part of this route's paths, and Gateway API replaces a prefix only on a whole PathPrefix match: make the routes disjoint to keep the rewrite"))
			}
			for _, e := range live {
				rule.Matches = append(rule.Matches, entryMatch(e.match))
			}
		}
		if r.Rewrite != "" {
			rule.Filters = []httpRouteFilter{{Type: "URLRewrite", URLRewrite: &httpURLRewrite{Path: rewriteOf(r)}}}
		}
		for _, t := range a.Targets[i] {
			ref := httpBackendRef{Name: t.Service, Port: t.Port}
			if t.Namespace != a.Namespace {
				ref.Namespace = t.Namespace
			}
			if len(a.Targets[i]) > 1 {
				w := t.Weight
				ref.Weight = &w
			}
			rule.BackendRefs = append(rule.BackendRefs, ref)
		}
		if r.Timeout != "" {
			d, _ := v1alpha1.ParseTimeout(r.Timeout) // validated
			s, ok := gatewayAPIDuration(d)
			if !ok {
				diags = append(diags, manifest.Errorf(a.Obj, field+".timeout", "%s is not a Gateway API duration (whole milliseconds, at most 99999 of each unit h, m, s, ms)", r.Timeout))
			}
			rule.Timeouts = &httpTimeouts{Request: s}
		}
		if r.Retries != nil {
			if !experimental {
				diags = append(diags, manifest.Errorf(a.Obj, field+".retries",
					"retries need the HTTPRoute retry field of Gateway API's experimental channel, and gateway %s renders the standard channel: set spec.gatewayAPI.experimental on the IngressGateway (with the experimental CRDs installed), or drop the retries",
					a.Workload.Key()))
			}
			rule.Retry = &httpRouteRetry{Attempts: *r.Retries}
		}
		rules = append(rules, rule)
	}
	if a.Spec.TLS != nil && a.Spec.TLS.Mode == "MUTUAL" {
		diags = append(diags, manifest.Errorf(a.Obj, "spec.tls.mode",
			"MUTUAL is not rendered in the Gateway API yet (its client certificate validation is per port, not per host): render gateway %s with api: istio",
			a.Workload.Key()))
	}
	return rules, diags
}

// precedes reports whether Istio's translation of Gateway API puts match
// a before match b (pilot/pkg/config/kube/gateway, sortHTTPRoutes): by the
// kind of path (exact, prefix, regular expression), then the length of its
// value, then the number of headers; a stable sort keeps the rest in order.
// A match without a path is PathPrefix / (the API server's default).
func precedes(a, b *match.HTTPMatchRequest) bool {
	ka, la := pathRank(a)
	kb, lb := pathRank(b)
	switch {
	case ka != kb:
		return ka > kb
	case la != lb:
		return la > lb
	}
	return len(a.Headers) > len(b.Headers)
}

// pathRank is the kind and length Istio sorts a path match by, as it
// translates it: a PathPrefix loses its trailing slash (but / stays).
func pathRank(m *match.HTTPMatchRequest) (kind, length int) {
	switch {
	case m.URI == nil:
		return 2, 1
	case m.URI.Exact != "":
		return 3, len(m.URI.Exact)
	case m.URI.Prefix != "":
		return 2, len(strings.TrimRight(m.URI.Prefix, "/")) + boolInt(m.URI.Prefix == "/")
	}
	return 1, len(m.URI.Regex)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mayIntersect reports whether a request might match both: exactly for
// exact paths, prefixes and header values (match.RequestIntersects), and
// for a regular expression by its literal prefix, so that only paths
// provably apart are said to be apart.
func mayIntersect(c *match.Regexps, a, b *match.HTTPMatchRequest) bool {
	if !isRegex(a) && !isRegex(b) {
		return c.RequestIntersects(a, b)
	}
	pa, pb := literalPath(a), literalPath(b)
	return strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa)
}

// literalPath is the text every path a match accepts starts with.
func literalPath(m *match.HTTPMatchRequest) string {
	switch {
	case m.URI == nil:
		return ""
	case m.URI.Exact != "":
		return m.URI.Exact
	case m.URI.Prefix != "":
		return m.URI.Prefix
	}
	return match.LiteralPrefix(m.URI.Regex)
}

// gatewayAPIMatch is a route's match as Gateway API writes it: its prefix
// is a PathPrefix, which matches by path element exactly as edgegate's
// prefix does (/api, /api/x, never /apiary).
func gatewayAPIMatch(r *v1alpha1.Route) httpRouteMatch {
	var out httpRouteMatch
	switch {
	case r.Exact != "":
		out.Path = &httpPathMatch{Type: "Exact", Value: r.Exact}
	case r.Prefix != "":
		out.Path = &httpPathMatch{Type: "PathPrefix", Value: v1alpha1.ElementPrefix(r.Prefix)}
	case r.Regex != "":
		out.Path = &httpPathMatch{Type: "RegularExpression", Value: r.Regex}
	default:
		out.Path = &httpPathMatch{Type: "PathPrefix", Value: "/"}
	}
	out.Headers = headerMatches(r.Headers)
	return out
}

// entryMatch is one of the Istio-shaped matches a route renders to, for a
// route part of whose matches an earlier route covers: an exact path stays
// Exact, a prefix /api/ (the subpaths alone) becomes a regular expression.
func entryMatch(m match.HTTPMatchRequest) httpRouteMatch {
	var out httpRouteMatch
	switch {
	case m.URI == nil:
	case m.URI.Exact != "":
		out.Path = &httpPathMatch{Type: "Exact", Value: m.URI.Exact}
	case m.URI.Prefix == "/":
		out.Path = &httpPathMatch{Type: "PathPrefix", Value: "/"}
	case m.URI.Prefix != "":
		out.Path = &httpPathMatch{Type: "RegularExpression", Value: regexpQuote(m.URI.Prefix) + ".*"}
	case m.URI.Regex != "":
		out.Path = &httpPathMatch{Type: "RegularExpression", Value: m.URI.Regex}
	}
	for _, name := range sortedKeys(m.Headers) {
		out.Headers = append(out.Headers, httpHeaderMatch{Type: "Exact", Name: name, Value: m.Headers[name].Exact})
	}
	return out
}

func headerMatches(h map[string]string) []httpHeaderMatch {
	var out []httpHeaderMatch
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		out = append(out, httpHeaderMatch{Type: "Exact", Name: k, Value: h[k]})
	}
	return out
}

func sortedKeys(m map[string]match.StringMatch) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// regexpQuote quotes the RE2 metacharacters of a literal path.
func regexpQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// rewriteOf is a route's rewrite as a Gateway API path modifier: a prefix
// route replaces the prefix it matched (/api → /v2, /api/x → /v2/x, as
// edgegate's rewrite means), an exact or regular expression route the
// whole path (as Istio's rewrite.uri does there).
func rewriteOf(r *v1alpha1.Route) httpPathModifier {
	if r.Exact != "" || r.Regex != "" {
		return httpPathModifier{Type: "ReplaceFullPath", ReplaceFullPath: r.Rewrite}
	}
	return httpPathModifier{Type: "ReplacePrefixMatch", ReplacePrefixMatch: r.Rewrite}
}

// gatewayAPIDuration writes d as Gateway API's Duration (1h30m, 250ms):
// false when it has a part below a millisecond or a unit past 99999.
func gatewayAPIDuration(d time.Duration) (string, bool) {
	if d%time.Millisecond != 0 || d <= 0 {
		return "", false
	}
	var b strings.Builder
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		n := d / u.d
		d -= n * u.d
		if n > 0 {
			if n > 99999 {
				return "", false
			}
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.name)
		}
	}
	return b.String(), true
}

func isRegex(m *match.HTTPMatchRequest) bool { return m.URI != nil && m.URI.Regex != "" }
