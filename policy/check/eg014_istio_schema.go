package check

import (
	"fmt"
	"net/http"
	"net/netip"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/policy/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// istioSchemaCheck validates every Gateway and VirtualService of
// networking.istio.io (v1, v1beta1, v1alpha3: one schema) before a cluster
// sees it, as Istio's IST0106 (schema validation error) does in a live one.
// Two layers, both errors:
//
//  1. Istio's own CRD schema, as kube-apiserver applies it: the
//     openAPIV3Schema of the CRDs in istio.io/api (the release
//     policy/schema names), embedded in the binary. Unknown fields, types
//     (a port number written "80"), required fields (a port without
//     protocol), enums, bounds, list sizes, formats, "only one of"
//     (oneOf), and the x-kubernetes-validations rules: durations of at
//     least 1ms, at most one of credentialName / credentialNames /
//     tlsCertificates. The apiVersion must be one Istio serves.
//  2. What istiod's validating webhook (pkg/config/validation,
//     ValidateGateway and ValidateVirtualService) rejects beyond the CRD,
//     for the fields of the ingress path; see the rule list below, before
//     maxPairs. The API server accepts these objects, and a cluster without
//     the webhook (istiod down, failurePolicy Ignore, a config cluster)
//     stores them and istiod drops or mis-serves them.
//
// TLS settings against the protocol (HTTPS without tls, plain text with a
// certificate, ISTIO_MUTUAL with a credential, SIMPLE without one) are
// EG011's, and not repeated here.
type istioSchemaCheck struct{}

func (istioSchemaCheck) Run(idx *model.Index, r *model.Reporter) {
	set := schema.Istio()
	regexes := &regexes{}
	for _, o := range idx.Objects {
		if o.Group() != set.Group {
			continue
		}
		kind := set.Kinds[o.Kind]
		if kind == nil {
			continue
		}
		if !kind.Serves(o.APIVersion) {
			r.Report(o, "apiVersion", "Istio %s does not serve %s as %s: use %s",
				set.Release(), o.Kind, o.APIVersion, versions(kind))
			continue
		}
		w := webhook{r: r, o: o, regexes: regexes}
		for _, e := range kind.Schema.Validate(o.Node) {
			if e.Warning {
				r.Warn(o, e.Field, "%s", e.Message)
				continue
			}
			r.Report(o, e.Field, "%s", e.Message)
			if w.schemaErrors == nil {
				w.schemaErrors = map[string]bool{}
			}
			w.schemaErrors[e.Field] = true
		}
		switch o.Kind {
		case "Gateway":
			w.gateway()
		case "VirtualService":
			w.virtualService()
		}
	}
}

func versions(k *schema.Kind) string {
	var v []string
	for _, version := range k.Versions {
		v = append(v, k.Group+"/"+version)
	}
	return strings.Join(v, ", ")
}

// webhook applies istiod's webhook rules to one object.
type webhook struct {
	r *model.Reporter
	o *manifest.Object
	// schemaErrors are the fields the schema layer reported, which the
	// webhook layer does not report again (nil when there are none).
	schemaErrors map[string]bool
	// regexes is shared by the objects of a run (nil: nothing remembered).
	regexes *regexes
}

// reject reports a rule of istiod's webhook at field.
func (w webhook) reject(field, format string, args ...any) {
	if w.schemaErrors[field] {
		return
	}
	w.r.Report(w.o, field, "%s (istiod's validating webhook rejects the %s)", fmt.Sprintf(format, args...), w.o.Kind)
}

// warn reports what istiod's webhook accepts with a warning.
func (w webhook) warn(field, format string, args ...any) {
	w.r.Warn(w.o, field, "%s (istiod warns)", fmt.Sprintf(format, args...))
}

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
//   - exportTo: ".", "*" or namespaces, no duplicates, "*" alone, no "~";
//   - header manipulations (headers of a route and of its destinations):
//     names not empty, no pseudo-header (but :authority when a request
//     header is set or added), not Host (but when a request header is set
//     or added); values without control characters but tab, in Envoy's
//     %VARIABLE% syntax; match.headers and withoutHeaders names HTTP
//     tokens, pseudo-headers or JWT claims; corsPolicy allowHeaders and
//     exposeHeaders HTTP tokens or "*"; JWT claim routing
//     (@request.auth.claims headers) only when bound to gateways, not mesh
//     (nor in a delegate, which names no gateways);
//   - sourceLabels (of http, tls and tcp matches): Kubernetes label keys
//     and values.
//
// And of the Gateway's TLS settings, beyond EG011's (which reads the
// entries of tls.tlsCertificates for none of its rules): each
// tls.tlsCertificates entry has a serverCertificate and a privateKey in
// SIMPLE, MUTUAL and OPTIONAL_MUTUAL mode (without a credentialName).
//
// Not applied: the authority set twice (rewrite.authority
// and a request header :authority or Host), and the unreachable-rule
// warnings (EG008's).

// maxPairs bounds the pairwise comparisons of one list, so a hostile
// input cannot make the gate quadratic.
const maxPairs = 1 << 20

// istioProtocols are the protocols istiod's protocol.Parse knows.
var istioProtocols = map[string]bool{
	"http": true, "https": true, "http2": true, "grpc": true, "grpc-web": true, "http_proxy": true,
	"tcp": true, "tls": true, "udp": true, "mongo": true, "redis": true, "mysql": true,
}

var retryOnPolicies = map[string]bool{
	"5xx": true, "gateway-error": true, "reset": true, "reset-before-request": true, "connect-failure": true,
	"retriable-4xx": true, "refused-stream": true, "retriable-status-codes": true, "retriable-headers": true,
	"envoy-ratelimited": true, "http3-post-connect-failure": true,
	"cancelled": true, "deadline-exceeded": true, "internal": true, "resource-exhausted": true, "unavailable": true,
}

var grpcStatus = map[string]bool{
	"OK": true, "CANCELLED": true, "UNKNOWN": true, "INVALID_ARGUMENT": true, "DEADLINE_EXCEEDED": true,
	"NOT_FOUND": true, "ALREADY_EXISTS": true, "PERMISSION_DENIED": true, "RESOURCE_EXHAUSTED": true,
	"FAILED_PRECONDITION": true, "ABORTED": true, "OUT_OF_RANGE": true, "UNIMPLEMENTED": true,
	"INTERNAL": true, "UNAVAILABLE": true, "DATA_LOSS": true, "UNAUTHENTICATED": true,
}

var corsMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"CONNECT": true, "OPTIONS": true, "TRACE": true, "*": true,
}

// ---- Gateway ----

func (w webhook) gateway() {
	if name := w.o.Name; name != "" && !isIstioDNSLabel(name) {
		w.reject("metadata.name", "invalid gateway name %q: a Gateway's name must be a DNS-1123 label (no dots)", name)
	}
	servers := schema.Field(w.o.Node, "spec", "servers")
	if emptyList(servers) {
		w.reject("spec.servers", "gateway must have at least one server")
	}
	serversPath := root("spec.servers")
	names := map[string]int{}
	for i, s := range schema.Items(servers) {
		if s.Kind == yaml.MappingNode {
			p := serversPath.item(i)
			w.server(s, &p, i, names)
		}
	}
}

