package policy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
)

func init() { register(gatewaySelectorCheck{}) }

// gatewaySelectorCheck checks what a Gateway's spec.selector picks.
//
// A Gateway has no pod of its own: Istio configures its servers on every
// gateway proxy whose pod labels include the selector, in any namespace.
// Two mistakes follow:
//
//   - The selector matches no gateway workload: no proxy serves the Gateway
//     and its routes are silently dead (Istio IST0101 "referenced selector not
//     found", Kiali KIA0302). Offline, a workload absent from the input may
//     still run in the cluster, so that is a warning, unless the input itself
//     declares the gateway: an IngressGateway edgegate renders has pods whose
//     labels edgegate knows exactly (istio: <name>, app.kubernetes.io/name:
//     <name>, spec.labels), so a selector that names such a gateway (its
//     istio or app.kubernetes.io/name label) and still misses its pods is an
//     error. For an `existing: true` IngressGateway edgegate only knows the
//     declared selector; the running pods may carry more labels, so a
//     selector that asks for more is a warning.
//   - The selector matches only a gateway workload whose pods are not in the
//     input (the stand-in of an `existing: true` IngressGateway, or one
//     edgegate will render): fine, but Istio's analyzer, given the same
//     files, finds no pod and reports IST0101, so an info says so (a
//     selector that also matches other pods is found by Istio and gets
//     none).
//   - The selector matches more than one distinct gateway workload: the
//     Gateway's servers are configured on all of them, so a Gateway meant for
//     one gateway also captures the other's traffic. This is the seed's
//     second ingress gateway added through IstioOperator without its own
//     `label.istio`: it shares `istio: ingressgateway` with the default one.
//     An error, unless every match sits behind one common Service (the canary
//     pattern of a gateway upgrade, two revisions of one gateway): then a
//     warning. Istio and Kiali have no code for it.
//
// A gateway workload is a pod template that runs Envoy as a gateway (pilot's
// "router" proxy type, the only one Gateways apply to), recognised by any of:
// the annotation inject.istio.io/templates naming the gateway template
// (Istio's gateway chart, edgegate's render); a container named istio-proxy
// (or running a proxyv2 image) written into the template itself, which only
// gateways have, sidecars being injected at admission (a dump of an injected
// pod, marked by sidecar.istio.io/status without the gateway template, is a
// sidecar); the legacy istio label values ingressgateway, egressgateway and
// eastwestgateway; or the stand-in of an `existing: true` IngressGateway.
// An IngressGateway the input declares but whose Deployment is not in it yet
// (`edgegate check` over intents, before rendering) counts as the workload
// it will render. A selector that matches only other pods (an app's
// Deployment) is reported like one that matches nothing: sidecars ignore
// Gateways.
//
// Pods, ReplicaSets and Deployments of one rollout are one workload (followed
// through controller ownerReferences and pod-template-hash), so a Deployment
// next to a dump of its pods is not "more than one"; and the stand-in of an
// `existing: true` IngressGateway is the gateway workload of its namespace
// carrying its selector, when the input holds it (see eg002Shadowed).
type gatewaySelectorCheck struct{}

func (gatewaySelectorCheck) Meta() Meta {
	return Meta{
		ID: "EG002", Name: "gateway-selector", Severity: manifest.Error,
		Description: "a Gateway's selector matches no gateway workload, or more than one",
		Mirrors:     []string{"IST0101", "KIA0302"},
	}
}

// eg002Candidate is a gateway workload a selector may match: one in the
// input, or one an IngressGateway of the input will render.
type eg002Candidate struct {
	name     string // "Deployment ns/name", "IngressGateway ns/name"
	identity string
	services map[string]bool // keys of the Services exposing it
	// absent is set when the candidate's pods are not in the input: the
	// stand-in of an existing IngressGateway, or one edgegate will render.
	absent bool
	decl   *manifest.Object // the IngressGateway, when absent
}

