package istio

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	corev1 "k8s.io/api/core/v1"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pilot/test/xdstest"
	"istio.io/istio/pkg/spiffe"
)

// testRouting runs pilot's simulation for every workload and call of the
// example's expectations.
func testRouting(t *testing.T, w *world, exp expectations) {
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		ConfigString:           w.istioConfig(),
		KubernetesObjectString: w.kubeObjects(),
	})

	// Every gateway edgegate renders must be called.
	called := map[string]bool{}
	for _, wc := range exp.Gateways {
		called[wc.Deployment] = true
	}
	for key := range w.podOf {
		if !called[key] {
			t.Errorf("example %s renders gateway Deployment %s, but testdata/%s.yaml makes no call to it", w.example, key, w.example)
		}
	}

	reached := map[string]bool{} // VirtualServices some routed call reached
	for _, wc := range exp.Gateways {
		t.Run(wc.name(), func(t *testing.T) {
			var pod *corev1.Pod
			if wc.Deployment != "" {
				if pod = w.podOf[wc.Deployment]; pod == nil {
					t.Fatalf("example %s renders no Deployment %s", w.example, wc.Deployment)
				}
			} else {
				pod = w.pod(t, wc.Pod)
			}
			svcs := w.servicesOf(t, pod)
			if len(svcs) != 1 {
				t.Fatalf("%s: want exactly one Service selecting pod %s/%s (the gateway's load balancer), found %d", wc.name(), pod.Namespace, pod.Name, len(svcs))
			}
			g := &gateway{w: w, pod: pod, svc: svcs[0]}
			g.sim = simulation.NewSimulation(t, s, s.SetupProxy(proxyFor(pod)))
			g.routes = xdstest.ExtractRouteConfigurations(g.sim.Routes)
			g.clusters = xdstest.ExtractClusters(g.sim.Clusters)
			t.Logf("%s: pod %s/%s behind Service %s/%s; listeners %v",
				wc.name(), pod.Namespace, pod.Name, g.svc.Namespace, g.svc.Name, xdstest.ExtractListenerNames(g.sim.Listeners))

			t.Run("envoy config is valid", func(t *testing.T) {
				xdstest.ValidateListeners(t, g.sim.Listeners)
				xdstest.ValidateClusters(t, g.sim.Clusters)
				xdstest.ValidateRouteConfigurations(t, g.sim.Routes)
			})
			for _, c := range wc.Calls {
				t.Run(c.Name, func(t *testing.T) {
					got := g.do(t, c)
					t.Logf("%s → %s", c, got)
					failures := g.check(t, c, got)
					if c.KnownFailure != "" {
						// Checked like any call: skipped while the bug is there, failing once it is fixed.
						if len(failures) == 0 {
							t.Fatalf("example %s: call %q is marked knownFailure (%s) but now passes: remove the mark", w.example, c.Name, c.KnownFailure)
						}
						for _, f := range failures {
							t.Log(f)
						}
						t.Skipf("known failure: %s", c.KnownFailure)
					}
					for _, f := range failures {
						t.Error(f)
					}
					if len(failures) == 0 && got.virtualService != "" {
						reached[got.virtualService] = true
					}
				})
			}
			if t.Failed() {
				t.Logf("route configurations of %s:\n%s", wc.name(), strings.Join(xdstest.DumpList(t, g.sim.Routes), "\n"))
			}
		})
	}
	for _, o := range w.rendered {
		if o.Kind == "VirtualService" && o.isIstio() && !reached[o.Namespace+"/"+o.Name] {
			t.Errorf("example %s: no expected call reaches VirtualService %s/%s", w.example, o.Namespace, o.Name)
		}
	}
}

// proxyFor describes a gateway pod to pilot the way its istio-proxy
// introduces itself: a router in the pod's namespace, with the pod's labels,
// IP and service account identity.
func proxyFor(pod *corev1.Pod) *model.Proxy {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	return &model.Proxy{
		Type:            model.Router,
		ID:              pod.Name + "." + pod.Namespace,
		IPAddresses:     []string{pod.Status.PodIP},
		ConfigNamespace: pod.Namespace,
		Labels:          maps.Clone(pod.Labels),
		Metadata: &model.NodeMetadata{
			Namespace:      pod.Namespace,
			Labels:         maps.Clone(pod.Labels),
			ServiceAccount: sa,
		},
		VerifiedIdentity: &spiffe.Identity{TrustDomain: "cluster.local", Namespace: pod.Namespace, ServiceAccount: sa},
	}
}

