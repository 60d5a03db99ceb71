package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
)

// The Kubernetes Gateway API, v1 (standard channel), which a gateway in
// gateway-api mode is rendered in. This file set (gatewayapi*.go) shares no
// state with the Istio renderer: both read the same model and bindings.
const (
	GatewayAPIGroup = "gateway.networking.k8s.io"
	gatewayAPIV1    = GatewayAPIGroup + "/v1"
	gatewayAPIBeta1 = GatewayAPIGroup + "/v1beta1" // ReferenceGrant

	// maxListeners is Gateway API's limit on a Gateway's listeners.
	maxListeners = 64
	// namespaceNameLabel is the label the API server sets on every namespace.
	namespaceNameLabel = "kubernetes.io/metadata.name"
)

// API is the output API of w in a render with opts: --api when given, else
// its IngressGateway's spec.api.
func (o Options) apiOf(w *Workload) string {
	if o.API != "" {
		return o.API
	}
	return w.Spec.API
}

type kubeGatewaySpec struct {
	GatewayClassName string                `yaml:"gatewayClassName"`
	Addresses        []gatewayAddress      `yaml:"addresses,omitempty"`
	Infrastructure   *gatewayInfra         `yaml:"infrastructure,omitempty"`
	Listeners        []kubeGatewayListener `yaml:"listeners"`
}

type gatewayAddress struct {
	Type  string `yaml:"type"`
	Value string `yaml:"value"`
}

type gatewayInfra struct {
	ParametersRef localObjectRef `yaml:"parametersRef"`
}

type localObjectRef struct {
	Group string `yaml:"group"`
	Kind  string `yaml:"kind"`
	Name  string `yaml:"name"`
}

type kubeGatewayListener struct {
	Name          string        `yaml:"name"`
	Hostname      string        `yaml:"hostname,omitempty"`
	Port          int           `yaml:"port"`
	Protocol      string        `yaml:"protocol"`
	TLS           *listenerTLS  `yaml:"tls,omitempty"`
	AllowedRoutes allowedRoutes `yaml:"allowedRoutes"`
}

type listenerTLS struct {
	Mode            string         `yaml:"mode"`
	CertificateRefs []secretObjRef `yaml:"certificateRefs"`
}

type secretObjRef struct {
	Group string `yaml:"group"`
	Kind  string `yaml:"kind"`
	Name  string `yaml:"name"`
}

type allowedRoutes struct {
	Namespaces routeNamespaces  `yaml:"namespaces"`
	Kinds      []routeGroupKind `yaml:"kinds"`
}

type routeNamespaces struct {
	From     string         `yaml:"from"`
	Selector *labelSelector `yaml:"selector,omitempty"`
}

type routeGroupKind struct {
	Group string `yaml:"group"`
	Kind  string `yaml:"kind"`
}

// kubeListener is one listener of a gateway-api Gateway: one host of one
// app's binding on one port.
type kubeListener struct {
	binding *Binding
	host    string // as written in the AppIntent
	name    string
}

// kubeGatewayOf is the Gateway edgegate renders for a workload in
// gateway-api mode, with the listeners of its bindings by app.
type kubeGatewayOf struct {
	w         *Workload
	listeners []kubeListener
	byApp     map[*App][]kubeListener
}

// listenerHostname is a host as a listener or an HTTPRoute writes it:
// lower case (Gateway API refuses upper case; pilot lowercases Istio's
// hosts alike), and empty for the catch-all *, which Gateway API writes by
// leaving the hostname out.
func listenerHostname(h string) string {
	if h == "*" {
		return ""
	}
	return strings.ToLower(h)
}

// listenerName names a listener "<protocol>-<port>-<host>" (the catch-all
// host is "any", a wildcard's * is "wildcard"), shortened with a hash past
// Gateway API's 253 characters of a section name.
func listenerName(l Listener, host string) string {
	h := listenerHostname(host)
	switch {
	case h == "":
		h = "any"
	case strings.HasPrefix(h, "*."):
		h = "wildcard." + h[2:]
	}
	name := fmt.Sprintf("%s-%d-%s", portNamePrefix(l.Protocol), l.Port, h)
	if len(name) <= 253 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return strings.TrimRight(name[:244], ".-") + "-" + hex.EncodeToString(sum[:4])
}

