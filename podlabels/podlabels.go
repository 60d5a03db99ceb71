// Package podlabels says which labels the pods of a gateway workload carry
// once they run: those written in the pod template (for the gateway edgegate
// renders, those it writes), those Istio's injector adds to a gateway pod,
// and those Kubernetes' controllers add. A Gateway's selector is judged
// against these, not against the template alone: pilot applies a Gateway to
// every proxy whose running pod has the selector's labels, so a selector
// written with a label the mesh adds (service.istio.io/canonical-name) reaches
// the gateway as surely as one written with its istio label.
//
// render (claims and the bindings allocator) and the policy gate (EG001,
// EG002, EG010 through the index's workloads) both ask this package, so they
// never disagree on what a selector reaches.
package podlabels

import (
	"maps"
	"slices"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
)

// Labels Istio's gateway injection template writes on every pod it injects
// (manifests/charts/istio-control/istio-discovery/files/gateway-injection-template.yaml),
// and the one the injector adds when the mesh names the pod's network
// (pkg/kube/inject/webhook.go, applyMetadata).
const (
	CanonicalName     = "service.istio.io/canonical-name"
	CanonicalRevision = "service.istio.io/canonical-revision"
	Network           = "topology.istio.io/network"
)

// Labels edgegate writes on the pods of the gateways it renders.
const (
	Istio        = "istio"
	Name         = "app.kubernetes.io/name"
	Inject       = "sidecar.istio.io/inject"
	DataplaneOff = "istio.io/dataplane-mode"
	Revision     = "istio.io/rev"
)

// InjectTemplates is the annotation that asks Istio's injector for a
// template; "gateway" is the gateway proxy's.
const InjectTemplates = "inject.istio.io/templates"

// controllerLabels are the labels Kubernetes' controllers put on the pods
// they create, by the kind of the controller: values known only in the
// cluster (a hash of the template, a pod's ordinal).
var controllerLabels = map[string][]string{
	"Deployment":  {"pod-template-hash"},
	"StatefulSet": {"apps.kubernetes.io/pod-index", "controller-revision-hash", "statefulset.kubernetes.io/pod-name"},
	"DaemonSet":   {"controller-revision-hash", "pod-template-generation"},
}

// Selector is what edgegate's own objects (Gateways, the Deployment, the
// Service, the PodDisruptionBudget) select the gateway named name by. The
// istio label is the gateway's own name, so a second gateway never shares
// the first one's.
func Selector(name string) map[string]string {
	return map[string]string{Istio: name, Name: name}
}

// Workload are the labels on every object of the gateway workload edgegate
// renders for the IngressGateway name: the selector and spec.labels.
func Workload(name string, spec *v1alpha1.IngressGatewaySpec) map[string]string {
	labels := Selector(name)
	for k, v := range spec.Labels {
		labels[k] = v
	}
	return labels
}

// Template are the labels edgegate writes on the pod template of the
// gateway it renders: the workload's, the injection label Istio's webhook
// selects on (and the revision, for canary control planes), and no
// enrolment in the ambient data plane, as in Istio's gateway chart.
func Template(name string, spec *v1alpha1.IngressGatewaySpec) map[string]string {
	labels := Workload(name, spec)
	labels[Inject] = "true"
	labels[DataplaneOff] = "none"
	if spec.Revision != "" {
		labels[Revision] = spec.Revision
	}
	return labels
}

// Pods are the labels of a workload's running pods, as far as they can be
// known offline.
type Pods struct {
	known map[string]string
	// assigned are keys the pods surely carry whose values are set in the
	// cluster (a template hash, the mesh's network name), sorted.
	assigned []string
	// open is set when only some labels are known (an existing gateway,
	// declared by its selector): the pods may carry any other label too.
	open bool
}

