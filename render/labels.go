package render

import "github.com/edgegate/edgegate/podlabels"

// workloadLabels go on every object of a gateway workload (podlabels.Workload).
func workloadLabels(w *Workload) map[string]string {
	return podlabels.Workload(w.Name, &w.Spec)
}
