package explain

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render/match"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// envoyRoute is one route of a virtual host: one match of one http rule
// of one VirtualService, as pilot translates it for a server's port.
type envoyRoute struct {
	vs     *model.VirtualService
	rule   int
	match  int // -1: the rule has no matches
	m      *match.HTTPMatchRequest
	server *server
}

// catchAll is pilot's IsCatchAllRoute: every path, no header or query condition.
func (r *envoyRoute) catchAll() bool {
	if r.m == nil {
		return true
	}
	if len(r.m.Headers) > 0 || len(r.m.QueryParams) > 0 || len(r.m.WithoutHeaders) > 0 || r.m.Authority != nil || r.m.Method != nil || r.m.Scheme != nil {
		return false
	}
	u := r.m.URI
	return u == nil || (u.Exact == "" && u.Regex == "" && (u.Prefix == "" || u.Prefix == "/")) || (u.Exact == "" && u.Prefix == "" && u.Regex == ".*")
}

// candidate is a virtual host domain the request's Host could fall under,
// with its routes in order.
type candidate struct {
	domain     string
	routes     []*envoyRoute
	requireTLS bool
}

// route builds, for the servers of one route table, the virtual hosts a
// request for p.host could reach, picks one as Envoy does, and walks its
// routes.
func (w *World) route(a *Answer, gw gatewayWorkload, table []*server, p parsed) {
	proxyNS := gw.pods.Namespace
	byDomain := map[string]*candidate{}
	var order []string
	add := func(domain string) *candidate {
		c := byDomain[domain]
		if c == nil {
			c = &candidate{domain: domain}
			byDomain[domain] = c
			order = append(order, domain)
		}
		return c
	}
	anyHost := false
	for _, s := range table {
		gwName := s.name()
		for _, vs := range w.visible(gwName, proxyNS) {
			vsHosts := vsHosts(vs)
			var inter []string
			for _, sh := range s.hosts {
				ns, h, scoped := strings.Cut(sh, "/")
				if scoped && ns != vs.Obj.Namespace {
					continue
				}
				if !scoped {
					h = sh
				}
				for _, vh := range vsHosts {
					i := ""
					switch {
					case hostname.Matches(h, vh):
						i = vh
					case hostname.Matches(vh, h):
						i = h
					}
					if i != "" && !contains(inter, i) {
						inter = append(inter, i)
					}
				}
			}
			if len(inter) == 0 {
				continue
			}
			anyHost = true
			var routes []*envoyRoute
			for _, d := range inter {
				if !hostname.Matches(d, p.host) {
					continue // a virtual host this request can never reach
				}
				if routes == nil {
					routes = translate(vs, s, gwName)
				}
				c := add(d)
				c.routes = append(c.routes, routes...)
				if s.s.TLS != nil && s.s.TLS.HTTPSRedirect {
					c.requireTLS = true
				}
			}
		}
		if s.s.TLS != nil && s.s.TLS.HTTPSRedirect {
			for _, sh := range s.hosts {
				h := bare(sh)
				if hostname.Matches(h, p.host) {
					add(h).requireTLS = true
				}
				anyHost = true
			}
		}
	}
	if !anyHost {
		a.Outcome, a.Reason = NoRoute, "no-virtual-host"
		a.Detail = "no VirtualService binds to the servers of this port (Envoy answers every request with 404)"
		return
	}
	// Envoy: the exact domain, else the longest wildcard suffix, else "*".
	var best *candidate
	for _, d := range order {
		c := byDomain[d]
		switch {
		case d == p.host:
			best = c
		case best != nil && best.domain == p.host:
		case d == "*":
			if best == nil {
				best = c
			}
		case best == nil || best.domain == "*" || len(d) > len(best.domain):
			best = c
		}
	}
	if best == nil {
		a.Outcome, a.Reason = NoRoute, "no-virtual-host"
		a.Detail = fmt.Sprintf("no virtual host of route table %s serves host %s", a.RouteTable, p.host)
		return
	}
	a.VirtualHost = best.domain
	if best.requireTLS && p.scheme == "http" {
		a.Outcome, a.Reason = Redirect, "require-tls"
		a.Redirect = "https://" + p.authority + p.path
		a.Detail = "the Gateway server's tls.httpsRedirect sends every plain-HTTP request to HTTPS"
		return
	}
	routes := sortRoutes(best.routes)
	re := match.NewRegexps()
	var answered *envoyRoute
	for _, r := range routes {
		why := mismatch(re, r.m, p)
		if answered != nil {
			if why == "" {
				a.Skipped = append(a.Skipped, w.skipped(r, fmt.Sprintf("shadowed: %s spec.http[%d] matches first", model.NSName(answered.vs.Obj), answered.rule)))
			}
			continue
		}
		if why != "" {
			a.Skipped = append(a.Skipped, w.skipped(r, why))
			continue
		}
		answered = r
	}
	if answered == nil {
		a.Outcome, a.Reason = NoRoute, "no-matching-route"
		a.Detail = fmt.Sprintf("no route of virtual host %s matches", best.domain)
		return
	}
	w.answer(a, gw, answered, p)
}