func (w webhook) server(s *yaml.Node, p *fieldPath, i int, names map[string]int) {
	hosts := schema.Field(s, "hosts")
	if emptyList(hosts) && schema.Present(hosts) {
		w.reject(p.with(".hosts"), "server config must contain at least one host")
	}
	for j, h := range schema.Items(hosts) {
		if host, ok := schema.String(h); ok {
			if err := gatewayHost(host); err != "" {
				w.reject(p.with(".hosts["+strconv.Itoa(j)+"]"), "invalid host %q: %s", host, err)
			}
		}
	}

	bind, _ := schema.String(schema.Field(s, "bind"))
	unixAddr, unix := strings.CutPrefix(bind, "unix://")
	port := schema.Field(s, "port")
	number, hasNumber := schema.Int(schema.Field(port, "number"))
	if hasNumber && number >= 0 && number <= 4294967295 && (number != 0 || !unix) && (number < 1 || number > 65535) {
		w.reject(p.with(".port.number"), "port number %d must be in the range 1..65535", number)
	}
	protocol, hasProtocol := schema.String(schema.Field(port, "protocol"))
	if hasProtocol && !istioProtocols[strings.ToLower(protocol)] {
		w.reject(p.with(".port.protocol"), "invalid protocol %q, supported protocols are HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, HTTP_PROXY, TCP, TLS, UDP, MONGO, REDIS, MYSQL", protocol)
	}
	if name, ok := schema.String(schema.Field(port, "name")); ok {
		if name == "" {
			w.reject(p.with(".port.name"), "port name must be set")
		} else if first, dup := names[name]; dup {
			w.reject(p.with(".port.name"), "port names in servers must be unique: duplicate name %s (spec.servers[%d] has it too)", name, first)
		} else {
			names[name] = i
		}
	}
	if target, ok := schema.Int(schema.Field(port, "targetPort")); ok && target > 0 {
		w.reject(p.with(".port.targetPort"), "targetPort has no impact on Gateways: remove it")
	}

	switch {
	case unix:
		switch {
		case unixAddr == "":
			w.reject(p.with(".bind"), "unix address must not be empty")
		case !strings.HasPrefix(unixAddr, "@") && (!path.IsAbs(unixAddr) || strings.HasSuffix(unixAddr, "/")):
			w.reject(p.with(".bind"), "%s is not an absolute path to a file", unixAddr)
		}
		if hasNumber && number != 0 {
			w.reject(p.with(".port.number"), "port number must be 0 for unix domain socket")
		}
	case bind != "":
		if _, err := netip.ParseAddr(bind); err != nil {
			w.reject(p.with(".bind"), "%s is not a valid IP", bind)
		}
	}

	tls := schema.Field(s, "tls")
	if tls == nil || tls.Kind != yaml.MappingNode {
		return
	}
	str := func(k string) bool { v, _ := schema.String(schema.Field(tls, k)); return v != "" }
	list := func(k string) bool { return schema.Len(schema.Field(tls, k)) > 0 }
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
		w.reject(p.with(".tls"), "only one of credentialName, credentialNames, serverCertificate/privateKey or tlsCertificates can be set")
	}
	tlsPath := p.field(".tls")
	w.tlsCertificates(tls, &tlsPath)
	if redirect := schema.Field(tls, "httpsRedirect"); hasProtocol && istioProtocols[strings.ToLower(protocol)] && !isHTTP(protocol) &&
		schema.TypeOf(redirect) == "boolean" && redirect.Value == "true" {
		w.warn(p.with(".tls.httpsRedirect"), "tls.httpsRedirect should only be used with http servers: a %s server never sees the plain-text request to redirect", strings.ToUpper(protocol))
	}
}

func isHTTP(protocol string) bool {
	switch strings.ToLower(protocol) {
	case "http", "http2", "http_proxy", "grpc", "grpc-web":
		return true
	}
	return false
}

// gatewayHost checks a Gateway server host as istiod's
// ValidateNamespaceSlashWildcardHostname does for gateways.
func gatewayHost(h string) string {
	ns, name, ok := strings.Cut(h, "/")
	if !ok {
		return gatewayHostname(h)
	}
	var errs []string
	if ns == "" || name == "" {
		errs = append(errs, "config namespace and dnsName in host entry cannot be empty")
	} else if ns != "*" && ns != "." && !isIstioDNSLabel(ns) {
		errs = append(errs, fmt.Sprintf("invalid namespace value %q in gateway", ns))
	}
	if e := gatewayHostname(name); e != "" {
		errs = append(errs, e)
	}
	return strings.Join(errs, "; ")
}

func gatewayHostname(h string) string {
	var errs []string
	if h != "*" && !strings.Contains(h, ".") {
		errs = append(errs, "short names (non FQDN) are not allowed")
	}
	if err := wildcardDomain(h); err != "" && !isIP(h) {
		errs = append(errs, err)
	}
	if strings.Contains(h, "*") && len(h) != 1 && !strings.HasPrefix(h, "*.") {
		errs = append(errs, fmt.Sprintf("partial wildcard %q not allowed", h))
	}
	return strings.Join(errs, "; ")
}

// ---- VirtualService ----

func (w webhook) virtualService() {
	spec := schema.Field(w.o.Node, "spec")
	hostsNode := schema.Field(spec, "hosts")
	var hostsBuf [8]indexedString // most VirtualServices have a host or two
	hosts := appendStrings(hostsBuf[:0], hostsNode)
	hostsPath := root("spec.hosts")
	gatewaysNode := schema.Field(spec, "gateways")
	gateways, mesh := 0, false
	for _, item := range schema.Items(gatewaysNode) {
		if g, ok := schema.String(item); ok {
			gateways++
			mesh = mesh || g == "mesh"
		}
	}
	httpNode, tlsNode, tcpNode := schema.Field(spec, "http"), schema.Field(spec, "tls"), schema.Field(spec, "tcp")

	delegate := emptyList(hostsNode)
	if delegate {
		if gateways > 0 {
			w.reject("spec.gateways", "delegate virtual service must have no gateways specified: a VirtualService without hosts is a delegate; list the hosts it serves")
		}
		if schema.Len(tlsNode) > 0 {
			w.reject("spec.tls", "delegate virtual service must have no tls route specified")
		}
		if schema.Len(tcpNode) > 0 {
			w.reject("spec.tcp", "delegate virtual service must have no tcp route specified")
		}
	}
	appliesToGateway := gateways > 0 && !mesh
	gatewaysPath := root("spec.gateways")
	w.gatewayNames(gatewaysNode, &gatewaysPath)

	sni := false
	for _, t := range schema.Items(tlsNode) {
		for _, m := range schema.Items(schema.Field(t, "match")) {
			if schema.Len(schema.Field(m, "sniHosts")) > 0 {
				sni = true
			}
		}
	}
	allValid := true
	for _, h := range hosts {
		var err string
		if appliesToGateway {
			err = vsGatewayDomain(sni, h.value)
		} else {
			err = wildcardDomain(h.value)
		}
		switch {
		case err != "" && !isIP(h.value):
			w.reject(h.field(&hostsPath), "%s", err)
			allValid = false
		case err == "" && !appliesToGateway && h.value == "*":
			w.reject(h.field(&hostsPath), "wildcard host * is not allowed for virtual services bound to the mesh gateway: bind it to a Gateway (spec.gateways) or name the hosts")
			allValid = false
		}
	}
	// Istio compares every pair; past maxPairs (an input no one
	// writes by hand) only exact repeats are looked for.
	if allValid && len(hosts)*len(hosts) > maxPairs {
		first := map[string]string{}
		for _, h := range hosts {
			if _, dup := first[h.value]; dup {
				w.reject(h.field(&hostsPath), "duplicate hosts in virtual service: %s & %s", h.value, h.value)
			}
			first[h.value] = h.value
		}
	} else if allValid {
		for j := range hosts {
			for i := 0; i < j; i++ {
				if hostname.Overlap(hosts[i].value, hosts[j].value) { // host.Name.Matches
					w.reject(hosts[j].field(&hostsPath), "duplicate hosts in virtual service: %s & %s", hosts[i].value, hosts[j].value)
					break
				}
			}
		}
	}

	if emptyList(httpNode) && emptyList(tlsNode) && emptyList(tcpNode) {
		w.reject("spec", "http, tcp or tls must be provided in virtual service")
	}
	httpPath := root("spec.http")
	for i, h := range schema.Items(httpNode) {
		if h.Kind == yaml.MappingNode {
			p := httpPath.item(i)
			w.httpRoute(h, &p, delegate, appliesToGateway)
		}
	}
	tlsPath := root("spec.tls")
	for i, t := range schema.Items(tlsNode) {
		if t.Kind == yaml.MappingNode {
			p := tlsPath.item(i)
			w.tlsRoute(t, &p, hosts, appliesToGateway)
		}
	}
	tcpPath := root("spec.tcp")
	for i, t := range schema.Items(tcpNode) {
		if t.Kind != yaml.MappingNode {
			continue
		}
		p := tcpPath.item(i)
		matchPath := p.field(".match")
		for j, m := range schema.Items(schema.Field(t, "match")) {
			mp := matchPath.item(j)
			w.l4Match(m, &mp)
		}
		route := schema.Field(t, "route")
		routePath := p.field(".route")
		if emptyList(route) {
			w.reject(routePath.String(), "TCP route is required")
		}
		w.destinations(route, &routePath, false)
	}
	w.exportTo(schema.Field(spec, "exportTo"))
}

