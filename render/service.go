package render

import (
	"fmt"

	"github.com/edgegate/edgegate/manifest"
)

type serviceSpec struct {
	Type                  string            `yaml:"type"`
	LoadBalancerClass     string            `yaml:"loadBalancerClass,omitempty"`
	ExternalTrafficPolicy string            `yaml:"externalTrafficPolicy,omitempty"`
	Selector              map[string]string `yaml:"selector"`
	Ports                 []servicePortOut  `yaml:"ports"`
}

type servicePortOut struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	Protocol   string `yaml:"protocol"`
	TargetPort int    `yaml:"targetPort"`
}

// renderService exposes the status port and exactly the listeners that
// bindings use, each with port == targetPort: Gateway servers name the
// container port, and pilot's Service-port translation has nothing to do.
func renderService(w *Workload, listeners []Listener) *manifest.Object {
	spec := serviceSpec{
		Type:                  w.Spec.Service.Type,
		LoadBalancerClass:     w.Spec.Service.LoadBalancerClass,
		ExternalTrafficPolicy: w.Spec.Service.ExternalTrafficPolicy,
		Selector:              w.Selector,
		Ports:                 []servicePortOut{{Name: "status-port", Port: statusPort, Protocol: "TCP", TargetPort: statusPort}},
	}
	for _, l := range listeners {
		spec.Ports = append(spec.Ports, servicePortOut{Name: listenerPortName(l), Port: l.Target, Protocol: "TCP", TargetPort: l.Target})
	}
	return newObject("v1", "Service", w.Namespace, w.Name,
		func(m *objectMeta) { withLabels(workloadLabels(w))(m); withAnnotations(w.Spec.Service.Annotations)(m) },
		struct {
			Spec serviceSpec `yaml:"spec"`
		}{spec})
}

// listenerPortName names a port <protocol>-<number>, Istio's convention (KIA0601).
func listenerPortName(l Listener) string {
	return fmt.Sprintf("%s-%d", portNamePrefix(l.Protocol), l.Target)
}
