package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/podlabels"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Protocol of a gateway listener as host bindings see it.
type Protocol string

const (
	HTTP  Protocol = "HTTP"
	HTTPS Protocol = "HTTPS"
)

// Listener is one port of a gateway workload.
type Listener struct {
	Protocol Protocol
	// Port is the number a Gateway server writes: a Service port of an
	// existing gateway, the container port itself for edgegate's own.
	Port int
	// Target is where the proxy listens once pilot has translated Port
	// (a Service port becomes its targetPort). Bindings compare on Target.
	Target int
}

// Workload is a gateway workload: a Deployment of Istio's proxy that
// Gateway objects select by label.
type Workload struct {
	Name, Namespace string
	Obj             *manifest.Object // the IngressGateway; nil for the built-in gateway
	Spec            v1alpha1.IngressGatewaySpec
	// Selector is what Gateway objects select the workload by.
	Selector map[string]string
	// PodLabels are the labels of its pod template, as edgegate renders it.
	PodLabels map[string]string
	// Pods are the labels its pods carry once running, which a Gateway's
	// selector is judged against (podlabels).
	Pods podlabels.Pods
	// Pools lists, per protocol, the listeners bindings may use, in order of preference.
	Pools map[Protocol][]Listener
}

// Key is "namespace/name".
func (w *Workload) Key() string { return w.Namespace + "/" + w.Name }

// Existing reports whether the workload runs already and edgegate only binds to it.
func (w *Workload) Existing() bool { return w.Spec.Existing }

// Resolve translates a Gateway server port the way pilot does: a Service
// port of the gateway becomes its targetPort; any other number is used as written.
func (w *Workload) Resolve(port int) int {
	for _, sp := range w.Spec.ServicePorts {
		if sp.Port == port {
			return sp.TargetPort
		}
	}
	return port
}

// listener finds the pool listener written as port, for protocol.
func (w *Workload) listener(protocol Protocol, port int) (Listener, bool) {
	for _, l := range w.Pools[protocol] {
		if l.Port == port {
			return l, true
		}
	}
	return Listener{}, false
}

// App is one AppIntent, resolved to its gateway workload.
type App struct {
	Namespace, Name string
	Obj             *manifest.Object
	Spec            v1alpha1.AppIntentSpec
	Targets         [][]Target // parsed destinations, one list per route
	Workload        *Workload
	matches         [][]routeEntry // what each route matches, one list per route
}

// Key is "namespace/name".
func (a *App) Key() string { return a.Namespace + "/" + a.Name }

// Protocols lists the listeners the app needs: plain HTTP unless it serves
// TLS with tls.http: off, HTTPS when it has TLS.
func (a *App) Protocols() []Protocol {
	switch {
	case a.Spec.TLS == nil:
		return []Protocol{HTTP}
	case a.Spec.TLS.HTTP == v1alpha1.HTTPOff:
		return []Protocol{HTTPS}
	}
	return []Protocol{HTTP, HTTPS}
}

// Claim is a host that a hand-written Gateway serves on a workload: a fixed
// point bindings must steer around.
type Claim struct {
	Workload *Workload
	Listener Listener
	Host     string           // canonical (hostname.Canonical), as pilot compares it
	Written  string           // the host as the Gateway spells it, when that is not Host
	Obj      *manifest.Object // the Gateway
	Field    string           // e.g. spec.servers[0].hosts[1]
}

// Model is everything one render sees, decoded, validated and indexed once.
type Model struct {
	Workloads []*Workload // sorted by key
	Apps      []*App      // sorted by key
	Claims    []Claim
	Locks     map[string]*Lock // by workload key
	// Unseen are the locks of gateways this render does not have: kept as
	// they are, unless a prune drops them.
	Unseen []*Lock
	parsed []*Lock // every valid lock read, before attachLocks
	// Passthrough holds the objects edgegate does not own, in input order.
	Passthrough []*manifest.Object
	// Intents holds the edgegate objects read (AppIntents, IngressGateways, HostBindings).
	Intents []*manifest.Object
	// Stale holds objects rendered by an earlier run; this run replaces them.
	Stale []*manifest.Object
}