// httpRoute checks the http route h at p of a VirtualService that is a
// delegate, or that is bound to gateways only (gateway).
func (w webhook) httpRoute(h *yaml.Node, p *fieldPath, delegate, gateway bool) {
	has := func(k string) bool { return schema.Present(schema.Field(h, k)) }
	route := schema.Field(h, "route")
	routes := schema.Len(route)
	switch {
	case !delegate && has("delegate"):
		if has("redirect") {
			w.reject(p.with(".redirect"), "root HTTP route must not specify redirect: a route with a delegate hands the request to the delegate VirtualService")
		}
		if routes > 0 {
			w.reject(p.with(".route"), "root HTTP route must not specify route: a route with a delegate hands the request to the delegate VirtualService")
		}
	default:
		if delegate && has("delegate") {
			w.reject(p.with(".delegate"), "delegate HTTP route cannot contain delegate")
		}
		switch {
		case has("redirect"):
			if routes > 0 {
				w.reject(p.with(".route"), "HTTP route cannot contain both route and redirect")
			}
			if has("fault") {
				w.reject(p.with(".fault"), "HTTP route cannot contain both fault and redirect")
			}
			if has("rewrite") {
				w.reject(p.with(".rewrite"), "HTTP route rule cannot contain both rewrite and redirect")
			}
			if has("directResponse") {
				w.reject(p.with(".directResponse"), "HTTP route rule cannot contain both directResponse and redirect")
			}
		case has("directResponse"):
			if routes > 0 {
				w.reject(p.with(".route"), "HTTP route cannot contain both route and directResponse")
			}
			if has("fault") {
				w.reject(p.with(".fault"), "HTTP route cannot contain both fault and directResponse")
			}
			if has("rewrite") {
				w.reject(p.with(".rewrite"), "HTTP route rule cannot contain both rewrite and directResponse")
			}
		case routes == 0 && emptyList(route):
			w.reject(p.String(), "HTTP route, redirect or directResponse is required")
		}
		if has("mirror") && schema.Len(schema.Field(h, "mirrors")) > 0 {
			w.reject(p.with(".mirrors"), "HTTP route cannot contain both mirror and mirrors")
		}
	}

	matches := schema.Field(h, "match")
	matchPath := p.field(".match")
	for j, m := range schema.Items(matches) {
		mp := matchPath.item(j)
		w.httpMatch(m, &mp, gateway)
	}
	routePath := p.field(".route")
	w.destinations(route, &routePath, true)
	headersPath := p.field(".headers")
	w.headerOperations(schema.Field(h, "headers"), &headersPath)
	timeoutPath := p.field(".timeout")
	w.duration(schema.Field(h, "timeout"), &timeoutPath)

	if r := schema.Field(h, "retries"); r != nil && r.Kind == yaml.MappingNode {
		rp := p.field(".retries")
		w.retries(r, &rp)
	}

	if rd := schema.Field(h, "redirect"); rd != nil && rd.Kind == yaml.MappingNode {
		rp := p.field(".redirect")
		w.redirect(rd, &rp, matches)
	}
	if dr := schema.Field(h, "directResponse"); dr != nil && dr.Kind == yaml.MappingNode {
		if status, ok := schema.Int(schema.Field(dr, "status")); ok && (status < 200 || status > 600) {
			w.reject(p.with(".directResponse.status"), "HTTP status %d is not in range 200-599", status)
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
			w.reject(p.with(".directResponse.body"), "large direct_responses may impact control plane performance, must be less than 1MB")
		case size > 100<<10:
			w.warn(p.with(".directResponse.body"), "large direct_responses may impact control plane performance")
		}
	}
	if rw := schema.Field(h, "rewrite"); rw != nil && rw.Kind == yaml.MappingNode {
		uri, _ := schema.String(schema.Field(rw, "uri"))
		authority, _ := schema.String(schema.Field(rw, "authority"))
		regex := schema.Field(rw, "uriRegexRewrite")
		switch {
		case uri != "" && schema.Present(regex):
			w.reject(p.with(".rewrite"), "rewrite may only contain one of uri or uriRegexRewrite")
		case uri == "" && !schema.Present(regex) && authority == "":
			w.reject(p.with(".rewrite"), "rewrite must specify at least one of uri, uriRegexRewrite or authority")
		}
		if regex != nil && regex.Kind == yaml.MappingNode {
			match, _ := schema.String(schema.Field(regex, "match"))
			rewrite, _ := schema.String(schema.Field(regex, "rewrite"))
			if match == "" || rewrite == "" {
				w.reject(p.with(".rewrite.uriRegexRewrite"), "uriRegexRewrite requires both rewrite and match fields to be specified")
			} else if err := w.regexes.check(match); err != "" {
				w.reject(p.with(".rewrite.uriRegexRewrite.match"), "%s", err)
			}
		}
	}
	if f := schema.Field(h, "fault"); f != nil && f.Kind == yaml.MappingNode {
		fp := p.field(".fault")
		w.fault(f, &fp)
	}
	if m := schema.Field(h, "mirror"); m != nil && m.Kind == yaml.MappingNode {
		mp := p.field(".mirror")
		w.destination(m, &mp)
	}
	mirrorPercentagePath := p.field(".mirrorPercentage")
	w.percentage(schema.Field(h, "mirrorPercentage"), &mirrorPercentagePath, false)
	mirrorsPath := p.field(".mirrors")
	for j, m := range schema.Items(schema.Field(h, "mirrors")) {
		mp := mirrorsPath.item(j)
		if d := schema.Field(m, "destination"); schema.Present(d) {
			dp := mp.field(".destination")
			w.destination(d, &dp)
		} else if m.Kind == yaml.MappingNode {
			w.reject(mp.with(".destination"), "destination is required for mirrors")
		}
		pp := mp.field(".percentage")
		w.percentage(schema.Field(m, "percentage"), &pp, false)
	}
	if c := schema.Field(h, "corsPolicy"); c != nil && c.Kind == yaml.MappingNode {
		originsPath := p.field(".corsPolicy.allowOrigins")
		for j, o := range schema.Items(schema.Field(c, "allowOrigins")) {
			value := ""
			for _, k := range []string{"exact", "prefix", "regex"} {
				if v, ok := schema.String(schema.Field(o, k)); ok && v != "" {
					value = v
				}
			}
			op := originsPath.item(j)
			if value == "" && o.Kind == yaml.MappingNode {
				w.reject(op.String(), "an allowOrigins entry needs a non-empty exact, prefix or regex")
			}
			if re, ok := schema.String(schema.Field(o, "regex")); ok && re != "" {
				if err := w.regexes.check(re); err != "" {
					w.reject(op.with(".regex"), "%s", err)
				}
			}
		}
		for j, m := range stringItems(schema.Field(c, "allowMethods")) {
			if !corsMethods[m.value] {
				w.reject(p.with(".corsPolicy.allowMethods["+strconv.Itoa(j)+"]"), "%q is not a supported HTTP method", m.value)
			}
		}
		for _, k := range [...]string{"allowHeaders", "exposeHeaders"} {
			for j, item := range schema.Items(schema.Field(c, k)) {
				if name, ok := schema.String(item); ok {
					if err := corsHeaderName(name); err != "" {
						w.reject(p.with(".corsPolicy."+k+"["+strconv.Itoa(j)+"]"), "%s", err)
					}
				}
			}
		}
		maxAgePath := p.field(".corsPolicy.maxAge")
		w.duration(schema.Field(c, "maxAge"), &maxAgePath)
		if s, ok := schema.String(schema.Field(c, "maxAge")); ok {
			if d, err := time.ParseDuration(s); err == nil && d >= time.Millisecond && d%time.Millisecond == 0 && d%time.Second != 0 {
				w.reject(maxAgePath.String(), "max_age duration is accurate only to seconds precision (%s)", s)
			}
		}
	}
}

