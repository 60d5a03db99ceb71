package render

import (
	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

type deploymentSpec struct {
	Selector labelSelector   `yaml:"selector"`
	Template podTemplateSpec `yaml:"template"`
}

type podTemplateSpec struct {
	Metadata podMeta `yaml:"metadata"`
	Spec     podSpec `yaml:"spec"`
}

type podMeta struct {
	Annotations map[string]string `yaml:"annotations"`
	Labels      map[string]string `yaml:"labels"`
}

type podSpec struct {
	ServiceAccountName            string             `yaml:"serviceAccountName"`
	SecurityContext               podSecurityContext `yaml:"securityContext"`
	Containers                    []container        `yaml:"containers"`
	Affinity                      *yaml.Node         `yaml:"affinity,omitempty"`
	Tolerations                   *yaml.Node         `yaml:"tolerations,omitempty"`
	TopologySpreadConstraints     any                `yaml:"topologySpreadConstraints"`
	TerminationGracePeriodSeconds int                `yaml:"terminationGracePeriodSeconds"`
}

type podSecurityContext struct {
	SeccompProfile seccompProfile `yaml:"seccompProfile"`
	Sysctls        []sysctl       `yaml:"sysctls"`
}

type seccompProfile struct {
	Type string `yaml:"type"`
}

type sysctl struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type container struct {
	Name            string                   `yaml:"name"`
	Image           string                   `yaml:"image"`
	Ports           []containerPort          `yaml:"ports"`
	ReadinessProbe  probe                    `yaml:"readinessProbe"`
	Resources       resourceRequirements     `yaml:"resources"`
	SecurityContext containerSecurityContext `yaml:"securityContext"`
}

type containerPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
	Protocol      string `yaml:"protocol"`
}

type probe struct {
	HTTPGet          httpGetAction `yaml:"httpGet"`
	PeriodSeconds    int           `yaml:"periodSeconds"`
	TimeoutSeconds   int           `yaml:"timeoutSeconds"`
	FailureThreshold int           `yaml:"failureThreshold"`
	SuccessThreshold int           `yaml:"successThreshold"`
}

type httpGetAction struct {
	Path   string `yaml:"path"`
	Port   int    `yaml:"port"`
	Scheme string `yaml:"scheme"`
}

type resourceRequirements struct {
	Limits   map[string]string `yaml:"limits,omitempty"`
	Requests map[string]string `yaml:"requests,omitempty"`
}

type containerSecurityContext struct {
	AllowPrivilegeEscalation bool         `yaml:"allowPrivilegeEscalation"`
	Capabilities             capabilities `yaml:"capabilities"`
	Privileged               bool         `yaml:"privileged"`
	ReadOnlyRootFilesystem   bool         `yaml:"readOnlyRootFilesystem"`
	RunAsGroup               int          `yaml:"runAsGroup"`
	RunAsNonRoot             bool         `yaml:"runAsNonRoot"`
	RunAsUser                int          `yaml:"runAsUser"`
}

type capabilities struct {
	Drop []string `yaml:"drop"`
}

type topologySpreadConstraint struct {
	MaxSkew           int           `yaml:"maxSkew"`
	TopologyKey       string        `yaml:"topologyKey"`
	WhenUnsatisfiable string        `yaml:"whenUnsatisfiable"`
	LabelSelector     labelSelector `yaml:"labelSelector"`
}

// proxyUID is the user and group Istio's proxy image runs as.
const proxyUID = 1337

// renderDeployment renders the gateway's pods the way Istio's gateway chart
// does: one istio-proxy container whose image "auto" the injection webhook
// fills in (the pod asks for the gateway template), hardened to the minimum:
// no capabilities, no privilege escalation, non-root, read-only root file
// system. The pod binds ports below 1024 through the unprivileged-port sysctl
// instead of NET_BIND_SERVICE, and the runtime's default seccomp profile, as
// Pod Security's "restricted" level asks. It carries no replicas: the HPA
// owns them.
func renderDeployment(w *Workload, listeners []Listener) *manifest.Object {
	ports := []containerPort{
		{Name: "status-port", ContainerPort: statusPort, Protocol: "TCP"},
		{Name: "http-envoy-prom", ContainerPort: metricsPort, Protocol: "TCP"},
	}
	for _, l := range listeners {
		ports = append(ports, containerPort{Name: listenerPortName(l), ContainerPort: l.Target, Protocol: "TCP"})
	}
	var spread any = []topologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       "kubernetes.io/hostname",
		WhenUnsatisfiable: "ScheduleAnyway",
		LabelSelector:     labelSelector{MatchLabels: w.Selector},
	}}
	if w.Spec.TopologySpreadConstraints != nil {
		spread = w.Spec.TopologySpreadConstraints
	}
	spec := deploymentSpec{
		Selector: labelSelector{MatchLabels: w.Selector},
		Template: podTemplateSpec{
			Metadata: podMeta{
				Annotations: map[string]string{
					"inject.istio.io/templates": "gateway",
					"prometheus.io/path":        "/stats/prometheus",
					"prometheus.io/port":        "15020",
					"prometheus.io/scrape":      "true",
				},
				Labels: w.PodLabels,
			},
			Spec: podSpec{
				ServiceAccountName: w.Name,
				SecurityContext: podSecurityContext{
					SeccompProfile: seccompProfile{Type: "RuntimeDefault"},
					Sysctls:        []sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}},
				},
				Containers: []container{{
					Name:  "istio-proxy",
					Image: w.Spec.Image,
					Ports: ports,
					ReadinessProbe: probe{
						HTTPGet:          httpGetAction{Path: "/healthz/ready", Port: statusPort, Scheme: "HTTP"},
						PeriodSeconds:    15,
						TimeoutSeconds:   3,
						FailureThreshold: 4,
						SuccessThreshold: 1,
					},
					Resources: resourceRequirements{Limits: canonicalQuantities(w.Spec.Resources.Limits), Requests: canonicalQuantities(w.Spec.Resources.Requests)},
					SecurityContext: containerSecurityContext{
						Capabilities:           capabilities{Drop: []string{"ALL"}},
						ReadOnlyRootFilesystem: true,
						RunAsGroup:             proxyUID,
						RunAsNonRoot:           true,
						RunAsUser:              proxyUID,
					},
				}},
				Affinity:                      w.Spec.Affinity,
				Tolerations:                   w.Spec.Tolerations,
				TopologySpreadConstraints:     spread,
				TerminationGracePeriodSeconds: terminationGraceSec,
			},
		},
	}
	return newObject("apps/v1", "Deployment", w.Namespace, w.Name, withLabels(workloadLabels(w)), struct {
		Spec deploymentSpec `yaml:"spec"`
	}{spec})
}

// canonicalQuantities writes quantities the way the API server stores them
// (validated already), so it never rewrites the rendered Deployment.
func canonicalQuantities(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if c, err := canonicalQuantity(v); err == nil {
			v = c
		}
		out[k] = v
	}
	return out
}