// Options tune a render.
type Options struct {
	// DefaultNamespace is used for edgegate objects that name none.
	DefaultNamespace string
	// Locked makes a binding missing from the HostBindings lock an error.
	Locked bool
	// Relock says the bindings are being recorded (edgegate lock): bindings
	// missing from the lock are expected, not worth a warning.
	Relock bool
	// Prune drops from the lock the records of apps and gateways this render
	// does not see (edgegate lock --prune, run over everything); otherwise
	// they are kept.
	Prune bool
	// LockCommand is the command that records this render's bindings, named
	// in the advice of messages; empty is "edgegate lock".
	LockCommand string
	// API, when set (istio or gateway-api), is the output API of every
	// gateway, whatever its IngressGateway's spec.api says.
	API string
}

// lockCommand is the command messages advise to record the bindings.
func (o Options) lockCommand() string {
	if o.LockCommand == "" {
		return "edgegate lock"
	}
	return o.LockCommand
}

// Build decodes, defaults and validates the edgegate objects among objs and
// resolves every app to its gateway workload.
func Build(objs []*manifest.Object, opts Options) (*Model, manifest.Diagnostics) {
	m := &Model{Locks: map[string]*Lock{}}
	var diags manifest.Diagnostics
	var apps, gateways, locks []*manifest.Object
	for _, o := range objs {
		switch {
		case o.Group() == v1alpha1.Group:
			m.Intents = append(m.Intents, o)
			if o.Namespace == "" && opts.DefaultNamespace != "" {
				o.Namespace = opts.DefaultNamespace
			}
			switch {
			case o.APIVersion != v1alpha1.APIVersion:
				diags = append(diags, manifest.Errorf(o, "apiVersion", "unknown version %q (edgegate reads %s)", o.APIVersion, v1alpha1.APIVersion))
			case o.Kind == v1alpha1.KindAppIntent:
				apps = append(apps, o)
			case o.Kind == v1alpha1.KindIngressGateway:
				gateways = append(gateways, o)
			case o.Kind == v1alpha1.KindHostBindings:
				locks = append(locks, o)
			case o.Kind == v1alpha1.KindPolicy:
				// Configuration of the run, read by its caller.
			default:
				diags = append(diags, manifest.Errorf(o, "kind", "unknown kind %q (edgegate reads %s, %s, %s and %s)", o.Kind, v1alpha1.KindAppIntent, v1alpha1.KindIngressGateway, v1alpha1.KindHostBindings, v1alpha1.KindPolicy))
			}
		case o.IsManaged():
			m.Stale = append(m.Stale, o)
		default:
			m.Passthrough = append(m.Passthrough, o)
		}
	}
	diags = append(diags, m.buildWorkloads(gateways)...)
	diags = append(diags, m.parseLocks(locks)...)
	diags = append(diags, m.buildApps(apps)...)
	diags = append(diags, m.buildClaims()...)
	diags = append(diags, m.attachLocks()...)
	return m, diags
}

// fieldErrors collects the validation errors of one object.
type fieldErrors struct {
	obj   *manifest.Object
	diags manifest.Diagnostics
}

func (e *fieldErrors) add(field, format string, args ...any) {
	e.diags = append(e.diags, manifest.Errorf(e.obj, field, format, args...))
}

// addAll adds the errors the API's field validation found, in its order.
func (e *fieldErrors) addAll(errs v1alpha1.FieldErrors) {
	for _, fe := range errs {
		e.diags = append(e.diags, manifest.Errorf(e.obj, fe.Field, "%s", fe.Message))
	}
}

// decodeObject strictly decodes an edgegate object into v (whose Spec field
// takes spec; apiVersion, kind and metadata are read elsewhere) and checks it
// has a name and a namespace. Validation adds to the errors it returns.
func decodeObject(o *manifest.Object, v any) *fieldErrors {
	e := &fieldErrors{obj: o}
	if o.Name == "" {
		e.add("metadata.name", "required")
	}
	if o.Namespace == "" {
		e.add("metadata.namespace", "required (or pass --namespace)")
	}
	stripped := *o.Node
	stripped.Content = nil
	for i := 0; i+1 < len(o.Node.Content); i += 2 {
		switch o.Node.Content[i].Value {
		case "apiVersion", "kind", "metadata":
			continue
		}
		stripped.Content = append(stripped.Content, o.Node.Content[i], o.Node.Content[i+1])
	}
	e.diags = append(e.diags, manifest.Decode(o, &stripped, "", v)...)
	return e
}