func (w webhook) retries(r *yaml.Node, p *fieldPath) {
	perTryTimeoutPath, backoffPath := p.field(".perTryTimeout"), p.field(".backoff")
	w.duration(schema.Field(r, "perTryTimeout"), &perTryTimeoutPath)
	w.duration(schema.Field(r, "backoff"), &backoffPath)
	attemptsNode := schema.Field(r, "attempts")
	attempts, ok := schema.Int(attemptsNode)
	if !ok && schema.Present(attemptsNode) {
		return // a wrong type: the schema layer's finding
	}
	if ok && attempts < 0 {
		w.reject(p.with(".attempts"), "attempts cannot be negative")
	}
	retryOn, _ := schema.String(schema.Field(r, "retryOn"))
	if attempts == 0 && (schema.Present(schema.Field(r, "perTryTimeout")) || retryOn != "" || schema.Present(schema.Field(r, "retryRemoteLocalities"))) {
		w.reject(p.with(".attempts"), "http retry policy configured when attempts are set to 0 (disabled): set attempts")
	}
	if retryOn != "" {
		for _, policy := range strings.Split(retryOn, ",") {
			code, _ := strconv.Atoi(policy)
			if http.StatusText(code) == "" && !retryOnPolicies[policy] {
				w.reject(p.with(".retryOn"), "%q is not a valid retryOn policy", policy)
			}
		}
	}
}

func (w webhook) httpMatch(m *yaml.Node, p *fieldPath, gateway bool) {
	if m.Kind != yaml.MappingNode {
		return
	}
	uri := p.field(".uri")
	w.stringMatch(schema.Field(m, "uri"), &uri, true)
	for _, k := range []string{"scheme", "method", "authority"} {
		kp := p.field("." + k)
		w.stringMatch(schema.Field(m, k), &kp, false)
	}
	for _, k := range []string{"headers", "queryParams", "withoutHeaders"} {
		kp := p.field("." + k)
		for _, kv := range schema.Fields(schema.Field(m, k)) {
			vp := kp.key(kv.Key)
			if k != "queryParams" {
				if err := headerMatchName(kv.Key); err != "" {
					w.reject(vp.String(), "%s", err)
				}
				if !gateway && jwtClaimRoute(kv.Key) {
					w.reject(vp.String(), "JWT claim based routing (key: %s) is only supported for gateway, found no gateways: bind the VirtualService to Gateways only (spec.gateways, without mesh)", kv.Key)
				}
			}
			if k == "withoutHeaders" {
				if re, _ := schema.String(schema.Field(kv.Value, "regex")); re == "*" {
					continue // Istio's "header absent", not a regex
				}
			}
			w.stringMatch(kv.Value, &vp, false)
		}
	}
	labelsPath := p.field(".sourceLabels")
	w.sourceLabels(schema.Field(m, "sourceLabels"), &labelsPath)
	portPath := p.field(".port")
	w.port(schema.Field(m, "port"), &portPath, false)
	if ns, ok := schema.String(schema.Field(m, "sourceNamespace")); ok && ns != "" && !isIstioDNSLabel(ns) {
		w.reject(p.with(".sourceNamespace"), "sourceNamespace match %s is invalid", ns)
	}
	gp := p.field(".gateways")
	w.gatewayNames(schema.Field(m, "gateways"), &gp)
}

// stringMatch checks an exact/prefix/regex match; an empty prefix matches
// everything, which Envoy allows for the path (uri) only.
func (w webhook) stringMatch(n *yaml.Node, p *fieldPath, uri bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	if v, ok := schema.String(schema.Field(n, "prefix")); ok && v == "" && !uri {
		w.reject(p.with(".prefix"), "prefix string match should not be empty")
	}
	if v, ok := schema.String(schema.Field(n, "regex")); ok {
		if v == "" {
			w.reject(p.with(".regex"), "regex string match should not be empty")
		} else if err := w.regexes.check(v); err != "" {
			w.reject(p.with(".regex"), "%s", err)
		}
	}
}

// regexes remembers regex across the objects of a run: routes
// repeat their regexes, and compiling one costs far more than a lookup.
// The zero value is ready to use; a nil one remembers nothing.
type regexes struct {
	errs map[string]string
}

// check is regex(re).
func (c *regexes) check(re string) string {
	if c == nil {
		return regex(re)
	}
	if err, ok := c.errs[re]; ok {
		return err
	}
	err := regex(re)
	if c.errs == nil {
		c.errs = map[string]string{}
	}
	c.errs[re] = err
	return err
}

func regex(re string) string {
	if len(re) > 1024 {
		return "regex is too large, max length allowed is 1024"
	}
	if _, err := regexp.Compile(re); err != nil {
		return err.Error() + "; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)"
	}
	return ""
}

// port checks the port number at p, which must be 1..65535 when set (or,
// with required, always).
func (w webhook) port(n *yaml.Node, p *fieldPath, required bool) {
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
		w.reject(p.String(), "port number %d must be in the range 1..65535", number)
	}
}

