package check

import (
	"strings"
	"testing"
)

func TestClaimRouteWithoutAuthentication(t *testing.T) {
	gw := gateway("istio-system", "public", "istio: ingressgateway", 80, "*")
	claimVS := "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: api}\nspec:\n  hosts: [api.example.com]\n  gateways: [istio-system/public]\n  http:\n  - match: [{headers: {\"@request.auth.claims.group\": {exact: beta}}}]\n    route: [{destination: {host: api-beta}}]\n  - route: [{destination: {host: api}}]\n---\n"
	ra := func(ns, selector string) string {
		return "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: " + ns + "}\nspec:\n" + selector + "  jwtRules: [{issuer: https://issuer.example.com}]\n---\n"
	}
	runCases(t, "EG019", []checkCase{
		{name: "a claim route on the seed's gateway, no RequestAuthentication",
			input: seedInstall + gw + claimVS,
			want:  []string{`error: VirtualService api/api: spec.http[0].match[0].headers: the match on JWT claim "@request.auth.claims.group" never holds for requests through Gateway istio-system/public (spec.gateways[0]): no RequestAuthentication applies to its gateway Deployment istio-system/istio-ingressgateway, so no token is validated there and the claim is never set (Istio: IST0149); add a RequestAuthentication in istio-system selecting the gateway's pods`}},
		{name: "a RequestAuthentication selecting other pods",
			input: seedInstall + gw + claimVS + ra("istio-system", "  selector: {matchLabels: {app: other}}\n"),
			want:  []string{`error: VirtualService api/api: spec.http[0].match[0].headers: the match on JWT claim`}},
		{name: "a RequestAuthentication of the app's namespace does not reach the gateway",
			input: seedInstall + gw + claimVS + ra("api", ""),
			want:  []string{`error: VirtualService api/api: spec.http[0].match[0].headers`}},
		{name: "bracket syntax, in withoutHeaders, on Istio's assumed default ingress",
			input: gw + strings.Replace(claimVS, `headers: {"@request.auth.claims.group"`, `withoutHeaders: {"@request.auth.claims[group]"`, 1),
			want:  []string{`spec.http[0].match[0].withoutHeaders: the match on JWT claim "@request.auth.claims[group]" never holds for requests through Gateway istio-system/public (spec.gateways[0]): no RequestAuthentication applies to its gateway (Istio's default ingress, assumed`}},

		{name: "a mesh-wide RequestAuthentication", input: seedInstall + gw + claimVS + ra("istio-system", "")},
		{name: "one selecting the gateway's pods", input: seedInstall + gw + claimVS + ra("istio-system", "  selector: {matchLabels: {istio: ingressgateway}}\n")},
		{name: "one naming a targetRef", input: seedInstall + gw + claimVS + ra("istio-system", "  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: public}\n")},
		{name: "a header that only looks like a claim",
			input: seedInstall + gw + strings.Replace(claimVS, "@request.auth.claims.group", "@request.auth.claims", 1)},
		{name: "an existing gateway outside the input, no RequestAuthentication in it: not judged (an info)",
			input: "apiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: ingressgateway, namespace: istio-system}\nspec:\n  existing: true\n  selector: {istio: ingressgateway}\n  servicePorts: [{name: http2, port: 80, targetPort: 8080}]\n---\n" + gw + claimVS},
	})
}