func (m *Model) buildWorkloads(objs []*manifest.Object) manifest.Diagnostics {
	var diags manifest.Diagnostics
	for _, o := range objs {
		var gw v1alpha1.IngressGateway
		e := decodeObject(o, &gw)
		e.addAll(v1alpha1.ValidateIngressGateway(o.Name, o.Namespace, &gw.Spec))
		diags = append(diags, e.diags...)
		if len(e.diags) > 0 {
			continue
		}
		m.Workloads = append(m.Workloads, newWorkload(o.Name, o.Namespace, o, gw.Spec))
	}
	sort.Slice(m.Workloads, func(i, j int) bool { return m.Workloads[i].Key() < m.Workloads[j].Key() })

	// Names are unique within a render, so istio: <name> selectors never
	// overlap and AppIntents may refer to a gateway by name alone.
	byName := map[string]*Workload{}
	var defaults []*Workload
	kept := m.Workloads[:0]
	for _, w := range m.Workloads {
		if other, dup := byName[w.Name]; dup {
			diags = append(diags, manifest.Errorf(w.Obj, "metadata.name",
				"IngressGateway name %q is already used by %s (%s): names must be unique in one render, since the name is the istio selector label",
				w.Name, other.Obj.Ref, where(other.Obj)))
			continue
		}
		byName[w.Name] = w
		kept = append(kept, w)
		if w.Spec.Default {
			defaults = append(defaults, w)
		}
	}
	m.Workloads = kept
	for _, w := range defaults[min(1, len(defaults)):] {
		diags = append(diags, manifest.Errorf(w.Obj, "spec.default", "%s is already the default gateway", defaults[0].Obj.Ref))
	}
	return diags
}

func newWorkload(name, namespace string, o *manifest.Object, spec v1alpha1.IngressGatewaySpec) *Workload {
	spec.SetDefaults()
	w := &Workload{Name: name, Namespace: namespace, Obj: o, Spec: spec, Pools: map[Protocol][]Listener{}}
	if spec.Existing {
		w.Selector = spec.Selector
		w.PodLabels = spec.Selector
		w.Pods = podlabels.Declared(spec.Selector)
		seen := map[int]bool{}
		for _, sp := range spec.ServicePorts {
			proto := protocolFromPortName(sp.Name)
			if proto == "" || seen[sp.TargetPort] {
				continue // 80 and 8080 → 8080 are one listener: offer it once
			}
			seen[sp.TargetPort] = true
			w.Pools[proto] = append(w.Pools[proto], Listener{Protocol: proto, Port: sp.Port, Target: sp.TargetPort})
		}
		return w
	}
	w.Selector = podlabels.Selector(name)
	w.PodLabels = podlabels.Template(name, &w.Spec)
	w.Pods = podlabels.Rendered(name, &w.Spec)
	for proto, pool := range map[Protocol][]v1alpha1.PortRange{HTTP: spec.Ports.HTTP, HTTPS: spec.Ports.HTTPS} {
		for _, r := range pool {
			for p := r.First; p <= r.Last; p++ {
				w.Pools[proto] = append(w.Pools[proto], Listener{Protocol: proto, Port: p, Target: p})
			}
		}
	}
	return w
}

// builtinWorkload is the gateway AppIntents use when no IngressGateway is declared.
func builtinWorkload() *Workload {
	return newWorkload(v1alpha1.BuiltinGatewayName, v1alpha1.BuiltinGatewayNamespace, nil, v1alpha1.IngressGatewaySpec{})
}

// protocolFromPortName reads a Service port name the way Istio does:
// <protocol>[-suffix]. Only the protocols bindings use are recognised.
func protocolFromPortName(name string) Protocol {
	return Protocol(v1alpha1.ServicePortProtocol(name))
}