// gateway is one gateway workload under simulation.
type gateway struct {
	w        *world
	pod      *corev1.Pod
	svc      *corev1.Service
	sim      *simulation.Simulation
	routes   map[string]*route.RouteConfiguration
	clusters map[string]*clusterv3.Cluster
}

// outcome is what happened to a call.
type outcome struct {
	podPort        int
	noServicePort  bool
	result         simulation.Result
	filterChain    *listener.FilterChain
	route          *route.Route
	virtualService string
	location       string // of a redirect
	note           string
}

func (o outcome) String() string {
	if o.noServicePort {
		return "the gateway Service has no such port"
	}
	r := o.result
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("podPort", fmt.Sprint(o.podPort))
	add("listener", r.ListenerMatched)
	add("filterChain", r.FilterChainMatched)
	add("routeConfig", r.RouteConfigMatched)
	add("virtualHost", r.VirtualHostMatched)
	if o.route != nil {
		add("route", fmt.Sprintf("%q", o.route.GetName()))
		add("virtualService", o.virtualService)
		add("action", describeAction(o.route))
		add("location", o.location)
	}
	if r.Error != nil {
		add("error", errorName(r.Error))
	}
	add("note", o.note)
	return strings.Join(parts, " ")
}

// do sends a call through the gateway Service to the pod and on through
// pilot's simulation of the pod's Envoy.
func (g *gateway) do(t *testing.T, c call) outcome {
	t.Helper()
	var out outcome
	port, ok := podPort(g.svc, g.pod, c.Port)
	if !ok {
		out.noServicePort = true
		return out
	}
	out.podPort = port
	sc := simulation.Call{
		Port:       port,
		Path:       c.path(),
		Protocol:   simulation.HTTP,
		HostHeader: c.authority(),
		Headers:    c.header(),
		CallMode:   simulation.CallModeGateway,
		CustomListenerValidations: []simulation.CustomFilterChainValidation{
			func(fc *listener.FilterChain) error { out.filterChain = fc; return nil },
		},
	}
	if c.TLS {
		sc.TLS = simulation.TLS
		sc.Sni = cmp.Or(c.SNI, c.Host)
	}
	out.result = g.sim.Run(sc)

	// pilot's simulation matches routes on the path only (see its TODO); the
	// harness evaluates the same virtual host's routes in order with Envoy's
	// path and header semantics, and holds the simulation to agree when no
	// header is involved.
	r := out.result
	if r.VirtualHostMatched == "" || (r.Error != nil && r.Error != simulation.ErrNoRoute) {
		return out
	}
	vh := g.virtualHost(t, r.RouteConfigMatched, r.VirtualHostMatched)
	// Envoy matches :authority against the Host header; it is not among Headers.
	headers := sc.Headers.Clone()
	if headers == nil {
		headers = http.Header{}
	}
	headers[":authority"] = []string{c.authority()}
	matched := matchRoute(t, vh, c.path(), headers)
	if len(c.Headers) == 0 && !headerSensitive(vh) {
		simRoute, simCluster := r.RouteMatched, r.ClusterMatched
		switch {
		case separatedPrefix(vh, simRoute):
			// pilot's simulation reads path_separated_prefix (Gateway API's
			// PathPrefix) as a plain string prefix (REFERENCE §6): the
			// harness's Envoy semantics decide.
		case matched == nil && r.Error != simulation.ErrNoRoute:
			t.Errorf("harness finds no route but pilot's simulation matched route %q", simRoute)
		case matched != nil && (r.Error != nil || matched.GetName() != simRoute || matched.GetRoute().GetCluster() != simCluster):
			t.Errorf("harness matched route %q (cluster %q) but pilot's simulation says route %q cluster %q error %v",
				matched.GetName(), matched.GetRoute().GetCluster(), simRoute, simCluster, r.Error)
		}
	} else if matched != nil && (matched.GetName() != r.RouteMatched || matched.GetRoute().GetCluster() != r.ClusterMatched) {
		out.note = fmt.Sprintf("header-aware match; path-only simulation picked route %q", r.RouteMatched)
	}
	out.route = matched
	if matched == nil {
		out.result.Error, out.result.RouteMatched, out.result.ClusterMatched = simulation.ErrNoRoute, "", ""
		return out
	}
	out.result.Error, out.result.RouteMatched, out.result.ClusterMatched = nil, matched.GetName(), matched.GetRoute().GetCluster()
	out.virtualService = virtualServiceOf(matched)
	if rd := matched.GetRedirect(); rd != nil {
		scheme, host, _ := location(rd, c.scheme(), c.authority())
		out.location = scheme + "://" + host + c.path()
	}
	return out
}