// destinations checks the destinations of a route at p; those of an HTTP
// route (http) have header manipulations.
func (w webhook) destinations(route *yaml.Node, p *fieldPath, http bool) {
	var total int64
	for k, d := range schema.Items(route) {
		if d.Kind != yaml.MappingNode {
			continue
		}
		dp := p.item(k)
		if dest := schema.Field(d, "destination"); schema.Present(dest) {
			destPath := dp.field(".destination")
			w.destination(dest, &destPath)
		} else {
			w.reject(dp.with(".destination"), "destination is required")
		}
		if http {
			hp := dp.field(".headers")
			w.headerOperations(schema.Field(d, "headers"), &hp)
		}
		if weight, ok := schema.Int(schema.Field(d, "weight")); ok {
			if weight < 0 {
				w.reject(dp.with(".weight"), "weight %d < 0", weight)
			}
			total += weight
		}
	}
	if schema.Len(route) > 1 && total == 0 {
		w.reject(p.String(), "total destination weight = 0: with several destinations, give them weights")
	}
}

func (w webhook) destination(d *yaml.Node, p *fieldPath) {
	if d.Kind != yaml.MappingNode {
		return
	}
	if host, ok := schema.String(schema.Field(d, "host")); ok {
		if host == "*" {
			w.reject(p.with(".host"), "invalid destination host *")
		} else if err := wildcardDomain(host); err != "" {
			w.reject(p.with(".host"), "%s", err)
		}
	}
	if subset, ok := schema.String(schema.Field(d, "subset")); ok && subset != "" && !isIstioDNSLabel(subset) {
		w.reject(p.with(".subset"), "subset name is invalid: %s", subset)
	}
	if port := schema.Field(d, "port"); port != nil && port.Kind == yaml.MappingNode {
		numberPath := p.field(".port.number")
		w.port(schema.Field(port, "number"), &numberPath, true)
	}
}

func (w webhook) redirect(rd *yaml.Node, p *fieldPath, matches *yaml.Node) {
	str := func(k string) string { v, _ := schema.String(schema.Field(rd, k)); return v }
	uri, prefix, authority, scheme := str("uri"), str("prefixRewrite"), str("authority"), str("scheme")
	port := schema.Present(schema.Field(rd, "port")) || schema.Present(schema.Field(rd, "derivePort"))
	if uri != "" && prefix != "" {
		w.reject(p.String(), "redirect may only specify one of uri or prefixRewrite")
	}
	if prefix != "" {
		for _, m := range schema.Items(matches) {
			if u := schema.Field(m, "uri"); schema.Present(u) && !schema.Present(schema.Field(u, "prefix")) {
				w.reject(p.with(".prefixRewrite"), "redirect prefixRewrite requires all URI matches to use prefix match type")
				break
			}
		}
	}
	if uri == "" && prefix == "" && authority == "" && !port && scheme == "" {
		w.reject(p.String(), "redirect must specify uri, authority, scheme, or port")
	}
	if code, ok := schema.Int(schema.Field(rd, "redirectCode")); ok && code != 0 && (code < 300 || code > 399) {
		w.reject(p.with(".redirectCode"), "%d is not a valid redirect code, must be 3xx", code)
	}
	if scheme != "" && scheme != "http" && scheme != "https" {
		w.reject(p.with(".scheme"), `invalid redirect scheme, must be "http" or "https"`)
	}
	portPath := p.field(".port")
	w.port(schema.Field(rd, "port"), &portPath, false)
}

func (w webhook) fault(f *yaml.Node, p *fieldPath) {
	abort, delay := schema.Field(f, "abort"), schema.Field(f, "delay")
	if !schema.Present(abort) && !schema.Present(delay) {
		w.reject(p.String(), "HTTP fault injection must have an abort and/or a delay")
	}
	if abort != nil && abort.Kind == yaml.MappingNode {
		pp := p.field(".abort.percentage")
		w.percentage(schema.Field(abort, "percentage"), &pp, true)
		switch {
		case schema.Present(schema.Field(abort, "grpcStatus")):
			if s, ok := schema.String(schema.Field(abort, "grpcStatus")); ok && !grpcStatus[s] {
				w.reject(p.with(".abort.grpcStatus"), "gRPC status %q is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'", s)
			}
		case schema.Present(schema.Field(abort, "http2Error")):
			w.reject(p.with(".abort.http2Error"), "HTTP/2 abort fault injection not supported yet")
		case schema.Present(schema.Field(abort, "httpStatus")):
			if s, ok := schema.Int(schema.Field(abort, "httpStatus")); ok && (s < 200 || s > 600) {
				w.reject(p.with(".abort.httpStatus"), "HTTP status %d is not in range 200-599", s)
			}
		}
	}
	if delay != nil && delay.Kind == yaml.MappingNode {
		pp, fixedDelayPath := p.field(".delay.percentage"), p.field(".delay.fixedDelay")
		w.percentage(schema.Field(delay, "percentage"), &pp, true)
		w.duration(schema.Field(delay, "fixedDelay"), &fixedDelayPath)
		if schema.Present(schema.Field(delay, "exponentialDelay")) {
			w.reject(p.with(".delay.exponentialDelay"), "exponentialDelay not supported yet")
		}
	}
}

// percentage checks a Percent at p: 0..100, and for faults not below
// 0.0001 unless 0.
func (w webhook) percentage(n *yaml.Node, p *fieldPath, fault bool) {
	v, ok := schema.Number(schema.Field(n, "value"))
	if !ok {
		return
	}
	switch {
	case fault && (v < 0 || v > 100 || (v > 0 && v < 0.0001)):
		w.reject(p.with(".value"), "percentage %v is neither 0.0, nor in range [0.0001, 100.0]", v)
	case !fault && v > 100:
		w.reject(p.with(".value"), "mirror percentage must have a max value of 100 (it has %f)", v)
	case !fault && v < 0:
		w.reject(p.with(".value"), "mirror percentage must have a min value of 0 (it has %f)", v)
	}
}

