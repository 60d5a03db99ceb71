package check

import (
	"testing"
)

// overlapVS is a VirtualService of namespace ns for host on
// istio-ingress/public with the given http rules (YAML, indented by two).
func overlapVS(ns, name, host, rules string) string {
	return boundVS(ns, name, "  hosts: [\""+host+"\"]\n  gateways: [istio-ingress/public]\n  http:\n"+rules)
}

// sharedCertGateway is istio-ingress/public with two HTTPS servers, 443 and
// 8443, presenting one certificate, with the hosts lines given.
func sharedCertGateway(hosts443, hosts8443 string) string {
	return "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: istio-ingress}\nspec:\n  selector: {istio: edge}\n  servers:\n" +
		"  - port: {number: 443, name: https-443, protocol: HTTPS}\n" + hosts443 + "    tls: {mode: SIMPLE, credentialName: wildcard}\n" +
		"  - port: {number: 8443, name: https-8443, protocol: HTTPS}\n" + hosts8443 + "    tls: {mode: SIMPLE, credentialName: wildcard}\n---\n"
}

func rule(match string) string {
	if match == "" {
		return "  - route:\n    - destination: {host: web, port: {number: 80}}\n"
	}
	return "  - match: [" + match + "]\n    route:\n    - destination: {host: web, port: {number: 80}}\n"
}

