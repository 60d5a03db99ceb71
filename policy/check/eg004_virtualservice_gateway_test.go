package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// boundVS is a VirtualService document with the given spec (indented by two).
func boundVS(ns, name, spec string) string {
	return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n" + spec + "---\n"
}

// simpleVS binds hosts to gateways with one catch-all route.
func simpleVS(ns, name string, gateways []string, hosts ...string) string {
	return boundVS(ns, name, "  hosts: ["+strings.Join(quote(hosts), ", ")+"]\n  gateways: ["+strings.Join(quote(gateways), ", ")+"]\n"+
		"  http:\n  - route:\n    - destination: {host: web."+ns+".svc.cluster.local, port: {number: 80}}\n")
}

// meshOnlyVS is a VirtualService without spec.gateways: mesh only.
func meshOnlyVS(ns, name string, hosts ...string) string {
	return boundVS(ns, name, "  hosts: ["+strings.Join(quote(hosts), ", ")+"]\n  http:\n  - route:\n    - destination: {host: web."+ns+".svc.cluster.local, port: {number: 80}}\n")
}

// goldenCases are the must-not-fire cases every check of EG004-EG008
// runs: the rendered output of every golden example, which must pass the
// gate without a finding.
func goldenCases(t *testing.T) []checkCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "tests", "golden", "testdata", "*.yaml"))
	if err != nil || len(files) < 6 {
		t.Fatalf("golden outputs: %v %v", files, err)
	}
	var out []checkCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, checkCase{name: "edgegate's rendered " + filepath.Base(f), input: string(data) + "\n---\n"})
	}
	return out
}

// scoped is what edgegate renders for an app with scopeToNamespace: the
// Gateway lives in the gateway's namespace and admits only the app's.
const scoped = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop-web, namespace: istio-ingress}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http-80, protocol: HTTP}
    hosts: ["shop/web.example.com"]
