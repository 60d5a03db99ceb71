package policy

import (
	"fmt"
	"net/http"
	"net/netip"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/policy/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The rules of istiod's validating webhook (istio.io/istio
// pkg/config/validation: ValidateGateway, ValidateVirtualService and the
// agent helpers they call) that EG014 applies beyond the CRD schema, with
// istiod's own messages. Each applies only to a value of the right type:
// a wrong type is the schema layer's finding.
//
// Gateway:
//   - metadata.name is a DNS-1123 label (no dots);
//   - at least one server; each server at least one host, each host
//     [namespace/]dnsName with namespace *, . or a DNS label, dnsName * or
//     an FQDN (no short names) or an IP, wildcard only as the whole first
//     label, no partial wildcard ("*foo.com");
//   - port.number 1..65535 (the CRD allows 0..4294967295; 0 only with a
//     unix:// bind), port.protocol one Istio knows, port.name non-empty and
//     unique across the servers, no port.targetPort;
//   - bind an IP address or unix://<absolute path> (then port 0);
//   - one certificate source: credentialName, credentialNames,
//     serverCertificate/privateKey or tlsCertificates (the CRD rules catch
//     two of the pairs);
//   - tls.httpsRedirect on a server that is not HTTP (warning).
//
// VirtualService:
//   - no hosts makes it a delegate, which may have no gateways, tls or tcp;
//   - hosts are wildcard domains (or IPs); "*" only when bound to gateways
//     other than mesh; no two hosts overlap;
//   - gateway references: namespace/name with DNS labels, or an FQDN;
//   - at least one of http, tcp, tls;
//   - an http route has a route, a redirect, a directResponse or (not in a
//     delegate) a delegate, and not two of them, nor fault or rewrite with
//     a redirect or directResponse; not both mirror and mirrors;
//   - durations (timeout, retries.perTryTimeout and backoff, fault delays,
//     corsPolicy.maxAge) to millisecond precision (maxAge to seconds);
//     exponentialDelay is not supported;
//   - retries: attempts not negative, and not 0 (or unset) with
//     perTryTimeout, retryOn or retryRemoteLocalities; retryOn policies
//     Envoy knows or HTTP status codes;
//   - matches: non-empty prefixes (but for uri), regexes that compile
//     (RE2) and are at most 1024 bytes, ports 1..65535, sourceNamespace a
//     DNS label;
//   - destinations: host not "*" and a wildcard domain, subset a DNS label,
//     port 1..65535, weight not negative, weights not all 0 when there are
//     several;
//   - redirect: not both uri and prefixRewrite, prefixRewrite only with
//     prefix uri matches, at least one of uri/prefixRewrite/authority/
//     scheme/port, a 3xx redirectCode, scheme http or https;
//   - directResponse: status 200..599, body under 1MB;
//   - rewrite: not both uri and uriRegexRewrite, at least one of uri,
//     uriRegexRewrite, authority; uriRegexRewrite with match and rewrite;
//   - fault: abort and/or delay, percentages in [0.0001, 100] (or 0),
//     abort httpStatus 200..599 or a gRPC status name, no http2Error;
//   - mirrors: a destination each, percentages 0..100;
//   - corsPolicy: allowOrigins matches not empty, allowMethods HTTP methods;
//   - tls routes: a match with sniHosts each, the SNI hosts within the
//     VirtualService's hosts, a route; tcp routes: a route;
//   - exportTo: ".", "*" or namespaces, no duplicates, "*" alone, no "~".
//
// Not applied: header name and value syntax, sourceLabels syntax, JWT
// claim routing, and the unreachable-rule warnings (EG008's).

// eg014MaxPairs bounds the pairwise comparisons of one list, so a hostile
// input cannot make the gate quadratic.
const eg014MaxPairs = 1 << 20

var (
	eg014DNSLabel      = regexp.MustCompile(`^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$`)
	eg014WildcardLabel = regexp.MustCompile(`^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$`)
)

// eg014Protocols are the protocols istiod's protocol.Parse knows.
var eg014Protocols = map[string]bool{
	"http": true, "https": true, "http2": true, "grpc": true, "grpc-web": true, "http_proxy": true,
	"tcp": true, "tls": true, "udp": true, "mongo": true, "redis": true, "mysql": true,
}

var eg014RetryOn = map[string]bool{
	"5xx": true, "gateway-error": true, "reset": true, "reset-before-request": true, "connect-failure": true,
	"retriable-4xx": true, "refused-stream": true, "retriable-status-codes": true, "retriable-headers": true,
	"envoy-ratelimited": true, "http3-post-connect-failure": true,
	"cancelled": true, "deadline-exceeded": true, "internal": true, "resource-exhausted": true, "unavailable": true,
}

var eg014GRPCStatus = map[string]bool{
	"OK": true, "CANCELLED": true, "UNKNOWN": true, "INVALID_ARGUMENT": true, "DEADLINE_EXCEEDED": true,
	"NOT_FOUND": true, "ALREADY_EXISTS": true, "PERMISSION_DENIED": true, "RESOURCE_EXHAUSTED": true,
	"FAILED_PRECONDITION": true, "ABORTED": true, "OUT_OF_RANGE": true, "UNIMPLEMENTED": true,
	"INTERNAL": true, "UNAVAILABLE": true, "DATA_LOSS": true, "UNAUTHENTICATED": true,
}

var eg014CORSMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"CONNECT": true, "OPTIONS": true, "TRACE": true, "*": true,
}

