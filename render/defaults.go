package render

// Values of the rendered workload that no intent sets (the intents' own
// defaults are in api/v1alpha1), following Istio's gateway Helm chart.
const (
	targetCPUPercent    = 80
	statusPort          = 15021 // /healthz/ready, and the load balancer's health check
	metricsPort         = 15090 // Envoy's Prometheus endpoint
	terminationGraceSec = 30

	// The ports a URL leaves out for http and https.
	defaultHTTPPort  = 80
	defaultHTTPSPort = 443
)
