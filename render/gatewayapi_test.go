package render

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const gatewayAPIGateway = `---
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: edge, namespace: istio-ingress}
spec:
  api: gateway-api
%s
`

func kinds(res *Result) string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.Kind+" "+o.Namespace+"/"+o.Name)
	}
	return strings.Join(out, ", ")
}

func TestGatewayAPIModeAndOverride(t *testing.T) {
	src := fmt.Sprintf(gatewayAPIGateway, "") + app("shop", "shop", "shop.example.com", "  tls: {credentialName: shop-cert}")
	res := mustRender(t, src, Options{})
	want := "Namespace /istio-ingress, ConfigMap istio-ingress/edge-gateway-parameters, Gateway istio-ingress/edge, HTTPRoute shop/shop, HTTPRoute shop/shop-https-redirect"
	if got := kinds(res); got != want {
		t.Errorf("spec.api gateway-api renders\n%s\nwant\n%s", got, want)
	}
	gw := yamlOf(t, object(t, res, "Gateway", "istio-ingress", "edge"))
	for _, s := range []string{"gatewayClassName: istio", "name: http-80-shop.example.com", "name: https-443-shop.example.com",
		"hostname: shop.example.com", "kubernetes.io/metadata.name: shop", "name: shop-cert", "mode: Terminate"} {
		if !strings.Contains(gw, s) {
			t.Errorf("Gateway lacks %q:\n%s", s, gw)
		}
	}
	redirect := yamlOf(t, object(t, res, "HTTPRoute", "shop", "shop-https-redirect"))
	for _, s := range []string{"sectionName: http-80-shop.example.com", "scheme: https", "statusCode: 301"} {
		if !strings.Contains(redirect, s) {
			t.Errorf("redirect HTTPRoute lacks %q:\n%s", s, redirect)
		}
	}
	if strings.Contains(redirect, "port:") || strings.Contains(redirect, "https-443") {
		t.Errorf("the redirect to 443 names a port or attaches to HTTPS:\n%s", redirect)
	}
	// --api istio overrides the IngressGateway's spec.api, and back.
	if got := kinds(mustRender(t, src, Options{API: "istio"})); strings.Contains(got, "HTTPRoute") || !strings.Contains(got, "VirtualService shop/shop") {
		t.Errorf("--api istio renders %s", got)
	}
	istio := app("shop", "shop", "shop.example.com")
	if got := kinds(mustRender(t, istio, Options{API: "gateway-api"})); !strings.Contains(got, "HTTPRoute shop/shop") || strings.Contains(got, "VirtualService") || strings.Contains(got, "Deployment") {
		t.Errorf("--api gateway-api on the built-in gateway renders %s", got)
	}
}

func TestGatewayAPIListenerLimit(t *testing.T) {
	src := fmt.Sprintf(gatewayAPIGateway, "")
	for i := range 65 {
		src += app("team", fmt.Sprintf("app%d", i), fmt.Sprintf("app%d.example.com", i))
	}
	msg := renderErrors(t, src, Options{})
	if !strings.Contains(msg, "gateway istio-ingress/edge would need 65 Gateway API listeners") {
		t.Errorf("error: %s", msg)
	}
	// 64 fit.
	src = fmt.Sprintf(gatewayAPIGateway, "")
	for i := range 64 {
		src += app("team", fmt.Sprintf("app%d", i), fmt.Sprintf("app%d.example.com", i))
	}
	mustRender(t, src, Options{})
}

func TestGatewayAPIRouteOrder(t *testing.T) {
	gw := fmt.Sprintf(gatewayAPIGateway, "")
	// Gateway API would send /api/v1 with x: 1 to the longer prefix: not what the first route says.
	bad := gw + `---
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com]
  routes:
  - {prefix: /api, headers: {x: "1"}, to: a:80}
  - {prefix: /api/v1, to: b:80}
`
	if msg := renderErrors(t, bad, Options{}); !strings.Contains(msg, "spec.routes[1]: Gateway API picks a rule by its match") {
		t.Errorf("error: %s", msg)
	}
	good := strings.Replace(bad, `  - {prefix: /api, headers: {x: "1"}, to: a:80}
  - {prefix: /api/v1, to: b:80}`, `  - {prefix: /api/v1, to: b:80}
  - {prefix: /api, headers: {x: "1"}, to: a:80}`, 1)
	res := mustRender(t, good, Options{})
	route := yamlOf(t, object(t, res, "HTTPRoute", "shop", "shop"))
	if !strings.Contains(route, "type: PathPrefix\n        value: /api/v1") || !strings.Contains(route, "name: x\n        value: \"1\"") {
		t.Errorf("HTTPRoute:\n%s", route)
	}
	// Istio ranks a regular expression below every prefix: a later prefix it may share requests with is refused,
	// a later one it provably shares none with is not, and a longer regular expression after a shorter one neither
	// when their literal prefixes part.
	regex := strings.Replace(good, "{prefix: /api/v1, to: b:80}", `{regex: "/api/v[0-9]+", to: b:80}`, 1)
	if msg := renderErrors(t, regex, Options{}); !strings.Contains(msg, "spec.routes[1]: Gateway API picks a rule by its match, not by order (Istio ranks") || strings.Count(msg, "spec.routes[1]:") != 1 {
		t.Errorf("error: %s", msg)
	}
	apart := strings.Replace(regex, "{prefix: /api, headers", "{prefix: /shop, headers", 1)
	apart = strings.Replace(apart, `{regex: "/api/v[0-9]+", to: b:80}`, "{regex: \"^/api/v[0-9]+\", to: b:80}\n  - {regex: \"^/static/[a-z]+[.]css\", to: b:80}", 1)
	res = mustRender(t, apart, Options{})
	if route := yamlOf(t, object(t, res, "HTTPRoute", "shop", "shop")); !strings.Contains(route, "type: RegularExpression") {
		t.Errorf("HTTPRoute:\n%s", route)
	}
	// A catch-all after a regular expression is PathPrefix /, which Istio ranks first: refused.
	catchAll := strings.Replace(apart, "{prefix: /shop, headers: {x: \"1\"}, to: a:80}", "{to: a:80}", 1)
	if msg := renderErrors(t, catchAll, Options{}); !strings.Contains(msg, "spec.routes[2]: Gateway API picks a rule") {
		t.Errorf("error: %s", msg)
	}
}