// visible are the VirtualServices bound to Gateway gwName that the gateway's
// proxy (in namespace proxyNS) sees, in pilot's order: exported to its
// namespace alone first, then to everyone.
func (w *World) visible(gwName, proxyNS string) []*model.VirtualService {
	var private, public []*model.VirtualService
	for _, vs := range w.boundVS[gwName] {
		exp := vs.Spec.ExportTo
		switch {
		case len(exp) == 0 || contains(exp, "*"):
			public = append(public, vs)
		case contains(exp, proxyNS) || (contains(exp, ".") && vs.Obj.Namespace == proxyNS):
			private = append(private, vs)
		}
	}
	return append(private, public...)
}

// vsHosts are a VirtualService's hosts as pilot reads them: lowercase, a
// short name completed with the VirtualService's namespace.
func vsHosts(vs *model.VirtualService) []string {
	out := make([]string, 0, len(vs.Spec.Hosts))
	for _, h := range vs.Spec.Hosts {
		h = hostname.Canonical(h)
		if h != "*" && !strings.Contains(h, ".") {
			h += "." + vs.Obj.Namespace + ".svc.cluster.local"
		}
		out = append(out, h)
	}
	return out
}

// translate is pilot's BuildHTTPRoutesForVirtualService for one server:
// a route per match, leaving out matches for another port or gateway, and
// nothing after a catch-all.
func translate(vs *model.VirtualService, s *server, gwName string) []*envoyRoute {
	var out []*envoyRoute
	for i := range vs.Spec.HTTP {
		rule := &vs.Spec.HTTP[i]
		if rule.Delegate != nil {
			continue
		}
		if len(rule.Match) == 0 {
			out = append(out, &envoyRoute{vs: vs, rule: i, match: -1, server: s})
			return out
		}
		for j := range rule.Match {
			m := &rule.Match[j]
			if m.Port != 0 && m.Port != s.s.Port.Number {
				continue
			}
			if len(m.Gateways) > 0 {
				found := false
				for _, g := range m.Gateways {
					if model.ResolveGatewayName(vs.Obj.Namespace, g) == gwName {
						found = true
					}
				}
				if !found {
					continue
				}
			} else if len(m.SourceLabels) > 0 || m.SourceNamespace != "" {
				continue // a sidecar's condition; never a gateway's
			}
			r := &envoyRoute{vs: vs, rule: i, match: j, m: m, server: s}
			out = append(out, r)
			if r.catchAll() {
				return out
			}
		}
	}
	return out
}

// sortRoutes is pilot's SortVHostRoutes: catch-all routes of every
// VirtualService of the virtual host go last, in order.
func sortRoutes(routes []*envoyRoute) []*envoyRoute {
	out := make([]*envoyRoute, 0, len(routes))
	var last []*envoyRoute
	for _, r := range routes {
		if r.catchAll() {
			last = append(last, r)
		} else {
			out = append(out, r)
		}
	}
	return append(out, last...)
}

