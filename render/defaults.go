package render

// Defaults, following Istio's gateway Helm chart where it has one.
const (
	// BuiltinGatewayName and BuiltinGatewayNamespace name the gateway AppIntents
	// use when no IngressGateway is declared. Its selector istio: edge never
	// collides with an existing istio: ingressgateway.
	BuiltinGatewayName      = "edge"
	BuiltinGatewayNamespace = "istio-ingress"

	defaultImage        = "auto"
	defaultMinReplicas  = 1
	defaultMaxReplicas  = 5
	defaultServiceType  = "LoadBalancer"
	defaultTLSMode      = "SIMPLE"
	targetCPUPercent    = 80
	statusPort          = 15021 // /healthz/ready, and the load balancer's health check
	metricsPort         = 15090 // Envoy's Prometheus endpoint
	terminationGraceSec = 30

	// The ports a URL leaves out for http and https.
	defaultHTTPPort  = 80
	defaultHTTPSPort = 443
)

// Default port pools: the first port of each is what apps get when their
// hosts overlap nobody's.
var (
	defaultHTTPPool  = []PortRange{{80, 80}, {8080, 8089}}
	defaultHTTPSPool = []PortRange{{443, 443}, {8443, 8452}}

	defaultRequests = map[string]string{"cpu": "100m", "memory": "128Mi"}
	defaultLimits   = map[string]string{"cpu": "2", "memory": "1Gi"}
)

// defaultGateway fills the unset fields of a gateway the platform runs.
func defaultGateway(s *IngressGatewaySpec) {
	if s.Existing {
		for i := range s.ServicePorts {
			if s.ServicePorts[i].TargetPort == 0 {
				s.ServicePorts[i].TargetPort = s.ServicePorts[i].Port
			}
		}
		return
	}
	if s.Image == "" {
		s.Image = defaultImage
	}
	if s.Replicas == nil {
		s.Replicas = &Replicas{}
	}
	if s.Replicas.Min == 0 {
		s.Replicas.Min = defaultMinReplicas
	}
	if s.Replicas.Max == 0 {
		s.Replicas.Max = max(defaultMaxReplicas, s.Replicas.Min)
	}
	if s.Service == nil {
		s.Service = &GatewayService{}
	}
	if s.Service.Type == "" {
		s.Service.Type = defaultServiceType
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

// defaultApp fills the unset fields of an AppIntent.
func defaultApp(s *AppIntentSpec) {
	if s.TLS != nil {
		if s.TLS.Mode == "" {
			s.TLS.Mode = defaultTLSMode
		}
		if s.TLS.HTTPSRedirect == nil {
			redirect := true
			s.TLS.HTTPSRedirect = &redirect
		}
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
