package render

import "github.com/edgegate/edgegate/manifest"

type roleRef struct {
	APIGroup string `yaml:"apiGroup"`
	Kind     string `yaml:"kind"`
	Name     string `yaml:"name"`
}

type subject struct {
	Kind      string `yaml:"kind"`
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace"`
}

// renderRoleBinding binds the gateway's Role to its ServiceAccount.
func renderRoleBinding(w *Workload) *manifest.Object {
	return newObject("rbac.authorization.k8s.io/v1", "RoleBinding", w.Namespace, w.Name, withLabels(workloadLabels(w)), struct {
		RoleRef  roleRef   `yaml:"roleRef"`
		Subjects []subject `yaml:"subjects"`
	}{
		roleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: w.Name},
		[]subject{{Kind: "ServiceAccount", Name: w.Name, Namespace: w.Namespace}},
	})
}