// mismatch says why a match does not take the request, "" when it does, as
// Envoy evaluates the route pilot writes for it.
func mismatch(re *match.Regexps, m *match.HTTPMatchRequest, p parsed) string {
	if m == nil {
		return ""
	}
	path, _, _ := strings.Cut(p.path, "?")
	if u := m.URI; u != nil {
		fold := func(s string) string {
			if m.IgnoreURICase {
				return strings.ToLower(s)
			}
			return s
		}
		switch {
		case u.Exact != "":
			if fold(path) != fold(u.Exact) {
				return fmt.Sprintf("path %s is not exact %s", path, u.Exact)
			}
		case u.Prefix != "":
			// Envoy's prefix is a string prefix of the path with its query.
			if !strings.HasPrefix(fold(p.path), fold(u.Prefix)) {
				return fmt.Sprintf("path %s does not start with prefix %s", path, u.Prefix)
			}
		case u.Regex != "":
			if !re.FullMatch(u.Regex, path) {
				return fmt.Sprintf("path %s does not match regex %s", path, u.Regex)
			}
		}
	}
	if a := m.Authority; a != nil {
		if why := stringMismatch(re, ":authority", a, p.authority, true); why != "" {
			return why
		}
	}
	for _, name := range sortedKeys(m.Headers) {
		v, ok := p.headers[strings.ToLower(name)]
		sm := m.Headers[name]
		if why := stringMismatch(re, "header "+name, &sm, v, ok); why != "" {
			return why
		}
	}
	for _, name := range sortedKeys(m.WithoutHeaders) {
		v, ok := p.headers[strings.ToLower(name)]
		sm := m.WithoutHeaders[name]
		if ok && stringMismatch(re, "", &sm, v, ok) == "" {
			return fmt.Sprintf("header %s matches withoutHeaders", name)
		}
	}
	if len(m.QueryParams) > 0 {
		_, q, _ := strings.Cut(p.path, "?")
		values := map[string]string{}
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if k != "" {
				if _, seen := values[k]; !seen {
					values[k] = v
				}
			}
		}
		for _, name := range sortedKeys(m.QueryParams) {
			v, ok := values[name]
			sm := m.QueryParams[name]
			if why := stringMismatch(re, "query parameter "+name, &sm, v, ok); why != "" {
				return why
			}
		}
	}
	if m.Method != nil {
		if why := stringMismatch(re, ":method", m.Method, "GET", true); why != "" {
			return why
		}
	}
	if m.Scheme != nil {
		if why := stringMismatch(re, ":scheme", m.Scheme, p.scheme, true); why != "" {
			return why
		}
	}
	return ""
}