// ---- Gateway ----

func (w eg014Webhook) gateway() {
	if name := w.o.Name; name != "" && !eg014IsDNSLabel(name) {
		w.reject("metadata.name", "invalid gateway name %q: a Gateway's name must be a DNS-1123 label (no dots)", name)
	}
	servers := schema.Field(w.o.Node, "spec", "servers")
	if eg014EmptyList(servers) {
		w.reject("spec.servers", "gateway must have at least one server")
	}
	names := map[string]int{}
	for i, s := range schema.Elements(servers) {
		if s.Kind == yaml.MappingNode {
			w.server(s, fmt.Sprintf("spec.servers[%d]", i), i, names)
		}
	}
}

func (w eg014Webhook) server(s *yaml.Node, p string, i int, names map[string]int) {
	hosts := schema.Field(s, "hosts")
	if eg014EmptyList(hosts) && schema.Present(hosts) {
		w.reject(p+".hosts", "server config must contain at least one host")
	}
	for j, h := range schema.Elements(hosts) {
		if host, ok := schema.String(h); ok {
			if err := eg014GatewayHost(host); err != "" {
				w.reject(fmt.Sprintf("%s.hosts[%d]", p, j), "invalid host %q: %s", host, err)
			}
		}
	}

	bind, _ := schema.String(schema.Field(s, "bind"))
	unixAddr, unix := strings.CutPrefix(bind, "unix://")
	port := schema.Field(s, "port")
	number, hasNumber := schema.Int(schema.Field(port, "number"))
	if hasNumber && number >= 0 && number <= 4294967295 && (number != 0 || !unix) && (number < 1 || number > 65535) {
		w.reject(p+".port.number", "port number %d must be in the range 1..65535", number)
	}
	protocol, hasProtocol := schema.String(schema.Field(port, "protocol"))
	if hasProtocol && !eg014Protocols[strings.ToLower(protocol)] {
		w.reject(p+".port.protocol", "invalid protocol %q, supported protocols are HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, HTTP_PROXY, TCP, TLS, UDP, MONGO, REDIS, MYSQL", protocol)
	}
	if name, ok := schema.String(schema.Field(port, "name")); ok {
		if name == "" {
			w.reject(p+".port.name", "port name must be set")
		} else if first, dup := names[name]; dup {
			w.reject(p+".port.name", "port names in servers must be unique: duplicate name %s (spec.servers[%d] has it too)", name, first)
		} else {
			names[name] = i
		}
	}
	if target, ok := schema.Int(schema.Field(port, "targetPort")); ok && target > 0 {
		w.reject(p+".port.targetPort", "targetPort has no impact on Gateways: remove it")
	}

	switch {
	case unix:
		switch {
		case unixAddr == "":
			w.reject(p+".bind", "unix address must not be empty")
		case !strings.HasPrefix(unixAddr, "@") && (!path.IsAbs(unixAddr) || strings.HasSuffix(unixAddr, "/")):
			w.reject(p+".bind", "%s is not an absolute path to a file", unixAddr)
		}
		if hasNumber && number != 0 {
			w.reject(p+".port.number", "port number must be 0 for unix domain socket")
		}
	case bind != "":
		if _, err := netip.ParseAddr(bind); err != nil {
			w.reject(p+".bind", "%s is not a valid IP", bind)
		}
	}

	tls := schema.Field(s, "tls")
	if tls == nil || tls.Kind != yaml.MappingNode {
		return
	}
	str := func(k string) bool { v, _ := schema.String(schema.Field(tls, k)); return v != "" }
	list := func(k string) bool { return len(schema.Elements(schema.Field(tls, k))) > 0 }
	set := func(k string) bool { return schema.Present(schema.Field(tls, k)) }
	sources := 0
	for _, has := range []bool{str("serverCertificate") && str("privateKey"), str("credentialName"), list("credentialNames"), list("tlsCertificates")} {
		if has {
			sources++
		}
	}
	// The CRD's rules already refuse credentialNames with either other.
	crd := set("credentialNames") && (set("credentialName") || set("tlsCertificates"))
	if sources > 1 && !crd {
		w.reject(p+".tls", "only one of credentialName, credentialNames, serverCertificate/privateKey or tlsCertificates can be set")
	}
	if redirect := schema.Field(tls, "httpsRedirect"); hasProtocol && eg014Protocols[strings.ToLower(protocol)] && !eg014IsHTTP(protocol) &&
		schema.TypeOf(redirect) == "boolean" && redirect.Value == "true" {
		w.warn(p+".tls.httpsRedirect", "tls.httpsRedirect should only be used with http servers: a %s server never sees the plain-text request to redirect", strings.ToUpper(protocol))
	}
}

func eg014IsHTTP(protocol string) bool {
	switch strings.ToLower(protocol) {
	case "http", "http2", "http_proxy", "grpc", "grpc-web":
		return true
	}
	return false
}

