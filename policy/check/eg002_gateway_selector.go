package check

import (
	"fmt"
	"github.com/edgegate/edgegate/api/v1alpha1"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/podlabels"
	"github.com/edgegate/edgegate/policy/model"
)

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
// carrying its selector, when the input holds it (see shadowed).
type gatewaySelectorCheck struct{}

// candidate is a gateway workload a selector may match: one in the
// input, or one an IngressGateway of the input will render.
type candidate struct {
	name     string // "Deployment ns/name", "IngressGateway ns/name"
	identity string
	services map[string]bool // keys of the Services exposing it
	// absent is set when the candidate's pods are not in the input: the
	// stand-in of an existing IngressGateway, or one edgegate will render.
	absent bool
	decl   *manifest.Object // the IngressGateway, when absent
	// unsure are the selector's pairs the pods are not known to carry:
	// values set in the cluster, or labels an existing gateway's
	// declaration does not show (podlabels.Pods.Unsure).
	unsure []string
	// declared is the selector an existing gateway's pods are declared by.
	declared map[string]string
	// assumed is set for Istio's default ingress gateway, assumed when
	// the input declares no gateway workload.
	assumed bool
}

func (gatewaySelectorCheck) Run(idx *model.Index, r *model.Reporter) {
	predicted := predictions(idx)
	ws := model.NewWorkloads(idx)
	edgegate := model.EdgegateGateway(idx)
	for _, g := range idx.GatewaysByKey() {
		var matches []candidate
		var others []*model.Workload
		seen := map[string]bool{}
		for _, w := range g.Workloads {
			if model.GatewayReason(w) == "" {
				others = append(others, w)
				continue
			}
			if ws.Shadowed(w) {
				continue
			}
			id := ws.Identity(w)
			if seen[id] {
				continue
			}
			seen[id] = true
			c := candidate{name: w.String(), identity: id, services: map[string]bool{}, unsure: w.Pods.Unsure(g.Spec.Selector)}
			if w.External {
				c.absent, c.decl, c.declared, c.assumed = true, w.Obj, w.Labels, w.Assumed
			}
			for _, s := range w.Services {
				c.services[s.Obj.Key()] = true
			}
			matches = append(matches, c)
		}
		for _, p := range predicted.Reaching(g.Spec.Selector) {
			if !seen[p.identity] {
				seen[p.identity] = true
				matches = append(matches, candidate{name: p.name, identity: p.identity, absent: true, decl: p.obj(),
					unsure: p.pods.Unsure(g.Spec.Selector)})
			}
		}
		sort.Slice(matches, func(i, j int) bool { return matches[i].name < matches[j].name })
		switch {
		case len(matches) > 1:
			reportMany(r, g, matches)
		case len(matches) == 0:
			reportNone(r, g, others, predicted, edgegate)
		case len(matches[0].unsure) > 0 && len(others) == 0:
			reportUnsure(r, g, matches[0])
		case matches[0].absent && len(others) == 0:
			reportAbsent(r, g, matches[0])
		}
	}
}

// reportAbsent notes a selector whose one gateway workload is known only
// from an IngressGateway: its pods are not in the input, so Istio's analyzer,
// given the same files, finds no pod and reports IST0101 "Referenced selector
// not found". An info, so that every such IST0101 has a finding here.
func reportAbsent(r *model.Reporter, g *model.Gateway, m candidate) {
	what := fmt.Sprintf("selector %s", selectorLiteral(g.Spec.Selector))
	if len(g.Spec.Selector) == 0 {
		what = "a Gateway without a selector"
	}
	if m.assumed {
		r.Unchecked(g.Obj, "spec.selector",
			"%s: %s, and checks this Gateway against it; declare the gateway that serves it with an IngressGateway (existing: true, selector, servicePorts) to check against that one",
			what, model.DefaultIngressAssumed)
		return
	}
	how := "declares (existing: true)"
	if m.decl == nil || m.decl.Kind == v1alpha1.KindIngressGateway && !isExisting(m.decl) {
		how = "renders"
	}
	r.Unchecked(g.Obj, "spec.selector",
		"%s matches only the gateway pods %s %s, which are not in the input: fine where that gateway runs, but Istio's analyzer, given only these files, finds no pod for the selector and reports IST0101 (Referenced selector not found)",
		what, m.name, how)
}