// separatedPrefix reports whether the route of vh named name matches by
// path_separated_prefix.
func separatedPrefix(vh *route.VirtualHost, name string) bool {
	for _, r := range vh.GetRoutes() {
		if r.GetName() == name {
			_, ok := r.GetMatch().GetPathSpecifier().(*route.RouteMatch_PathSeparatedPrefix)
			return ok
		}
	}
	return false
}

func (g *gateway) virtualHost(t *testing.T, routeConfig, name string) *route.VirtualHost {
	t.Helper()
	rc := g.routes[routeConfig]
	if rc == nil {
		t.Fatalf("route configuration %q not found (inline route configurations are not expected on gateways)", routeConfig)
	}
	for _, vh := range rc.GetVirtualHosts() {
		if vh.GetName() == name {
			return vh
		}
	}
	t.Fatalf("virtual host %q not found in route configuration %q", name, routeConfig)
	return nil
}

// check compares an outcome with the call's expectation and returns what
// differs.
func (g *gateway) check(t *testing.T, c call, got outcome) (failures []string) {
	t.Helper()
	fail := func(format string, args ...any) {
		failures = append(failures, fmt.Sprintf("example %s, %s: call %q %s: %s\n  got: %s",
			g.w.example, g.describe(), c.Name, c, fmt.Sprintf(format, args...), got))
	}
	want := c.Want
	svcKey := g.svc.Namespace + "/" + g.svc.Name

	// Unreachable ports.
	if want.Error == noServicePort {
		if !got.noServicePort {
			fail("want the gateway Service %s to have no port %d, but it sends it to pod port %d", svcKey, c.Port, got.podPort)
		}
		return failures
	}
	if got.noServicePort {
		fail("the gateway Service %s has no port %d (ports: %s)", svcKey, c.Port, servicePorts(g.svc))
		return failures
	}
	res := got.result

	// Calls nobody intended.
	if want.Error != "" {
		if res.Error != callErrors[want.Error] {
			fail("want %s, got %s", want.Error, outcomeName(got))
		}
		return failures
	}
	if res.Error != nil {
		fail("want it routed, got %s", errorName(res.Error))
		return failures
	}
	r := got.route
	if r == nil {
		fail("want a route, got none")
		return failures
	}

	switch {
	case want.Cluster != "":
		if got := r.GetRoute().GetCluster(); got != want.Cluster {
			fail("want cluster %s, got %s", want.Cluster, describeAction(r))
		}
	case len(want.Clusters) > 0:
		gotW := map[string]uint32{}
		for _, wc := range r.GetRoute().GetWeightedClusters().GetClusters() {
			gotW[wc.GetName()] = wc.GetWeight().GetValue()
		}
		if fmt.Sprint(sortedWeights(gotW)) != fmt.Sprint(sortedWeights(want.Clusters)) {
			fail("want weighted clusters %v, got %s", sortedWeights(want.Clusters), describeAction(r))
		}
	case want.Redirect != nil:
		rd := r.GetRedirect()
		if rd == nil {
			fail("want a redirect to %s port %d, got %s", want.Redirect.Scheme, want.Redirect.Port, describeAction(r))
			break
		}
		scheme, host, port := location(rd, c.scheme(), c.authority())
		if scheme != want.Redirect.Scheme || port != want.Redirect.Port {
			fail("want a redirect to %s port %d, got %s: Location %s://%s%s, port %d",
				want.Redirect.Scheme, want.Redirect.Port, describeAction(r), scheme, host, c.path(), port)
		}
		if res.ClusterMatched != "" {
			fail("a redirect reaches no cluster, got %s", res.ClusterMatched)
		}
	}
	// Every upstream must exist: a route to a cluster pilot did not build is a 503.
	for _, cl := range upstreams(r) {
		if _, ok := g.clusters[cl]; !ok {
			fail("cluster %s is routed to but pilot built no such cluster (is the Service in the fixtures?)", cl)
		}
	}

	if want.Route != "" && r.GetName() != want.Route {
		fail("want route %q, got %q", want.Route, r.GetName())
	}
	if want.VirtualService != "" && got.virtualService != want.VirtualService {
		fail("want the route of VirtualService %s, got %s", want.VirtualService, got.virtualService)
	}
	if want.Rewrite != "" && r.GetRoute().GetPrefixRewrite() != want.Rewrite {
		fail("want prefix rewrite %q, got %q", want.Rewrite, r.GetRoute().GetPrefixRewrite())
	}
	if want.UpstreamPath != "" {
		if got, err := upstreamPath(r, c.path()); err != nil {
			fail("want upstream path %s: %v", want.UpstreamPath, err)
		} else if got != want.UpstreamPath {
			fail("want upstream path %s, got %s (route match %v, prefix rewrite %q)", want.UpstreamPath, got, r.GetMatch(), r.GetRoute().GetPrefixRewrite())
		}
	}
	if want.Timeout != "" {
		d, _ := time.ParseDuration(want.Timeout)
		if got := r.GetRoute().GetTimeout().AsDuration(); r.GetRoute().GetTimeout() == nil || got != d {
			fail("want timeout %s, got %v", d, r.GetRoute().GetTimeout().AsDuration())
		}
	}
	if want.Retries != nil {
		if got := r.GetRoute().GetRetryPolicy().GetNumRetries().GetValue(); r.GetRoute().GetRetryPolicy() == nil || got != *want.Retries {
			fail("want %d retries, got %d", *want.Retries, got)
		}
	}
	if c.TLS {
		cert, mtls := tlsOf(t, got.filterChain)
		if want.Certificate != "" && cert != "kubernetes://"+want.Certificate {
			fail("want the certificate of credentialName %s (kubernetes://%s), got %q", want.Certificate, want.Certificate, cert)
		}
		wantMTLS := want.MTLS != nil && *want.MTLS
		if mtls != wantMTLS {
			fail("want client certificate required=%v, got %v", wantMTLS, mtls)
		}
	}
	return failures
}

