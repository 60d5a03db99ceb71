package model

import (
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

// TestAssumeDefaultIngress pins when Istio's default ingress gateway is
// assumed: Gateways and no gateway workload, IngressGateway or AppIntent.
func TestAssumeDefaultIngress(t *testing.T) {
	gateway := "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: app}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]\n---\n"
	for _, tc := range []struct {
		name, input string
		assumed     bool
	}{
		{"Gateways only", gateway, true},
		{"Gateways and an app's Deployment", gateway + "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: app}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: web}]}\n---\n", true},
		{"no Gateway", "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: app}\nspec: {ports: [{port: 80}]}\n---\n", false},
		{"a gateway Deployment", gateway + "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress, namespace: istio-system}\nspec:\n  template:\n    metadata: {labels: {istio: ingressgateway}}\n    spec: {containers: [{name: istio-proxy, image: auto}]}\n---\n", false},
		{"an IngressGateway", gateway + "apiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: public, namespace: istio-ingress}\nspec: {}\n---\n", false},
		{"an AppIntent", gateway + "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: shop, namespace: shop}\nspec: {hosts: [shop.example.com], routes: [{to: web:80}]}\n---\n", false},
	} {
		objs, d := manifest.Parse([]byte(tc.input), "in.yaml")
		if d.HasErrors() {
			t.Fatal(d)
		}
		idx := NewIndex(objs, nil)
		if got := idx.AssumedIngress != nil; got != tc.assumed {
			t.Errorf("%s: assumed %v, want %v", tc.name, got, tc.assumed)
			continue
		}
		if !tc.assumed {
			continue
		}
		w := idx.AssumedIngress
		g := idx.Gateways[0]
		if len(g.Workloads) != 1 || g.Workloads[0] != w || w.Namespace != DefaultIngressNamespace || !w.External {
			t.Errorf("%s: the Gateway selects %v, want only the assumed ingress in %s", tc.name, g.Workloads, DefaultIngressNamespace)
		}
		for _, port := range []int{80, 443, 31400, 15443} {
			if r := ResolvePort(w, port); r.Port != port {
				t.Errorf("%s: port %d resolves to %d", tc.name, port, r.Port)
			}
		}
	}
}
