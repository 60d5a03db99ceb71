// Package v1alpha1 is the edgegate.dev/v1alpha1 API: the intents app teams
// and the platform write (AppIntent, IngressGateway), the lock (HostBindings)
// and the run's configuration (EdgegatePolicy), with their defaults and the
// validation of each field as written. It knows nothing of the objects
// rendered from them, so a renderer, the policy gate and a controller can
// share it.
package v1alpha1

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The edgegate API.
const (
	Group      = "edgegate.dev"
	APIVersion = Group + "/v1alpha1"

	KindAppIntent      = "AppIntent"
	KindIngressGateway = "IngressGateway"
	KindHostBindings   = "HostBindings"
	KindPolicy         = "EdgegatePolicy"
)

// AppIntent is what an app team writes: hosts, TLS and routes to services.
type AppIntent struct {
	Spec AppIntentSpec `yaml:"spec"`
}

type AppIntentSpec struct {
	// Gateway is "namespace/name" or "name" of an IngressGateway; empty picks the default.
	Gateway string   `yaml:"gateway"`
	Hosts   []string `yaml:"hosts"`
	TLS     *TLS     `yaml:"tls"`
	Routes  []Route  `yaml:"routes"`
}

type TLS struct {
	// CredentialName is a Secret in the gateway workload's namespace.
	CredentialName string `yaml:"credentialName"`
	// Mode is SIMPLE (default) or MUTUAL.
	Mode string `yaml:"mode"`
	// HTTP is what the app's plain-HTTP listener does: redirect (default)
	// answers with a redirect to HTTPS, serve serves the routes there too,
	// off leaves the app without a plain-HTTP listener.
	HTTP string `yaml:"http"`
	// HTTPSRedirect is the older spelling of HTTP: true is redirect, false is
	// off. After defaults it says whether HTTP is redirect.
	HTTPSRedirect *bool `yaml:"httpsRedirect"`
}

// The values of TLS.HTTP.
const (
	HTTPRedirect = "redirect"
	HTTPServe    = "serve"
	HTTPOff      = "off"
)

// Route is one rule; the first route that matches a request wins.
type Route struct {
	Name string `yaml:"name"`
	// At most one of Exact, Prefix, Regex; none matches every path.
	Exact   string            `yaml:"exact"`
	Prefix  string            `yaml:"prefix"`
	Regex   string            `yaml:"regex"`
	Headers map[string]string `yaml:"headers"`
	Rewrite string            `yaml:"rewrite"`
	To      Destinations      `yaml:"to"`
	Timeout string            `yaml:"timeout"`
	Retries *int              `yaml:"retries"`
}

// Destinations is "service[.namespace]:port" or a list of weighted destinations.
type Destinations []Destination

type Destination struct {
	Service string `yaml:"service"`
	Weight  *int   `yaml:"weight"`
}

// DecodeScalar accepts a plain string as a single destination.
func (d *Destinations) DecodeScalar(n *yaml.Node) error {
	if n.Tag != "!!str" {
		return fmt.Errorf(`expected "service[.namespace]:port" or a list of {service, weight}, got %s`, n.Value)
	}
	*d = Destinations{{Service: n.Value}}
	return nil
}

// IngressGateway is a gateway workload the platform runs (or, with Existing,
// one that already runs and edgegate only binds to).
type IngressGateway struct {
	Spec IngressGatewaySpec `yaml:"spec"`
}

type IngressGatewaySpec struct {
	// Default marks the gateway AppIntents without spec.gateway use.
	Default bool `yaml:"default"`

	// Existing binds to a workload edgegate does not render, found by Selector,
	// serving ServicePorts.
	Existing     bool              `yaml:"existing"`
	Selector     map[string]string `yaml:"selector"`
	ServicePorts []ServicePort     `yaml:"servicePorts"`

	// API is the API the gateway's routing is rendered in: istio (the
	// default) for Istio's Gateway and VirtualService, gateway-api for the
	// Kubernetes Gateway API's Gateway and HTTPRoute. `edgegate render
	// --api` overrides it for every gateway.
	API string `yaml:"api"`
	// GatewayAPI tunes the gateway-api output.
	GatewayAPI *GatewayAPIOptions `yaml:"gatewayAPI"`

	// ScopeToNamespace puts Gateway objects in the gateway's namespace, for
	// meshes with PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true.
	ScopeToNamespace bool `yaml:"scopeToNamespace"`

	// HostOwnership maps host patterns ("shop.example.com", "*.shop.example.com")
	// to the namespaces allowed to claim hosts they match on this gateway.
	HostOwnership map[string][]string `yaml:"hostOwnership"`

	// AllowedDestinationNamespaces lists the namespaces, besides an app's
	// own, whose Services the apps on this gateway may route to. Empty (the
	// default): an app routes only to its own namespace, so no team can put
	// another namespace's backend (kubernetes.default, istiod) behind the
	// gateway.
	AllowedDestinationNamespaces []string `yaml:"allowedDestinationNamespaces"`

	// Ports is the pool host bindings are allocated from.
	Ports *PortPools `yaml:"ports"`

	Replicas                  *Replicas         `yaml:"replicas"`
	Service                   *GatewayService   `yaml:"service"`
	Image                     string            `yaml:"image"`
	Revision                  string            `yaml:"revision"`
	Labels                    map[string]string `yaml:"labels"`
	Resources                 *Resources        `yaml:"resources"`
	Affinity                  *yaml.Node        `yaml:"affinity"`
	Tolerations               *yaml.Node        `yaml:"tolerations"`
	TopologySpreadConstraints *yaml.Node        `yaml:"topologySpreadConstraints"`
}

