package render

import "github.com/edgegate/edgegate/manifest"

type policyRule struct {
	APIGroups []string `yaml:"apiGroups"`
	Resources []string `yaml:"resources"`
	Verbs     []string `yaml:"verbs"`
}

// renderRole grants the gateway read access to Secrets in its own namespace,
// where Istio looks up the certificates Gateway servers name by
// credentialName. Nothing else: least privilege, as in Istio's chart.
func renderRole(w *Workload) *manifest.Object {
	return newObject("rbac.authorization.k8s.io/v1", "Role", w.Namespace, w.Name, withLabels(workloadLabels(w)), struct {
		Rules []policyRule `yaml:"rules"`
	}{[]policyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "watch", "list"}}}})
}
