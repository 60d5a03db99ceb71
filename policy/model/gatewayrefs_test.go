package model

import "testing"

// TestResolvedGateway pins how a gateway reference of a VirtualService
// resolves, for the analyzer and for pilot.
func TestResolvedGateway(t *testing.T) {
	for _, tc := range []struct{ raw, analyzer, pilot string }{
		{"gw", "app/gw", "app/gw"},
		{"ns/gw", "ns/gw", "ns/gw"},
		{"./gw", "./gw", "app/gw"},
		{"gw.ns", "app/gw.ns", "ns/gw"},
		{"gw.ns.svc.cluster.local", "app/gw.ns.svc.cluster.local", "ns/gw"},
		{"mesh", "app/mesh", "mesh"},
	} {
		ref := NewGatewayRef("app", tc.raw, "")
		if ref.Analyzer != tc.analyzer || ref.Pilot != tc.pilot {
			t.Errorf("%q: analyzer %q pilot %q, want %q %q", tc.raw, ref.Analyzer, ref.Pilot, tc.analyzer, tc.pilot)
		}
	}
}