// reportUnsure warns of a selector that reaches its one gateway workload
// only through labels whose values the input does not show: those the
// cluster sets (a template hash, the mesh's network) or, for an existing
// gateway, labels beyond its declared selector. edgegate counts the
// Gateway's hosts as claimed there (a selector that may reach a gateway is
// judged as one that does), but whether any proxy serves it is unknown.
func reportUnsure(r *model.Reporter, g *model.Gateway, m candidate) {
	if m.declared != nil {
		r.Warn(g.Obj, "spec.selector",
			"selector %s may match %s, whose running pods are declared by %s only: edgegate cannot tell whether they also carry %s, so it judges this Gateway's hosts as served there (against that gateway's bindings and owners), but if they do not, no gateway serves it; select %s",
			selectorLiteral(g.Spec.Selector), m.name, selectorLiteral(m.declared), strings.Join(m.unsure, ", "), selectorLiteral(m.declared))
		return
	}
	r.Warn(g.Obj, "spec.selector",
		"selector %s may match %s only through %s, labels whose values are set in the cluster (by Kubernetes or Istio's injector), not in the input: edgegate judges this Gateway's hosts as served there (against that gateway's bindings and owners); select the gateway by labels its pod template carries",
		selectorLiteral(g.Spec.Selector), m.name, strings.Join(m.unsure, ", "))
}

// isExisting reports whether an IngressGateway says existing: true.
func isExisting(o *manifest.Object) bool {
	return manifest.ScalarValue(o.Field("spec", "existing")) == "true"
}

func reportMany(r *model.Reporter, g *model.Gateway, matches []candidate) {
	names := make([]string, len(matches))
	for i, m := range matches {
		names[i] = m.name
	}
	list := strings.Join(names, ", ")
	what := fmt.Sprintf("selector %s", selectorLiteral(g.Spec.Selector))
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
			what, len(matches), list, serviceName(common[0]))
		return
	}
	r.Report(g.Obj, "spec.selector",
		"%s matches %d gateway workloads (%s): Istio configures this Gateway on all of them, so it also captures traffic meant for the others; give each gateway workload its own istio label (IstioOperator: components.ingressGateways[].label.istio) and select exactly one",
		what, len(matches), list)
}

func reportNone(r *model.Reporter, g *model.Gateway, others []*model.Workload, predicted *predicted, edgegate string) {
	sel := g.Spec.Selector
	// With a gateway of edgegate's in the input, a Gateway that reaches no
	// gateway workload of the input is an error: the ownership of hosts is
	// judged only on the workloads the input holds, and pods that run
	// elsewhere may carry labels edgegate does not see (those Istio's
	// injector adds, or an existing gateway's beyond its declaration).
	warn := r.Warn
	unjudged := ""
	if edgegate != "" {
		warn = r.Report
		unjudged = fmt.Sprintf("; the input holds %s, and a Gateway that reaches none of the input's gateway workloads escapes the checks that protect the hosts bound there", edgegate)
	}
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
			if v, ok := d.pods.Known()[k]; !ok || v != sel[k] {
				lacking = append(lacking, k+"="+sel[k])
			}
		}
		r.Report(g.Obj, "spec.selector",
			"selector %s matches no gateway workload%s: it names %s, whose pods edgegate renders with labels %s and not %s; select %s",
			selectorLiteral(sel), also, d.name, selectorLiteral(d.labels), strings.Join(lacking, ", "), selectorLiteral(d.selector))
		return
	}
	// An existing gateway sharing a label with the selector: edgegate knows
	// only the labels it was told.
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		if d := predicted.existing[k+"="+sel[k]]; d != nil {
			warn(g.Obj, "spec.selector",
				"selector %s matches no gateway workload in the input%s; %s declares the running gateway's pods by %s only, so edgegate cannot tell whether they also carry the rest: if they do not, no gateway serves this Gateway; select %s",
				selectorLiteral(sel), also+unjudged, d.Obj.Ref, selectorLiteral(d.Spec.Selector), selectorLiteral(d.Spec.Selector))
			return
		}
	}
	warn(g.Obj, "spec.selector",
		"selector %s matches no gateway workload in the input%s: if the gateway runs outside it, declare it with an IngressGateway (existing: true, selector: %s) so edgegate can check it; otherwise no proxy serves this Gateway (IST0101 / KIA0302 in the cluster)",
		selectorLiteral(sel), also+unjudged, selectorLiteral(sel))
}