// Running returns the pods of a workload object of kind (Deployment, Pod,
// ...) named name whose template carries the labels template: the template's
// labels, those the controller of that kind adds, and, when the gateway
// injection template applies (see GatewayInjected), the canonical name and
// revision Istio's injector derives the way its template does.
func Running(kind, name string, template map[string]string, gatewayInjected bool) Pods {
	known := make(map[string]string, len(template)+2)
	maps.Copy(known, template)
	var assigned []string
	add := func(k string) {
		if _, ok := known[k]; !ok {
			assigned = append(assigned, k)
		}
	}
	for _, k := range controllerLabels[kind] {
		add(k)
	}
	if gatewayInjected {
		known[CanonicalName] = first(template[CanonicalName], template[Name], template["app"], name)
		known[CanonicalRevision] = first(template[CanonicalRevision], template["app.kubernetes.io/version"], template["version"], "latest")
		add(Network)
	}
	slices.Sort(assigned)
	return Pods{known: known, assigned: assigned}
}

// GatewayInjected reports whether Istio's injector gives pods with these
// labels and annotations the gateway template: they ask for it, and do not
// opt out of injection.
func GatewayInjected(labels, annotations map[string]string) bool {
	if labels[Inject] == "false" {
		return false
	}
	for _, t := range strings.Split(annotations[InjectTemplates], ",") {
		if strings.TrimSpace(t) == "gateway" {
			return true
		}
	}
	return false
}

// Rendered returns the pods of the gateway edgegate renders for the
// IngressGateway name: its Deployment's template, injected with the gateway
// template.
func Rendered(name string, spec *v1alpha1.IngressGatewaySpec) Pods {
	return Running("Deployment", name, Template(name, spec), true)
}

// Declared returns the pods of an existing gateway known only by its
// selector: they carry the selector, the labels the mesh adds to every
// injected gateway pod and a Deployment's hash, and possibly any other.
func Declared(selector map[string]string) Pods {
	p := Pods{known: maps.Clone(selector), open: true}
	if p.known == nil {
		p.known = map[string]string{}
	}
	for _, k := range []string{CanonicalName, CanonicalRevision, Network, "pod-template-hash"} {
		if _, ok := p.known[k]; !ok {
			p.assigned = append(p.assigned, k)
		}
	}
	slices.Sort(p.assigned)
	return p
}

// Known returns the labels whose values are known. The map is the Pods'
// own: callers must not change it.
func (p Pods) Known() map[string]string { return p.known }

// Assigned returns the keys the pods carry with values set in the cluster.
func (p Pods) Assigned() []string { return p.assigned }

// Open reports whether the pods may carry labels beyond those known.
func (p Pods) Open() bool { return p.open }

// Reaches reports whether a Gateway with selector may be applied to these
// pods: no selector reaches every gateway (as Istio applies it); otherwise
// every key of the selector must agree with a known label, be one the
// cluster assigns (its value cannot be known offline, so any value may
// match), or, for pods known only in part, be unknown; and at least one key
// must be known or assigned, so a selector sharing nothing with what is
// known of an existing gateway does not count. Deciding in doubt that a
// selector reaches the pods is the safe side: a claim wrongly counted moves
// an app to another port, a claim missed lets a Gateway serve another
// namespace's host.
func (p Pods) Reaches(selector map[string]string) bool {
	if len(selector) == 0 {
		return true
	}
	evidence := false
	for k, v := range selector {
		if have, ok := p.known[k]; ok {
			if have != v {
				return false
			}
			evidence = true
			continue
		}
		if _, ok := slices.BinarySearch(p.assigned, k); ok {
			evidence = true
			continue
		}
		if !p.open {
			return false
		}
	}
	return evidence
}

// Carries reports whether the pods surely carry every label of selector:
// each is known, with that value.
func (p Pods) Carries(selector map[string]string) bool {
	for k, v := range selector {
		if have, ok := p.known[k]; !ok || have != v {
			return false
		}
	}
	return true
}

// Unsure returns the pairs of selector, sorted as "key=value", that the pods
// are not known to carry: keys the cluster assigns or, for pods known only
// in part, keys not known.
func (p Pods) Unsure(selector map[string]string) []string {
	unsure := false
	for k := range selector {
		if _, ok := p.known[k]; !ok {
			unsure = true
			break
		}
	}
	if !unsure {
		return nil // the common case, without sorting the keys
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(selector)) {
		if _, ok := p.known[k]; !ok {
			out = append(out, k+"="+selector[k])
		}
	}
	return out
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
