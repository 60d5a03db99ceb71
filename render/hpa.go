package render

import "github.com/edgegate/edgegate/manifest"

type hpaSpec struct {
	ScaleTargetRef crossVersionRef `yaml:"scaleTargetRef"`
	MinReplicas    int             `yaml:"minReplicas"`
	MaxReplicas    int             `yaml:"maxReplicas"`
	Metrics        []metricSpec    `yaml:"metrics"`
}

type crossVersionRef struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
}

type metricSpec struct {
	Type     string         `yaml:"type"`
	Resource resourceMetric `yaml:"resource"`
}

type resourceMetric struct {
	Name   string       `yaml:"name"`
	Target metricTarget `yaml:"target"`
}

type metricTarget struct {
	Type               string `yaml:"type"`
	AverageUtilization int    `yaml:"averageUtilization"`
}

// renderHPA scales the gateway on CPU between spec.replicas.min and max. It
// owns the replica count, which is why the Deployment carries none.
func renderHPA(w *Workload) *manifest.Object {
	return newObject("autoscaling/v2", "HorizontalPodAutoscaler", w.Namespace, w.Name, withLabels(workloadLabels(w)), struct {
		Spec hpaSpec `yaml:"spec"`
	}{hpaSpec{
		ScaleTargetRef: crossVersionRef{APIVersion: "apps/v1", Kind: "Deployment", Name: w.Name},
		MinReplicas:    w.Spec.Replicas.Min,
		MaxReplicas:    w.Spec.Replicas.Max,
		Metrics: []metricSpec{{Type: "Resource", Resource: resourceMetric{
			Name: "cpu", Target: metricTarget{Type: "Utilization", AverageUtilization: targetCPUPercent},
		}}},
	}})
}