// duration applies istiod's ValidateDuration beyond the CRD's 1ms minimum
// to the duration at p: millisecond precision.
func (w webhook) duration(n *yaml.Node, p *fieldPath) {
	s, ok := schema.String(n)
	if !ok {
		return
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Millisecond {
		return // the CRD rule reports it
	}
	if d%time.Millisecond != 0 {
		w.reject(p.String(), "only durations to ms precision are supported (%s)", s)
	}
}

func (w webhook) tlsRoute(t *yaml.Node, p *fieldPath, hosts []indexedString, gateway bool) {
	matches := schema.Field(t, "match")
	if emptyList(matches) {
		w.reject(p.with(".match"), "TLS route must have at least one match condition")
	}
	matchPath := p.field(".match")
	for j, m := range schema.Items(matches) {
		mp := matchPath.item(j)
		sniHosts := schema.Field(m, "sniHosts")
		sniPath := mp.field(".sniHosts")
		if emptyList(sniHosts) && m.Kind == yaml.MappingNode {
			w.reject(sniPath.String(), "TLS match must have at least one SNI host")
		}
		snis := stringItems(sniHosts)
		checkSubset := len(hosts)*len(snis) <= maxPairs
		for _, sni := range snis {
			var err string
			if gateway {
				err = vsGatewayDomain(true, sni.value)
			} else {
				err = wildcardDomain(sni.value)
			}
			if err != "" {
				if isIP(sni.value) {
					w.warn(sni.field(&sniPath), "using an IP address (%q) goes against SNI spec and most clients do not support this", sni.value)
				} else {
					w.reject(sni.field(&sniPath), "%s", err)
				}
				continue
			}
			if !checkSubset {
				continue
			}
			covered := false
			for _, h := range hosts {
				if subsetOf(sni.value, h.value) {
					covered = true
					break
				}
			}
			if !covered {
				all := make([]string, len(hosts))
				for i, h := range hosts {
					all[i] = h.value
				}
				w.reject(sni.field(&sniPath), "SNI host %q is not a compatible subset of any of the virtual service hosts: [%s]", sni.value, strings.Join(all, ", "))
			}
		}
		w.l4Match(m, &mp)
	}
	route := schema.Field(t, "route")
	routePath := p.field(".route")
	if emptyList(route) {
		w.reject(routePath.String(), "TLS route is required")
	}
	w.destinations(route, &routePath, false)
}

func (w webhook) l4Match(m *yaml.Node, p *fieldPath) {
	subnets := p.field(".destinationSubnets")
	for _, s := range stringItems(schema.Field(m, "destinationSubnets")) {
		if !isIP(s.value) {
			if _, err := netip.ParsePrefix(s.value); err != nil {
				w.reject(s.field(&subnets), "%q is not a valid IP address or CIDR subnet", s.value)
			}
		}
	}
	labelsPath := p.field(".sourceLabels")
	w.sourceLabels(schema.Field(m, "sourceLabels"), &labelsPath)
	portPath := p.field(".port")
	w.port(schema.Field(m, "port"), &portPath, false)
	gp := p.field(".gateways")
	w.gatewayNames(schema.Field(m, "gateways"), &gp)
}

// gatewayNames checks gateway references as istiod's validateGatewayNames
// does (which stops at the first name without a namespace).
func (w webhook) gatewayNames(n *yaml.Node, p *fieldPath) {
	for i, item := range schema.Items(n) {
		value, ok := schema.String(item)
		if !ok {
			continue
		}
		g := indexedString{value, i}
		ns, name, ok := strings.Cut(g.value, "/")
		if !ok {
			if strings.Contains(g.value, ".") {
				parts := strings.Split(g.value, ".")
				w.warn(g.field(p), "using legacy gatewayName format %q; prefer the <namespace>/<name> format: %q", g.value, parts[1]+"/"+parts[0])
			}
			if err := fqdn(g.value); err != "" {
				w.reject(g.field(p), "%s", err)
			}
			return
		}
		switch {
		case ns == "" || name == "":
			w.reject(g.field(p), "config namespace and gateway name cannot be empty")
		case !isIstioDNSLabel(ns):
			w.reject(g.field(p), "invalid value for namespace: %q", ns)
		case !isIstioDNSLabel(name):
			w.reject(g.field(p), "invalid value for gateway name: %q", name)
		}
	}
}

func (w webhook) exportTo(n *yaml.Node) {
	entries := stringItems(n)
	if len(entries) == 0 {
		return
	}
	exportToPath := root("spec.exportTo")
	seen := map[string]bool{}
	for _, e := range entries {
		key := e.value
		if key == "." && w.o.Namespace != "" {
			key = w.o.Namespace
		}
		switch {
		case seen[key] && key != e.value:
			w.reject(e.field(&exportToPath), "duplicate entries in exportTo: . and current namespace %s", w.o.Namespace)
		case seen[key]:
			w.reject(e.field(&exportToPath), "duplicate entries in exportTo for entry %s", e.value)
		case key == "~":
			w.reject(e.field(&exportToPath), "exportTo ~ (none) is not allowed for Istio configuration objects")
		case key != "." && key != "*" && !isIstioDNSLabel(key):
			w.reject(e.field(&exportToPath), "only .,*, or a valid DNS 1123 label is allowed as exportTo entry")
		default:
			seen[key] = true
		}
	}
	if seen["*"] && len(entries) > 1 {
		w.reject("spec.exportTo", "cannot have both public (*) and non-public exportTo values for a resource")
	}
}

// ---- headers, labels and tlsCertificates ----

// The webhook rules of EG014 on header names and values, label syntax and
// the certificates of a server's tls.tlsCertificates, each a port of
// istio.io/istio pkg/config/validation (validation.go, virtualservice.go,
// header_value_validator.go) and pkg/config/labels (instance.go). Each
// check returns "" when istiod accepts the value, so that nothing is
// allocated for the values everyone writes.

// headerSides are the two sides of a Headers (HTTPRoute.headers,
// HTTPRouteDestination.headers) with their paths.
var headerSides = [...]struct{ key, path string }{{"request", ".request"}, {"response", ".response"}}

// headerOperations applies istiod's rules to the header manipulations h at
// p (validateHTTPRoute and validateHTTPRouteDestinations): every name of
// set, add and remove is ValidateHTTPHeaderWithAuthorityOperationName's
// (request set and add) or ValidateHTTPHeaderOperationName's (the others),
// every value of set and add ValidateHTTPHeaderValue's.
func (w webhook) headerOperations(h *yaml.Node, p *fieldPath) {
	if h == nil || h.Kind != yaml.MappingNode {
		return
	}
	for _, side := range headerSides {
		ops := schema.Field(h, side.key)
		if ops == nil || ops.Kind != yaml.MappingNode {
			continue
		}
		sp := p.field(side.path)
		request := side.key == "request"
		for _, op := range [...]struct{ key, path string }{{"set", ".set"}, {"add", ".add"}} {
			m := schema.Field(ops, op.key)
			if m == nil || m.Kind != yaml.MappingNode {
				continue
			}
			opPath := sp.field(op.path)
			for _, kv := range schema.Fields(m) {
				var err string
				if request {
					err = headerWithAuthorityOperationName(kv.Key)
				} else {
					err = headerOperationName(kv.Key)
				}
				if err != "" {
					kp := opPath.key(kv.Key)
					w.reject(kp.String(), "%s", err)
				}
				if v, ok := schema.String(kv.Value); ok {
					if err := headerValue(v); err != "" {
						kp := opPath.key(kv.Key)
						w.reject(kp.String(), "%s", err)
					}
				}
			}
		}
		removePath := sp.field(".remove")
		for i, item := range schema.Items(schema.Field(ops, "remove")) {
			if name, ok := schema.String(item); ok {
				if err := headerOperationName(name); err != "" {
					ip := removePath.item(i)
					w.reject(ip.String(), "%s", err)
				}
			}
		}
	}
}

// headerWithAuthorityOperationName is ValidateHTTPHeaderWithAuthorityOperationName:
// a request header set or added is named, and not a pseudo-header but
// :authority (which, like Host, sets the authority).
func headerWithAuthorityOperationName(name string) string {
	switch {
	case name == "":
		return "header name cannot be empty"
	case strings.HasPrefix(name, ":") && !strings.EqualFold(name, ":authority"):
		return fmt.Sprintf(`invalid header %q: header cannot have ":" prefix (Envoy does not let a route change a pseudo-header but :authority)`, name)
	}
	return ""
}

// headerOperationName is ValidateHTTPHeaderOperationName: a request header
// removed, or a response header set, added or removed, is named, and
// neither Host nor a pseudo-header.
func headerOperationName(name string) string {
	switch {
	case name == "":
		return "header name cannot be empty"
	case strings.EqualFold(name, "host"):
		return fmt.Sprintf(`invalid header %q: cannot set Host header (set the request's authority with rewrite.authority or headers.request.set)`, name)
	case strings.HasPrefix(name, ":"):
		return fmt.Sprintf(`invalid header %q: header cannot have ":" prefix (Envoy does not let a route change a pseudo-header)`, name)
	}
	return ""
}

// headerValue is ValidateHTTPHeaderValue: no control character but tab,
// and Envoy's %VARIABLE% syntax (a literal % written %%).
func headerValue(value string) string {
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return fmt.Sprintf("header value configuration %q is invalid: a header value may hold no control character but tab", value)
		}
	}
	if err := headerValueSyntax(value); err != "" {
		return "header value configuration: " + err
	}
	return ""
}