// predicted holds the gateway workloads that IngressGateways of the
// input will render and that are not in the input yet, indexed by label.
type predicted struct {
	model.LabelIndex[*prediction]
	byName map[string]*prediction // "istio" label value = IngressGateway name
	// existing maps each "key=value" of an existing IngressGateway's
	// selector to it (the first, in input order).
	existing map[string]*model.DeclaredGateway
}

type prediction struct {
	decl     *model.DeclaredGateway // nil for the built-in gateway
	name     string                 // "IngressGateway ns/name", or the built-in gateway's
	identity string
	selector map[string]string // what edgegate's own Gateways select it by
	labels   map[string]string // its pod template's labels
	pods     podlabels.Pods    // what its pods carry once running
	rendered bool              // its Deployment is in the input
}

// predictions reads every IngressGateway edgegate renders (not the
// existing ones: the index has their stand-ins) and predicts its pods'
// labels with podlabels, as render does.
func predictions(idx *model.Index) *predicted {
	p := &predicted{byName: map[string]*prediction{}, existing: map[string]*model.DeclaredGateway{}}
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
		pr := &prediction{
			decl: d, name: d.Obj.Ref.String(), identity: "Deployment/" + d.Obj.Namespace + "/" + name,
			selector: podlabels.Selector(name), labels: podlabels.Template(name, &d.Spec),
			pods: podlabels.Rendered(name, &d.Spec), rendered: deployments[d.Obj.Namespace+"/"+name],
		}
		if _, dup := p.byName[name]; !dup {
			p.byName[name] = pr
		}
		if pr.rendered {
			continue // the index has the real thing
		}
		p.Add(pr, pr.pods)
	}
	// AppIntents with no IngressGateway bind to the built-in gateway.
	if len(idx.IngressGateways) == 0 && len(idx.AppIntents) > 0 {
		name, ns := v1alpha1.BuiltinGatewayName, v1alpha1.BuiltinGatewayNamespace
		spec := &v1alpha1.IngressGatewaySpec{}
		pr := &prediction{
			name: "the built-in gateway " + ns + "/" + name, identity: "Deployment/" + ns + "/" + name,
			selector: podlabels.Selector(name), labels: podlabels.Template(name, spec),
			pods: podlabels.Rendered(name, spec), rendered: deployments[ns+"/"+name],
		}
		p.byName[name] = pr
		if !pr.rendered {
			p.Add(pr, pr.pods)
		}
	}
	return p
}

// obj is the IngressGateway of the prediction, nil for the built-in gateway.
func (pr *prediction) obj() *manifest.Object {
	if pr.decl == nil {
		return nil
	}
	return pr.decl.Obj
}

// meant returns the edgegate-rendered gateway a selector evidently means:
// its istio or app.kubernetes.io/name label is that gateway's name.
func (p *predicted) meant(selector map[string]string) *prediction {
	for _, key := range []string{"istio", "app.kubernetes.io/name"} {
		if v, ok := selector[key]; ok {
			if pr := p.byName[v]; pr != nil {
				return pr
			}
		}
	}
	return nil
}

// selectorLiteral renders a selector as {k: v, ...} in key order.
func selectorLiteral(sel map[string]string) string {
	parts := make([]string, 0, len(sel))
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		parts = append(parts, k+": "+sel[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// serviceName turns an object key (group/Kind/ns/name) into "Kind ns/name".
func serviceName(key string) string {
	parts := strings.SplitN(key, "/", 4)
	if len(parts) != 4 {
		return key
	}
	return parts[1] + " " + parts[2] + "/" + parts[3]
}
