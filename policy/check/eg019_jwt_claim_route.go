package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/edgegate/edgegate/policy/model"
)

// claimRouteWithoutAuthentication finds a VirtualService bound to a Gateway that routes on a
// JWT claim (a header match on "@request.auth.claims.<name>" or
// "@request.auth.claims[<name>]...") while no RequestAuthentication applies
// to the gateway's pods (Istio's IST0149). Claims exist only once a
// RequestAuthentication has validated the token on that proxy; without one
// the match never holds, and requests meant for the claim's route silently
// take another (or none).
//
// As Istio's JWTClaimRouteAnalyzer does: on every gateway workload the
// Gateway selects (Istio's default ingress when assumed, see EG002), a
// RequestAuthentication of istio-system (the mesh-wide root) or of the
// workload's namespace applies when its spec.selector.matchLabels (none:
// every workload) are among the workload's labels. One that names
// targetRef(s) instead is taken to apply: edgegate does not resolve them.
// For a gateway known only from an `existing: true` IngressGateway, whose
// RequestAuthentications may live with it outside the input, an input without
// any RequestAuthentication is not judged (an info).
type claimRouteWithoutAuthentication struct{}

// requestAuthentication is what claimRouteWithoutAuthentication reads of one.
type requestAuthentication struct {
	namespace string
	selector  map[string]string
	targeted  bool
}

func (claimRouteWithoutAuthentication) Run(idx *model.Index, r *model.Reporter) {
	var ras []requestAuthentication
	for _, o := range idx.Objects {
		if o.Kind != "RequestAuthentication" || o.Group() != "security.istio.io" {
			continue
		}
		var spec struct {
			Selector *struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			TargetRef  *struct{}  `yaml:"targetRef"`
			TargetRefs []struct{} `yaml:"targetRefs"`
		}
		model.DecodeAt(o, o.Field("spec"), "spec", &spec)
		ra := requestAuthentication{namespace: o.Namespace, targeted: spec.TargetRef != nil || len(spec.TargetRefs) > 0}
		if spec.Selector != nil {
			ra.selector = spec.Selector.MatchLabels
		}
		ras = append(ras, ra)
	}
	ws := model.NewWorkloads(idx)
	for _, vs := range idx.VirtualServices {
		claim, field := claimMatch(vs)
		if claim == "" {
			continue
		}
		for gi, raw := range vs.Spec.Gateways {
			if raw == "mesh" || raw == "" {
				continue
			}
			g := idx.Gateway(model.ResolveGatewayName(vs.Obj.Namespace, raw))
			if g == nil {
				continue // EG004's
			}
			for _, w := range ws.Gateways(g) {
				if authenticated(ras, w) {
					continue
				}
				if w.External && !w.Assumed && len(ras) == 0 {
					r.Unchecked(vs.Obj, field,
						"the match on JWT claim %q through Gateway %s is not checked: its gateway %s is declared to run outside the input, and the input holds no RequestAuthentication; Istio's analyzer, given only these files, reports IST0149; put the RequestAuthentications in the input to have it checked",
						claim, model.NSName(g.Obj), w)
					continue
				}
				where := "istio-system"
				if w.Namespace != where {
					where = w.Namespace + " or istio-system"
				}
				r.Report(vs.Obj, field,
					"the match on JWT claim %q never holds for requests through Gateway %s (spec.gateways[%d]): no RequestAuthentication applies to its gateway %s, so no token is validated there and the claim is never set (Istio: IST0149); add a RequestAuthentication in %s selecting the gateway's pods",
					claim, model.NSName(g.Obj), gi, gatewayName(w), where)
			}
		}
	}
}

// gatewayName names a gateway workload in a message.
func gatewayName(w *model.Workload) string {
	if w.Assumed {
		return fmt.Sprintf("(Istio's default ingress, assumed: pods labelled istio: ingressgateway in %s)", model.DefaultIngressNamespace)
	}
	return w.String()
}

// authenticated reports whether a RequestAuthentication applies to w.
func authenticated(ras []requestAuthentication, w *model.Workload) bool {
	for _, ra := range ras {
		if ra.namespace != "istio-system" && ra.namespace != w.Namespace {
			continue
		}
		if ra.targeted {
			return true
		}
		ok := true
		for _, k := range slices.Sorted(maps.Keys(ra.selector)) {
			if v, has := w.Labels[k]; !has || v != ra.selector[k] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// claimHeader is the prefix of the pseudo-headers Istio matches JWT claims
// with (pkg/jwt HeaderJWTClaim).
const claimHeader = "@request.auth.claims"

// claimMatch returns the first header of a match of vs that routes on a JWT
// claim, and its field; "" when none does.
func claimMatch(vs *model.VirtualService) (claim, field string) {
	for i, rule := range vs.Spec.HTTP {
		for j, m := range rule.Match {
			for _, set := range []struct {
				name    string
				headers map[string]model.StringMatch
			}{{"headers", m.Headers}, {"withoutHeaders", m.WithoutHeaders}} {
				for _, h := range slices.Sorted(maps.Keys(set.headers)) {
					if isClaimHeader(h) {
						return h, fmt.Sprintf("spec.http[%d].match[%d].%s", i, j, set.name)
					}
				}
			}
		}
	}
	return "", ""
}

// isClaimHeader is pkg/jwt ToRoutingClaim's Match.
func isClaimHeader(h string) bool {
	if !strings.HasPrefix(strings.ToLower(h), claimHeader) {
		return false
	}
	name := h[len(claimHeader):]
	return strings.HasPrefix(name, ".") && len(name) > 1 ||
		strings.HasPrefix(name, "[") && strings.HasSuffix(name, "]") && len(name) > 2
}
