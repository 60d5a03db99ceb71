package render

import (
	"sort"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// renderGatewayParameters renders the ConfigMap a gateway-api Gateway names
// in spec.infrastructure.parametersRef. Istio's automated deployment makes
// the Deployment, Service, ServiceAccount, HorizontalPodAutoscaler and
// PodDisruptionBudget from the Gateway and applies each key of it as a
// strategic-merge overlay, so the IngressGateway's settings (replicas,
// resources, labels, scheduling, Service type and annotations) still apply.
func renderGatewayParameters(w *Workload) *manifest.Object {
	s := &w.Spec
	type proxy struct {
		Name      string         `yaml:"name"`
		Resources map[string]any `yaml:"resources,omitempty"`
	}
	resources := map[string]any{}
	if s.Resources != nil {
		if len(s.Resources.Requests) > 0 {
			resources["requests"] = s.Resources.Requests
		}
		if len(s.Resources.Limits) > 0 {
			resources["limits"] = s.Resources.Limits
		}
	}
	podSpec := map[string]any{"containers": []proxy{{Name: "istio-proxy", Resources: resources}}}
	for key, n := range map[string]*yaml.Node{"affinity": s.Affinity, "tolerations": s.Tolerations, "topologySpreadConstraints": s.TopologySpreadConstraints} {
		if n != nil {
			podSpec[key] = n
		}
	}
	template := map[string]any{"spec": podSpec}
	if len(s.Labels) > 0 {
		template["metadata"] = map[string]any{"labels": s.Labels}
	}
	service := map[string]any{"type": s.Service.Type}
	if s.Service.LoadBalancerClass != "" {
		service["loadBalancerClass"] = s.Service.LoadBalancerClass
	}
	if s.Service.ExternalTrafficPolicy != "" {
		service["externalTrafficPolicy"] = s.Service.ExternalTrafficPolicy
	}
	serviceOverlay := map[string]any{"spec": service}
	if len(s.Service.Annotations) > 0 {
		serviceOverlay["metadata"] = map[string]any{"annotations": s.Service.Annotations}
	}
	data := map[string]any{
		"deployment":              map[string]any{"spec": map[string]any{"replicas": s.Replicas.Min, "template": template}},
		"service":                 serviceOverlay,
		"horizontalPodAutoscaler": map[string]any{"spec": map[string]any{"minReplicas": s.Replicas.Min, "maxReplicas": s.Replicas.Max}},
	}
	if s.Replicas.Min > 1 {
		data["podDisruptionBudget"] = map[string]any{"spec": map[string]any{"minAvailable": 1}}
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]string{}
	for _, k := range keys {
		b, err := yaml.Marshal(data[k])
		if err != nil {
			panic("edgegate: encoding gateway parameters: " + err.Error()) // edgegate's own values: a bug
		}
		out[k] = string(b)
	}
	o := newObject("v1", "ConfigMap", w.Namespace, paramsName(w), withLabels(workloadLabels(w)), struct {
		Data map[string]string `yaml:"data"`
	}{out})
	o.Source = w.Obj
	return o
}

// referenceGrant lets the HTTPRoutes of namespace from use the Services of
// namespace to that an app routes to (an IngressGateway's
// allowedDestinationNamespaces): without it Gateway API refuses the
// backendRef. One per app and namespace, naming only those Services.
type referenceGrantSpec struct {
	From []grantFrom `yaml:"from"`
	To   []grantTo   `yaml:"to"`
}

type grantFrom struct {
	Group     string `yaml:"group"`
	Kind      string `yaml:"kind"`
	Namespace string `yaml:"namespace"`
}

type grantTo struct {
	Group string `yaml:"group"`
	Kind  string `yaml:"kind"`
	Name  string `yaml:"name"`
}

// renderReferenceGrants renders, for an app on a gateway-api gateway, one
// ReferenceGrant in each other namespace it routes to.
func renderReferenceGrants(a *App) []*manifest.Object {
	services := map[string]map[string]bool{}
	for _, ts := range a.Targets {
		for _, t := range ts {
			if t.Namespace == a.Namespace {
				continue
			}
			if services[t.Namespace] == nil {
				services[t.Namespace] = map[string]bool{}
			}
			services[t.Namespace][t.Service] = true
		}
	}
	var out []*manifest.Object
	for ns, names := range services {
		spec := referenceGrantSpec{From: []grantFrom{{Group: GatewayAPIGroup, Kind: "HTTPRoute", Namespace: a.Namespace}}}
		sorted := make([]string, 0, len(names))
		for n := range names {
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		for _, n := range sorted {
			spec.To = append(spec.To, grantTo{Group: "", Kind: "Service", Name: n})
		}
		o := newObject(gatewayAPIBeta1, "ReferenceGrant", ns, a.Namespace+"-"+a.Name, nil, struct {
			Spec referenceGrantSpec `yaml:"spec"`
		}{spec})
		o.Source = a.Obj
		out = append(out, o)
	}
	return out
}