// eg014GatewayHost checks a Gateway server host as istiod's
// ValidateNamespaceSlashWildcardHostname does for gateways.
func eg014GatewayHost(h string) string {
	ns, name, ok := strings.Cut(h, "/")
	if !ok {
		return eg014GatewayHostname(h)
	}
	var errs []string
	if ns == "" || name == "" {
		errs = append(errs, "config namespace and dnsName in host entry cannot be empty")
	} else if ns != "*" && ns != "." && !eg014IsDNSLabel(ns) {
		errs = append(errs, fmt.Sprintf("invalid namespace value %q in gateway", ns))
	}
	if e := eg014GatewayHostname(name); e != "" {
		errs = append(errs, e)
	}
	return strings.Join(errs, "; ")
}

func eg014GatewayHostname(h string) string {
	var errs []string
	if h != "*" && !strings.Contains(h, ".") {
		errs = append(errs, "short names (non FQDN) are not allowed")
	}
	if err := eg014WildcardDomain(h); err != "" && !eg014IsIP(h) {
		errs = append(errs, err)
	}
	if strings.Contains(h, "*") && len(h) != 1 && !strings.HasPrefix(h, "*.") {
		errs = append(errs, fmt.Sprintf("partial wildcard %q not allowed", h))
	}
	return strings.Join(errs, "; ")
}

// ---- VirtualService ----

func (w eg014Webhook) virtualService() {
	spec := schema.Field(w.o.Node, "spec")
	hostsNode := schema.Field(spec, "hosts")
	hosts := eg014Strings(hostsNode)
	gatewaysNode := schema.Field(spec, "gateways")
	gateways := eg014Strings(gatewaysNode)
	httpNode, tlsNode, tcpNode := schema.Field(spec, "http"), schema.Field(spec, "tls"), schema.Field(spec, "tcp")

	delegate := eg014EmptyList(hostsNode)
	if delegate {
		if len(gateways) > 0 {
			w.reject("spec.gateways", "delegate virtual service must have no gateways specified: a VirtualService without hosts is a delegate; list the hosts it serves")
		}
		if len(schema.Elements(tlsNode)) > 0 {
			w.reject("spec.tls", "delegate virtual service must have no tls route specified")
		}
		if len(schema.Elements(tcpNode)) > 0 {
			w.reject("spec.tcp", "delegate virtual service must have no tcp route specified")
		}
	}
	appliesToGateway := len(gateways) > 0
	for _, g := range gateways {
		if g.value == "mesh" {
			appliesToGateway = false
		}
	}
	w.gatewayNames(gatewaysNode, "spec.gateways")

	sni := false
	for _, t := range schema.Elements(tlsNode) {
		for _, m := range schema.Elements(schema.Field(t, "match")) {
			if len(schema.Elements(schema.Field(m, "sniHosts"))) > 0 {
				sni = true
			}
		}
	}
	allValid := true
	for _, h := range hosts {
		var err string
		if appliesToGateway {
			err = eg014VSGatewayDomain(sni, h.value)
		} else {
			err = eg014WildcardDomain(h.value)
		}
		switch {
		case err != "" && !eg014IsIP(h.value):
			w.reject(h.field("spec.hosts"), "%s", err)
			allValid = false
		case err == "" && !appliesToGateway && h.value == "*":
			w.reject(h.field("spec.hosts"), "wildcard host * is not allowed for virtual services bound to the mesh gateway: bind it to a Gateway (spec.gateways) or name the hosts")
			allValid = false
		}
	}
	// Istio compares every pair; past eg014MaxPairs (an input no one
	// writes by hand) only exact repeats are looked for.
	if allValid && len(hosts)*len(hosts) > eg014MaxPairs {
		first := map[string]string{}
		for _, h := range hosts {
			if _, dup := first[h.value]; dup {
				w.reject(h.field("spec.hosts"), "duplicate hosts in virtual service: %s & %s", h.value, h.value)
			}
			first[h.value] = h.value
		}
	} else if allValid {
		for j := range hosts {
			for i := 0; i < j; i++ {
				if eg014HostsMatch(hosts[i].value, hosts[j].value) {
					w.reject(hosts[j].field("spec.hosts"), "duplicate hosts in virtual service: %s & %s", hosts[i].value, hosts[j].value)
					break
				}
			}
		}
	}

	if eg014EmptyList(httpNode) && eg014EmptyList(tlsNode) && eg014EmptyList(tcpNode) {
		w.reject("spec", "http, tcp or tls must be provided in virtual service")
	}
	for i, h := range schema.Elements(httpNode) {
		if h.Kind == yaml.MappingNode {
			w.httpRoute(h, fmt.Sprintf("spec.http[%d]", i), delegate)
		}
	}
	for i, t := range schema.Elements(tlsNode) {
		if t.Kind == yaml.MappingNode {
			w.tlsRoute(t, fmt.Sprintf("spec.tls[%d]", i), hosts, appliesToGateway)
		}
	}
	for i, t := range schema.Elements(tcpNode) {
		if t.Kind != yaml.MappingNode {
			continue
		}
		p := fmt.Sprintf("spec.tcp[%d]", i)
		for j, m := range schema.Elements(schema.Field(t, "match")) {
			w.l4Match(m, fmt.Sprintf("%s.match[%d]", p, j))
		}
		route := schema.Field(t, "route")
		if eg014EmptyList(route) {
			w.reject(p+".route", "TCP route is required")
		}
		w.destinations(route, p+".route")
	}
	w.exportTo(schema.Field(spec, "exportTo"))
}

