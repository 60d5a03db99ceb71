package render

// selectorLabels select a gateway's pods: Gateway objects, the Deployment,
// the Service and the PodDisruptionBudget all use them. The istio label is the
// gateway's own name, so a second gateway never shares the first one's.
func selectorLabels(name string) map[string]string {
	return map[string]string{"istio": name, "app.kubernetes.io/name": name}
}

// workloadLabels go on every object of a gateway workload.
func workloadLabels(w *Workload) map[string]string {
	labels := selectorLabels(w.Name)
	for k, v := range w.Spec.Labels {
		labels[k] = v
	}
	return labels
}

// podLabels are the labels of a gateway's pods: the selector, the injection
// label Istio's webhook selects on (and the revision, for canary control
// planes), and no enrolment in the ambient data plane, as in Istio's chart.
func podLabels(w *Workload) map[string]string {
	labels := workloadLabels(w)
	labels["sidecar.istio.io/inject"] = "true"
	labels["istio.io/dataplane-mode"] = "none"
	if w.Spec.Revision != "" {
		labels["istio.io/rev"] = w.Spec.Revision
	}
	return labels
}