func (gatewaySelectorCheck) Run(idx *Index, r *Reporter) {
	predicted := eg002Predictions(idx)
	ws := newEG002Workloads(idx)
	for _, g := range idx.GatewaysByKey() {
		var matches []eg002Candidate
		var others []*Workload
		seen := map[string]bool{}
		for _, w := range g.Workloads {
			if eg002GatewayReason(w) == "" {
				others = append(others, w)
				continue
			}
			if ws.shadowed(w) {
				continue
			}
			id := ws.identity(w)
			if seen[id] {
				continue
			}
			seen[id] = true
			c := eg002Candidate{name: w.String(), identity: id, services: map[string]bool{}}
			if w.External {
				c.absent, c.decl = true, w.Obj
			}
			for _, s := range w.Services {
				c.services[s.Obj.Key()] = true
			}
			matches = append(matches, c)
		}
		for _, p := range predicted.selectFor(g.Spec.Selector) {
			if !seen[p.identity] {
				seen[p.identity] = true
				matches = append(matches, eg002Candidate{name: p.decl.Obj.Ref.String(), identity: p.identity, absent: true, decl: p.decl.Obj})
			}
		}
		sort.Slice(matches, func(i, j int) bool { return matches[i].name < matches[j].name })
		switch {
		case len(matches) > 1:
			eg002ReportMany(r, g, matches)
		case len(matches) == 0:
			eg002ReportNone(r, g, others, predicted)
		case matches[0].absent && len(others) == 0:
			eg002ReportAbsent(r, g, matches[0])
		}
	}
}

// eg002ReportAbsent notes a selector whose one gateway workload is known only
// from an IngressGateway: its pods are not in the input, so Istio's analyzer,
// given the same files, finds no pod and reports IST0101 "Referenced selector
// not found". An info, so that every such IST0101 has a finding here.
func eg002ReportAbsent(r *Reporter, g *Gateway, m eg002Candidate) {
	what := fmt.Sprintf("selector %s", eg002Selector(g.Spec.Selector))
	if len(g.Spec.Selector) == 0 {
		what = "a Gateway without a selector"
	}
	how := "declares (existing: true)"
	if m.decl.Kind == v1alpha1.KindIngressGateway && !eg002IsExisting(m.decl) {
		how = "renders"
	}
	r.Info(g.Obj, "spec.selector",
		"%s matches only the gateway pods %s %s, which are not in the input: fine where that gateway runs, but Istio's analyzer, given only these files, finds no pod for the selector and reports IST0101 (Referenced selector not found)",
		what, m.decl.Ref, how)
}

// eg002IsExisting reports whether an IngressGateway says existing: true.
func eg002IsExisting(o *manifest.Object) bool {
	return manifest.ScalarValue(o.Field("spec", "existing")) == "true"
}

func eg002ReportMany(r *Reporter, g *Gateway, matches []eg002Candidate) {
	names := make([]string, len(matches))
	for i, m := range matches {
		names[i] = m.name
	}
	list := strings.Join(names, ", ")
	what := fmt.Sprintf("selector %s", eg002Selector(g.Spec.Selector))
	if len(g.Spec.Selector) == 0 {
		what = "a Gateway without a selector"
	}
	// Behind one common Service the workloads are versions of one gateway
	// (a canary upgrade): the sharing is deliberate.
	var common []string
	for key := range matches[0].services {
		shared := true
		for _, m := range matches[1:] {
			if !m.services[key] {
				shared = false
				break
			}
		}
		if shared {
			common = append(common, key)
		}
	}
	if len(common) > 0 {
		sort.Strings(common)
		r.Warn(g.Obj, "spec.selector",
			"%s matches %d gateway workloads (%s); they share %s, so this looks like versions of one gateway (a canary upgrade): once the upgrade is done, keep one",
			what, len(matches), list, eg002ServiceName(common[0]))
		return
	}
	r.Report(g.Obj, "spec.selector",
		"%s matches %d gateway workloads (%s): Istio configures this Gateway on all of them, so it also captures traffic meant for the others (the seed's second ingress gateway without its own istio label); give each gateway workload its own istio label (IstioOperator: components.ingressGateways[].label.istio) and select exactly one",
		what, len(matches), list)
}

