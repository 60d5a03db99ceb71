package explain

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// World is one render seen as a cluster would hold it: what the render
// applies (rendered and passed-through objects) indexed once, with the
// render's model for where each rendered object came from. Ask it any
// number of requests.
type World struct {
	res *render.Result
	idx *model.Index
	// rendered maps a rendered Gateway or VirtualService to its AppIntent.
	boundVS map[string][]*model.VirtualService // by the Gateway (namespace/name) they bind to
}

// NewWorld indexes a render's objects. res must have no errors.
func NewWorld(res *render.Result) *World {
	m := res.Model
	objs := make([]*manifest.Object, 0, len(m.Passthrough)+len(m.Intents)+len(res.Objects))
	objs = append(objs, m.Passthrough...)
	for _, o := range m.Intents {
		// Existing IngressGateways stand for gateway pods the input lacks.
		if o.Kind == v1alpha1.KindIngressGateway {
			objs = append(objs, o)
		}
	}
	objs = append(objs, res.Objects...)
	return NewWorldIndexed(res, model.NewIndex(objs, nil))
}

// NewWorldIndexed is NewWorld over an index of the render's objects built
// already (the policy gate's: policy.GateIndexed), which must hold the
// objects the render applies and its IngressGateways.
func NewWorldIndexed(res *render.Result, idx *model.Index) *World {
	w := &World{res: res, idx: idx, boundVS: map[string][]*model.VirtualService{}}
	for _, vs := range w.idx.VirtualServices {
		seen := map[string]bool{}
		for _, ref := range model.SpecRefs(vs) {
			if !ref.IsGateway() || seen[ref.Pilot] {
				continue
			}
			seen[ref.Pilot] = true
			w.boundVS[ref.Pilot] = append(w.boundVS[ref.Pilot], vs)
		}
	}
	for _, list := range w.boundVS {
		sortConfigs(list)
	}
	return w
}

// sortConfigs orders VirtualServices the way pilot does without creation
// times: by name, then namespace.
func sortConfigs(list []*model.VirtualService) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].Obj, list[j].Obj
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Namespace < b.Namespace
	})
}

// Explain answers one request. An error is a question it cannot answer
// (a malformed URL, an unknown gateway); every answer about the traffic is
// in the Answer.
func (w *World) Explain(req Request) (*Answer, error) {
	p, err := req.parse()
	if err != nil {
		return nil, err
	}
	gw, err := w.gateway(req.Gateway)
	if err != nil {
		return nil, err
	}
	a := &Answer{
		Request:      RequestInfo{URL: req.URL, Scheme: p.scheme, Host: p.host, Port: p.port, Path: p.path, Headers: req.Headers},
		Destinations: []Destination{},
		Gateway:      gw.place,
	}
	if p.scheme == "https" {
		a.Request.SNI = p.sni
	}
	w.evaluate(a, gw, p)
	return a, nil
}

// gatewayWorkload is the workload asked about: its pods in the index, and
// the render's workload when edgegate knows it.
type gatewayWorkload struct {
	pods     *model.Workload
	workload *render.Workload // nil for a gateway only the input's manifests describe
	place    *Place
}

