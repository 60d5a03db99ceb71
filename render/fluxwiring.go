package render

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FluxWiring describes the Flux objects that deliver an edgegate artifact to
// a cluster: one OCIRepository following the artifact's tag, a Kustomization
// applying its gateway workloads and waiting until every gateway Deployment
// is ready, and a Kustomization applying the apps' routing, which depends on
// the first. The platform commits them once, in the repository Flux itself
// syncs; edgegate scaffolds them as `flux create ... --export` would, and
// they carry no managed-by label: they are the platform's to edit.
type FluxWiring struct {
	// Name of the OCIRepository; the Kustomizations are Name-gateways and Name-apps.
	Name string
	// Namespace the three objects live in (Flux's, usually flux-system).
	Namespace string
	// URL of the repository, oci://HOST/REPO, without tag or digest.
	URL string
	// Tag the OCIRepository follows.
	Tag string
	// Interval at which Flux looks for a new artifact and re-applies it.
	Interval string
	// Timeout of the gateways' health checks and of each apply.
	Timeout string
	// SecretRef names a docker-registry Secret in Namespace for pulling; optional.
	SecretRef string
	// Provider is Flux's registry auth provider (generic, aws, azure, gcp); optional.
	Provider string
	// Insecure lets Flux pull over plain HTTP.
	Insecure bool
	// LayerMediaType selects the artifact's content layer.
	LayerMediaType string
	// GatewaysPath and AppsPath are the two directories of the artifact.
	GatewaysPath, AppsPath string
	// Deployments are the gateway Deployments the first Kustomization waits for.
	Deployments []manifest.Ref
}

// GatewaysName and AppsName are the names of the two Kustomizations.
func (w FluxWiring) GatewaysName() string { return w.Name + "-gateways" }
func (w FluxWiring) AppsName() string     { return w.Name + "-apps" }

var (
	// fluxDuration is the pattern Flux's CRDs accept for intervals and timeouts.
	fluxDuration = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`)
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// Validate reports the first setting Flux would refuse.
func (w FluxWiring) Validate() error {
	switch {
	case !dnsLabel.MatchString(w.Name) || len(w.GatewaysName()) > 63:
		return fmt.Errorf("name %q: want a DNS label of at most %d characters", w.Name, 63-len("-gateways"))
	case !dnsLabel.MatchString(w.Namespace) || len(w.Namespace) > 63:
		return fmt.Errorf("namespace %q is not a DNS label", w.Namespace)
	case !strings.HasPrefix(w.URL, "oci://") || strings.ContainsAny(strings.TrimPrefix(w.URL, "oci://"), "@ ") || !strings.Contains(strings.TrimPrefix(w.URL, "oci://"), "/"):
		return fmt.Errorf("url %q: want oci://HOST/REPO", w.URL)
	case w.Tag == "":
		return fmt.Errorf("no tag to follow")
	case !fluxDuration.MatchString(w.Interval):
		return fmt.Errorf("interval %q is not a duration such as 5m", w.Interval)
	case !fluxDuration.MatchString(w.Timeout):
		return fmt.Errorf("timeout %q is not a duration such as 5m", w.Timeout)
	case w.SecretRef != "" && !dnsLabel.MatchString(w.SecretRef) && !dnsSubdomain.MatchString(w.SecretRef):
		return fmt.Errorf("secret %q is not a valid name", w.SecretRef)
	}
	switch w.Provider {
	case "", "generic", "aws", "azure", "gcp":
	default:
		return fmt.Errorf("provider %q: want generic, aws, azure or gcp", w.Provider)
	}
	return nil
}

var dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// RenderFluxWiring renders the OCIRepository and the two Kustomizations, in
// the order Flux uses them.
func RenderFluxWiring(w FluxWiring) ([]*manifest.Object, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return []*manifest.Object{
		renderFluxOCIRepository(w),
		renderFluxGatewaysKustomization(w),
		renderFluxAppsKustomization(w),
	}, nil
}

// withoutManagedBy leaves the managed-by label off: a later render must pass
// these objects through, never replace them as its own.
func withoutManagedBy() metaOption {
	return func(m *objectMeta) { delete(m.Labels, manifest.ManagedByLabel) }
}

// newFluxObject builds a Flux object whose body (spec) is encoded through
// its JSON tags: Flux's API types, fluxcd/pkg/apis/meta among them, carry
// only those.
func newFluxObject(apiVersion, kind string, w FluxWiring, name string, body any) *manifest.Object {
	o := newObject(apiVersion, kind, w.Namespace, name, withoutManagedBy(), nil)
	o.Node.Content = append(o.Node.Content, encodeJSON(body).Content...)
	return o
}

// encodeJSON encodes v as a block-style YAML mapping through encoding/json.
func encodeJSON(v any) *yaml.Node {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("edgegate: encoding %T: %v", v, err))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) != 1 {
		panic(fmt.Sprintf("edgegate: decoding %T: %v", v, err))
	}
	blockStyle(doc.Content[0])
	return doc.Content[0]
}

// blockStyle drops the flow and quoting styles JSON input leaves; the
// encoder quotes strings that would read as another type.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
