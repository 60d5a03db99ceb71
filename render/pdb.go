package render

import "github.com/edgegate/edgegate/manifest"

type pdbSpec struct {
	MinAvailable int           `yaml:"minAvailable"`
	Selector     labelSelector `yaml:"selector"`
}

// renderPDB keeps one gateway pod up through voluntary disruptions. It is
// rendered only when the gateway runs more than one replica: with one, a PDB
// would block node drains forever.
func renderPDB(w *Workload) *manifest.Object {
	return newObject("policy/v1", "PodDisruptionBudget", w.Namespace, w.Name, withLabels(workloadLabels(w)), struct {
		Spec pdbSpec `yaml:"spec"`
	}{pdbSpec{MinAvailable: 1, Selector: labelSelector{MatchLabels: w.Selector}}})
}