func TestOverlappingVirtualServices(t *testing.T) {
	public := gateway("istio-ingress", "public", "istio: edge", 80, "*")
	cases := []checkCase{
		{name: "two catch-alls for one host: creation order picks the live one",
			input: public + overlapVS("a", "shop", "shop.example.com", rule("")) + overlapVS("b", "shop", "shop.example.com", rule("{uri: {prefix: /}}")),
			want: []string{
				`VirtualService a/shop: spec.http[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService b/shop`,
				`VirtualService b/shop: spec.http[0].match[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService a/shop`,
			}},
		{name: "two catch-alls sending to the same destination: order changes nothing, a warning",
			input: public + overlapVS("shared", "shop", "shop.example.com", rule("")) +
				overlapVS("b", "shop", "shop.example.com", "  - route:\n    - destination: {host: web.shared.svc.cluster.local, port: {number: 80}}\n"),
			want: []string{
				`warning: VirtualService b/shop: spec.http[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService shared/shop (in.yaml:10), whose spec.http[0] matches the same requests and does the same with them: creation order changes nothing today`,
				`warning: VirtualService shared/shop: spec.http[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService b/shop`,
			}},
		{name: "two catch-alls, same destination, one with a timeout: an error",
			input: public + overlapVS("shared", "shop", "shop.example.com", rule("")) +
				overlapVS("b", "shop", "shop.example.com", "  - route:\n    - destination: {host: web.shared.svc.cluster.local, port: {number: 80}}\n    timeout: 5s\n"),
			want: []string{
				`error: VirtualService b/shop: spec.http[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService shared/shop`,
				`error: VirtualService shared/shop: spec.http[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService b/shop`,
			}},
		{name: "nested prefixes in two VirtualServices",
			input: public + overlapVS("a", "shop", "shop.example.com", rule("{uri: {exact: /cart}}")+rule("{uri: {prefix: /api}}")) +
				overlapVS("b", "api", "shop.example.com", rule("{uri: {prefix: /api/v2}}")),
			want: []string{
				`VirtualService a/shop: spec.http[1].match[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService b/api (in.yaml:`,
				`VirtualService b/api: spec.http[0].match[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService a/shop`,
			}},
		{name: "an exact path a regex accepts",
			input: public + overlapVS("a", "shop", "shop.example.com", rule("{uri: {regex: '/api/v[0-9]+/.*'}}")) +
				overlapVS("b", "api", "shop.example.com", rule("{uri: {exact: /api/v2/items}}")),
			want: []string{`VirtualService a/shop: spec.http[0].match[0]`, `VirtualService b/api: spec.http[0].match[0]`}},
		{name: "a catch-all and a narrower rule: deterministic, a warning",
			input: public + overlapVS("a", "shop", "shop.example.com", rule("")) + overlapVS("b", "api", "shop.example.com", rule("{uri: {prefix: /api}}")),
			want: []string{
				`warning: VirtualService a/shop: spec.http[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService b/api`,
				`warning: VirtualService b/api: spec.http[0].match[0]: host "shop.example.com" on Gateway istio-ingress/public is also routed by VirtualService a/shop`,
			}},
		{name: "the Gateway narrows a * VirtualService to the other's host",
			input: gateway("istio-ingress", "public", "istio: edge", 80, "shop.example.com") +
				overlapVS("a", "all", "*", rule("{uri: {exact: /x}}")) + overlapVS("b", "shop", "shop.example.com", rule("{uri: {prefix: /}}")+rule("{uri: {exact: /x}}")),
			want: []string{`warning: VirtualService a/all: spec.http[0].match[0]: host "shop.example.com"`, `warning: VirtualService b/shop: spec.http[0].match[0]: host "shop.example.com"`}},
		{name: "one certificate's Gateway: namespaces admitted by servers of different ports never meet",
			input: sharedCertGateway("    hosts: [eu/*.example.com]\n", "    hosts: [us/*.example.com]\n") +
				overlapVS("eu", "tenants", "*.example.com", rule("")) + overlapVS("us", "tenants", "*.example.com", rule(""))},
		{name: "one certificate's Gateway: namespaces one server admits meet in its route table",
			input: sharedCertGateway("    hosts: [eu/*.example.com, us/*.example.com]\n", "    hosts: [other/other.example.com]\n") +
				overlapVS("eu", "tenants", "*.example.com", rule("")) + overlapVS("us", "tenants", "*.example.com", rule("")),
			want: []string{`VirtualService eu/tenants: spec.http[0]: host "*.example.com" on Gateway istio-ingress/public is also routed by VirtualService us/tenants`,
				`VirtualService us/tenants: spec.http[0]: host "*.example.com" on Gateway istio-ingress/public is also routed by VirtualService eu/tenants`}},
		{name: "disjoint matches share a host as intended",
			input: public + overlapVS("a", "shop", "shop.example.com", rule("{uri: {exact: /cart}}")+
				rule("{uri: {prefix: /web}, headers: {x-beta: {exact: 'true'}}}")+rule("{uri: {prefix: /admin}, port: 8443}")) +
				overlapVS("b", "api", "shop.example.com", rule("{uri: {prefix: /api}}")+rule("{uri: {exact: /cartx}}")+
					rule("{uri: {prefix: /web}, headers: {x-beta: {exact: 'false'}}}")+rule("{uri: {prefix: /admin}, port: 80}"))},
		{name: "a rule after a VirtualService's own catch-all never competes (istiod drops it)",
			input: public + overlapVS("a", "shop", "shop.example.com", rule("{uri: {exact: /cart}}")) +
				overlapVS("b", "api", "shop.example.com", rule("")+rule("{uri: {exact: /cart}}")),
			want: []string{`warning: VirtualService a/shop: spec.http[0].match[0]`, `warning: VirtualService b/api: spec.http[0]: `}},
		{name: "other hosts, other gateways, other regexes",
			input: public + gateway("istio-ingress", "internal", "istio: edge", 8080, "*") +
				overlapVS("a", "shop", "shop.example.com", rule("")) + overlapVS("b", "web", "web.example.com", rule("")) +
				boundVS("c", "shop", "  hosts: [shop.example.com]\n  gateways: [istio-ingress/internal]\n  http:\n"+rule("")) +
				overlapVS("d", "wild", "*.example.org", rule("{uri: {regex: '/a.*'}}")) + overlapVS("e", "wild", "*.example.org", rule("{uri: {regex: '/b.*'}}"))},
	}
	runCases(t, "EG007", append(cases, goldenCases(t)...))
}
