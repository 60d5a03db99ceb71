package policy

import "testing"

// eg007VS is a VirtualService of namespace ns for host on
// istio-ingress/public with the given http rules (YAML, indented by two).
func eg007VS(ns, name, host, rules string) string {
	return eg004VS(ns, name, "  hosts: [\""+host+"\"]\n  gateways: [istio-ingress/public]\n  http:\n"+rules)
}

func eg007Rule(match string) string {
	if match == "" {
		return "  - route:\n    - destination: {host: web, port: {number: 80}}\n"
	}
	return "  - match: [" + match + "]\n    route:\n    - destination: {host: web, port: {number: 80}}\n"
}

func TestOverlappingVirtualServices(t *testing.T) {
	public := gateway("istio-ingress", "public", "istio: edge", 80, "*")
	cases := []checkCase{
		{name: "two catch-alls for one host: creation order picks the live one",
			input: public + eg007VS("a", "shop", "shop.example.com", eg007Rule("")) + eg007VS("b", "shop", "shop.example.com", eg007Rule("{uri: {prefix: /}}")),
			want: []string{
				`VirtualService a/shop: spec.http[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService b/shop`,
				`VirtualService b/shop: spec.http[0].match[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService a/shop`,
			}},
		{name: "nested prefixes in two VirtualServices",
			input: public + eg007VS("a", "shop", "shop.example.com", eg007Rule("{uri: {exact: /cart}}")+eg007Rule("{uri: {prefix: /api}}")) +
				eg007VS("b", "api", "shop.example.com", eg007Rule("{uri: {prefix: /api/v2}}")),
			want: []string{
				`VirtualService a/shop: spec.http[1].match[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService b/api (in.yaml:`,
				`VirtualService b/api: spec.http[0].match[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService a/shop`,
			}},
		{name: "an exact path a regex accepts",
			input: public + eg007VS("a", "shop", "shop.example.com", eg007Rule("{uri: {regex: '/api/v[0-9]+/.*'}}")) +
				eg007VS("b", "api", "shop.example.com", eg007Rule("{uri: {exact: /api/v2/items}}")),
			want: []string{`VirtualService a/shop: spec.http[0].match[0]`, `VirtualService b/api: spec.http[0].match[0]`}},
		{name: "a catch-all and a narrower rule: deterministic, a warning",
			input: public + eg007VS("a", "shop", "shop.example.com", eg007Rule("")) + eg007VS("b", "api", "shop.example.com", eg007Rule("{uri: {prefix: /api}}")),
			want: []string{
				`warning: VirtualService a/shop: spec.http[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService b/api`,
				`warning: VirtualService b/api: spec.http[0].match[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService a/shop`,
			}},
		{name: "the Gateway narrows a * VirtualService to the other's host",
			input: gateway("istio-ingress", "public", "istio: edge", 80, "shop.example.com") +
				eg007VS("a", "all", "*", eg007Rule("{uri: {exact: /x}}")) + eg007VS("b", "shop", "shop.example.com", eg007Rule("{uri: {prefix: /}}")+eg007Rule("{uri: {exact: /x}}")),
			want: []string{`warning: VirtualService a/all: spec.http[0].match[0]: host "shop.example.com"`, `warning: VirtualService b/shop: spec.http[0].match[0]: host "shop.example.com"`}},
		{name: "disjoint matches share a host as intended",
			input: public + eg007VS("a", "shop", "shop.example.com", eg007Rule("{uri: {exact: /cart}}")+
				eg007Rule("{uri: {prefix: /web}, headers: {x-beta: {exact: 'true'}}}")+eg007Rule("{uri: {prefix: /admin}, port: 8443}")) +
				eg007VS("b", "api", "shop.example.com", eg007Rule("{uri: {prefix: /api}}")+eg007Rule("{uri: {exact: /cartx}}")+
					eg007Rule("{uri: {prefix: /web}, headers: {x-beta: {exact: 'false'}}}")+eg007Rule("{uri: {prefix: /admin}, port: 80}"))},
		{name: "a rule after a VirtualService's own catch-all never competes (istiod drops it)",
			input: public + eg007VS("a", "shop", "shop.example.com", eg007Rule("{uri: {exact: /cart}}")) +
				eg007VS("b", "api", "shop.example.com", eg007Rule("")+eg007Rule("{uri: {exact: /cart}}")),
			want: []string{`warning: VirtualService a/shop: spec.http[0].match[0]`, `warning: VirtualService b/api: spec.http[0]: `}},
		{name: "other hosts, other gateways, other regexes",
			input: public + gateway("istio-ingress", "internal", "istio: edge", 8080, "*") +
				eg007VS("a", "shop", "shop.example.com", eg007Rule("")) + eg007VS("b", "web", "web.example.com", eg007Rule("")) +
				eg004VS("c", "shop", "  hosts: [shop.example.com]\n  gateways: [istio-ingress/internal]\n  http:\n"+eg007Rule("")) +
				eg007VS("d", "wild", "*.example.org", eg007Rule("{uri: {regex: '/a.*'}}")) + eg007VS("e", "wild", "*.example.org", eg007Rule("{uri: {regex: '/b.*'}}"))},
	}
	runCases(t, "EG007", append(cases, eg004GoldenCases(t)...))
}