// gateway finds the workload a request is sent to.
func (w *World) gateway(ref string) (gatewayWorkload, error) {
	m := w.res.Model
	var rw *render.Workload
	if ref == "" {
		rw = defaultWorkload(m)
	} else {
		ns, name, ok := strings.Cut(ref, "/")
		if !ok || ns == "" || name == "" {
			return gatewayWorkload{}, fmt.Errorf("--gateway %q: write namespace/name", ref)
		}
		for _, c := range m.Workloads {
			if c.Namespace == ns && c.Name == name {
				rw = c
			}
		}
	}
	if rw != nil {
		pods := w.podsOf(rw)
		if pods == nil {
			return gatewayWorkload{}, fmt.Errorf("gateway %s: no pods of it in this render (its Deployment, or the pods an existing gateway's selector picks)", rw.Key())
		}
		place := &Place{Kind: v1alpha1.KindIngressGateway, Name: rw.Key(), At: at(rw.Obj, "")}
		if rw.Obj == nil {
			place.At = "the built-in default gateway"
		}
		return gatewayWorkload{pods: pods, workload: rw, place: place}, nil
	}
	// A gateway the input's own manifests run (a Deployment or Pod).
	ws := model.NewWorkloads(w.idx)
	var found []*model.Workload
	var names []string
	seen := map[string]bool{}
	for _, c := range w.idx.Workloads {
		if !model.IsGateway(c) || ws.Shadowed(c) {
			continue
		}
		id := ws.Identity(c)
		if seen[id] {
			continue
		}
		seen[id] = true
		names = append(names, c.Obj.Namespace+"/"+c.Obj.Name)
		if ref == "" || strings.HasSuffix(id, "/"+ref) || c.Obj.Namespace+"/"+c.Obj.Name == ref {
			found = append(found, c)
		}
	}
	sort.Strings(names)
	switch {
	case len(found) == 1:
		c := found[0]
		return gatewayWorkload{pods: c, place: &Place{Kind: c.Obj.Kind, Name: c.Obj.Namespace + "/" + c.Obj.Name, At: at(c.Obj, "")}}, nil
	case ref == "" && len(found) == 0:
		return gatewayWorkload{}, fmt.Errorf("the input has no gateway workload to send the request to (no IngressGateway, no AppIntent, no gateway Deployment)")
	case ref == "":
		return gatewayWorkload{}, fmt.Errorf("the input runs %d gateway workloads and no IngressGateway is the default: name one with --gateway (%s)", len(found), strings.Join(names, ", "))
	}
	var all []string
	for _, n := range append(w.gatewayNames(), names...) {
		if !contains(all, n) {
			all = append(all, n)
		}
	}
	known := strings.Join(all, ", ")
	if known == "" {
		known = "none"
	}
	return gatewayWorkload{}, fmt.Errorf("--gateway %q: no such gateway (known: %s)", ref, known)
}

func (w *World) gatewayNames() []string {
	var out []string
	for _, c := range w.res.Model.Workloads {
		out = append(out, c.Key())
	}
	return out
}

// defaultWorkload is the gateway an AppIntent without spec.gateway uses:
// the one marked default, else the only one declared, else the built-in
// one when an app uses it.
func defaultWorkload(m *render.Model) *render.Workload {
	var declared []*render.Workload
	for _, w := range m.Workloads {
		if w.Spec.Default {
			return w
		}
		if w.Obj != nil {
			declared = append(declared, w)
		}
	}
	if len(declared) == 1 {
		return declared[0]
	}
	for _, w := range m.Workloads {
		if w.Obj == nil {
			return w
		}
	}
	return nil
}

// podsOf finds the pods of a render workload in the index: the Deployment
// edgegate renders for it, else (an existing gateway) a gateway workload of
// the input its selector picks, else the stand-in its declaration makes.
func (w *World) podsOf(rw *render.Workload) *model.Workload {
	var input, standIn *model.Workload
	for _, c := range w.idx.Carrying(rw.Selector) {
		if c.Namespace != rw.Namespace {
			continue
		}
		switch {
		case !rw.Existing() && c.Obj.Kind == "Deployment" && c.Obj.Name == rw.Name && c.Obj.IsManaged():
			return c
		case c.External && c.Obj == rw.Obj:
			standIn = c
		case rw.Existing() && !c.External && model.IsGateway(c) && input == nil:
			input = c
		}
	}
	if input != nil {
		return input
	}
	return standIn
}

// at is file:line of field of o, "" when o has no position.
func at(o *manifest.Object, field string) string {
	if o == nil || o.Pos.File == "" {
		return ""
	}
	line := o.Pos.Line
	if field != "" && o.Node != nil && line > 0 {
		line = o.LineOf(field)
	}
	if line <= 0 {
		return o.Pos.File
	}
	return o.Pos.File + ":" + strconv.Itoa(line)
}

