package check

import (
	"testing"
)

func TestVirtualServiceHostNotInGateway(t *testing.T) {
	bind := func(ns string, hosts ...string) string {
		return simpleVS(ns, "web", []string{"istio-ingress/public"}, hosts...)
	}
	public := func(hosts ...string) string { return gateway("istio-ingress", "public", "istio: edge", 80, hosts...) }
	cases := []checkCase{
		{name: "the host is not among the Gateway's",
			input: public("a.example.com") + bind("shop", "b.example.com"),
			want:  []string{`VirtualService shop/web: spec.gateways[0]: no host of the VirtualService ["b.example.com"] is among the hosts of Gateway istio-ingress/public ["a.example.com"]`}},
		{name: "./host admits only the Gateway's own namespace",
			input: public("./web.example.com") + bind("shop", "web.example.com"),
			want:  []string{`VirtualService shop/web: spec.gateways[0]: Gateway istio-ingress/public serves "web.example.com" only to VirtualServices of namespace istio-ingress (spec.servers[0].hosts[0]: "./web.example.com"), not to namespace shop`}},
		{name: "scopeToNamespace: <ns>/host admits that namespace only",
			input: scoped + simpleVS("evil", "web", []string{"istio-ingress/shop-web"}, "web.example.com"),
			want:  []string{`VirtualService evil/web: spec.gateways[0]: Gateway istio-ingress/shop-web serves "web.example.com" only to VirtualServices of namespace shop`}},
		{name: "scopeToNamespace: the app's namespace is admitted",
			input: scoped + simpleVS("shop", "web", []string{"istio-ingress/shop-web"}, "web.example.com")},
		{name: "one host served, another not",
			input: public("a.example.com") + bind("shop", "a.example.com", "b.example.com"),
			want:  []string{`VirtualService shop/web: spec.hosts[1]: host "b.example.com" is not exposed to namespace shop by any Gateway the VirtualService binds to (istio-ingress/public)`}},
		{name: "a host served by the second gateway only is fine",
			input: public("a.example.com") + gateway("istio-ingress", "other", "istio: edge", 8080, "b.example.com") +
				simpleVS("shop", "web", []string{"istio-ingress/public", "istio-ingress/other"}, "a.example.com", "b.example.com")},
		{name: "a wildcard server host covers hosts below it, not the domain itself",
			input: public("*.example.com") + bind("shop", "example.com"),
			want:  []string{`VirtualService shop/web: spec.gateways[0]: no host of the VirtualService ["example.com"]`}},
		{name: "wildcards and */ match as in Istio",
			input: public("*.example.com") + bind("shop", "shop.example.com") +
				gateway("istio-ingress", "star", "istio: edge", 8080, "*/*") + simpleVS("a", "any", []string{"istio-ingress/star"}, "x.org") +
				gateway("shop", "local", "istio: edge", 8081, "./*") + simpleVS("shop", "local", []string{"local"}, "*.shop.example.com")},
		{name: "a missing Gateway cannot be checked (istioctl reports IST0132 too)",
			input: bind("shop", "web.example.com"),
			want:  []string{`warning: VirtualService shop/web: spec.gateways[0]: hosts ["web.example.com"] cannot be checked against Gateway istio-ingress/public, which is not in the input (see EG004)`}},
		{name: "a legacy reference is checked against the Gateway istiod binds",
			input: public("web.example.com") + simpleVS("shop", "web", []string{"public.istio-ingress"}, "web.example.com") +
				simpleVS("shop", "other", []string{"public.istio-ingress"}, "other.example.com"),
			want: []string{
				`warning: VirtualService shop/web: spec.gateways[0]: istioctl analyze reports IST0132 here because it does not resolve "public.istio-ingress" (see EG004), though Gateway istio-ingress/public does expose the VirtualService's hosts`,
				`VirtualService shop/other: spec.gateways[0]: no host of the VirtualService ["other.example.com"] is among the hosts of Gateway istio-ingress/public`,
			}},
		{name: "a VirtualService also bound to mesh may list service hosts",
			input: public("web.example.com") + simpleVS("shop", "web", []string{"mesh", "istio-ingress/public"}, "web.example.com", "web")},
	}
	runCases(t, "EG005", append(cases, goldenCases(t)...))
}
