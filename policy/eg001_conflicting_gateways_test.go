package policy

import "testing"

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
		{name: "a wildcard overlapping a host is a warning",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 80, "*.example.com") + gateway("b", "two", "istio: edge", 80, "shop.example.com"),
			want:  []string{"in.yaml:21: warning: Gateway a/one", "warning: Gateway b/two: spec.servers[0].hosts[0]: host \"shop.example.com\" on port 80 overlaps \"*.example.com\""}},
		{name: "80 and 8080 are one listener behind a Service mapping 80→8080",
			input: existing + gateway("a", "one", "istio: ingressgateway", 80, "*") + gateway("b", "two", "istio: ingressgateway", 8080, "*"),
			want:  []string{"Gateway a/one: spec.servers[0].hosts[0]: host \"*\" on port 8080", "Gateway b/two: spec.servers[0].hosts[0]: host \"*\" on port 8080"}},
		{name: "same selector without pods in the input",
			input: gateway("a", "one", "istio: ingressgateway", 80, "x.example.com") + gateway("b", "two", "istio: ingressgateway", 80, "x.example.com"),
			want:  []string{"Gateway a/one", "Gateway b/two"}},
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
