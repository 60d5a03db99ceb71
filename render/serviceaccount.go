package render

import "github.com/edgegate/edgegate/manifest"

// renderServiceAccount renders the identity the gateway pods run as; the
// Role below grants it only what credentialName needs.
func renderServiceAccount(w *Workload) *manifest.Object {
	return newObject("v1", "ServiceAccount", w.Namespace, w.Name, withLabels(workloadLabels(w)), nil)
}