// server is one Gateway server on the listener asked about.
type server struct {
	gw    *model.Gateway
	index int
	s     *model.Server
	hosts []string // canonical, namespace/ prefixes kept as pilot keeps them ("ns/host" or "host")
}

func (s *server) name() string { return s.gw.Obj.Namespace + "/" + s.gw.Obj.Name }

// isHTTP reports whether the server's protocol is one Envoy routes as HTTP.
func isHTTP(protocol string) bool {
	switch strings.ToUpper(protocol) {
	case "HTTP", "HTTP2", "GRPC", "GRPC-WEB":
		return true
	}
	return false
}

func isTLS(s *model.Server) bool {
	switch strings.ToUpper(s.Port.Protocol) {
	case "HTTPS", "TLS":
		return true
	}
	return false
}

// sanitize resolves a Gateway's hosts as pilot does: "./h" is the Gateway's
// namespace, "*/h" is any namespace (written "h"), "*/*" is "*".
func sanitize(hosts []string, namespace string) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		ns, name, scoped := strings.Cut(h, "/")
		if !scoped {
			out = append(out, hostname.Canonical(h))
			continue
		}
		name = hostname.Canonical(name)
		switch ns {
		case ".":
			out = append(out, namespace+"/"+name)
		case "*":
			if name == "*" {
				return []string{"*"}
			}
			out = append(out, name)
		default:
			out = append(out, ns+"/"+name)
		}
	}
	return out
}

func bare(h string) string {
	if _, name, ok := strings.Cut(h, "/"); ok {
		return name
	}
	return h
}

// evaluate walks the request through the gateway as Envoy would.
func (w *World) evaluate(a *Answer, gw gatewayWorkload, p parsed) {
	pods := gw.pods
	// The load balancer: the Service port dialled, to the pod port.
	l := &Listener{ServicePort: p.port}
	a.Listener = l
	target := 0
	for _, s := range pods.Services {
		for _, sp := range s.Spec.Ports {
			if sp.Port != p.port || (sp.Protocol != "" && !strings.EqualFold(sp.Protocol, "TCP")) {
				continue
			}
			if t := sp.Target(pods); t != 0 && target == 0 {
				target = t
				l.Service = &Place{Kind: s.Obj.Kind, Name: s.Obj.Namespace + "/" + s.Obj.Name, At: at(s.Obj, "")}
			}
		}
	}
	if target == 0 {
		a.Outcome, a.Reason = NoListener, "no-service-port"
		a.Detail = fmt.Sprintf("no Service of the gateway has port %d", p.port)
		if len(pods.Services) == 0 {
			a.Detail = "no Service selects the gateway's pods"
		}
		return
	}
	l.Port = target

	// The listener: every server of every Gateway selecting the pods whose
	// port pilot translates to target, merged as pilot merges them.
	servers, skipped := w.serversOn(pods, target)
	a.Skipped = append(a.Skipped, skipped...)
	if len(servers) == 0 {
		a.Outcome, a.Reason = NoListener, "no-server"
		a.Detail = fmt.Sprintf("no Gateway server selecting the gateway's pods opens port %d (Service port %d)", target, p.port)
		return
	}
	tls := isTLS(servers[0].s)
	l.Protocol = "HTTP"
	if tls {
		l.Protocol = "HTTPS"
	}
	var table []*server
	switch {
	case !tls && !isHTTP(servers[0].s.Port.Protocol):
		a.Outcome, a.Reason = NoFilterChain, "not-http"
		a.Detail = fmt.Sprintf("port %d is a %s listener (Gateway %s), not HTTP", target, servers[0].s.Port.Protocol, servers[0].name())
		return
	case !tls && p.scheme == "https":
		a.Outcome, a.Reason = NoFilterChain, "tls-to-plaintext"
		a.Detail = fmt.Sprintf("port %d serves plain HTTP: a TLS handshake there fails", target)
		return
	case tls && p.scheme == "http":
		a.Outcome, a.Reason = NoFilterChain, "plaintext-to-tls"
		a.Detail = fmt.Sprintf("port %d serves HTTPS only: a plain-HTTP request there finds no filter chain", target)
		return
	case tls:
		s, how, reason := chooseFilterChain(servers, p.sni)
		if s == nil {
			a.Outcome, a.Reason, a.Detail = NoFilterChain, how, reason
			return
		}
		if passthrough(s.s) {
			a.Server = w.serverInfo(s, how, gw)
			a.Outcome, a.Reason = NoRoute, "not-http"
			a.Detail = fmt.Sprintf("the server passes TLS through (%s, tls.mode %s) to its VirtualServices' tls routes: explain evaluates HTTP routing only", s.s.Port.Protocol, cmpOr(tlsMode(s.s), "PASSTHROUGH"))
			return
		}
		a.Server = w.serverInfo(s, how, gw)
		l.Lock = w.lockEntry(gw, s, p.sni)
		table = []*server{s}
		a.RouteTable = fmt.Sprintf("https.%d.%s.%s.%s", s.s.Port.Number, s.s.Port.Name, s.gw.Obj.Name, s.gw.Obj.Namespace)
	default:
		table = servers
		a.RouteTable = fmt.Sprintf("http.%d", target)
	}
	w.route(a, gw, table, p)
}