func (g *gateway) describe() string {
	return fmt.Sprintf("gateway pod %s/%s", g.pod.Namespace, g.pod.Name)
}

func outcomeName(o outcome) string {
	if o.result.Error != nil {
		return errorName(o.result.Error)
	}
	if o.route != nil {
		return "routed: " + describeAction(o.route)
	}
	return "no error"
}

func servicePorts(s *corev1.Service) string {
	var ps []string
	for _, p := range s.Spec.Ports {
		ps = append(ps, fmt.Sprintf("%s %d→%s", p.Name, p.Port, p.TargetPort.String()))
	}
	return strings.Join(ps, ", ")
}

// tlsOf reads the certificate a TLS filter chain presents and whether it
// requires a client certificate.
func tlsOf(t *testing.T, fc *listener.FilterChain) (cert string, mtls bool) {
	t.Helper()
	if fc == nil || fc.GetTransportSocket() == nil {
		return "", false
	}
	ctx := xdstest.UnmarshalAny[tlsv3.DownstreamTlsContext](t, fc.GetTransportSocket().GetTypedConfig())
	if sds := ctx.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs(); len(sds) > 0 {
		cert = sds[0].GetName()
	}
	return cert, ctx.GetRequireClientCertificate().GetValue()
}

func describeAction(r *route.Route) string {
	switch {
	case r.GetRedirect() != nil:
		rd := r.GetRedirect()
		return fmt.Sprintf("redirect %s scheme_redirect=%q port_redirect=%d", rd.GetResponseCode(), redirectScheme(rd), rd.GetPortRedirect())
	case r.GetRoute().GetCluster() != "":
		return "cluster " + r.GetRoute().GetCluster()
	case r.GetRoute().GetWeightedClusters() != nil:
		ws := map[string]uint32{}
		for _, wc := range r.GetRoute().GetWeightedClusters().GetClusters() {
			ws[wc.GetName()] = wc.GetWeight().GetValue()
		}
		return fmt.Sprintf("weighted clusters %v", sortedWeights(ws))
	case r.GetDirectResponse() != nil:
		return fmt.Sprintf("direct response %d", r.GetDirectResponse().GetStatus())
	}
	return fmt.Sprintf("%T", r.GetAction())
}