func eg002ReportNone(r *Reporter, g *Gateway, others []*Workload, predicted *eg002Predicted) {
	sel := g.Spec.Selector
	if len(sel) == 0 {
		r.Warn(g.Obj, "spec.selector",
			"the Gateway has no selector, so Istio applies it to every gateway workload in the mesh, and the input holds none: select the gateway it is meant for (e.g. istio: <gateway name>)")
		return
	}
	var also string
	if len(others) > 0 {
		names := make([]string, 0, len(others))
		for _, w := range others {
			names = append(names, w.String())
		}
		sort.Strings(names)
		also = fmt.Sprintf(" (it matches %s, which runs no gateway proxy: sidecars and plain pods ignore Gateways)", strings.Join(names, ", "))
	}
	// A gateway the platform declares: edgegate renders its pods and knows
	// their labels, so missing them is a mistake, not a workload elsewhere.
	if d := predicted.meant(sel); d != nil {
		var lacking []string
		for _, k := range slices.Sorted(maps.Keys(sel)) {
			if v, ok := d.labels[k]; !ok || v != sel[k] {
				lacking = append(lacking, k+"="+sel[k])
			}
		}
		r.Report(g.Obj, "spec.selector",
			"selector %s matches no gateway workload%s: it names %s, whose pods edgegate renders with labels %s and not %s; select %s",
			eg002Selector(sel), also, d.decl.Obj.Ref, eg002Selector(d.labels), strings.Join(lacking, ", "), eg002Selector(d.selector))
		return
	}
	// An existing gateway sharing a label with the selector: edgegate knows
	// only the labels it was told.
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		if d := predicted.existing[k+"="+sel[k]]; d != nil {
			r.Warn(g.Obj, "spec.selector",
				"selector %s matches no gateway workload in the input%s; %s declares the running gateway's pods by %s only, so edgegate cannot tell whether they also carry the rest: if they do not, no gateway serves this Gateway; select %s",
				eg002Selector(sel), also, d.Obj.Ref, eg002Selector(d.Spec.Selector), eg002Selector(d.Spec.Selector))
			return
		}
	}
	r.Warn(g.Obj, "spec.selector",
		"selector %s matches no gateway workload in the input%s: if the gateway runs outside it, declare it with an IngressGateway (existing: true, selector: %s) so edgegate can check it; otherwise no proxy serves this Gateway (IST0101 / KIA0302 in the cluster)",
		eg002Selector(sel), also, eg002Selector(sel))
}

// eg002GatewayReason says why w runs Envoy as a gateway (see
// gatewaySelectorCheck), or "" when it does not. EG003, EG009, EG012 and
// EG013 use the same definition.
func eg002GatewayReason(w *Workload) string {
	if w.External {
		return "declared by an existing IngressGateway"
	}
	for _, t := range strings.Split(w.Annotations["inject.istio.io/templates"], ",") {
		if strings.TrimSpace(t) == "gateway" {
			return "annotation inject.istio.io/templates: gateway"
		}
	}
	// An injected sidecar, dumped from a cluster, carries an istio-proxy
	// container too, and the injector's status annotation.
	if _, injected := w.Annotations["sidecar.istio.io/status"]; !injected {
		for _, c := range w.Pod.Containers {
			if c.Name == "istio-proxy" {
				return "container istio-proxy"
			}
			if strings.Contains(c.Image, "/proxyv2:") || strings.Contains(c.Image, "/proxyv2@") {
				return "proxyv2 image"
			}
		}
	}
	switch w.Labels["istio"] {
	case "ingressgateway", "egressgateway", "eastwestgateway":
		return "label istio: " + w.Labels["istio"]
	}
	return ""
}

// eg002Workloads memoises, for one run of a check, what EG002 derives per
// workload, so a workload many Gateways select is read once.
type eg002Workloads struct {
	idx    *Index
	ids    map[*Workload]string
	shadow map[*Workload]bool
}