// kubeGateways gathers the listeners of every gateway-api workload's
// bindings, and refuses a Gateway past Gateway API's 64 listeners.
func kubeGateways(m *Model, bindings []Binding, opts Options) (map[*Workload]*kubeGatewayOf, manifest.Diagnostics) {
	out := map[*Workload]*kubeGatewayOf{}
	for i := range bindings {
		b := &bindings[i]
		if opts.apiOf(b.Workload) != v1alpha1.APIGatewayAPI {
			continue
		}
		g := out[b.Workload]
		if g == nil {
			g = &kubeGatewayOf{w: b.Workload, byApp: map[*App][]kubeListener{}}
			out[b.Workload] = g
		}
		for _, h := range b.Hosts {
			l := kubeListener{binding: b, host: h, name: listenerName(b.Listener, h)}
			g.listeners = append(g.listeners, l)
			g.byApp[b.App] = append(g.byApp[b.App], l)
		}
	}
	var diags manifest.Diagnostics
	for _, w := range m.Workloads {
		g := out[w]
		if g == nil {
			continue
		}
		sort.Slice(g.listeners, func(i, j int) bool { return g.listeners[i].name < g.listeners[j].name })
		if n := len(g.listeners); n > maxListeners {
			diags = append(diags, manifest.Errorf(w.Obj, "spec.api",
				"gateway %s would need %d Gateway API listeners (one per host and port of its apps), past Gateway API's limit of %d on one Gateway: move apps to another gateway, or render this one with api: istio",
				w.Key(), n, maxListeners))
		}
		if w.Existing() && w.Spec.GatewayAPI.Address == "" {
			diags = append(diags, manifest.Errorf(w.Obj, "spec.gatewayAPI.address",
				"gateway %s runs already (existing: true): in the Gateway API its Gateway binds to the existing Service by hostname (Istio's manual deployment), so name it here, e.g. istio-ingressgateway.istio-system.svc.cluster.local",
				w.Key()))
		}
	}
	return out, diags
}

// paramsName names the ConfigMap of a gateway's deployment settings.
func paramsName(w *Workload) string { return w.Name + "-gateway-parameters" }

// renderKubeGateway renders the Gateway of a workload in gateway-api mode:
// one listener per host of each binding, each admitting routes only from
// the namespace of the app that holds the host.
func renderKubeGateway(g *kubeGatewayOf) *manifest.Object {
	w := g.w
	spec := kubeGatewaySpec{GatewayClassName: w.Spec.GatewayAPI.GatewayClassName}
	if w.Existing() {
		spec.Addresses = []gatewayAddress{{Type: "Hostname", Value: w.Spec.GatewayAPI.Address}}
	} else {
		spec.Infrastructure = &gatewayInfra{ParametersRef: localObjectRef{Group: "", Kind: "ConfigMap", Name: paramsName(w)}}
	}
	for _, l := range g.listeners {
		b := l.binding
		out := kubeGatewayListener{
			Name: l.name, Hostname: listenerHostname(l.host), Port: b.Listener.Port, Protocol: string(b.Listener.Protocol),
			AllowedRoutes: allowedRoutes{Kinds: []routeGroupKind{{Group: GatewayAPIGroup, Kind: "HTTPRoute"}}},
		}
		if b.App.Namespace == w.Namespace {
			out.AllowedRoutes.Namespaces = routeNamespaces{From: "Same"}
		} else {
			out.AllowedRoutes.Namespaces = routeNamespaces{From: "Selector",
				Selector: &labelSelector{MatchLabels: map[string]string{namespaceNameLabel: b.App.Namespace}}}
		}
		if b.Listener.Protocol == HTTPS {
			out.TLS = &listenerTLS{Mode: "Terminate", CertificateRefs: []secretObjRef{{Group: "", Kind: "Secret", Name: b.App.Spec.TLS.CredentialName}}}
		}
		spec.Listeners = append(spec.Listeners, out)
	}
	o := newObject(gatewayAPIV1, "Gateway", w.Namespace, w.Name, nil, struct {
		Spec kubeGatewaySpec `yaml:"spec"`
	}{spec})
	o.Source = w.Obj
	return o
}