// location computes where a redirect sends the client, as Envoy's
// Http::Utility::newUri does: the redirect's scheme (else the request's); its
// host (else the request's Host); its port, else the port of the request's
// Host, which Envoy strips only when it is the default port of the request's
// scheme and the scheme changes. It returns the scheme, the Location's
// authority and the port the client will dial.
func location(rd *route.RedirectAction, reqScheme, authority string) (scheme, host string, port uint32) {
	scheme = cmp.Or(redirectScheme(rd), reqScheme)
	host = authority
	if rd.GetHostRedirect() != "" {
		host = rd.GetHostRedirect()
	} else if i := strings.LastIndex(host, ":"); i >= 0 {
		reqPort := host[i:]
		remove := rd.GetPortRedirect() != 0
		if scheme != reqScheme {
			remove = remove || (reqScheme == "https" && reqPort == ":443") || (reqScheme == "http" && reqPort == ":80")
		}
		if remove {
			host = host[:i]
		}
	}
	if p := rd.GetPortRedirect(); p != 0 {
		if i := strings.LastIndex(host, ":"); i >= 0 {
			host = host[:i]
		}
		host = fmt.Sprintf("%s:%d", host, p)
	}
	port = uint32(defaultPort(scheme))
	if i := strings.LastIndex(host, ":"); i >= 0 {
		if p, err := strconv.Atoi(host[i+1:]); err == nil {
			port = uint32(p)
		}
	}
	return scheme, host, port
}

func redirectScheme(rd *route.RedirectAction) string {
	if rd.GetHttpsRedirect() {
		return "https"
	}
	return rd.GetSchemeRedirect()
}

func upstreams(r *route.Route) []string {
	if c := r.GetRoute().GetCluster(); c != "" {
		return []string{c}
	}
	var out []string
	for _, wc := range r.GetRoute().GetWeightedClusters().GetClusters() {
		out = append(out, wc.GetName())
	}
	return out
}

func sortedWeights(m map[string]uint32) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}

// virtualServiceOf reads the "namespace/name" of the VirtualService a route
// was built from (pilot's istio.config metadata).
func virtualServiceOf(r *route.Route) string {
	s := r.GetMetadata().GetFilterMetadata()["istio"].GetFields()["config"].GetStringValue()
	// /apis/networking.istio.io/v1/namespaces/<ns>/virtual-service/<name>
	parts := strings.Split(s, "/")
	if len(parts) == 8 && parts[4] == "namespaces" && parts[6] == "virtual-service" {
		return parts[5] + "/" + parts[7]
	}
	return s
}

// headerSensitive reports whether any route of a virtual host matches headers.
func headerSensitive(vh *route.VirtualHost) bool {
	for _, r := range vh.GetRoutes() {
		if len(r.GetMatch().GetHeaders()) > 0 {
			return true
		}
	}
	return false
}

// matchRoute picks the first route of a virtual host that matches the path
// and headers, with Envoy's semantics. Match features the examples do not
// use fail the test rather than being ignored.
// upstreamPath is the path Envoy forwards a request for path to, as route
// r rewrites it: prefix_rewrite replaces what the match matched (the
// prefix of a prefix match, the whole path of an exact one, keeping the
// query). pilot's simulation does not apply rewrites.
func upstreamPath(r *route.Route, path string) (string, error) {
	a := r.GetRoute()
	if a.GetRegexRewrite() != nil || a.GetPathRewritePolicy() != nil {
		return "", fmt.Errorf("route %q rewrites by regex or policy, which the harness does not apply", r.GetName())
	}
	rw := a.GetPrefixRewrite()
	if rw == "" {
		return path, nil
	}
	switch p := r.GetMatch().GetPathSpecifier().(type) {
	case *route.RouteMatch_Prefix:
		return rw + path[len(p.Prefix):], nil
	case *route.RouteMatch_PathSeparatedPrefix:
		return rw + path[len(p.PathSeparatedPrefix):], nil
	case *route.RouteMatch_Path:
		_, query, hasQuery := strings.Cut(path, "?")
		if hasQuery {
			return rw + "?" + query, nil
		}
		return rw, nil
	}
	return "", fmt.Errorf("route %q: prefix_rewrite on a %T match", r.GetName(), r.GetMatch().GetPathSpecifier())
}