func TestGatewayAPIRetriesNeedTheExperimentalChannel(t *testing.T) {
	intent := app("shop", "shop", "shop.example.com")
	intent = strings.Replace(intent, "routes: [{prefix: /, to: web:80}]", "routes: [{prefix: /, to: web:80, retries: 3, timeout: 1m30s}]", 1)
	msg := renderErrors(t, fmt.Sprintf(gatewayAPIGateway, "")+intent, Options{})
	if !strings.Contains(msg, "spec.routes[0].retries: retries need the HTTPRoute retry field of Gateway API's experimental channel") {
		t.Errorf("error: %s", msg)
	}
	res := mustRender(t, fmt.Sprintf(gatewayAPIGateway, "  gatewayAPI: {experimental: true, gatewayClassName: edge-class}")+intent, Options{})
	route := yamlOf(t, object(t, res, "HTTPRoute", "shop", "shop"))
	for _, s := range []string{"retry:\n      attempts: 3", "timeouts:\n      request: 1m30s"} {
		if !strings.Contains(route, s) {
			t.Errorf("HTTPRoute lacks %q:\n%s", s, route)
		}
	}
	if gw := yamlOf(t, object(t, res, "Gateway", "istio-ingress", "edge")); !strings.Contains(gw, "gatewayClassName: edge-class") {
		t.Errorf("Gateway:\n%s", gw)
	}
}

func TestGatewayAPICrossNamespaceBackendsAndRewrites(t *testing.T) {
	src := fmt.Sprintf(gatewayAPIGateway, "  allowedDestinationNamespaces: [shared]") + `---
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: ["*.shop.example.com"]
  routes:
  - {exact: /old, rewrite: /new, to: web:80}
  - {prefix: /api, rewrite: /v2, to: [{service: "api.shared:80", weight: 90}, {service: "web:80", weight: 10}]}
`
	res := mustRender(t, src, Options{})
	route := yamlOf(t, object(t, res, "HTTPRoute", "shop", "shop"))
	for _, s := range []string{"type: ReplaceFullPath\n          replaceFullPath: /new", "type: ReplacePrefixMatch\n          replacePrefixMatch: /v2",
		"name: api\n      namespace: shared\n      port: 80\n      weight: 90", "- '*.shop.example.com'", "sectionName: http-80-wildcard.shop.example.com"} {
		if !strings.Contains(route, s) {
			t.Errorf("HTTPRoute lacks %q:\n%s", s, route)
		}
	}
	grant := yamlOf(t, object(t, res, "ReferenceGrant", "shared", "shop-shop"))
	for _, s := range []string{"kind: HTTPRoute\n    namespace: shop", "kind: Service\n    name: api"} {
		if !strings.Contains(grant, s) {
			t.Errorf("ReferenceGrant lacks %q:\n%s", s, grant)
		}
	}
}

func TestGatewayAPIExistingGatewayNeedsItsAddress(t *testing.T) {
	existing := `---
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: ingressgateway, namespace: istio-system}
spec:
  existing: true
  api: gateway-api
  selector: {istio: ingressgateway}
  servicePorts: [{name: http2, port: 80, targetPort: 8080}]
%s
` + app("shop", "shop", "shop.example.com")
	if msg := renderErrors(t, fmt.Sprintf(existing, ""), Options{}); !strings.Contains(msg, "spec.gatewayAPI.address: gateway istio-system/ingressgateway runs already") {
		t.Errorf("error: %s", msg)
	}
	res := mustRender(t, fmt.Sprintf(existing, "  gatewayAPI: {address: istio-ingressgateway.istio-system.svc.cluster.local}"), Options{})
	gw := yamlOf(t, object(t, res, "Gateway", "istio-system", "ingressgateway"))
	if !strings.Contains(gw, "type: Hostname\n    value: istio-ingressgateway.istio-system.svc.cluster.local") || !strings.Contains(gw, "port: 80\n") || strings.Contains(gw, "parametersRef") {
		t.Errorf("Gateway:\n%s", gw)
	}
	if got := kinds(res); strings.Contains(got, "ConfigMap") || strings.Contains(got, "Namespace") {
		t.Errorf("an existing gateway renders %s", got)
	}
}

func TestGatewayAPIDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Second: "5s", 250 * time.Millisecond: "250ms", 90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1s500ms",
	} {
		if got, ok := gatewayAPIDuration(d); !ok || got != want {
			t.Errorf("gatewayAPIDuration(%v) = %q, %v; want %q", d, got, ok, want)
		}
	}
	if _, ok := gatewayAPIDuration(1500 * time.Microsecond); ok {
		t.Errorf("1.5ms accepted")
	}
}
