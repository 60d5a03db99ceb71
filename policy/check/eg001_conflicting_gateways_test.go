package check

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

func TestConflictingGateways(t *testing.T) {
	existing := `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: ingressgateway, namespace: istio-system}
spec:
  existing: true
  selector: {istio: ingressgateway}
  servicePorts: [{name: http2, port: 80, targetPort: 8080}]
---
`
	runCases(t, "EG001", []checkCase{
		{name: "the seed: bookinfo twice on * port 8080",
			input: edgeWorkload + gateway("default", "bookinfo", "istio: edge", 8080, "*") + gateway("test", "bookinfo", "istio: edge", 8080, "*"),
			want: []string{
				`Gateway default/bookinfo: spec.servers[0].hosts[0]: host "*" on port 8080 is also claimed by Gateway test/bookinfo`,
				`Gateway test/bookinfo: spec.servers[0].hosts[0]: host "*" on port 8080 is also claimed by Gateway default/bookinfo`,
			}},
		{name: "namespace prefixes do not make hosts different",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 80, "./shop.example.com") + gateway("b", "two", "istio: edge", 80, "*/shop.example.com"),
			want:  []string{"Gateway a/one: spec.servers[0].hosts[0]: host \"shop.example.com\"", "Gateway b/two: spec.servers[0].hosts[0]: host \"shop.example.com\""}},
		{name: "a wildcard overlapping a host is an info on the wildcard's Gateway: Envoy picks the exact host",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 80, "*.example.com") + gateway("b", "two", "istio: edge", 80, "shop.example.com"),
			want: []string{
				`in.yaml:21: info: Gateway a/one: spec.servers[0].hosts[0]: host "*.example.com" on port 80 overlaps "shop.example.com" of Gateway b/two (in.yaml:23) on the same gateway workload, which Envoy resolves by specificity: shop.example.com goes to Gateway b/two; other hosts under example.com go to Gateway a/one`,
			}},
		{name: "a wildcard overlapping a host is no warning",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 443, "*.example.com") + gateway("b", "two", "istio: edge", 443, "shop.example.com")},
		{name: "a host, a wildcard and a catch-all: each wildcard hears of the hosts it is the closest cover of",
			input: edgeWorkload + gateway("legacy", "legacy", "istio: edge", 80, "*") + gateway("shop", "shop", "istio: edge", 80, "shop.example.com", "www.example.com") +
				gateway("tenants", "tenants", "istio: edge", 80, "*.example.com"),
			want: []string{
				`info: Gateway legacy/legacy: spec.servers[0].hosts[0]: host "*" on port 80 overlaps "*.example.com" of Gateway tenants/tenants (in.yaml:32) on the same gateway workload, which Envoy resolves by specificity: hosts under example.com go to Gateway tenants/tenants; all other hosts go to Gateway legacy/legacy`,
				`info: Gateway tenants/tenants: spec.servers[0].hosts[0]: host "*.example.com" on port 80 overlaps "shop.example.com" of Gateway shop/shop (in.yaml:23) on the same gateway workload, which Envoy resolves by specificity: shop.example.com goes to Gateway shop/shop, and 1 more host to its Gateway; other hosts under example.com go to Gateway tenants/tenants`,
			}},
		{name: "an exact duplicate is an error even where a third Gateway claims * (Istio: IST0145 on both)",
			input: edgeWorkload + gateway("legacy", "legacy", "istio: edge", 80, "*") + gateway("a", "one", "istio: edge", 80, "shop.example.com") +
				gateway("b", "two", "istio: edge", 80, "shop.example.com"),
			want: []string{
				`error: Gateway a/one: spec.servers[0].hosts[0]: host "shop.example.com" on port 80 is also claimed by Gateway b/two`,
				`error: Gateway b/two: spec.servers[0].hosts[0]: host "shop.example.com" on port 80 is also claimed by Gateway a/one`,
				`info: Gateway legacy/legacy: spec.servers[0].hosts[0]: host "*" on port 80 overlaps "shop.example.com"`,
			}},
		{name: "hosts are compared lowercased and without a trailing dot",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 443, "Shop.Example.com.") + gateway("b", "two", "istio: edge", 443, "shop.example.com"),
			want: []string{
				`Gateway a/one: spec.servers[0].hosts[0]: host "shop.example.com" on port 443 is also claimed by Gateway b/two`,
				`Gateway b/two: spec.servers[0].hosts[0]: host "shop.example.com" on port 443 is also claimed by Gateway a/one`,
			}},
		{name: "80 and 8080 are one listener behind a Service mapping 80→8080",
			input: existing + gateway("a", "one", "istio: ingressgateway", 80, "*") + gateway("b", "two", "istio: ingressgateway", 8080, "*"),
			want: []string{
				`Gateway a/one: spec.servers[0].hosts[0]: host "*" on port 80 (listener 8080) is also claimed by Gateway b/two on port 8080 (in.yaml:18) on the same gateway workload`,
				`Gateway b/two: spec.servers[0].hosts[0]: host "*" on port 8080 is also claimed by Gateway a/one on port 80 (in.yaml:9) on the same gateway workload`,
			}},
		{name: "the same through a named targetPort",
			input: install(strings.Replace(seedInstall, "{containerPort: 8080, protocol: TCP}", "{containerPort: 8080, name: http, protocol: TCP}", 1),
				"  - {name: http2, port: 80, protocol: TCP, targetPort: http}\n", "") +
				gateway("a", "one", "istio: ingressgateway", 80, "shop.example.com") + gateway("b", "two", "istio: ingressgateway", 8080, "*.example.com"),
			want: []string{
				`info: Gateway b/two: spec.servers[0].hosts[0]: host "*.example.com" on port 8080 overlaps "shop.example.com" of Gateway a/one on port 80`,
			}},
		{name: "same selector without pods in the input",
			input: gateway("a", "one", "istio: ingressgateway", 80, "x.example.com") + gateway("b", "two", "istio: ingressgateway", 80, "x.example.com"),
			want:  []string{"Gateway a/one", "Gateway b/two"}},
		{name: "a Service labelled disable-gateway-port-translation: 80 and 8080 are two listeners",
			input: withService("  - {name: http2, port: 80, protocol: TCP, targetPort: 8080}\n", ", labels: {experimental.istio.io/disable-gateway-port-translation: \"true\"}") +
				gateway("a", "one", "istio: ingressgateway", 80, "*") + gateway("b", "two", "istio: ingressgateway", 8080, "*")},
		{name: "different ports do not conflict (edgegate's two-namespace binding)",
			input: edgeWorkload + gateway("default", "bookinfo", "istio: edge", 80, "./*") + gateway("test", "bookinfo", "istio: edge", 8080, "./*")},
		{name: "different workloads do not conflict",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 80, "*") + gateway("b", "two", "istio: other", 80, "*")},
		{name: "distinct hosts share a port",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 80, "a.example.com") + gateway("b", "two", "istio: edge", 80, "b.example.com")},
		{name: "one Gateway repeating a host on two servers is merged, not a conflict",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 80, "*", "a.example.com")},
	})
}