// passthrough reports whether a TLS server passes TLS through rather than
// terminating it: tls.mode PASSTHROUGH (the default when tls names no mode)
// or AUTO_PASSTHROUGH, or protocol TLS.
func passthrough(s *model.Server) bool {
	if !isTLS(s) {
		return false
	}
	switch strings.ToUpper(tlsMode(s)) {
	case "", "PASSTHROUGH", "AUTO_PASSTHROUGH":
		return true
	}
	return strings.EqualFold(s.Port.Protocol, "TLS")
}

// hasTLSRoutes reports whether a VirtualService bound to the Gateway has tls routes.
func (w *World) hasTLSRoutes(gwName, proxyNS string) bool {
	for _, vs := range w.visible(gwName, proxyNS) {
		if len(vs.Spec.TLS) > 0 {
			return true
		}
	}
	return false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func tlsMode(s *model.Server) string {
	if s.TLS == nil {
		return ""
	}
	return s.TLS.Mode
}

// serversOn lists, in pilot's order, the servers that open port target on
// the pods, and the ones pilot drops there (a protocol clash, a TLS host
// already served).
func (w *World) serversOn(pods *model.Workload, target int) ([]*server, []Skipped) {
	var gws []*model.Gateway
	for _, g := range w.idx.Gateways {
		for _, c := range g.Workloads {
			if c == pods {
				gws = append(gws, g)
				break
			}
		}
	}
	sort.SliceStable(gws, func(i, j int) bool {
		a, b := gws[i].Obj, gws[j].Obj
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Namespace < b.Namespace
	})
	var out []*server
	var skipped []Skipped
	tlsHosts := map[string]bool{}
	routeNames := map[string]bool{}
	for _, g := range gws {
		for i := range g.Spec.Servers {
			s := &g.Spec.Servers[i]
			if s.Port.Number == 0 || model.ResolvePort(pods, s.Port.Number).Port != target {
				continue
			}
			srv := &server{gw: g, index: i, s: s, hosts: sanitize(s.Hosts, g.Obj.Namespace)}
			skip := func(reason string) {
				field := fmt.Sprintf("spec.servers[%d]", i)
				skipped = append(skipped, Skipped{Kind: "Gateway", Name: srv.name(), Field: field, At: at(g.Obj, field), Reason: reason})
			}
			if passthrough(s) && !w.hasTLSRoutes(srv.name(), pods.Namespace) {
				// pilot builds a passed-through server's filter chains from
				// VirtualServices' tls routes; without any there is none.
				skip("a TLS passthrough server (tls.mode " + cmpOr(tlsMode(s), "unset: PASSTHROUGH") + ") with no VirtualService tls route: pilot builds no filter chain for it")
				continue
			}
			if len(out) > 0 {
				first := out[0]
				switch {
				case !isTLS(first.s) && !(isHTTP(first.s.Port.Protocol) && isHTTP(s.Port.Protocol)) && !strings.EqualFold(first.s.Port.Protocol, s.Port.Protocol):
					skip(fmt.Sprintf("pilot drops this %s server: port %d already serves %s (Gateway %s)", s.Port.Protocol, target, first.s.Port.Protocol, first.name()))
					continue
				case isTLS(first.s) != isTLS(s):
					skip(fmt.Sprintf("pilot drops this %s server: port %d already serves %s (Gateway %s)", s.Port.Protocol, target, first.s.Port.Protocol, first.name()))
					continue
				}
			}
			if s.TLS != nil {
				var dup []string
				for _, h := range srv.hosts {
					if tlsHosts[h] {
						dup = append(dup, h)
					}
				}
				if len(dup) > 0 {
					skip(fmt.Sprintf("pilot drops this server: an earlier TLS server on port %d serves %s", target, strings.Join(dup, ", ")))
					continue
				}
				for _, h := range srv.hosts {
					tlsHosts[h] = true
				}
			}
			if isTLS(s) {
				rn := fmt.Sprintf("%d.%s.%s.%s", s.Port.Number, s.Port.Name, g.Obj.Name, g.Obj.Namespace)
				if routeNames[rn] {
					skip("pilot drops this server: another server of the Gateway has the same port name")
					continue
				}
				routeNames[rn] = true
			}
			out = append(out, srv)
		}
	}
	return out, skipped
}

// chooseFilterChain picks the TLS server for an SNI as Envoy picks filter
// chains: an exact server name, else the longest wildcard that covers it,
// else a server with no server names (one listing "*").
func chooseFilterChain(servers []*server, sni string) (*server, string, string) {
	best, bestRank := []*server(nil), 0
	var catchAll []*server
	for _, s := range servers {
		rank, all := 0, false
		for _, h := range s.hosts {
			h = bare(h)
			switch {
			case h == "*":
				all = true
			case h == sni:
				rank = max(rank, 1<<30)
			case hostname.IsWildcard(h) && hostname.Matches(h, sni) && len(h) <= len(sni):
				rank = max(rank, len(h))
			}
		}
		if all {
			catchAll = append(catchAll, s)
			continue
		}
		switch {
		case rank == 0:
		case rank > bestRank:
			best, bestRank = []*server{s}, rank
		case rank == bestRank:
			best = append(best, s)
		}
	}
	how := "exact"
	if bestRank > 0 && bestRank < 1<<30 {
		how = "wildcard"
	}
	if len(best) == 0 {
		best, how = catchAll, "catch-all"
	}
	switch len(best) {
	case 0:
		return nil, "no-server-name", fmt.Sprintf("no TLS server on the port takes SNI %s (and none serves \"*\")", sni)
	case 1:
		return best[0], how, ""
	}
	var names []string
	for _, s := range best {
		names = append(names, fmt.Sprintf("%s spec.servers[%d]", s.name(), s.index))
	}
	return nil, "ambiguous-filter-chain", fmt.Sprintf("SNI %s matches several servers equally (%s)", sni, strings.Join(names, ", "))
}

// serverInfo describes a server and where it was written: the hand-written
// Gateway's server, or the AppIntents whose hosts a rendered one lists.
func (w *World) serverInfo(s *server, how string, gw gatewayWorkload) *Server {
	out := &Server{Gateway: *w.place(s.gw.Obj, fmt.Sprintf("spec.servers[%d]", s.index)), Index: s.index, Hosts: s.s.Hosts, SNIMatch: how}
	if s.s.TLS != nil {
		out.Credential = s.s.TLS.CredentialName
		out.MutualTLS = strings.EqualFold(s.s.TLS.Mode, "MUTUAL")
	}
	if s.gw.Obj.IsManaged() {
		seen := map[*render.App]bool{}
		for _, h := range s.hosts {
			if app, field := w.appOf(s.gw.Obj, h); app != nil && !seen[app] {
				seen[app] = true
				out.Apps = append(out.Apps, Place{Kind: v1alpha1.KindAppIntent, Name: app.Key(), At: at(app.Obj, field)})
			}
		}
	}
	return out
}

// appOf finds the app whose host a rendered Gateway's server host is: the
// app of the host's namespace ("ns/host") that lists it, else of the
// Gateway's namespace.
func (w *World) appOf(g *manifest.Object, h string) (*render.App, string) {
	ns, name, scoped := strings.Cut(h, "/")
	if !scoped {
		ns, name = g.Namespace, h
	}
	for _, app := range w.res.Model.Apps {
		if app.Namespace != ns {
			continue
		}
		for i, ah := range app.Spec.Hosts {
			if hostname.Canonical(ah) == name {
				return app, fmt.Sprintf("spec.hosts[%d]", i)
			}
		}
	}
	return nil, ""
}

// place names an object and where it was written: its own file:line, or,
// for a rendered object, the AppIntent's.
func (w *World) place(o *manifest.Object, field string) *Place {
	p := &Place{Kind: o.Kind, Name: o.Namespace + "/" + o.Name}
	if o.IsManaged() && o.Source != nil {
		p.From = o.Source.Kind + " " + o.Source.Namespace + "/" + o.Source.Name
		p.At = at(o.Source, "")
		return p
	}
	p.At = at(o, field)
	return p
}

// lockEntry finds the HostBindings entry of the server's host that covers
// host (the virtual host, or the SNI), on the server's listener.
func (w *World) lockEntry(gw gatewayWorkload, s *server, host string) *Place {
	for _, h := range s.hosts {
		if h = bare(h); hostname.Matches(h, host) {
			if p := w.lockOf(gw, s, h); p != nil {
				return p
			}
		}
	}
	return nil
}

// lockOf finds the HostBindings entry holding host on the listener of a
// rendered server.
func (w *World) lockOf(gw gatewayWorkload, s *server, host string) *Place {
	if gw.workload == nil {
		return nil
	}
	lock := w.res.Model.Locks[gw.workload.Key()]
	if lock == nil {
		return nil
	}
	proto := render.HTTP
	if isTLS(s.s) {
		proto = render.HTTPS
	}
	for _, e := range lock.Entries {
		if e.Port == s.s.Port.Number && e.Protocol == proto && e.Host == host {
			return &Place{Kind: lock.Obj.Kind, Name: lock.Obj.Namespace + "/" + lock.Obj.Name, At: lineOfKey(lock.Obj, e.Field, host)}
		}
	}
	return nil
}

// lineOfKey is file:line of key in the map at field (keys with dots, such
// as hosts, cannot be a step of a field path).
func lineOfKey(o *manifest.Object, field, key string) string {
	pos := at(o, field)
	if o.Pos.File == "" || o.Node == nil {
		return pos
	}
	n := o.Node
	for _, step := range strings.FieldsFunc(field, func(r rune) bool { return r == '.' || r == '[' || r == ']' }) {
		n = manifest.Unalias(n)
		if i, err := strconv.Atoi(step); err == nil && n.Kind == yaml.SequenceNode {
			if i >= len(n.Content) {
				return pos
			}
			n = n.Content[i]
			continue
		}
		if next := manifest.Lookup(n, step); next != nil {
			n = next
			continue
		}
		return pos
	}
	n = manifest.Unalias(n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return o.Pos.File + ":" + strconv.Itoa(n.Content[i].Line)
		}
	}
	return pos
}