func matchRoute(t *testing.T, vh *route.VirtualHost, path string, h http.Header) *route.Route {
	t.Helper()
	for _, r := range vh.GetRoutes() {
		m := r.GetMatch()
		if len(m.GetQueryParameters()) > 0 || len(m.GetDynamicMetadata()) > 0 || m.GetRuntimeFraction() != nil ||
			m.GetGrpc() != nil || m.GetTlsContext() != nil || len(m.GetFilterState()) > 0 {
			t.Fatalf("route %q: match features beyond path and headers are not simulated: %v", r.GetName(), m)
		}
		if matchPath(t, m, path) && matchHeaders(t, m.GetHeaders(), h) {
			return r
		}
	}
	return nil
}

func matchPath(t *testing.T, m *route.RouteMatch, path string) bool {
	t.Helper()
	caseSensitive := m.GetCaseSensitive() == nil || m.GetCaseSensitive().GetValue()
	fold := func(s string) string {
		if caseSensitive {
			return s
		}
		return strings.ToLower(s)
	}
	noQuery, _, _ := strings.Cut(path, "?")
	switch p := m.GetPathSpecifier().(type) {
	case *route.RouteMatch_Prefix:
		return strings.HasPrefix(fold(path), fold(p.Prefix))
	case *route.RouteMatch_Path:
		return fold(noQuery) == fold(p.Path)
	case *route.RouteMatch_PathSeparatedPrefix:
		pre := fold(p.PathSeparatedPrefix)
		return fold(noQuery) == pre || strings.HasPrefix(fold(noQuery), pre+"/")
	case *route.RouteMatch_SafeRegex:
		return fullMatch(t, p.SafeRegex.GetRegex(), noQuery)
	default:
		t.Fatalf("unsupported path match %T", p)
	}
	return false
}

func matchHeaders(t *testing.T, ms []*route.HeaderMatcher, h http.Header) bool {
	t.Helper()
	for _, m := range ms {
		if !matchHeader(t, m, h) {
			return false
		}
	}
	return true
}

func matchHeader(t *testing.T, m *route.HeaderMatcher, h http.Header) bool {
	t.Helper()
	values, present := h[http.CanonicalHeaderKey(m.GetName())]
	value := strings.Join(values, ",")
	var res bool
	switch s := m.GetHeaderMatchSpecifier().(type) {
	case *route.HeaderMatcher_PresentMatch:
		res = present == s.PresentMatch
	case *route.HeaderMatcher_StringMatch:
		if !present && !m.GetTreatMissingHeaderAsEmpty() {
			return m.GetInvertMatch()
		}
		res = matchString(t, s.StringMatch, value)
	default:
		t.Fatalf("unsupported header match %T on %q", s, m.GetName())
	}
	return res != m.GetInvertMatch()
}

func matchString(t *testing.T, m *matcherv3.StringMatcher, v string) bool {
	t.Helper()
	fold := func(s string) string {
		if m.GetIgnoreCase() {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		return fold(v) == fold(p.Exact)
	case *matcherv3.StringMatcher_Prefix:
		return strings.HasPrefix(fold(v), fold(p.Prefix))
	case *matcherv3.StringMatcher_Suffix:
		return strings.HasSuffix(fold(v), fold(p.Suffix))
	case *matcherv3.StringMatcher_Contains:
		return strings.Contains(fold(v), fold(p.Contains))
	case *matcherv3.StringMatcher_SafeRegex:
		return fullMatch(t, p.SafeRegex.GetRegex(), v)
	default:
		t.Fatalf("unsupported string match %T", p)
	}
	return false
}

// fullMatch is Envoy's safe_regex: RE2, matching the whole value.
func fullMatch(t *testing.T, re, v string) bool {
	t.Helper()
	r, err := regexp.Compile(`^(?:` + re + `)$`)
	if err != nil {
		t.Fatalf("invalid regex %q: %v", re, err)
	}
	return r.MatchString(v)
}