// headerValueSyntax is istiod's validateHeaderValue, its port of Envoy's
// header_parser.cc: the %VAR%, %VAR(arg)% and %VAR(["a", "b"])% forms.
func headerValueSyntax(v string) string {
	const (
		literal = iota
		variableName
		expectArray
		expectString
		inString
		expectArrayDelimiterOrEnd
		expectArgsEnd
		expectVariableEnd
	)
	state := literal
	for pos := 0; pos < len(v); pos++ {
		ch := v[pos]
		hasNext := pos+1 < len(v)
		switch state {
		case literal:
			if ch != '%' {
				break
			}
			if !hasNext {
				return "invalid header configuration. Un-escaped % (write a literal % as %%)"
			}
			if v[pos+1] == '%' {
				pos++
				break
			}
			state = variableName
		case variableName:
			switch ch {
			case '%':
				state = literal
			case '(':
				state = expectArray
			}
		case expectArray:
			switch {
			case ch == '[':
				state = expectString
			case ch != ' ':
				state = inString
			}
		case expectArrayDelimiterOrEnd:
			switch {
			case ch == ',':
				state = expectString
			case ch == ']':
				state = expectArgsEnd
			case ch != ' ':
				return "invalid header configuration. Expecting ',', ']', or whitespace"
			}
		case expectString:
			switch {
			case ch == '"':
				state = inString
			case ch != ' ':
				return `invalid header configuration. Expecting '"'`
			}
		case inString:
			switch ch {
			case '\\':
				if !hasNext {
					return "invalid header configuration. Un-terminated backslash in JSON string"
				}
				pos++
			case ')':
				state = expectVariableEnd
			case '"':
				state = expectArrayDelimiterOrEnd
			}
		case expectArgsEnd:
			switch {
			case ch == ')':
				state = expectVariableEnd
			case ch != ' ':
				return "invalid header configuration. Expecting ')' or whitespace"
			}
		case expectVariableEnd:
			switch {
			case ch == '%':
				state = literal
			case ch != ' ':
				return "invalid header configuration. Expecting '%' or whitespace"
			}
		}
	}
	if state != literal {
		return fmt.Sprintf("invalid header configuration. Un-terminated variable expression %q", v)
	}
	return ""
}

// pseudoHeaders are the pseudo-headers a route may match on.
var pseudoHeaders = map[string]bool{":method": true, ":scheme": true, ":authority": true, ":path": true, ":status": true}

// headerMatchName is ValidateHTTPHeaderNameOrJwtClaimRoute, for the names
// of match.headers and match.withoutHeaders: a JWT claim
// (@request.auth.claims.<claim> or @request.auth.claims[<claim>]), a
// pseudo-header, or an HTTP token.
func headerMatchName(name string) string {
	switch {
	case name == "":
		return "header name cannot be empty"
	case jwtClaimRoute(name) || pseudoHeaders[name] || httpToken(name):
		return ""
	}
	return fmt.Sprintf("header name %q is not a valid header name: a header name is letters, digits and any of %s", name, tokenPunctuation)
}

// corsHeaderName is ValidateCORSHTTPHeaderName, for corsPolicy.allowHeaders
// and exposeHeaders: "*" or an HTTP token.
func corsHeaderName(name string) string {
	switch {
	case name == "":
		return "header name cannot be empty"
	case name == "*" || httpToken(name):
		return ""
	}
	return fmt.Sprintf("header name %q is not a valid header name: a header name is letters, digits and any of %s", name, tokenPunctuation)
}

// tokenPunctuation is the punctuation of an HTTP token (RFC 7230 tchar).
const tokenPunctuation = "!#$%&'*+-.^_`|~"

// httpToken reports whether s is an HTTP token: istiod's validHeaderNameRegex.
func httpToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && strings.IndexByte(tokenPunctuation, c) < 0 {
			return false
		}
	}
	return true
}

// jwtClaimRoute is jwt.ToRoutingClaim(name).Match: the header name
// routes on a JWT claim.
func jwtClaimRoute(name string) bool {
	const prefix = "@request.auth.claims"
	if len(name) < len(prefix) || !asciiEqualFold(name[:len(prefix)], prefix) {
		return false
	}
	rest := name[len(prefix):]
	return strings.HasPrefix(rest, ".") && len(rest) > 1 ||
		strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") && len(rest) > 2
}

// asciiEqualFold is strings.EqualFold for a lower-case ASCII b, which is
// what strings.HasPrefix(strings.ToLower(a), b) asks of a's first bytes.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// sourceLabels applies labels.Instance.Validate to the sourceLabels at p:
// every key a Kubernetes label key, every value a label value.
func (w webhook) sourceLabels(n *yaml.Node, p *fieldPath) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for _, kv := range schema.Fields(n) {
		if err := labelKey(kv.Key); err != "" {
			kp := p.key(kv.Key)
			w.reject(kp.String(), "%s", err)
		}
		if v, ok := schema.String(kv.Value); ok && !qualifiedName(v) && v != "" {
			kp := p.key(kv.Key)
			w.reject(kp.String(), "invalid tag value: %q: a label value is empty, or letters, digits, '-', '_' and '.', starting and ending with a letter or digit", v)
		}
	}
}

// labelKey is istiod's validateTagKey: [prefix/]name, the prefix DNS
// labels joined by dots (at most 253 bytes), the name a qualified name of
// at most 63 bytes.
func labelKey(k string) string {
	prefix, name, slash := strings.Cut(k, "/")
	if !slash {
		prefix, name = "", k
	}
	if !qualifiedName(name) || slash && !dnsPrefix(prefix) {
		return fmt.Sprintf("invalid tag key: %q: a label key is [prefix/]name, the name letters, digits, '-', '_' and '.', starting and ending with a letter or digit, the prefix a DNS name", k)
	}
	if len(prefix) > 253 {
		return fmt.Sprintf("invalid tag key: %q (DNS prefix is too long)", k)
	}
	if len(name) > 63 {
		return fmt.Sprintf("invalid tag key: %q (name is too long)", k)
	}
	return ""
}

