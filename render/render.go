// Package render turns AppIntents and IngressGateways into Istio ingress
// configuration and gateway workloads. It decodes and defaults the intents
// (their types are api/v1alpha1), builds a model that knows nothing of the
// output API (workloads, apps, host bindings), allocates port-unique host
// bindings, and renders one file per output kind.
package render

import (
	"fmt"
	"sort"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
)

// Result is the outcome of one render.
type Result struct {
	Model    *Model
	Bindings []Binding
	// Shared are the Gateways that serve apps presenting one certificate on
	// one workload from one server (see SharedGateway), sorted by key.
	Shared []*SharedGateway
	// Objects are the objects edgegate rendered, sorted.
	Objects []*manifest.Object
	// Locks are the HostBindings objects recording Bindings, one per gateway.
	Locks []*manifest.Object
	// RuleOrigins names, for each rendered VirtualService, the field of its
	// AppIntent each of its http rules comes from (spec.routes[2]).
	RuleOrigins map[*manifest.Object][]string
	Diagnostics manifest.Diagnostics
}

// Render builds the model of objs, allocates host bindings and renders the
// Istio configuration of every app and the workload of every gateway
// edgegate runs. When Diagnostics has errors, Objects is empty.
func Render(objs []*manifest.Object, opts Options) (res *Result) {
	res = &Result{}
	defer func() {
		// A bug must cost one failed render, never a crashed pipeline or half an output.
		if r := recover(); r != nil {
			res.Objects, res.Locks = nil, nil
			res.Diagnostics = append(res.Diagnostics, manifest.Diagnostic{Severity: manifest.Error, Message: fmt.Sprintf("internal error (please report it): %v", r)})
		}
	}()
	m, diags := Build(objs, opts)
	res.Model = m
	res.Diagnostics = diags
	bindings, diags := Allocate(m, opts)
	res.Bindings = bindings
	res.Diagnostics = append(res.Diagnostics, diags...)
	if !res.Diagnostics.HasErrors() {
		res.Shared, diags = shareCertificates(m, bindings)
		res.Diagnostics = append(res.Diagnostics, diags...)
	}
	if res.Diagnostics.HasErrors() {
		res.Diagnostics.Sort()
		return res
	}
	res.Objects, res.RuleOrigins, diags = renderObjects(m, bindings, res.Shared, opts)
	res.Diagnostics = append(res.Diagnostics, diags...)
	res.Diagnostics = append(res.Diagnostics, checkUnique(append(append([]*manifest.Object{}, m.Passthrough...), res.Objects...))...)
	res.Diagnostics.Sort()
	if res.Diagnostics.HasErrors() {
		res.Objects = nil
		return res
	}
	res.Locks = HostBindingsObjects(m, bindings, opts)
	res.Diagnostics = append(res.Diagnostics, dropped(m.Stale, res.Objects)...)
	return res
}

// dropped tells about objects an earlier run rendered that nothing renders
// now (their intent was removed): they leave the output.
func dropped(stale, rendered []*manifest.Object) manifest.Diagnostics {
	now := make(map[string]bool, len(rendered))
	for _, o := range rendered {
		now[o.Key()] = true
	}
	var diags manifest.Diagnostics
	for _, o := range stale {
		if !now[o.Key()] {
			d := manifest.Diagnostic{Severity: manifest.Info, Ref: o.Ref, Pos: o.Pos,
				Message: "rendered by an earlier run and no intent renders it now: dropped from the output"}
			diags = append(diags, d)
		}
	}
	diags.Sort()
	return diags
}