func stringMismatch(re *match.Regexps, what string, sm *match.StringMatch, v string, present bool) string {
	if !present {
		return what + " is missing"
	}
	switch {
	case sm.Exact != "":
		if v != sm.Exact {
			return fmt.Sprintf("%s is %q, not %q (header mismatch)", what, v, sm.Exact)
		}
	case sm.Prefix != "":
		if !strings.HasPrefix(v, sm.Prefix) {
			return fmt.Sprintf("%s %q does not start with %q (header mismatch)", what, v, sm.Prefix)
		}
	case sm.Regex != "":
		if !re.FullMatch(sm.Regex, v) {
			return fmt.Sprintf("%s %q does not match %s (header mismatch)", what, v, sm.Regex)
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (w *World) skipped(r *envoyRoute, reason string) Skipped {
	rule := &r.vs.Spec.HTTP[r.rule]
	s := Skipped{Kind: "VirtualService", Name: model.NSName(r.vs.Obj), Field: fmt.Sprintf("spec.http[%d]", r.rule), RuleName: rule.Name, Reason: reason}
	s.At, _ = w.ruleAt(r)
	return s
}

// ruleAt is file:line of a rule, and the AppIntent field it was rendered
// from (for a rendered VirtualService).
func (w *World) ruleAt(r *envoyRoute) (string, string) {
	o := r.vs.Obj
	if o.IsManaged() && o.Source != nil {
		if origins := w.res.RuleOrigins[o]; r.rule < len(origins) {
			return at(o.Source, origins[r.rule]), origins[r.rule]
		}
		return at(o.Source, ""), ""
	}
	return at(o, fmt.Sprintf("spec.http[%d]", r.rule)), ""
}

// answer fills in what the answering route does.
func (w *World) answer(a *Answer, gw gatewayWorkload, r *envoyRoute, p parsed) {
	rule := &r.vs.Spec.HTTP[r.rule]
	a.VirtualService = w.place(r.vs.Obj, "")
	ruleAt, field := w.ruleAt(r)
	a.Rule = &Rule{Index: r.rule, Name: rule.Name, Match: r.match, At: ruleAt, Field: field}
	if a.Server == nil {
		a.Server = w.serverInfo(r.server, "", gw)
	}
	if a.Listener != nil && a.Listener.Lock == nil {
		a.Listener.Lock = w.lockEntry(gw, r.server, a.VirtualHost)
	}
	switch {
	case rule.Redirect != nil:
		a.Outcome = Redirect
		a.Redirect = location(rule.Redirect, r, p)
	case rule.DirectResponse != nil:
		a.Outcome = Route
		a.DirectResponse, _ = strconv.Atoi(manifest.ScalarValue(manifest.Lookup(rule.DirectResponse, "status")))
	default:
		a.Outcome = Route
		a.Destinations = w.destinations(r)
		if rw := rewrite(r.vs.Obj, r.rule); rw != "" {
			a.Rewrite = rewritten(r.m, rw, p.path) // "" for a regex match
		}
	}
}

// destinations are the clusters of a rule as pilot names them
// (GetDestinationCluster): the host completed with the VirtualService's
// namespace, or, for an ExternalName Service, its external name (one hop:
// pilot does not follow an external name that is itself an ExternalName
// Service); the port given, else the named Service's only port, else the
// server's port; weights as written (a single destination takes
// everything, a zero weight beside others is left out).
func (w *World) destinations(r *envoyRoute) []Destination {
	rule := &r.vs.Spec.HTTP[r.rule]
	out := []Destination{}
	for _, d := range rule.Route {
		h := d.Destination.Host
		if h != "" && !strings.Contains(h, ".") && !strings.HasPrefix(h, "*") {
			h += "." + r.vs.Obj.Namespace + ".svc.cluster.local"
		}
		svc := w.serviceOf(h)
		cluster, via := h, ""
		if svc != nil {
			if alias := svc.AliasFor(); alias != "" {
				cluster, via = alias, model.NSName(svc.Obj)
			}
		}
		port := r.server.s.Port.Number
		switch {
		case d.Destination.Port != nil:
			port = d.Destination.Port.Number
		case svc != nil && len(svc.Spec.Ports) == 1:
			port = svc.Spec.Ports[0].Port
		}
		weight := 100
		if len(rule.Route) > 1 {
			weight = 0
			if d.Weight != nil {
				weight = *d.Weight
			}
			if weight == 0 {
				continue
			}
		}
		out = append(out, Destination{Host: cluster, Port: port, Subset: d.Destination.Subset, Weight: weight, ExternalNameOf: via})
	}
	return out
}

// serviceOf finds the Service of a cluster-local FQDN.
func (w *World) serviceOf(fqdn string) *model.Service {
	name, rest, ok := strings.Cut(fqdn, ".")
	if !ok {
		return nil
	}
	ns, suffix, ok := strings.Cut(rest, ".")
	if !ok || suffix != "svc.cluster.local" {
		return nil
	}
	return w.idx.Service(ns + "/" + name)
}

// rewrite reads spec.http[i].rewrite.uri, which the index does not keep.
func rewrite(o *manifest.Object, rule int) string {
	http := o.Field("spec", "http")
	if http == nil || rule >= len(http.Content) {
		return ""
	}
	return manifest.ScalarValue(manifest.Lookup(manifest.Unalias(http.Content[rule]), "rewrite", "uri"))
}

// rewritten is the path Envoy forwards: prefix_rewrite replaces what the
// match matched (the prefix, or the whole path of an exact match, keeping
// the query).
func rewritten(m *match.HTTPMatchRequest, rw, path string) string {
	switch {
	case m == nil || m.URI == nil:
		return rw + strings.TrimPrefix(path, "/")
	case m.URI.Exact != "":
		if _, q, ok := strings.Cut(path, "?"); ok {
			return rw + "?" + q
		}
		return rw
	case m.URI.Prefix != "":
		return rw + path[len(m.URI.Prefix):]
	}
	return "" // a regex match: what Envoy forwards is not worked out here
}

var portSuffix = regexp.MustCompile(`:\d+$`)

// location is where a redirect rule sends the client, as Envoy computes
// it from what pilot writes: the scheme (else the request's); the
// authority (else the request's Host); the port (pilot leaves out 80 for
// http and 443 for https), else the Host's port, which Envoy drops when the
// scheme changes from the one it is the default of; the path (uri, else
// the request's).
func location(rd *yaml.Node, r *envoyRoute, p parsed) string {
	get := func(k string) string { return manifest.ScalarValue(manifest.Lookup(rd, k)) }
	scheme := strings.ToLower(get("scheme"))
	if scheme == "" {
		scheme = p.scheme
	}
	port, _ := strconv.Atoi(get("port"))
	if dp := get("derivePort"); dp == "FROM_REQUEST_PORT" {
		port = r.server.s.Port.Number
	}
	if manifest.Lookup(rd, "port") != nil || get("derivePort") != "" {
		s := scheme
		if s == "" {
			s = "http"
		}
		if (port == 80 && s == "http") || (port == 443 && s == "https") {
			port = 0
		}
	}
	host := p.authority
	if auth := get("authority"); auth != "" {
		host = auth
	} else if m := portSuffix.FindString(host); m != "" {
		drop := port != 0
		if scheme != p.scheme {
			drop = drop || (p.scheme == "https" && m == ":443") || (p.scheme == "http" && m == ":80")
		}
		if drop {
			host = strings.TrimSuffix(host, m)
		}
	}
	if port != 0 {
		host = portSuffix.ReplaceAllString(host, "") + ":" + strconv.Itoa(port)
	}
	path := p.path
	if uri := get("uri"); uri != "" {
		path = uri
	}
	return scheme + "://" + host + path
}
