package v1alpha1

import (
	"fmt"
	"github.com/edgegate/edgegate/manifest/k8sname"
	"github.com/edgegate/edgegate/manifest/patterns"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/hostname"
)

// FieldError is one field of an object written wrong.
type FieldError struct {
	// Field is the field's path, e.g. spec.routes[1].to.
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors are the errors of one object, in the order its fields are checked.
type FieldErrors []FieldError

func (e *FieldErrors) add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// RedirectRouteName names the rules edgegate adds to send plain HTTP to
// HTTPS; routes of an AppIntent may not take names starting with it.
const RedirectRouteName = "https-redirect"

var (
	headerName     = regexp.MustCompile("^[-!#$%&'*+.^_`|~0-9a-z]+$")
	imageReference = regexp.MustCompile(`^[a-z0-9]+([._/:@-][a-zA-Z0-9_]+)*$`)
)

func checkDNSLabel(e *FieldErrors, field, value, what string) {
	if k8sname.DNS1123Label(value) != "" {
		e.add(field, "%q is not a valid %s (lowercase letters, digits and '-', at most 63 characters)", value, what)
	}
}

// istioReservedPorts are ports the proxy itself listens on inside the pod.
var istioReservedPorts = map[int]string{
	15000: "Envoy admin", 15001: "outbound capture", 15004: "debug", 15006: "inbound capture",
	15008: "HBONE", 15009: "HBONE", 15010: "istiod XDS", 15012: "istiod XDS (TLS)", 15014: "control plane monitoring",
	15017: "webhook", 15020: "merged metrics", 15021: "health checks", 15053: "DNS", 15090: "Envoy Prometheus",
}

func checkPort(e *FieldErrors, field string, port int) bool {
	if port < 1 || port > 65535 {
		e.add(field, "port %d is out of range 1-65535", port)
		return false
	}
	if use, ok := istioReservedPorts[port]; ok {
		e.add(field, "port %d is reserved by the Istio proxy (%s)", port, use)
		return false
	}
	return true
}

// ValidateIngressGateway checks an IngressGateway as written, before
// defaults: its name and namespace, then its spec.
func ValidateIngressGateway(name, namespace string, s *IngressGatewaySpec) FieldErrors {
	var e FieldErrors
	validateGatewayName(&e, name, namespace)
	validateGateway(&e, s)
	return e
}

// validateGatewayName checks the name used for the workload objects and the
// istio selector label.
func validateGatewayName(e *FieldErrors, name, namespace string) {
	if k8sname.DNS1035Label(name) != "" {
		e.add("metadata.name", "%q is not a valid gateway name (a DNS label starting with a letter: it names the Service)", name)
	}
	if namespace != "" {
		checkDNSLabel(e, "metadata.namespace", namespace, "namespace")
	}
}

// validateGateway checks an IngressGateway spec as written, before defaults.
func validateGateway(e *FieldErrors, s *IngressGatewaySpec) {
	validateAPI(e, s)
	if s.Existing {
		validateExistingGateway(e, s)
		return
	}
	if s.Selector != nil {
		e.add("spec.selector", "only an existing gateway takes a selector; edgegate's own gateways are selected by istio: <name>")
	}
	if s.ServicePorts != nil {
		e.add("spec.servicePorts", "only an existing gateway takes servicePorts; use spec.ports for the pool of an edgegate gateway")
	}
	if r := s.Replicas; r != nil {
		if r.Min < 0 {
			e.add("spec.replicas.min", "must be at least 1")
		}
		if r.Max < 0 || (r.Max != 0 && r.Max < max(r.Min, 1)) {
			e.add("spec.replicas.max", "must be at least min (%d)", max(r.Min, 1))
		}
	}
	if svc := s.Service; svc != nil {
		typ := svc.Type
		switch typ {
		case "", "LoadBalancer", "NodePort", "ClusterIP":
		default:
			e.add("spec.service.type", "must be LoadBalancer, NodePort or ClusterIP, not %q", typ)
		}
		if typ == "" {
			typ = DefaultServiceType
		}
		switch svc.ExternalTrafficPolicy {
		case "":
		case "Cluster", "Local":
			if typ == "ClusterIP" {
				e.add("spec.service.externalTrafficPolicy", "applies only to LoadBalancer and NodePort services")
			}
		default:
			e.add("spec.service.externalTrafficPolicy", "must be Cluster or Local, not %q", svc.ExternalTrafficPolicy)
		}
		if svc.LoadBalancerClass != "" {
			if typ != "LoadBalancer" {
				e.add("spec.service.loadBalancerClass", "applies only to LoadBalancer services")
			} else if k8sname.QualifiedName(svc.LoadBalancerClass) != "" {
				e.add("spec.service.loadBalancerClass", "%q is not a valid class name (e.g. example.com/internal-lb)", svc.LoadBalancerClass)
			}
		}
		validateAnnotations(e, "spec.service.annotations", svc.Annotations)
	}
	if s.Image != "" && s.Image != "auto" && (len(s.Image) > 512 || !imageReference.MatchString(s.Image)) {
		e.add("spec.image", "%q is not an image reference (use auto, or e.g. docker.io/istio/proxyv2:1.28.0)", s.Image)
	}
	if s.Revision != "" {
		checkDNSLabel(e, "spec.revision", s.Revision, "revision")
	}
	for _, key := range slices.Sorted(maps.Keys(s.Labels)) {
		field := "spec.labels." + key
		if reservedPodLabels[key] {
			e.add(field, "label %s is set by edgegate and cannot be overridden", key)
			continue
		}
		if k8sname.QualifiedName(key) != "" {
			e.add(field, "%q is not a valid label key", key)
		}
		if v := s.Labels[key]; k8sname.LabelValue(v) != "" {
			e.add(field, "%q is not a valid label value", v)
		}
	}
	if r := s.Resources; r != nil {
		for _, list := range []struct {
			field string
			m     map[string]string
		}{{"spec.resources.requests", r.Requests}, {"spec.resources.limits", r.Limits}} {
			for _, k := range slices.Sorted(maps.Keys(list.m)) {
				if _, err := ParseQuantity(list.m[k]); err != nil {
					e.add(list.field+"."+k, "%v", err)
				}
			}
		}
	}
	validateHostOwnership(e, s.HostOwnership)
	validateDestinationNamespaces(e, s.AllowedDestinationNamespaces)
	if p := s.Ports; p != nil {
		seen := map[int]string{}
		checkPool(e, "spec.ports.http", p.HTTP, seen)
		checkPool(e, "spec.ports.https", p.HTTPS, seen)
	}
}

// validateAPI checks the choice of output API and its options.
func validateAPI(e *FieldErrors, s *IngressGatewaySpec) {
	if msg := APIMessage(s.API); s.API != "" && msg != "" {
		e.add("spec.api", "%s", msg)
	}
	g := s.GatewayAPI
	if g == nil {
		return
	}
	if c := g.GatewayClassName; c != "" && k8sname.DNS1123Subdomain(c) != "" {
		e.add("spec.gatewayAPI.gatewayClassName", "%q is not a valid GatewayClass name (a DNS subdomain, e.g. istio)", c)
	}
	if a := g.Address; a != "" {
		if !s.Existing {
			e.add("spec.gatewayAPI.address", "only an existing gateway takes an address; Istio deploys edgegate's own gateways from the Gateway")
		} else if k8sname.DNS1123Subdomain(a) != "" {
			e.add("spec.gatewayAPI.address", "%q is not a Service hostname (e.g. istio-ingressgateway.istio-system.svc.cluster.local)", a)
		}
	}
}

// APIMessage says what is wrong with api as an output API; empty when it is
// istio or gateway-api.
func APIMessage(api string) string {
	switch api {
	case APIIstio, APIGatewayAPI:
		return ""
	}
	return fmt.Sprintf("must be %s or %s, not %q", APIIstio, APIGatewayAPI, api)
}

func validateDestinationNamespaces(e *FieldErrors, namespaces []string) {
	seen := map[string]int{}
	for i, ns := range namespaces {
		field := fmt.Sprintf("spec.allowedDestinationNamespaces[%d]", i)
		checkDNSLabel(e, field, ns, "namespace")
		if j, dup := seen[ns]; dup {
			e.add(field, "namespace %q is already listed as spec.allowedDestinationNamespaces[%d]", ns, j)
		}
		seen[ns] = i
	}
}

func validateHostOwnership(e *FieldErrors, owners map[string][]string) {
	for _, pattern := range slices.Sorted(maps.Keys(owners)) {
		field := "spec.hostOwnership." + pattern
		if err := hostname.Validate(pattern); err != nil {
			e.add(field, "%v", err)
		}
		if len(owners[pattern]) == 0 {
			e.add(field, "list the namespaces allowed to claim %q", pattern)
		}
		for i, ns := range owners[pattern] {
			checkDNSLabel(e, fmt.Sprintf("%s[%d]", field, i), ns, "namespace")
		}
	}
}

func validateExistingGateway(e *FieldErrors, s *IngressGatewaySpec) {
	validateHostOwnership(e, s.HostOwnership)
	validateDestinationNamespaces(e, s.AllowedDestinationNamespaces)
	if len(s.Selector) == 0 {
		e.add("spec.selector", "an existing gateway needs the labels of its pods (e.g. istio: ingressgateway)")
	}
	for _, k := range slices.Sorted(maps.Keys(s.Selector)) {
		if k8sname.QualifiedName(k) != "" || k8sname.LabelValue(s.Selector[k]) != "" {
			e.add("spec.selector."+k, "%s: %q is not a valid label", k, s.Selector[k])
		}
	}
	for field, set := range map[string]bool{
		"spec.ports": s.Ports != nil, "spec.replicas": s.Replicas != nil, "spec.service": s.Service != nil,
		"spec.image": s.Image != "", "spec.revision": s.Revision != "", "spec.labels": s.Labels != nil,
		"spec.resources": s.Resources != nil, "spec.affinity": s.Affinity != nil, "spec.tolerations": s.Tolerations != nil,
		"spec.topologySpreadConstraints": s.TopologySpreadConstraints != nil,
	} {
		if set {
			e.add(field, "edgegate renders nothing for an existing gateway, so this field has no effect; remove it")
		}
	}
	usable := 0
	names, ports, targets := map[string]bool{}, map[int]bool{}, map[int]string{}
	for i, sp := range s.ServicePorts {
		field := fmt.Sprintf("spec.servicePorts[%d]", i)
		if len(sp.Name) > 15 || k8sname.DNS1123Label(sp.Name) != "" {
			e.add(field+".name", "%q is not a Service port name (e.g. http2, https)", sp.Name)
		} else if names[sp.Name] {
			e.add(field+".name", "duplicate port name %q", sp.Name)
		}
		names[sp.Name] = true
		if sp.Port < 1 || sp.Port > 65535 {
			e.add(field+".port", "port %d is out of range 1-65535", sp.Port)
		} else if ports[sp.Port] {
			e.add(field+".port", "duplicate port %d", sp.Port)
		}
		ports[sp.Port] = true
		if sp.TargetPort != 0 && (sp.TargetPort < 1 || sp.TargetPort > 65535) {
			e.add(field+".targetPort", "port %d is out of range 1-65535", sp.TargetPort)
		}
		proto := ServicePortProtocol(sp.Name)
		if proto == "" {
			continue
		}
		usable++
		target := sp.TargetPort
		if target == 0 {
			target = sp.Port
		}
		if other, ok := targets[target]; ok && other != proto {
			e.add(field+".targetPort", "targetPort %d already serves %s; one listener cannot speak both", target, other)
		}
		targets[target] = proto
	}
	if usable == 0 {
		e.add("spec.servicePorts", "list the gateway Service's ports; at least one must be named http, http2 or https (Istio's naming: <protocol>[-suffix])")
	}
}

func checkPool(e *FieldErrors, field string, pool []PortRange, seen map[int]string) {
	for i, r := range pool {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !checkPort(e, f, r.First) || !checkPort(e, f, r.Last) {
			continue
		}
		if r.Last < r.First {
			e.add(f, "range %d-%d is empty", r.First, r.Last)
			continue
		}
		if r.Last-r.First >= 1000 {
			e.add(f, "range %d-%d is larger than 1000 ports", r.First, r.Last)
			continue
		}
		for p := r.First; p <= r.Last; p++ {
			if use, ok := istioReservedPorts[p]; ok {
				e.add(f, "range %d-%d includes port %d, reserved by the Istio proxy (%s)", r.First, r.Last, p, use)
				break
			}
			if other, ok := seen[p]; ok {
				e.add(f, "port %d is already in %s", p, other)
				break
			}
			seen[p] = f
		}
	}
}

func validateAnnotations(e *FieldErrors, field string, m map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k8sname.QualifiedName(k) != "" {
			e.add(field+"."+k, "%q is not a valid annotation key", k)
		}
	}
}