---
`

func TestVirtualServiceGateway(t *testing.T) {
	gw := gateway("default", "bookinfo", "istio: edge", 80, "./*")
	shared := gateway("istio-ingress", "shared", "istio: edge", 80, "*")
	cases := []checkCase{
		{name: "a typo in a namespace whose Gateways are in the input",
			input: gw + simpleVS("default", "bookinfo", []string{"default/bookinf"}, "*"),
			want:  []string{`VirtualService default/bookinfo: spec.gateways[0]: Gateway default/bookinf is not in the input: the VirtualService receives no traffic through it (Gateways of namespace default in the input: bookinfo) [EG004]`}},
		{name: "a short name never reaches another namespace's Gateway",
			input: shared + simpleVS("shop", "web", []string{"shared"}, "*"),
			want:  []string{`VirtualService shop/web: spec.gateways[0]: Gateway shop/shared is not in the input: the VirtualService receives no traffic through it: a short name only finds a Gateway of namespace shop; for the Gateway of that name in the input write "istio-ingress/shared"`}},
		{name: "a Gateway applied from elsewhere is a warning",
			input: simpleVS("shop", "web", []string{"istio-ingress/public"}, "web.example.com"),
			want:  []string{`warning: VirtualService shop/web: spec.gateways[0]: Gateway istio-ingress/public is not in the input, which holds no Gateway of namespace istio-ingress: if it is applied from elsewhere this is fine`}},
		{name: "another namespace's Gateways do not make a missing one an error",
			input: gw + simpleVS("shop", "web", []string{"istio-ingress/public"}, "web.example.com"),
			want:  []string{`warning: VirtualService shop/web: spec.gateways[0]: Gateway istio-ingress/public is not in the input`}},
		{name: "legacy name.namespace binds in istiod but istioctl reports IST0101",
			input: gw + simpleVS("shop", "web", []string{"bookinfo.default"}, "*"),
			want:  []string{`warning: VirtualService shop/web: spec.gateways[0]: legacy gateway reference "bookinfo.default": istiod binds it to default/bookinfo, but istioctl analyze reports it as not found (IST0101) and istiod's validation warns: write "default/bookinfo"`}},
		{name: "./name is rejected by istiod's validation",
			input: gw + simpleVS("default", "bookinfo", []string{"./bookinfo"}, "*"),
			want:  []string{`VirtualService default/bookinfo: spec.gateways[0]: istiod's validation rejects "./bookinfo"`}},
		{name: "a short name in the same namespace works but is discouraged (KIA1108)",
			input: gw + simpleVS("default", "bookinfo", []string{"bookinfo"}, "*"),
			want:  []string{`warning: VirtualService default/bookinfo: spec.gateways[0]: short gateway name "bookinfo": prefer "default/bookinfo"`}},
		{name: "match gateways: missing, and not among spec.gateways",
			input: gw + gateway("default", "other", "istio: edge", 8080, "./*") + boundVS("default", "bookinfo", `  hosts: ["*"]
  gateways: [default/bookinfo]
  http:
  - match:
    - gateways: [default/nope]
    - gateways: [default/other]
    - gateways: [mesh]
    route:
    - destination: {host: web, port: {number: 80}}
`),
			want: []string{
				`VirtualService default/bookinfo: spec.http[0].match[0].gateways[0]: Gateway default/nope is not in the input`,
				`warning: VirtualService default/bookinfo: spec.http[0].match[1].gateways[0]: this match never applies: the VirtualService is bound to spec.gateways ["default/bookinfo"], not to "default/other"`,
				`warning: VirtualService default/bookinfo: spec.http[0].match[2].gateways[0]: this match never applies: the VirtualService is bound to spec.gateways ["default/bookinfo"], not to "mesh"`,
			}},
		{name: "mesh, internal Gateway API names and namespace/name are fine",
			input: gw + simpleVS("default", "bookinfo", []string{"mesh", "default/bookinfo", "default/web~istio-autogenerated-k8s-gateway~http"}, "*") +
				boundVS("default", "mesh-only", "  hosts: [web]\n  http:\n  - match:\n    - gateways: [mesh]\n    route:\n    - destination: {host: web}\n")},
		{name: "scopeToNamespace: the Gateway in the gateway's namespace",
			input: scoped + simpleVS("shop", "web", []string{"istio-ingress/shop-web"}, "web.example.com")},

		{name: "the seed: a VirtualService without gateways for a host a Gateway serves, and none bound to it",
			input: gateway("default", "bookinfo-gateway", "istio: ingressgateway", 8080, "./mybookinfo.com") + meshOnlyVS("default", "bookinfo", "mybookinfo.com"),
			want:  []string{`in.yaml:13: warning: VirtualService default/bookinfo: spec.gateways: the VirtualService has no spec.gateways, so it binds to mesh (the sidecars) only, while Gateway default/bookinfo-gateway serves its host "mybookinfo.com" (spec.servers[0].hosts[0]: "./mybookinfo.com") and no VirtualService binds to that Gateway for it: requests through the gateway get 404; add gateways: [default/bookinfo-gateway] (and mesh, if sidecars should keep these routes) [EG004]`}},
		{name: "the seed's * on both",
			input: gateway("default", "bookinfo-gateway", "istio: ingressgateway", 8080, "*") + meshOnlyVS("default", "bookinfo", "*"),
			want:  []string{`warning: VirtualService default/bookinfo: spec.gateways: the VirtualService has no spec.gateways, so it binds to mesh (the sidecars) only, while Gateway default/bookinfo-gateway serves its host "*"`}},
		{name: "a wildcard server, another host routed on it: this host is not",
			input: shared + simpleVS("shop", "web", []string{"istio-ingress/shared"}, "web.example.com") +
				gateway("istio-ingress", "wild", "istio: edge", 8080, "*.example.com") +
				simpleVS("shop", "web2", []string{"istio-ingress/wild"}, "web.example.com") + meshOnlyVS("shop", "cart", "cart", "cart.example.com"),
			want: []string{`warning: VirtualService shop/cart: spec.gateways: the VirtualService has no spec.gateways, so it binds to mesh (the sidecars) only, while Gateway istio-ingress/shared serves its host "cart.example.com" (spec.servers[0].hosts[0]: "*") and no VirtualService binds to that Gateway for it`}},

		{name: "a separate VirtualService routes the host on the Gateway (mesh and gateway split)",
			input: gateway("default", "bookinfo-gateway", "istio: ingressgateway", 8080, "./mybookinfo.com") + meshOnlyVS("default", "bookinfo-mesh", "mybookinfo.com") +
				simpleVS("default", "bookinfo", []string{"default/bookinfo-gateway"}, "mybookinfo.com")},
		{name: "the host is served to another namespace only",
			input: gateway("istio-ingress", "shop", "istio: edge", 80, "shop/shop.example.com") + meshOnlyVS("default", "shop", "shop.example.com")},
		{name: "mesh hosts: Service names, cluster-local names, ServiceEntry hosts",
			input: shared + destService("default", "reviews", "", 9080) + `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments, namespace: default}
spec:
  hosts: [api.payments.example.net]
  ports: [{number: 443, name: https, protocol: HTTPS}]
---
` + meshOnlyVS("default", "reviews", "reviews", "reviews.default", "reviews.default.svc", "reviews.default.svc.cluster.local", "api.payments.example.net")},
		{name: "a Gateway routed for every host",
			input: shared + simpleVS("istio-ingress", "all", []string{"istio-ingress/shared"}, "*") + meshOnlyVS("shop", "web", "web.example.com")},
	}
	runCases(t, "EG004", append(cases, goldenCases(t)...))
}