// qualifiedName reports whether s matches istiod's qualifiedNameFmt,
// (?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], of any length.
func qualifiedName(s string) bool {
	if s == "" || !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// dnsPrefix reports whether s is DNS-1123 labels (of any length) joined by
// dots: the prefix of a label key, without its slash.
func dnsPrefix(s string) bool {
	for {
		label, rest, more := strings.Cut(s, ".")
		if !labelChars(label) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// tlsCertificates applies validateTLSOptions to the entries of a server's
// tls.tlsCertificates (at p, the server's tls): in SIMPLE, MUTUAL and
// OPTIONAL_MUTUAL mode without a credentialName, each needs a
// serverCertificate and a privateKey. (The other TLS settings against the
// mode are EG011's.)
func (w webhook) tlsCertificates(tls *yaml.Node, p *fieldPath) {
	certs := schema.Field(tls, "tlsCertificates")
	if schema.Len(certs) == 0 {
		return
	}
	mode, _ := schema.String(schema.Field(tls, "mode"))
	prefix := "SIMPLE TLS"
	switch mode {
	case "SIMPLE":
	case "MUTUAL", "OPTIONAL_MUTUAL":
		prefix = "MUTUAL TLS"
	default:
		return
	}
	if cn, _ := schema.String(schema.Field(tls, "credentialName")); cn != "" || schema.Len(schema.Field(tls, "credentialNames")) > 0 {
		return // credentials are fetched remotely; the CRD refuses the mix
	}
	certsPath := p.field(".tlsCertificates")
	for i, c := range schema.Items(certs) {
		if c.Kind != yaml.MappingNode {
			continue
		}
		cp := certsPath.item(i)
		if v, _ := schema.String(schema.Field(c, "serverCertificate")); v == "" {
			w.reject(cp.with(".serverCertificate"), "%s requires a server certificate: tls.tlsCertificates[%d] has no serverCertificate", prefix, i)
		}
		if v, _ := schema.String(schema.Field(c, "privateKey")); v == "" {
			w.reject(cp.with(".privateKey"), "%s requires a private key: tls.tlsCertificates[%d] has no privateKey", prefix, i)
		}
	}
}

// ---- names ----

// isIstioDNSLabel reports whether s is a DNS-1123 label: at most 63
// letters, digits and hyphens, starting and ending with a letter or digit
// (the regexp ^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$, by hand: it is
// asked of every host, subset and namespace).
func isIstioDNSLabel(s string) bool { return len(s) <= 63 && labelChars(s) }

// labelChars is isIstioDNSLabel without the length limit.
func labelChars(s string) bool {
	if s == "" || !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !alnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// wildcardLabel reports whether s is the first label of a wildcard
// domain: "*", or a label (of any length) after an optional "*" or "*-"
// (the regexp ^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$).
func wildcardLabel(s string) bool {
	if s == "*" || labelChars(s) {
		return true
	}
	if rest, ok := strings.CutPrefix(s, "*"); ok {
		if labelChars(rest) {
			return true
		}
		if rest, ok := strings.CutPrefix(rest, "-"); ok {
			return labelChars(rest)
		}
	}
	return false
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// wildcardDomain is istiod's ValidateWildcardDomain: an FQDN whose
// first label may be a wildcard.
func wildcardDomain(domain string) string {
	if err := dnsPreconditions(domain); err != "" {
		return err
	}
	first, rest, more := strings.Cut(domain, ".")
	if len(first) > 63 || !wildcardLabel(first) {
		return fmt.Sprintf("domain name %q invalid (label %q invalid)", domain, first)
	}
	if more {
		return dnsLabels(rest)
	}
	return ""
}

// vsGatewayDomain is ValidateWildcardDomainForVirtualServiceBoundToGateway:
// SNI hosts may also be Istio's generated outbound_.<port>_._.<host>.
func vsGatewayDomain(sni bool, domain string) string {
	if err := dnsPreconditions(domain); err != "" {
		return err
	}
	if sni && strings.HasPrefix(domain, "outbound_") {
		if len(strings.Split(domain, "_")) < 4 {
			return fmt.Sprintf("domain name %s invalid, should follow 'outbound_.<PORT>_._.<HOSTNAME>' format", domain)
		}
		return ""
	}
	return wildcardDomain(domain)
}

func fqdn(fqdn string) string {
	if err := dnsPreconditions(fqdn); err != "" {
		return err
	}
	return dnsLabels(fqdn)
}

func dnsPreconditions(name string) string {
	switch {
	case len(name) > 255:
		return fmt.Sprintf("domain name %q too long (max 255)", name)
	case name == "":
		return "empty domain name not allowed"
	}
	return ""
}

// dnsLabels checks the dot-separated labels of domain; the last may
// be empty (a trailing dot).
func dnsLabels(domain string) string {
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	if isInt(tld) {
		return fmt.Sprintf("domain name %q invalid (top level domain %q cannot be all-numeric)", domain, tld)
	}
	for rest := domain; ; {
		label, next, more := strings.Cut(rest, ".")
		if !more && label == "" {
			return ""
		}
		if !isIstioDNSLabel(label) {
			return fmt.Sprintf("domain name %q invalid (label %q invalid)", domain, label)
		}
		if !more {
			return ""
		}
		rest = next
	}
}

// isInt reports whether strconv.Atoi accepts s. Only a sign and
// digits can be one, and for anything else Atoi would allocate its error,
// for the last label of every host.
func isInt(s string) bool {
	digits := s
	if s != "" && (s[0] == '+' || s[0] == '-') {
		digits = s[1:]
	}
	if digits == "" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	_, err := strconv.Atoi(s) // out of range, for a long one
	return err == nil
}

// subsetOf is host.Name.SubsetOf: n is covered by o. It is hostname.Matches
// but for a wildcard n longer than o, which only an invalid host o (such as
// "**.example.com", reported on its own) can be.
func subsetOf(n, o string) bool {
	return (!hostname.IsWildcard(n) || len(n) >= len(o)) && hostname.Matches(o, n)
}

// fieldPath is the path of a field, made into a string only for a
// finding: the rules walk every route, match and destination, and few of
// them have anything to report. A path lives on the stack of the rule
// that walks its field.
type fieldPath struct {
	parent *fieldPath
	// name is a field, appended as it is (".route"; at the root the whole
	// path, "spec.http"), or with mapKey a key of a map.
	name   string
	mapKey bool
	index  int // with no name: the item parent[index]
}

func root(path string) fieldPath { return fieldPath{name: path} }

// field is the path of a field of p; name starts with a dot.
func (p *fieldPath) field(name string) fieldPath { return fieldPath{parent: p, name: name} }

// item is the path of item i of the list at p.
func (p *fieldPath) item(i int) fieldPath { return fieldPath{parent: p, index: i} }

// key is the path of the entry key of the map at p (see Key).
func (p *fieldPath) key(key string) fieldPath {
	return fieldPath{parent: p, name: key, mapKey: true}
}

func (p *fieldPath) String() string {
	if p == nil {
		return ""
	}
	parent := p.parent.String()
	switch {
	case p.mapKey:
		return schema.EntryPath(parent, p.name)
	case p.name == "":
		return parent + "[" + strconv.Itoa(p.index) + "]"
	}
	return parent + p.name
}

// with is the path p followed by suffix (".port.number").
func (p *fieldPath) with(suffix string) string { return p.String() + suffix }

// indexedString is a string item of a list, with its index.
type indexedString struct {
	value string
	index int
}

// field is the path of s in the list at list.
func (s indexedString) field(list *fieldPath) string {
	return list.with("[" + strconv.Itoa(s.index) + "]")
}

// stringItems returns the string items of a list.
func stringItems(n *yaml.Node) []indexedString { return appendStrings(nil, n) }

// appendStrings appends the string items of a list to buf.
func appendStrings(buf []indexedString, n *yaml.Node) []indexedString {
	for i, item := range schema.Items(n) {
		if v, ok := schema.String(item); ok {
			buf = append(buf, indexedString{v, i})
		}
	}
	return buf
}

// emptyList reports whether n is absent, null or an empty list (a
// value of another type is the schema layer's finding).
func emptyList(n *yaml.Node) bool {
	switch schema.TypeOf(n) {
	case "", "null":
		return true
	case "array":
		return schema.Len(n) == 0
	}
	return false
}