func newEG002Workloads(idx *Index) *eg002Workloads {
	return &eg002Workloads{idx: idx, ids: map[*Workload]string{}, shadow: map[*Workload]bool{}}
}

// identity is eg002Identity, memoised.
func (c *eg002Workloads) identity(w *Workload) string {
	id, ok := c.ids[w]
	if !ok {
		id = eg002Identity(w)
		c.ids[w] = id
	}
	return id
}

// shadowed is eg002Shadowed, memoised.
func (c *eg002Workloads) shadowed(w *Workload) bool {
	s, ok := c.shadow[w]
	if !ok {
		s = eg002Shadowed(c.idx, w)
		c.shadow[w] = s
	}
	return s
}

// gateways returns the gateway workloads g selects, one per rollout, in
// selection order, the stand-ins of existing gateways whose pods are in the
// input left out.
func (c *eg002Workloads) gateways(g *Gateway) []*Workload {
	var out []*Workload
	seen := map[string]bool{}
	for _, w := range g.Workloads {
		if !eg002IsGateway(w) || c.shadowed(w) {
			continue
		}
		if id := c.identity(w); !seen[id] {
			seen[id] = true
			out = append(out, w)
		}
	}
	return out
}

// eg002IsGateway reports whether w is a gateway workload.
func eg002IsGateway(w *Workload) bool { return eg002GatewayReason(w) != "" }

// eg002Identity names the rollout w belongs to: a Pod or ReplicaSet is its
// controlling Deployment (or StatefulSet, DaemonSet), found through
// ownerReferences and the pod-template-hash suffix of ReplicaSet names.
func eg002Identity(w *Workload) string {
	if w.External {
		return "external:" + w.Obj.Key()
	}
	var meta struct {
		OwnerReferences []struct {
			Kind       string `yaml:"kind"`
			Name       string `yaml:"name"`
			Controller *bool  `yaml:"controller"`
		} `yaml:"ownerReferences"`
	}
	decodeAt(w.Obj, w.Obj.Field("metadata"), "metadata", &meta)
	kind, name := w.Obj.Kind, w.Obj.Name
	for _, o := range meta.OwnerReferences {
		if o.Controller == nil || !*o.Controller || o.Name == "" {
			continue
		}
		kind, name = o.Kind, o.Name
		break
	}
	// A ReplicaSet is named <deployment>-<hash>, its pods
	// <deployment>-<hash>-<suffix>, all labelled pod-template-hash: <hash>.
	if hash := w.Labels["pod-template-hash"]; hash != "" {
		switch {
		case kind == "ReplicaSet" && strings.HasSuffix(name, "-"+hash):
			kind, name = "Deployment", strings.TrimSuffix(name, "-"+hash)
		case kind == "Pod":
			if i := strings.LastIndex(name, "-"+hash+"-"); i > 0 {
				kind, name = "Deployment", name[:i]
			}
		}
	}
	return kind + "/" + w.Namespace + "/" + name
}

// eg002Shadowed reports whether w stands in for an existing gateway whose
// pods are in the input after all: a gateway workload of the IngressGateway's
// namespace that carries its declared selector and is that gateway by name
// (the IngressGateway's, or istio- and it) or by Service (one of its Services
// has every declared servicePort). The two are one workload, and the one in
// the input says more. Another gateway sharing the labels (the seed's second
// gateway) is neither, and stays a second workload.
func eg002Shadowed(idx *Index, w *Workload) bool {
	if !w.External {
		return false
	}
	name := w.Obj.Name
	for _, other := range idx.Select(w.Labels) {
		if other.External || other.Namespace != w.Namespace || !eg002IsGateway(other) {
			continue
		}
		id := eg002Identity(other)
		if strings.HasSuffix(id, "/"+name) || strings.HasSuffix(id, "/istio-"+name) {
			return true
		}
		if len(w.Services) == 0 || len(w.Services[0].Spec.Ports) == 0 {
			continue
		}
		for _, s := range other.Services {
			if eg002HasPorts(s, other, w.Services[0].Spec.Ports) {
				return true
			}
		}
	}
	return false
}