// reservedPodLabels are set by edgegate on gateway pods; spec.labels may not
// change them. (app.kubernetes.io/managed-by is manifest.ManagedByLabel,
// spelled out so the API does not import the YAML layer.)
var reservedPodLabels = map[string]bool{
	"istio": true, "app.kubernetes.io/name": true, "sidecar.istio.io/inject": true,
	"istio.io/rev": true, "app.kubernetes.io/managed-by": true, "istio.io/dataplane-mode": true,
}

// ReservedPodLabel reports whether edgegate sets the label key on gateway
// pods, so that spec.labels may not.
func ReservedPodLabel(key string) bool { return reservedPodLabels[key] }

// ServicePortProtocol reads a Service port name the way Istio does,
// <protocol>[-suffix]: HTTP (http, http2), HTTPS, or "" for the protocols
// host bindings do not use.
func ServicePortProtocol(name string) string {
	proto, _, _ := strings.Cut(strings.ToLower(name), "-")
	switch proto {
	case "http", "http2":
		return "HTTP"
	case "https":
		return "HTTPS"
	}
	return ""
}

// ValidateAppIntent checks an AppIntent as written, before defaults: its name
// and namespace (when given), then its spec. Whether an earlier route
// shadows a later one is the renderer's to say.
func ValidateAppIntent(name, namespace string, s *AppIntentSpec) FieldErrors {
	var e FieldErrors
	if name != "" {
		checkDNSLabel(&e, "metadata.name", name, "app name")
	}
	if namespace != "" {
		checkDNSLabel(&e, "metadata.namespace", namespace, "namespace")
	}
	validateApp(&e, namespace, s)
	return e
}

