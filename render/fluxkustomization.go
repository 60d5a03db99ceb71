package render

import (
	"github.com/edgegate/edgegate/manifest"
	"github.com/fluxcd/pkg/apis/meta"
)

// kustomizationSpec is the part of kustomize.toolkit.fluxcd.io/v1
// KustomizationSpec edgegate writes.
type kustomizationSpec struct {
	DependsOn    []meta.NamespacedObjectReference     `json:"dependsOn,omitempty"`
	Interval     string                               `json:"interval"`
	Timeout      string                               `json:"timeout"`
	SourceRef    kustomizationSourceRef               `json:"sourceRef"`
	Path         string                               `json:"path"`
	Prune        bool                                 `json:"prune"`
	HealthChecks []meta.NamespacedObjectKindReference `json:"healthChecks,omitempty"`
}

type kustomizationSourceRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// renderFluxGatewaysKustomization applies the gateway workloads and is
// Ready only once every gateway Deployment has rolled out: the apps' routes
// are never applied to a gateway that does not serve yet.
func renderFluxGatewaysKustomization(w FluxWiring) *manifest.Object {
	spec := fluxKustomizationSpec(w, w.GatewaysPath)
	for _, d := range w.Deployments {
		spec.HealthChecks = append(spec.HealthChecks, meta.NamespacedObjectKindReference{
			APIVersion: d.APIVersion, Kind: d.Kind, Name: d.Name, Namespace: d.Namespace,
		})
	}
	return newFluxObject("kustomize.toolkit.fluxcd.io/v1", "Kustomization", w, w.GatewaysName(), struct {
		Spec kustomizationSpec `json:"spec"`
	}{spec})
}

// renderFluxAppsKustomization applies the Gateways and VirtualServices (and
// everything else passed through) after the gateways are Ready.
func renderFluxAppsKustomization(w FluxWiring) *manifest.Object {
	spec := fluxKustomizationSpec(w, w.AppsPath)
	// No namespace: Flux looks the dependency up next to the dependent, so
	// the pair survives a move to another namespace.
	spec.DependsOn = []meta.NamespacedObjectReference{{Name: w.GatewaysName()}}
	return newFluxObject("kustomize.toolkit.fluxcd.io/v1", "Kustomization", w, w.AppsName(), struct {
		Spec kustomizationSpec `json:"spec"`
	}{spec})
}

// fluxKustomizationSpec is what both Kustomizations share: the source, the
// path, and pruning, so an object dropped from the artifact (an app removed)
// is deleted from the cluster.
func fluxKustomizationSpec(w FluxWiring, path string) kustomizationSpec {
	return kustomizationSpec{
		Interval:  w.Interval,
		Timeout:   w.Timeout,
		SourceRef: kustomizationSourceRef{Kind: "OCIRepository", Name: w.Name},
		Path:      path,
		Prune:     true,
	}
}
