package render

import (
	"github.com/edgegate/edgegate/manifest"
	"github.com/fluxcd/pkg/apis/meta"
)

// ociRepositorySpec is the part of source.toolkit.fluxcd.io/v1
// OCIRepositorySpec edgegate writes.
type ociRepositorySpec struct {
	Interval      string                     `json:"interval"`
	URL           string                     `json:"url"`
	Ref           ociRepositoryRef           `json:"ref"`
	LayerSelector *ociLayerSelector          `json:"layerSelector,omitempty"`
	Provider      string                     `json:"provider,omitempty"`
	SecretRef     *meta.LocalObjectReference `json:"secretRef,omitempty"`
	Insecure      bool                       `json:"insecure,omitempty"`
}

type ociRepositoryRef struct {
	Tag string `json:"tag"`
}

type ociLayerSelector struct {
	MediaType string `json:"mediaType"`
	Operation string `json:"operation"`
}

// renderFluxOCIRepository renders the source: Flux pulls the artifact the
// tag points to, extracts its content layer, and hands both directories to
// the Kustomizations.
func renderFluxOCIRepository(w FluxWiring) *manifest.Object {
	spec := ociRepositorySpec{
		Interval: w.Interval,
		URL:      w.URL,
		Ref:      ociRepositoryRef{Tag: w.Tag},
		Provider: w.Provider,
		Insecure: w.Insecure,
	}
	if w.LayerMediaType != "" {
		spec.LayerSelector = &ociLayerSelector{MediaType: w.LayerMediaType, Operation: "extract"}
	}
	if w.SecretRef != "" {
		spec.SecretRef = &meta.LocalObjectReference{Name: w.SecretRef}
	}
	return newFluxObject("source.toolkit.fluxcd.io/v1", "OCIRepository", w, w.Name, struct {
		Spec ociRepositorySpec `json:"spec"`
	}{spec})
}