func validateApp(e *FieldErrors, namespace string, s *AppIntentSpec) {
	if s.Gateway != "" {
		ns, name, scoped := strings.Cut(s.Gateway, "/")
		if !scoped {
			name, ns = ns, ""
		}
		if (scoped && k8sname.DNS1123Label(ns) != "") || k8sname.DNS1035Label(name) != "" {
			e.add("spec.gateway", "%q is not a gateway reference (name or namespace/name)", s.Gateway)
		}
	}
	if len(s.Hosts) == 0 {
		e.add("spec.hosts", "at least one host is required (\"*\" serves every host)")
	}
	seenHosts := map[string]int{}
	for i, h := range s.Hosts {
		field := fmt.Sprintf("spec.hosts[%d]", i)
		if err := hostname.Validate(h); err != nil {
			e.add(field, "%v", err)
			continue
		}
		if j, dup := seenHosts[h]; dup {
			e.add(field, "host %q is already listed as spec.hosts[%d]", h, j)
		}
		seenHosts[h] = i
	}
	if t := s.TLS; t != nil {
		if t.CredentialName == "" {
			e.add("spec.tls.credentialName", "required: the Secret (in the gateway's namespace) holding the certificate")
		} else if k8sname.DNS1123Subdomain(t.CredentialName) != "" {
			e.add("spec.tls.credentialName", "%q is not a valid Secret name", t.CredentialName)
		}
		switch t.Mode {
		case "", "SIMPLE", "MUTUAL":
		default:
			e.add("spec.tls.mode", "must be SIMPLE or MUTUAL, not %q", t.Mode)
		}
		switch t.HTTP {
		case "", HTTPRedirect, HTTPServe, HTTPOff:
			if t.HTTP != "" && t.HTTPSRedirect != nil {
				old := HTTPOff
				if *t.HTTPSRedirect {
					old = HTTPRedirect
				}
				if old != t.HTTP {
					e.add("spec.tls.http", "%s contradicts spec.tls.httpsRedirect: %t, its older spelling (which means http: %s); remove httpsRedirect", t.HTTP, *t.HTTPSRedirect, old)
				}
			}
		default:
			e.add("spec.tls.http", "must be redirect, serve or off, not %q", t.HTTP)
		}
	}
	if len(s.Routes) == 0 {
		e.add("spec.routes", "at least one route is required")
	}
	names := map[string]int{}
	for i := range s.Routes {
		r := &s.Routes[i]
		field := fmt.Sprintf("spec.routes[%d]", i)
		if r.Name != "" {
			if k8sname.DNS1123Label(r.Name) != "" {
				e.add(field+".name", "%q is not a valid route name (a DNS label)", r.Name)
			} else if strings.HasPrefix(r.Name, RedirectRouteName) {
				e.add(field+".name", "route names starting with %q are edgegate's own", RedirectRouteName)
			} else if j, dup := names[r.Name]; dup {
				e.add(field+".name", "route name %q is already used by spec.routes[%d]", r.Name, j)
			}
			names[r.Name] = i
		}
		validateMatch(e, field, r)
		validateDestinations(e, field+".to", namespace, r.To)
		if r.Timeout != "" {
			if _, err := ParseTimeout(r.Timeout); err != nil {
				e.add(field+".timeout", "%v", err)
			}
		}
		if r.Retries != nil && (*r.Retries < 0 || *r.Retries > 100) {
			e.add(field+".retries", "%d attempts is out of range 0-100", *r.Retries)
		}
	}
	for i := range s.Routes {
		r := &s.Routes[i]
		if r.Name == "" || !splitsRule(r) {
			continue
		}
		if j, taken := names[r.Name+SubpathsSuffix]; taken {
			e.add(fmt.Sprintf("spec.routes[%d].name", j), "route name %q is the name of the rule for the subpaths of spec.routes[%d] (prefix %s with rewrite %s); choose another", r.Name+SubpathsSuffix, i, r.Prefix, r.Rewrite)
		}
	}
}

