package model

import "testing"

func TestServiceNamespace(t *testing.T) {
	for _, tc := range []struct {
		host, ns string
		ok       bool
	}{
		{"web", "evil", true},
		{"kubernetes.default.svc.cluster.local", "default", true},
		{"istiod.istio-system.svc.cluster.local", "istio-system", true},
		{"kubernetes.default", "", false}, // Istio uses it as written: no Service
		{"kubernetes.default.svc", "", false},
		{"api.example.com", "", false},
		{"a.b.c.svc.cluster.local", "", false},
		{"*.svc.cluster.local", "", false},
	} {
		ns, ok := ServiceNamespace("evil", tc.host)
		if ns != tc.ns || ok != tc.ok {
			t.Errorf("ServiceNamespace(evil, %q) = %q, %t; want %q, %t", tc.host, ns, ok, tc.ns, tc.ok)
		}
	}
}
