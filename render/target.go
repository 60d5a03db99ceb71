package render

import "github.com/edgegate/edgegate/api/v1alpha1"

// Target is one parsed destination of a route.
type Target struct {
	Service   string
	Namespace string
	Port      int
	Weight    int
}

// Host is the destination's fully qualified service name, as Istio's clusters name it.
func (t Target) Host() string {
	return t.Service + "." + t.Namespace + ".svc.cluster.local"
}

// targetsOf parses the destinations of a validated, defaulted AppIntent
// spec: one []Target per route.
func targetsOf(namespace string, s *v1alpha1.AppIntentSpec) [][]Target {
	targets := make([][]Target, len(s.Routes))
	for i, r := range s.Routes {
		for _, d := range r.To {
			ref, _ := v1alpha1.ParseDestination(d.Service, namespace) // validated
			targets[i] = append(targets[i], Target{Service: ref.Service, Namespace: ref.Namespace, Port: ref.Port, Weight: *d.Weight})
		}
	}
	return targets
}