func renderObjects(m *Model, bindings []Binding, shared []*SharedGateway, opts Options) ([]*manifest.Object, map[*manifest.Object][]string, manifest.Diagnostics) {
	var out []*manifest.Object
	kube, diags := kubeGateways(m, bindings, opts)
	bindingsOf := map[*App][]Binding{}
	listenersOf := map[*Workload]map[int]Listener{}
	expose := func(w *Workload, l Listener) {
		if listenersOf[w] == nil {
			listenersOf[w] = map[int]Listener{}
		}
		if _, ok := listenersOf[w][l.Target]; !ok {
			listenersOf[w][l.Target] = l
		}
	}
	for _, b := range bindings {
		bindingsOf[b.App] = append(bindingsOf[b.App], b)
		expose(b.Workload, b.Listener)
	}
	for _, c := range m.Claims {
		expose(c.Workload, c.Listener)
	}
	// Apps render independently: on every core, into their own slots.
	perApp := make([]*manifest.Object, 2*len(m.Apps))
	origins := make([][]string, len(m.Apps))
	kubeApp := make([][]*manifest.Object, len(m.Apps))
	kubeDiags := make([]manifest.Diagnostics, len(m.Apps))
	manifest.Parallel(len(m.Apps), func(i int) {
		a := m.Apps[i]
		if g := kube[a.Workload]; g != nil || opts.apiOf(a.Workload) == v1alpha1.APIGatewayAPI {
			var listeners []kubeListener
			if g != nil {
				listeners = g.byApp[a]
			}
			kubeApp[i], kubeDiags[i] = renderHTTPRoutes(a, listeners, a.Workload.Spec.GatewayAPI.Experimental)
			kubeApp[i] = append(kubeApp[i], renderReferenceGrants(a)...)
			return
		}
		perApp[2*i] = renderGateway(a, bindingsOf[a])
		perApp[2*i+1], origins[i] = renderVirtualService(a, bindingsOf[a])
		// The matches were worked out for validation and this rendering
		// alone: the gate after the render runs without them.
		a.matches = nil
	})
	ruleOrigins := make(map[*manifest.Object][]string, len(m.Apps))
	for i := range m.Apps {
		if perApp[2*i+1] != nil {
			ruleOrigins[perApp[2*i+1]] = origins[i]
		}
		out = append(out, kubeApp[i]...)
		diags = append(diags, kubeDiags[i]...)
	}
	for _, o := range perApp {
		if o != nil { // an app all of whose servers are shared has no Gateway of its own
			out = append(out, o)
		}
	}
	for _, g := range shared {
		if opts.apiOf(g.Workload) != v1alpha1.APIGatewayAPI { // a Gateway API listener per host already
			out = append(out, renderSharedGateway(g))
		}
	}
	for _, w := range m.Workloads {
		if g := kube[w]; g != nil {
			out = append(out, renderKubeGateway(g))
		}
	}

	handWritten := map[string]bool{}
	for _, o := range m.Passthrough {
		if o.Kind == "Namespace" && o.Group() == "" {
			handWritten[o.Name] = true
		}
	}
	namespaces := map[string]*Workload{}
	for _, w := range m.Workloads {
		if w.Existing() {
			continue
		}
		gatewayAPI := opts.apiOf(w) == v1alpha1.APIGatewayAPI
		if other, ok := namespaces[w.Namespace]; ok {
			if other.Spec.Revision != w.Spec.Revision {
				diags = append(diags, manifest.Errorf(w.Obj, "spec.revision",
					"gateway %s shares namespace %s with %s, which runs on revision %q: one namespace has one injection label",
					w.Key(), w.Namespace, other.Key(), other.Spec.Revision))
			}
		} else {
			namespaces[w.Namespace] = w
			if !handWritten[w.Namespace] {
				out = append(out, renderNamespace(w.Namespace, w.Spec.Revision))
			}
		}
		if gatewayAPI {
			// Istio's automated deployment makes the workload from the Gateway.
			if kube[w] != nil {
				out = append(out, renderGatewayParameters(w))
			}
			continue
		}
		listeners := sortedListeners(listenersOf[w])
		objs := []*manifest.Object{
			renderServiceAccount(w), renderRole(w), renderRoleBinding(w),
			renderDeployment(w, listeners), renderService(w, listeners), renderHPA(w),
		}
		if w.Spec.Replicas.Min > 1 {
			objs = append(objs, renderPDB(w))
		}
		for _, o := range objs {
			o.Source = w.Obj // nil for the built-in gateway
		}
		out = append(out, objs...)
	}
	manifest.Sort(out)
	return out, ruleOrigins, diags
}

func sortedListeners(byTarget map[int]Listener) []Listener {
	out := make([]Listener, 0, len(byTarget))
	for _, l := range byTarget {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

// checkUnique reports objects that would be the same object in the cluster:
// the second would silently overwrite the first.
func checkUnique(objs []*manifest.Object) manifest.Diagnostics {
	var diags manifest.Diagnostics
	seen := make(map[string]*manifest.Object, len(objs))
	for _, o := range objs {
		key := o.Key()
		first, dup := seen[key]
		if !dup {
			seen[key] = o
			continue
		}
		switch {
		case first.Pos.File == "" && o.Pos.File == "":
			diags = append(diags, manifest.Errorf(o, "metadata.name", "edgegate renders this object twice: rename one of the apps"))
		case o.Pos.File == "":
			diags = append(diags, manifest.Errorf(first, "metadata.name", "edgegate renders an object with this name: rename this one or the app"))
		default:
			diags = append(diags, manifest.Errorf(o, "metadata.name", "%s is also defined in %s", o.Ref, where(first)))
		}
	}
	return diags
}