// AllowsDestination reports whether an app of namespace from on this gateway
// may route to a Service of namespace to: its own, or one the platform lists.
func (s *IngressGatewaySpec) AllowsDestination(from, to string) bool {
	return from == to || slices.Contains(s.AllowedDestinationNamespaces, to)
}

// The values of IngressGatewaySpec.API.
const (
	APIIstio      = "istio"
	APIGatewayAPI = "gateway-api"
)

// GatewayAPIOptions tune how a gateway is rendered in the Kubernetes Gateway API.
type GatewayAPIOptions struct {
	// GatewayClassName is the Gateway's class; istio (the default) is
	// Istio's automated deployment.
	GatewayClassName string `yaml:"gatewayClassName"`
	// Experimental lets the output use fields of Gateway API's
	// experimental channel (an HTTPRoute rule's retry); without it a route
	// needing one is an error.
	Experimental bool `yaml:"experimental"`
	// Address is the hostname of an existing gateway's Service
	// (istio-ingressgateway.istio-system.svc.cluster.local): the Gateway
	// binds to it (Istio's manual deployment) instead of deploying a new
	// workload. Required for an existing gateway rendered as gateway-api.
	Address string `yaml:"address"`
}

// DefaultGatewayClassName is the class of Istio's own Gateway API implementation.
const DefaultGatewayClassName = "istio"

type ServicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort int    `yaml:"targetPort"`
}

type PortPools struct {
	HTTP  []PortRange `yaml:"http"`
	HTTPS []PortRange `yaml:"https"`
}

// PortRange is a port (80) or an inclusive range ("8080-8089").
type PortRange struct{ First, Last int }

func (r *PortRange) DecodeNode(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf(`expected a port or a range like "8080-8089"`)
	}
	first, last, isRange := strings.Cut(n.Value, "-")
	var err error
	if r.First, err = strconv.Atoi(strings.TrimSpace(first)); err != nil {
		return fmt.Errorf(`expected a port or a range like "8080-8089", got %q`, n.Value)
	}
	r.Last = r.First
	if isRange {
		if r.Last, err = strconv.Atoi(strings.TrimSpace(last)); err != nil {
			return fmt.Errorf(`expected a port or a range like "8080-8089", got %q`, n.Value)
		}
	}
	return nil
}

type Replicas struct {
	Min int `yaml:"min"`
	Max int `yaml:"max"`
}

type GatewayService struct {
	Type                  string            `yaml:"type"`
	Annotations           map[string]string `yaml:"annotations"`
	LoadBalancerClass     string            `yaml:"loadBalancerClass"`
	ExternalTrafficPolicy string            `yaml:"externalTrafficPolicy"`
}

type Resources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

// HostBindings is the lock: which app holds which host on which port of one
// gateway. It is local configuration, never applied.
type HostBindings struct {
	Spec HostBindingsSpec `yaml:"spec"`
}

type HostBindingsSpec struct {
	// Gateway is the IngressGateway, "namespace/name".
	Gateway string       `yaml:"gateway"`
	Ports   []LockedPort `yaml:"ports"`
}

type LockedPort struct {
	Port     int    `yaml:"port"`
	Protocol string `yaml:"protocol"`
	// Hosts maps each host bound on the port to its app, "namespace/name".
	Hosts map[string]string `yaml:"hosts"`
}

// EdgegatePolicy configures a run: the policy gate's severities and, for the
// KRM function, what it does. It is local configuration, never applied.
type EdgegatePolicy struct {
	Spec EdgegatePolicySpec `yaml:"spec"`
}

type EdgegatePolicySpec struct {
	// FailOn is the lowest severity that fails the run: error (default) or warning.
	FailOn string `yaml:"failOn"`
	// Checks overrides a check's severity by ID: error, warning, info or off.
	Checks map[string]string `yaml:"checks"`
	// Mode (KRM function only) is render (default) or check.
	Mode string `yaml:"mode"`
	// Locked fails a render when a host binding is not in the lock.
	Locked bool `yaml:"locked"`
	// AllowEmpty lets a render succeed with nothing to apply; read only in
	// the caller's policy (--config, the KRM function's configuration).
	AllowEmpty bool `yaml:"allowEmpty"`
	// Namespace is used for intents that name none.
	Namespace string `yaml:"namespace"`
	// Grants lets a namespace suppress a check that protects other
	// namespaces (EG001, EG002, EG006, EG010, EG011, EG016) on its own objects. Only the
	// platform's policy may grant: one given with --config or as the KRM
	// function's configuration, or one in a gateway's namespace.
	Grants []PolicyGrant `yaml:"grants"`
}

// PolicyGrant makes edgegate.dev/suppress entries for Check count on the
// objects of Namespace (those named Name, when it is set).
type PolicyGrant struct {
	Check     string `yaml:"check"`
	Namespace string `yaml:"namespace"`
	Name      string `yaml:"name"`
	// Reason is required: why the platform accepts the finding.
	Reason string `yaml:"reason"`
}