// TestResolvePort: the one translation EG001 and EG003 share, as pilot's
// resolvePorts does it for a label-selected Gateway.
func TestResolvePort(t *testing.T) {
	named := strings.Replace(seedInstall, "{containerPort: 8080, protocol: TCP}", "{containerPort: 8080, name: http, protocol: TCP}", 1)
	cases := []struct {
		name, input string
		port, want  int
		via         string
	}{
		{"a Service port becomes its targetPort", seedInstall, 80, 8080, `Service istio-system/istio-ingressgateway port "http2"`},
		{"any other number is listened on as written", seedInstall, 8080, 8080, ""},
		{"a named targetPort resolves against the containers", install(named, "  - {name: http2, port: 80, protocol: TCP, targetPort: http}\n", ""), 80, 8080, `Service istio-system/istio-ingressgateway port "http2"`},
		{"a name no container declares has no endpoint: as written", install(seedInstall, "  - {name: http2, port: 80, protocol: TCP, targetPort: web}\n", ""), 80, 80, ""},
		{"the label turns translation off, whatever its value", withService("  - {name: http2, port: 80, protocol: TCP, targetPort: 8080}\n", ", labels: {experimental.istio.io/disable-gateway-port-translation: \"\"}"), 80, 80, ""},
		{"a declared existing gateway translates its servicePorts", existingDecl, 443, 8443, `IngressGateway istio-system/ingressgateway servicePort "https"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, d := manifest.Parse([]byte(tc.input), "in.yaml")
			if d.HasErrors() {
				t.Fatal(d)
			}
			idx := model.NewIndex(objs, nil)
			if len(idx.Workloads) != 1 {
				t.Fatalf("%d workloads, want 1", len(idx.Workloads))
			}
			got := model.ResolvePort(idx.Workloads[0], tc.port)
			if got.Port != tc.want || got.Via() != tc.via {
				t.Errorf("ResolvePort(%d) = %d via %q, want %d via %q", tc.port, got.Port, got.Via(), tc.want, tc.via)
			}
		})
	}
}