func (w eg014Webhook) httpRoute(h *yaml.Node, p string, delegate bool) {
	has := func(k string) bool { return schema.Present(schema.Field(h, k)) }
	route := schema.Field(h, "route")
	routes := len(schema.Elements(route))
	switch {
	case !delegate && has("delegate"):
		if has("redirect") {
			w.reject(p+".redirect", "root HTTP route must not specify redirect: a route with a delegate hands the request to the delegate VirtualService")
		}
		if routes > 0 {
			w.reject(p+".route", "root HTTP route must not specify route: a route with a delegate hands the request to the delegate VirtualService")
		}
	default:
		if delegate && has("delegate") {
			w.reject(p+".delegate", "delegate HTTP route cannot contain delegate")
		}
		switch {
		case has("redirect"):
			if routes > 0 {
				w.reject(p+".route", "HTTP route cannot contain both route and redirect")
			}
			if has("fault") {
				w.reject(p+".fault", "HTTP route cannot contain both fault and redirect")
			}
			if has("rewrite") {
				w.reject(p+".rewrite", "HTTP route rule cannot contain both rewrite and redirect")
			}
			if has("directResponse") {
				w.reject(p+".directResponse", "HTTP route rule cannot contain both directResponse and redirect")
			}
		case has("directResponse"):
			if routes > 0 {
				w.reject(p+".route", "HTTP route cannot contain both route and directResponse")
			}
			if has("fault") {
				w.reject(p+".fault", "HTTP route cannot contain both fault and directResponse")
			}
			if has("rewrite") {
				w.reject(p+".rewrite", "HTTP route rule cannot contain both rewrite and directResponse")
			}
		case routes == 0 && eg014EmptyList(route):
			w.reject(p, "HTTP route, redirect or directResponse is required")
		}
		if has("mirror") && len(schema.Elements(schema.Field(h, "mirrors"))) > 0 {
			w.reject(p+".mirrors", "HTTP route cannot contain both mirror and mirrors")
		}
	}

	matches := schema.Elements(schema.Field(h, "match"))
	for j, m := range matches {
		w.httpMatch(m, fmt.Sprintf("%s.match[%d]", p, j))
	}
	w.destinations(route, p+".route")
	w.duration(schema.Field(h, "timeout"), p+".timeout")

	if r := schema.Field(h, "retries"); r != nil && r.Kind == yaml.MappingNode {
		w.retries(r, p+".retries")
	}

	if rd := schema.Field(h, "redirect"); rd != nil && rd.Kind == yaml.MappingNode {
		w.redirect(rd, p+".redirect", matches)
	}
	if dr := schema.Field(h, "directResponse"); dr != nil && dr.Kind == yaml.MappingNode {
		if status, ok := schema.Int(schema.Field(dr, "status")); ok && (status < 200 || status > 600) {
			w.reject(p+".directResponse.status", "HTTP status %d is not in range 200-599", status)
		}
		size := 0
		for _, k := range []string{"string", "bytes"} {
			if v, ok := schema.String(schema.Field(dr, "body", k)); ok {
				size = len(v)
				if k == "bytes" {
					size = size * 3 / 4
				}
			}
		}
		switch {
		case size > 1<<20:
			w.reject(p+".directResponse.body", "large direct_responses may impact control plane performance, must be less than 1MB")
		case size > 100<<10:
			w.warn(p+".directResponse.body", "large direct_responses may impact control plane performance")
		}
	}
	if rw := schema.Field(h, "rewrite"); rw != nil && rw.Kind == yaml.MappingNode {
		uri, _ := schema.String(schema.Field(rw, "uri"))
		authority, _ := schema.String(schema.Field(rw, "authority"))
		regex := schema.Field(rw, "uriRegexRewrite")
		switch {
		case uri != "" && schema.Present(regex):
			w.reject(p+".rewrite", "rewrite may only contain one of uri or uriRegexRewrite")
		case uri == "" && !schema.Present(regex) && authority == "":
			w.reject(p+".rewrite", "rewrite must specify at least one of uri, uriRegexRewrite or authority")
		}
		if regex != nil && regex.Kind == yaml.MappingNode {
			match, _ := schema.String(schema.Field(regex, "match"))
			rewrite, _ := schema.String(schema.Field(regex, "rewrite"))
			if match == "" || rewrite == "" {
				w.reject(p+".rewrite.uriRegexRewrite", "uriRegexRewrite requires both rewrite and match fields to be specified")
			} else if err := eg014Regex(match); err != "" {
				w.reject(p+".rewrite.uriRegexRewrite.match", "%s", err)
			}
		}
	}
	if f := schema.Field(h, "fault"); f != nil && f.Kind == yaml.MappingNode {
		w.fault(f, p+".fault")
	}
	if m := schema.Field(h, "mirror"); m != nil && m.Kind == yaml.MappingNode {
		w.destination(m, p+".mirror")
	}
	w.percentage(schema.Field(h, "mirrorPercentage"), p+".mirrorPercentage", false)
	for j, m := range schema.Elements(schema.Field(h, "mirrors")) {
		mp := fmt.Sprintf("%s.mirrors[%d]", p, j)
		if d := schema.Field(m, "destination"); schema.Present(d) {
			w.destination(d, mp+".destination")
		} else if m.Kind == yaml.MappingNode {
			w.reject(mp+".destination", "destination is required for mirrors")
		}
		w.percentage(schema.Field(m, "percentage"), mp+".percentage", false)
	}
	if c := schema.Field(h, "corsPolicy"); c != nil && c.Kind == yaml.MappingNode {
		for j, o := range schema.Elements(schema.Field(c, "allowOrigins")) {
			op := fmt.Sprintf("%s.corsPolicy.allowOrigins[%d]", p, j)
			value := ""
			for _, k := range []string{"exact", "prefix", "regex"} {
				if v, ok := schema.String(schema.Field(o, k)); ok && v != "" {
					value = v
				}
			}
			if value == "" && o.Kind == yaml.MappingNode {
				w.reject(op, "an allowOrigins entry needs a non-empty exact, prefix or regex")
			}
			if re, ok := schema.String(schema.Field(o, "regex")); ok && re != "" {
				if err := eg014Regex(re); err != "" {
					w.reject(op+".regex", "%s", err)
				}
			}
		}
		for j, m := range eg014Strings(schema.Field(c, "allowMethods")) {
			if !eg014CORSMethods[m.value] {
				w.reject(fmt.Sprintf("%s.corsPolicy.allowMethods[%d]", p, j), "%q is not a supported HTTP method", m.value)
			}
		}
		maxAge := p + ".corsPolicy.maxAge"
		w.duration(schema.Field(c, "maxAge"), maxAge)
		if s, ok := schema.String(schema.Field(c, "maxAge")); ok {
			if d, err := time.ParseDuration(s); err == nil && d >= time.Millisecond && d%time.Millisecond == 0 && d%time.Second != 0 {
				w.reject(maxAge, "max_age duration is accurate only to seconds precision (%s)", s)
			}
		}
	}
}