func (m *Model) buildApps(objs []*manifest.Object) manifest.Diagnostics {
	// Intents decode and validate independently, on every core; their
	// findings and apps are gathered in input order.
	decoded := make([]*App, len(objs))
	found := make([]manifest.Diagnostics, len(objs))
	manifest.Parallel(len(objs), func(k int) {
		decoded[k], found[k] = decodeApp(objs[k])
	})
	var diags manifest.Diagnostics
	for k := range objs {
		diags = append(diags, found[k]...)
		if decoded[k] != nil {
			m.Apps = append(m.Apps, decoded[k])
		}
	}
	sort.Slice(m.Apps, func(i, j int) bool { return m.Apps[i].Key() < m.Apps[j].Key() })

	kept := m.Apps[:0]
	var last *App
	for _, a := range m.Apps {
		if last != nil && last.Key() == a.Key() {
			diags = append(diags, manifest.Errorf(a.Obj, "metadata.name", "AppIntent %s is also defined in %s", a.Key(), where(last.Obj)))
			continue
		}
		last = a
		w, d := m.resolveGateway(a)
		diags = append(diags, d...)
		if w == nil {
			continue
		}
		if d := crossNamespaceDestinations(a, w); len(d) > 0 {
			diags = append(diags, d...)
			continue
		}
		a.Workload = w
		kept = append(kept, a)
	}
	m.Apps = kept
	return diags
}

// routeTo is the to field of route i of an AppIntent, as written.
func routeTo(o *manifest.Object, i int) *yaml.Node {
	routes := manifest.Unalias(o.Field("spec", "routes"))
	if routes == nil || routes.Kind != yaml.SequenceNode || i >= len(routes.Content) {
		return nil
	}
	return manifest.Unalias(manifest.Lookup(manifest.Unalias(routes.Content[i]), "to"))
}

// Describe names the workload in messages: its IngressGateway, or the built-in gateway.
func (w *Workload) Describe() string {
	if w.Obj == nil {
		return "the built-in gateway " + w.Key()
	}
	return "gateway " + w.Key() + " (" + where(w.Obj) + ")"
}

// crossNamespaceDestinations refuses the destinations of a in another
// namespace than its own that its gateway w does not list in
// spec.allowedDestinationNamespaces: a team's intent may put only its own
// namespace's backends behind the shared gateway, not kubernetes.default or
// istiod's debug port.
func crossNamespaceDestinations(a *App, w *Workload) manifest.Diagnostics {
	var diags manifest.Diagnostics
	for i, r := range a.Spec.Routes {
		for j, t := range a.Targets[i] {
			if w.Spec.AllowsDestination(a.Namespace, t.Namespace) {
				continue
			}
			// The field as written: "to: svc:80", or a list of {service, weight}.
			field := fmt.Sprintf("spec.routes[%d].to", i)
			if to := routeTo(a.Obj, i); to == nil || to.Kind != yaml.ScalarNode {
				field = fmt.Sprintf("spec.routes[%d].to[%d].service", i, j)
			}
			diags = append(diags, manifest.Errorf(a.Obj, field, "%s",
				v1alpha1.CrossNamespaceMessage(r.To[j].Service, t.Namespace, a.Namespace, w.Describe(), w.Spec.AllowedDestinationNamespaces)))
		}
	}
	return diags
}

// decodeApp decodes, validates and defaults one AppIntent; nil when it has errors.
func decodeApp(o *manifest.Object) (*App, manifest.Diagnostics) {
	var intent v1alpha1.AppIntent
	e := decodeObject(o, &intent)
	e.addAll(v1alpha1.ValidateAppIntent(o.Name, o.Namespace, &intent.Spec))
	matches := routeMatches(e, intent.Spec.Routes)
	if len(e.diags) > 0 {
		return nil, e.diags
	}
	intent.Spec.SetDefaults()
	return &App{Namespace: o.Namespace, Name: o.Name, Obj: o, Spec: intent.Spec, Targets: targetsOf(o.Namespace, &intent.Spec), matches: matches}, nil
}

