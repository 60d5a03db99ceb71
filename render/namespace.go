package render

import "github.com/edgegate/edgegate/manifest"

// renderNamespace renders a gateway's namespace, labelled for injection:
// istio.io/rev when the gateway runs on a revisioned control plane
// (istio-injection would take precedence over it), istio-injection otherwise.
func renderNamespace(name, revision string) *manifest.Object {
	labels := map[string]string{"istio-injection": "enabled"}
	if revision != "" {
		labels = map[string]string{"istio.io/rev": revision}
	}
	return newObject("v1", "Namespace", "", name, withLabels(labels), nil)
}