func (w eg014Webhook) retries(r *yaml.Node, p string) {
	w.duration(schema.Field(r, "perTryTimeout"), p+".perTryTimeout")
	w.duration(schema.Field(r, "backoff"), p+".backoff")
	attemptsNode := schema.Field(r, "attempts")
	attempts, ok := schema.Int(attemptsNode)
	if !ok && schema.Present(attemptsNode) {
		return // a wrong type: the schema layer's finding
	}
	if ok && attempts < 0 {
		w.reject(p+".attempts", "attempts cannot be negative")
	}
	retryOn, _ := schema.String(schema.Field(r, "retryOn"))
	if attempts == 0 && (schema.Present(schema.Field(r, "perTryTimeout")) || retryOn != "" || schema.Present(schema.Field(r, "retryRemoteLocalities"))) {
		w.reject(p+".attempts", "http retry policy configured when attempts are set to 0 (disabled): set attempts")
	}
	if retryOn != "" {
		for _, policy := range strings.Split(retryOn, ",") {
			code, _ := strconv.Atoi(policy)
			if http.StatusText(code) == "" && !eg014RetryOn[policy] {
				w.reject(p+".retryOn", "%q is not a valid retryOn policy", policy)
			}
		}
	}
}

func (w eg014Webhook) httpMatch(m *yaml.Node, p string) {
	if m.Kind != yaml.MappingNode {
		return
	}
	w.stringMatch(schema.Field(m, "uri"), p+".uri", true)
	for _, k := range []string{"scheme", "method", "authority"} {
		w.stringMatch(schema.Field(m, k), p+"."+k, false)
	}
	for _, k := range []string{"headers", "queryParams", "withoutHeaders"} {
		for _, kv := range schema.Fields(schema.Field(m, k)) {
			if k == "withoutHeaders" {
				if re, _ := schema.String(schema.Field(kv.Value, "regex")); re == "*" {
					continue // Istio's "header absent", not a regex
				}
			}
			w.stringMatch(kv.Value, eg014Key(p+"."+k, kv.Key), false)
		}
	}
	w.port(schema.Field(m, "port"), p+".port", false)
	if ns, ok := schema.String(schema.Field(m, "sourceNamespace")); ok && ns != "" && !eg014IsDNSLabel(ns) {
		w.reject(p+".sourceNamespace", "sourceNamespace match %s is invalid", ns)
	}
	w.gatewayNames(schema.Field(m, "gateways"), p+".gateways")
}

// stringMatch checks an exact/prefix/regex match; an empty prefix matches
// everything, which Envoy allows for the path (uri) only.
func (w eg014Webhook) stringMatch(n *yaml.Node, p string, uri bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	if v, ok := schema.String(schema.Field(n, "prefix")); ok && v == "" && !uri {
		w.reject(p+".prefix", "prefix string match should not be empty")
	}
	if v, ok := schema.String(schema.Field(n, "regex")); ok {
		if v == "" {
			w.reject(p+".regex", "regex string match should not be empty")
		} else if err := eg014Regex(v); err != "" {
			w.reject(p+".regex", "%s", err)
		}
	}
}