// resolveGateway finds an app's workload: the one it names, else the one
// marked default, else the only one declared, else the built-in gateway. The
// workload is nil when the diagnostics hold the error.
func (m *Model) resolveGateway(a *App) (*Workload, manifest.Diagnostics) {
	ref := a.Spec.Gateway
	if ref == "" {
		var found *Workload
		for _, w := range m.Workloads {
			if w.Spec.Default {
				return w, nil
			}
			found = w
		}
		switch {
		case m.gatewayNames() == "":
			return m.fallBackToBuiltin(a)
		case len(m.Workloads) == 1:
			return found, nil
		}
		return nil, manifest.Diagnostics{manifest.Errorf(a.Obj, "spec.gateway", "%d IngressGateways are declared and none is marked default: name one (%s)", len(m.Workloads), m.gatewayNames())}
	}
	ns, name, scoped := strings.Cut(ref, "/")
	if !scoped {
		name, ns = ns, ""
	}
	for _, w := range m.Workloads {
		if w.Name == name && (ns == "" || w.Namespace == ns) {
			return w, nil
		}
	}
	if m.gatewayNames() == "" {
		if b := builtinWorkload(); name == b.Name && (ns == "" || ns == b.Namespace) {
			return m.builtin(), nil
		}
	}
	known := m.gatewayNames()
	if known == "" {
		known = "none is declared; the built-in gateway is " + v1alpha1.BuiltinGatewayNamespace + "/" + v1alpha1.BuiltinGatewayName
	} else {
		known = "declared: " + known
	}
	for _, lock := range m.parsed {
		if gns, gname, _ := strings.Cut(lock.Gateway, "/"); gname == name && (ns == "" || gns == ns) {
			known += fmt.Sprintf("; the HostBindings lock (%s) records it: add the file declaring its IngressGateway to the inputs", where(lock.Obj))
			break
		}
	}
	return nil, manifest.Diagnostics{manifest.Errorf(a.Obj, "spec.gateway", "unknown gateway %q (%s)", ref, known)}
}

// fallBackToBuiltin puts an app that names no gateway, in a render that
// declares none, on the built-in gateway, unless the lock records the app
// on another gateway (an error: its declaration is missing from the inputs).
// When the inputs or the lock mention another gateway, landing on the
// built-in one (and a new LoadBalancer) is likely a mistake: a warning.
func (m *Model) fallBackToBuiltin(a *App) (*Workload, manifest.Diagnostics) {
	builtin := v1alpha1.BuiltinGatewayNamespace + "/" + v1alpha1.BuiltinGatewayName
	var other string
	for _, lock := range m.parsed {
		if lock.Gateway == builtin {
			continue
		}
		if lock.records(a.Key()) {
			return nil, manifest.Diagnostics{manifest.Errorf(a.Obj, "spec.gateway",
				"the HostBindings lock (%s) records this app on gateway %s, which no IngressGateway of this render declares: add the file declaring it to the inputs (rather than landing on the built-in gateway %s)",
				where(lock.Obj), lock.Gateway, builtin)}
		}
		if other == "" {
			other = fmt.Sprintf("the HostBindings lock (%s) records gateway %s", where(lock.Obj), lock.Gateway)
		}
	}
	for _, o := range m.Passthrough {
		if other == "" && o.Kind == v1alpha1.KindIngressGateway {
			other = fmt.Sprintf("%s declares an IngressGateway of apiVersion %q, which edgegate does not read (it reads %s)", where(o), o.APIVersion, v1alpha1.APIVersion)
		}
	}
	if other == "" {
		return m.builtin(), nil
	}
	return m.builtin(), manifest.Diagnostics{manifest.Warnf(a.Obj, "spec.gateway",
		"no IngressGateway is declared in this render, so the app uses the built-in gateway %s, but %s: add the file declaring the gateway it belongs on to the inputs, or name %s in spec.gateway",
		builtin, other, builtin)}
}

// builtin returns the built-in gateway, adding it to the model on first use.
func (m *Model) builtin() *Workload {
	for _, w := range m.Workloads {
		if w.Obj == nil {
			return w
		}
	}
	w := builtinWorkload()
	m.Workloads = append(m.Workloads, w)
	return w
}

func (m *Model) gatewayNames() string {
	var names []string
	for _, w := range m.Workloads {
		if w.Obj != nil {
			names = append(names, w.Key())
		}
	}
	return strings.Join(names, ", ")
}

// where names an object's origin for messages that point elsewhere.
func where(o *manifest.Object) string {
	if o == nil {
		return "the built-in default"
	}
	return manifest.Where(o)
}