// ElementPrefix is a route's prefix as Kubernetes Ingress (pathType: Prefix)
// reads it: trailing slashes are ignored, so /api/ and /api are one prefix,
// and "/" stays "/".
func ElementPrefix(p string) string {
	if t := strings.TrimRight(p, "/"); t != "" {
		return t
	}
	return "/"
}

// SubpathsSuffix ends the name of the second http rule a named prefix route
// renders to when its rewrite does not end in '/': the exact path and the
// subpaths then rewrite differently (rewrite /v2: /api → /v2, /api/x →
// /v2/x; for prefix /, / → /v2 and /x → /v2/x), which takes two rules.
const SubpathsSuffix = "-subpaths"

// splitsRule reports whether route r renders to two http rules.
func splitsRule(r *Route) bool {
	return r.Exact == "" && r.Prefix != "" && r.Regex == "" && r.Rewrite != "" && !strings.HasSuffix(r.Rewrite, "/")
}

func validateMatch(e *FieldErrors, field string, r *Route) {
	set := 0
	for _, m := range []struct{ name, value string }{{"exact", r.Exact}, {"prefix", r.Prefix}, {"regex", r.Regex}} {
		if m.value == "" {
			continue
		}
		set++
		if set > 1 {
			e.add(field+"."+m.name, "a route matches by one of exact, prefix or regex")
			continue
		}
		if m.name == "regex" {
			if err := compileRegex(m.value); err != nil {
				e.add(field+".regex", "invalid regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
			continue
		}
		if err := validatePath(m.value); err != nil {
			e.add(field+"."+m.name, "%v", err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Headers)) {
		if !headerName.MatchString(k) {
			e.add(field+".headers."+k, "%q is not a lowercase HTTP header name", k)
		}
	}
	if r.Rewrite != "" {
		if err := validatePath(r.Rewrite); err != nil {
			e.add(field+".rewrite", "%v", err)
		}
	}
}

// compileRegex compiles through the shared cache: repositories repeat the
// same few patterns across many apps.
func compileRegex(pattern string) error {
	_, err := patterns.Compile(pattern)
	return err
}

func validatePath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path %q must start with '/'", p)
	}
	for _, c := range p {
		if c <= ' ' || c == 0x7f || c == '?' || c == '#' {
			return fmt.Errorf("path %q has the character %q, which a request path never matches", p, c)
		}
	}
	return nil
}

func validateDestinations(e *FieldErrors, field, namespace string, to Destinations) {
	if len(to) == 0 {
		e.add(field, `required: "service[.namespace]:port" or a list of {service, weight}`)
		return
	}
	total, weighted := 0, 0
	seen := map[string]int{}
	for i, d := range to {
		f := field
		if len(to) > 1 || d.Weight != nil {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		_, err := ParseDestination(d.Service, namespace)
		if err != nil {
			if len(to) > 1 || d.Weight != nil {
				f += ".service"
			}
			e.add(f, "%v", err)
			continue
		}
		if j, dup := seen[d.Service]; dup {
			e.add(f, "destination %q is already listed at index %d", d.Service, j)
		}
		seen[d.Service] = i
		if d.Weight != nil {
			weighted++
			if *d.Weight < 0 || *d.Weight > 100 {
				e.add(f+".weight", "weight %d is out of range 0-100", *d.Weight)
			}
			total += *d.Weight
		}
	}
	switch {
	case len(to) > 1 && weighted != len(to):
		e.add(field, "give every destination a weight when splitting traffic")
	case weighted > 0 && total != 100:
		e.add(field, "weights add up to %d, not 100", total)
	}
}

// CrossNamespaceMessage says why destination dest (a Service of namespace
// to) is refused for an app of namespace from on gateway (named for the
// message), whose IngressGateway lists allowed in
// spec.allowedDestinationNamespaces. render and the policy gate (EG006)
// speak of it alike.
func CrossNamespaceMessage(dest, to, from, gateway string, allowed []string) string {
	listed := "lists none"
	if len(allowed) > 0 {
		listed = "lists only " + strings.Join(allowed, ", ")
	}
	return fmt.Sprintf("destination %q is a Service of namespace %s, not of %s: an app on %s routes only to its own namespace and those its IngressGateway lists in spec.allowedDestinationNamespaces (it %s), so no team puts another namespace's backend behind the shared gateway; route to a Service of %s, or ask the platform to list %s",
		dest, to, from, gateway, listed, from, to)
}

// ServiceRef is a destination parsed: a port of a Service in a namespace.
type ServiceRef struct {
	Service   string
	Namespace string
	Port      int
}

// ParseDestination parses "service[.namespace]:port"; namespace is the
// AppIntent's, used when the destination names none.
func ParseDestination(s, namespace string) (ServiceRef, error) {
	bad := func(why string) (ServiceRef, error) {
		return ServiceRef{}, fmt.Errorf(`%q is not "service[.namespace]:port": %s`, s, why)
	}
	hostPart, portPart, ok := strings.Cut(s, ":")
	if !ok {
		return bad("the port is missing")
	}
	port, err := strconv.Atoi(portPart)
	if err != nil || port < 1 || port > 65535 {
		return bad("the port must be a number in 1-65535")
	}
	svc, ns, hasNS := strings.Cut(hostPart, ".")
	if !hasNS {
		if namespace == "" {
			namespace = "default" // the missing namespace is reported on its own
		}
		ns = namespace
	}
	if k8sname.DNS1035Label(svc) != "" {
		return bad(fmt.Sprintf("%q is not a Service name", svc))
	}
	if k8sname.DNS1123Label(ns) != "" {
		return bad(fmt.Sprintf("%q is not a namespace (give short names: service.namespace)", ns))
	}
	return ServiceRef{Service: svc, Namespace: ns, Port: port}, nil
}

// ParseTimeout accepts Go durations (5s, 250ms, 1m30s) with Istio's limits.
func ParseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration (e.g. 5s, 250ms)", s)
	case d < time.Millisecond:
		return 0, fmt.Errorf("%q is shorter than 1ms", s)
	case d%time.Millisecond != 0:
		return 0, fmt.Errorf("%q is finer than 1ms, the precision Istio supports", s)
	}
	return d, nil
}