func eg014Regex(re string) string {
	if len(re) > 1024 {
		return "regex is too large, max length allowed is 1024"
	}
	if _, err := regexp.Compile(re); err != nil {
		return err.Error() + "; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)"
	}
	return ""
}

// port checks a port number that must be 1..65535 when set (or, with
// required, always).
func (w eg014Webhook) port(n *yaml.Node, p string, required bool) {
	number, ok := schema.Int(n)
	if !ok {
		if !required || schema.Present(n) {
			return
		}
		number = 0
	}
	if number == 0 && !required {
		return
	}
	if number >= 0 && number <= 4294967295 && (number < 1 || number > 65535) {
		w.reject(p, "port number %d must be in the range 1..65535", number)
	}
}

func (w eg014Webhook) destinations(route *yaml.Node, p string) {
	items := schema.Elements(route)
	var total int64
	for k, d := range items {
		if d.Kind != yaml.MappingNode {
			continue
		}
		dp := fmt.Sprintf("%s[%d]", p, k)
		if dest := schema.Field(d, "destination"); schema.Present(dest) {
			w.destination(dest, dp+".destination")
		} else {
			w.reject(dp+".destination", "destination is required")
		}
		if weight, ok := schema.Int(schema.Field(d, "weight")); ok {
			if weight < 0 {
				w.reject(dp+".weight", "weight %d < 0", weight)
			}
			total += weight
		}
	}
	if len(items) > 1 && total == 0 {
		w.reject(p, "total destination weight = 0: with several destinations, give them weights")
	}
}

func (w eg014Webhook) destination(d *yaml.Node, p string) {
	if d.Kind != yaml.MappingNode {
		return
	}
	if host, ok := schema.String(schema.Field(d, "host")); ok {
		if host == "*" {
			w.reject(p+".host", "invalid destination host *")
		} else if err := eg014WildcardDomain(host); err != "" {
			w.reject(p+".host", "%s", err)
		}
	}
	if subset, ok := schema.String(schema.Field(d, "subset")); ok && subset != "" && !eg014IsDNSLabel(subset) {
		w.reject(p+".subset", "subset name is invalid: %s", subset)
	}
	if port := schema.Field(d, "port"); port != nil && port.Kind == yaml.MappingNode {
		w.port(schema.Field(port, "number"), p+".port.number", true)
	}
}

func (w eg014Webhook) redirect(rd *yaml.Node, p string, matches []*yaml.Node) {
	str := func(k string) string { v, _ := schema.String(schema.Field(rd, k)); return v }
	uri, prefix, authority, scheme := str("uri"), str("prefixRewrite"), str("authority"), str("scheme")
	port := schema.Present(schema.Field(rd, "port")) || schema.Present(schema.Field(rd, "derivePort"))
	if uri != "" && prefix != "" {
		w.reject(p, "redirect may only specify one of uri or prefixRewrite")
	}
	if prefix != "" {
		for _, m := range matches {
			if u := schema.Field(m, "uri"); schema.Present(u) && !schema.Present(schema.Field(u, "prefix")) {
				w.reject(p+".prefixRewrite", "redirect prefixRewrite requires all URI matches to use prefix match type")
				break
			}
		}
	}
	if uri == "" && prefix == "" && authority == "" && !port && scheme == "" {
		w.reject(p, "redirect must specify uri, authority, scheme, or port")
	}
	if code, ok := schema.Int(schema.Field(rd, "redirectCode")); ok && code != 0 && (code < 300 || code > 399) {
		w.reject(p+".redirectCode", "%d is not a valid redirect code, must be 3xx", code)
	}
	if scheme != "" && scheme != "http" && scheme != "https" {
		w.reject(p+".scheme", `invalid redirect scheme, must be "http" or "https"`)
	}
	w.port(schema.Field(rd, "port"), p+".port", false)
}

func (w eg014Webhook) fault(f *yaml.Node, p string) {
	abort, delay := schema.Field(f, "abort"), schema.Field(f, "delay")
	if !schema.Present(abort) && !schema.Present(delay) {
		w.reject(p, "HTTP fault injection must have an abort and/or a delay")
	}
	if abort != nil && abort.Kind == yaml.MappingNode {
		w.percentage(schema.Field(abort, "percentage"), p+".abort.percentage", true)
		switch {
		case schema.Present(schema.Field(abort, "grpcStatus")):
			if s, ok := schema.String(schema.Field(abort, "grpcStatus")); ok && !eg014GRPCStatus[s] {
				w.reject(p+".abort.grpcStatus", "gRPC status %q is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'", s)
			}
		case schema.Present(schema.Field(abort, "http2Error")):
			w.reject(p+".abort.http2Error", "HTTP/2 abort fault injection not supported yet")
		case schema.Present(schema.Field(abort, "httpStatus")):
			if s, ok := schema.Int(schema.Field(abort, "httpStatus")); ok && (s < 200 || s > 600) {
				w.reject(p+".abort.httpStatus", "HTTP status %d is not in range 200-599", s)
			}
		}
	}
	if delay != nil && delay.Kind == yaml.MappingNode {
		w.percentage(schema.Field(delay, "percentage"), p+".delay.percentage", true)
		w.duration(schema.Field(delay, "fixedDelay"), p+".delay.fixedDelay")
		if schema.Present(schema.Field(delay, "exponentialDelay")) {
			w.reject(p+".delay.exponentialDelay", "exponentialDelay not supported yet")
		}
	}
}

