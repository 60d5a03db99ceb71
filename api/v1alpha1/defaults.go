package v1alpha1

// Defaults, following Istio's gateway Helm chart where it has one.
const (
	// BuiltinGatewayName and BuiltinGatewayNamespace name the gateway AppIntents
	// use when no IngressGateway is declared. Its selector istio: edge never
	// collides with an existing istio: ingressgateway.
	BuiltinGatewayName      = "edge"
	BuiltinGatewayNamespace = "istio-ingress"

	// DefaultImage leaves the proxy image to Istio's injection webhook.
	DefaultImage       = "auto"
	DefaultMinReplicas = 1
	DefaultMaxReplicas = 5
	DefaultServiceType = "LoadBalancer"
	DefaultTLSMode     = "SIMPLE"
)

// Default port pools: the first port of each is what apps get unless one of
// their hosts is already held there (overlapping through a wildcard is not).
var (
	defaultHTTPPool  = []PortRange{{80, 80}, {8080, 8089}}
	defaultHTTPSPool = []PortRange{{443, 443}, {8443, 8452}}

	defaultRequests = map[string]string{"cpu": "100m", "memory": "128Mi"}
	defaultLimits   = map[string]string{"cpu": "2", "memory": "1Gi"}
)

// SetDefaults fills the unset fields of a gateway spec. An existing gateway only
// gets its targetPorts: edgegate renders nothing else for it.
func (s *IngressGatewaySpec) SetDefaults() {
	if s.API == "" {
		s.API = APIIstio
	}
	if s.GatewayAPI == nil {
		s.GatewayAPI = &GatewayAPIOptions{}
	}
	if s.GatewayAPI.GatewayClassName == "" {
		s.GatewayAPI.GatewayClassName = DefaultGatewayClassName
	}
	if s.Existing {
		for i := range s.ServicePorts {
			if s.ServicePorts[i].TargetPort == 0 {
				s.ServicePorts[i].TargetPort = s.ServicePorts[i].Port
			}
		}
		return
	}
	if s.Image == "" {
		s.Image = DefaultImage
	}
	if s.Replicas == nil {
		s.Replicas = &Replicas{}
	}
	if s.Replicas.Min == 0 {
		s.Replicas.Min = DefaultMinReplicas
	}
	if s.Replicas.Max == 0 {
		s.Replicas.Max = max(DefaultMaxReplicas, s.Replicas.Min)
	}
	if s.Service == nil {
		s.Service = &GatewayService{}
	}
	if s.Service.Type == "" {
		s.Service.Type = DefaultServiceType
	}
	if s.Ports == nil {
		s.Ports = &PortPools{}
	}
	if s.Ports.HTTP == nil {
		s.Ports.HTTP = defaultHTTPPool
	}
	if s.Ports.HTTPS == nil {
		s.Ports.HTTPS = defaultHTTPSPool
	}
	if s.Resources == nil {
		s.Resources = &Resources{Requests: defaultRequests, Limits: defaultLimits}
	}
}

// SetDefaults fills the unset fields of an AppIntent spec.
func (s *AppIntentSpec) SetDefaults() {
	if s.TLS != nil {
		if s.TLS.Mode == "" {
			s.TLS.Mode = DefaultTLSMode
		}
		if s.TLS.HTTP == "" {
			s.TLS.HTTP = HTTPRedirect
			if s.TLS.HTTPSRedirect != nil && !*s.TLS.HTTPSRedirect {
				s.TLS.HTTP = HTTPOff
			}
		}
		redirect := s.TLS.HTTP == HTTPRedirect
		s.TLS.HTTPSRedirect = &redirect
	}
	for i := range s.Routes {
		for j := range s.Routes[i].To {
			if len(s.Routes[i].To) == 1 && s.Routes[i].To[j].Weight == nil {
				full := 100
				s.Routes[i].To[j].Weight = &full
			}
		}
	}
}