// eg002HasPorts reports whether s has every port of want, to the same targets.
func eg002HasPorts(s *Service, w *Workload, want []ServicePort) bool {
	for _, wp := range want {
		found := false
		for _, p := range s.Spec.Ports {
			if p.Port == wp.Port && p.Target(w) == wp.TargetPort.Int {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// eg002Predicted holds the gateway workloads that IngressGateways of the
// input will render and that are not in the input yet, indexed by label.
type eg002Predicted struct {
	labelIndex[*eg002Prediction]
	byName map[string]*eg002Prediction // "istio" label value = IngressGateway name
	// existing maps each "key=value" of an existing IngressGateway's
	// selector to it (the first, in input order).
	existing map[string]*DeclaredGateway
}

type eg002Prediction struct {
	decl     *DeclaredGateway
	identity string
	selector map[string]string // what edgegate's own Gateways select it by
	labels   map[string]string // what its pods carry
	rendered bool              // its Deployment is in the input
}

// eg002Predictions reads every IngressGateway edgegate renders (not the
// existing ones: the index has their stand-ins) and predicts its pod
// labels, as render/labels.go does: istio and app.kubernetes.io/name are the
// gateway's name, spec.labels add to them, the pods add the injection label
// and the revision. TestEG002PredictionsMatchRender keeps the two in step.
func eg002Predictions(idx *Index) *eg002Predicted {
	p := &eg002Predicted{byName: map[string]*eg002Prediction{}, existing: map[string]*DeclaredGateway{}}
	deployments := map[string]bool{}
	for _, w := range idx.Workloads {
		if !w.External && w.Obj.Kind == "Deployment" {
			deployments[w.Obj.Namespace+"/"+w.Obj.Name] = true
		}
	}
	for _, d := range idx.IngressGateways {
		if d.Spec.Existing {
			for k, v := range d.Spec.Selector {
				if p.existing[k+"="+v] == nil {
					p.existing[k+"="+v] = d
				}
			}
			continue
		}
		if d.Obj.Name == "" {
			continue
		}
		name := d.Obj.Name
		selector := map[string]string{"istio": name, "app.kubernetes.io/name": name}
		labels := map[string]string{}
		for k, v := range d.Spec.Labels {
			labels[k] = v
		}
		for k, v := range selector {
			labels[k] = v
		}
		labels["sidecar.istio.io/inject"] = "true"
		labels["istio.io/dataplane-mode"] = "none"
		if d.Spec.Revision != "" {
			labels["istio.io/rev"] = d.Spec.Revision
		}
		pr := &eg002Prediction{
			decl: d, identity: "Deployment/" + d.Obj.Namespace + "/" + name,
			selector: selector, labels: labels, rendered: deployments[d.Obj.Namespace+"/"+name],
		}
		if _, dup := p.byName[name]; !dup {
			p.byName[name] = pr
		}
		if pr.rendered {
			continue // the index has the real thing
		}
		p.add(pr, labels)
	}
	return p
}

// meant returns the edgegate-rendered gateway a selector evidently means:
// its istio or app.kubernetes.io/name label is that gateway's name.
func (p *eg002Predicted) meant(selector map[string]string) *eg002Prediction {
	for _, key := range []string{"istio", "app.kubernetes.io/name"} {
		if v, ok := selector[key]; ok {
			if pr := p.byName[v]; pr != nil {
				return pr
			}
		}
	}
	return nil
}

// eg002Selector renders a selector as {k: v, ...} in key order.
func eg002Selector(sel map[string]string) string {
	parts := make([]string, 0, len(sel))
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		parts = append(parts, k+": "+sel[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// eg002ServiceName turns an object key (group/Kind/ns/name) into "Kind ns/name".
func eg002ServiceName(key string) string {
	parts := strings.SplitN(key, "/", 4)
	if len(parts) != 4 {
		return key
	}
	return parts[1] + " " + parts[2] + "/" + parts[3]
}