// percentage checks a Percent: 0..100, and for faults not below 0.0001
// unless 0.
func (w eg014Webhook) percentage(n *yaml.Node, p string, fault bool) {
	v, ok := schema.Number(schema.Field(n, "value"))
	if !ok {
		return
	}
	switch {
	case fault && (v < 0 || v > 100 || (v > 0 && v < 0.0001)):
		w.reject(p+".value", "percentage %v is neither 0.0, nor in range [0.0001, 100.0]", v)
	case !fault && v > 100:
		w.reject(p+".value", "mirror percentage must have a max value of 100 (it has %f)", v)
	case !fault && v < 0:
		w.reject(p+".value", "mirror percentage must have a min value of 0 (it has %f)", v)
	}
}

// duration applies istiod's ValidateDuration beyond the CRD's 1ms minimum:
// millisecond precision.
func (w eg014Webhook) duration(n *yaml.Node, p string) {
	s, ok := schema.String(n)
	if !ok {
		return
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Millisecond {
		return // the CRD rule reports it
	}
	if d%time.Millisecond != 0 {
		w.reject(p, "only durations to ms precision are supported (%s)", s)
	}
}

func (w eg014Webhook) tlsRoute(t *yaml.Node, p string, hosts []eg014String, gateway bool) {
	matches := schema.Field(t, "match")
	if eg014EmptyList(matches) {
		w.reject(p+".match", "TLS route must have at least one match condition")
	}
	for j, m := range schema.Elements(matches) {
		mp := fmt.Sprintf("%s.match[%d]", p, j)
		sniHosts := schema.Field(m, "sniHosts")
		if eg014EmptyList(sniHosts) && m.Kind == yaml.MappingNode {
			w.reject(mp+".sniHosts", "TLS match must have at least one SNI host")
		}
		snis := eg014Strings(sniHosts)
		checkSubset := len(hosts)*len(snis) <= eg014MaxPairs
		for _, sni := range snis {
			var err string
			if gateway {
				err = eg014VSGatewayDomain(true, sni.value)
			} else {
				err = eg014WildcardDomain(sni.value)
			}
			field := sni.field(mp + ".sniHosts")
			if err != "" {
				if eg014IsIP(sni.value) {
					w.warn(field, "using an IP address (%q) goes against SNI spec and most clients do not support this", sni.value)
				} else {
					w.reject(field, "%s", err)
				}
				continue
			}
			if !checkSubset {
				continue
			}
			covered := false
			var all []string
			for _, h := range hosts {
				all = append(all, h.value)
				if eg014SubsetOf(sni.value, h.value) {
					covered = true
				}
			}
			if !covered {
				w.reject(field, "SNI host %q is not a compatible subset of any of the virtual service hosts: [%s]", sni.value, strings.Join(all, ", "))
			}
		}
		w.l4Match(m, mp)
	}
	route := schema.Field(t, "route")
	if eg014EmptyList(route) {
		w.reject(p+".route", "TLS route is required")
	}
	w.destinations(route, p+".route")
}

func (w eg014Webhook) l4Match(m *yaml.Node, p string) {
	for _, s := range eg014Strings(schema.Field(m, "destinationSubnets")) {
		if !eg014IsIP(s.value) {
			if _, err := netip.ParsePrefix(s.value); err != nil {
				w.reject(s.field(p+".destinationSubnets"), "%q is not a valid IP address or CIDR subnet", s.value)
			}
		}
	}
	w.port(schema.Field(m, "port"), p+".port", false)
	w.gatewayNames(schema.Field(m, "gateways"), p+".gateways")
}

// gatewayNames checks gateway references as istiod's validateGatewayNames
// does (which stops at the first name without a namespace).
func (w eg014Webhook) gatewayNames(n *yaml.Node, p string) {
	for _, g := range eg014Strings(n) {
		field := g.field(p)
		ns, name, ok := strings.Cut(g.value, "/")
		if !ok {
			if strings.Contains(g.value, ".") {
				parts := strings.Split(g.value, ".")
				w.warn(field, "using legacy gatewayName format %q; prefer the <namespace>/<name> format: %q", g.value, parts[1]+"/"+parts[0])
			}
			if err := eg014FQDN(g.value); err != "" {
				w.reject(field, "%s", err)
			}
			return
		}
		switch {
		case ns == "" || name == "":
			w.reject(field, "config namespace and gateway name cannot be empty")
		case !eg014IsDNSLabel(ns):
			w.reject(field, "invalid value for namespace: %q", ns)
		case !eg014IsDNSLabel(name):
			w.reject(field, "invalid value for gateway name: %q", name)
		}
	}
}

func (w eg014Webhook) exportTo(n *yaml.Node) {
	entries := eg014Strings(n)
	seen := map[string]bool{}
	for _, e := range entries {
		key := e.value
		if key == "." && w.o.Namespace != "" {
			key = w.o.Namespace
		}
		field := e.field("spec.exportTo")
		switch {
		case seen[key] && key != e.value:
			w.reject(field, "duplicate entries in exportTo: . and current namespace %s", w.o.Namespace)
		case seen[key]:
			w.reject(field, "duplicate entries in exportTo for entry %s", e.value)
		case key == "~":
			w.reject(field, "exportTo ~ (none) is not allowed for Istio configuration objects")
		case key != "." && key != "*" && !eg014IsDNSLabel(key):
			w.reject(field, "only .,*, or a valid DNS 1123 label is allowed as exportTo entry")
		default:
			seen[key] = true
		}
	}
	if seen["*"] && len(entries) > 1 {
		w.reject("spec.exportTo", "cannot have both public (*) and non-public exportTo values for a resource")
	}
}

// ---- names ----

func eg014IsDNSLabel(s string) bool { return len(s) <= 63 && eg014DNSLabel.MatchString(s) }

func eg014IsIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// eg014WildcardDomain is istiod's ValidateWildcardDomain: an FQDN whose
// first label may be a wildcard.
func eg014WildcardDomain(domain string) string {
	if err := eg014DNSPreconditions(domain); err != "" {
		return err
	}
	first, rest, more := strings.Cut(domain, ".")
	if len(first) > 63 || !eg014WildcardLabel.MatchString(first) {
		return fmt.Sprintf("domain name %q invalid (label %q invalid)", domain, first)
	}
	if more {
		return eg014DNSLabels(rest)
	}
	return ""
}

// eg014VSGatewayDomain is ValidateWildcardDomainForVirtualServiceBoundToGateway:
// SNI hosts may also be Istio's generated outbound_.<port>_._.<host>.
func eg014VSGatewayDomain(sni bool, domain string) string {
	if err := eg014DNSPreconditions(domain); err != "" {
		return err
	}
	if sni && strings.HasPrefix(domain, "outbound_") {
		if len(strings.Split(domain, "_")) < 4 {
			return fmt.Sprintf("domain name %s invalid, should follow 'outbound_.<PORT>_._.<HOSTNAME>' format", domain)
		}
		return ""
	}
	return eg014WildcardDomain(domain)
}

func eg014FQDN(fqdn string) string {
	if err := eg014DNSPreconditions(fqdn); err != "" {
		return err
	}
	return eg014DNSLabels(fqdn)
}

func eg014DNSPreconditions(name string) string {
	switch {
	case len(name) > 255:
		return fmt.Sprintf("domain name %q too long (max 255)", name)
	case name == "":
		return "empty domain name not allowed"
	}
	return ""
}

func eg014DNSLabels(domain string) string {
	parts := strings.Split(domain, ".")
	tld := parts[len(parts)-1]
	if _, err := strconv.Atoi(tld); err == nil {
		return fmt.Sprintf("domain name %q invalid (top level domain %q cannot be all-numeric)", domain, tld)
	}
	for i, label := range parts {
		if i == len(parts)-1 && label == "" {
			return ""
		}
		if !eg014IsDNSLabel(label) {
			return fmt.Sprintf("domain name %q invalid (label %q invalid)", domain, label)
		}
	}
	return ""
}

// eg014HostsMatch is host.Name.Matches: equal, or one wildcard covers the other.
func eg014HostsMatch(a, b string) bool {
	aw, bw := strings.HasPrefix(a, "*"), strings.HasPrefix(b, "*")
	switch {
	case aw && bw:
		if len(a) < len(b) {
			return strings.HasSuffix(b[1:], a[1:])
		}
		return strings.HasSuffix(a[1:], b[1:])
	case aw:
		return strings.HasSuffix(b, a[1:])
	case bw:
		return strings.HasSuffix(a, b[1:])
	}
	return a == b
}

// eg014SubsetOf is host.Name.SubsetOf: n is covered by o.
func eg014SubsetOf(n, o string) bool {
	nw, ow := strings.HasPrefix(n, "*"), strings.HasPrefix(o, "*")
	switch {
	case nw && ow:
		return len(n) >= len(o) && strings.HasSuffix(n[1:], o[1:])
	case nw:
		return false
	case ow:
		return strings.HasSuffix(n, o[1:])
	}
	return n == o
}

// ---- node helpers ----

// eg014String is a string item of a list, with its index.
type eg014String struct {
	value string
	index int
}

func (s eg014String) field(list string) string { return fmt.Sprintf("%s[%d]", list, s.index) }

// eg014Strings returns the string items of a list.
func eg014Strings(n *yaml.Node) []eg014String {
	var out []eg014String
	for i, item := range schema.Elements(n) {
		if v, ok := schema.String(item); ok {
			out = append(out, eg014String{v, i})
		}
	}
	return out
}

// eg014EmptyList reports whether n is absent, null or an empty list (a
// value of another type is the schema layer's finding).
func eg014EmptyList(n *yaml.Node) bool {
	switch schema.TypeOf(n) {
	case "", "null":
		return true
	case "array":
		return len(schema.Elements(n)) == 0
	}
	return false
}

// eg014Key is the path of a map entry: path.key, or path[key].
func eg014Key(p, key string) string {
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return p + "[" + key + "]"
		}
	}
	if key == "" {
		return p + "[]"
	}
	return p + "." + key
}
