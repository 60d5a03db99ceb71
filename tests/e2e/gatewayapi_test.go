package e2e

import (
	"maps"
	"slices"
	"testing"

	"github.com/fluxcd/pkg/ssa"
)

// gatewayAPIRefused are the examples the Gateway API output does not render
// yet (tests/golden says why).
var gatewayAPIRefused = map[string]bool{"tls": true}

// gatewayAPIOneGatewayPerRender are the examples whose renders (one per
// Argo CD Application) each write the gateway's one Gateway with only their
// own apps' listeners: two renders fight over one object. Gateway API's
// ListenerSet (one per app, attached to the platform's Gateway) is the fix
// still to build; until then this is a known failure, not a pass.
var gatewayAPIOneGatewayPerRender = map[string]string{
	"argocd": "each Application's render writes Gateway istio-system/ingressgateway with its own listeners only (needs ListenerSets)",
}

// TestServerSideApplyGatewayAPI renders each example with --api gateway-api
// and applies it to a fresh API server that has Gateway API v1.6's standard
// CRDs, the way Flux does: every object is created, the server keeps every
// rendered field, and a second apply changes nothing.
func TestServerSideApplyGatewayAPI(t *testing.T) {
	dirs := inputs(t)
	applied := 0
	for _, name := range slices.Sorted(maps.Keys(dirs)) {
		if gatewayAPIRefused[name] || len(name) > 8 && name[:8] == "fixture-" {
			continue
		}
		applied++
		dir := dirs[name]
		t.Run(name, func(t *testing.T) {
			if why, known := gatewayAPIOneGatewayPerRender[name]; known {
				t.Skip("known limitation: " + why)
			}
			t.Parallel()
			var renders []render
			for _, r := range rendersOf(t, dir) {
				if r.args[0] != "render" {
					continue // Argo CD's plugin renders with the IngressGateways' own spec.api
				}
				r.args = append([]string{"render", "--api", "gateway-api"}, r.args[1:]...)
				renders = append(renders, r)
			}
			if len(renders) == 0 {
				renders = []render{{name: "render", dir: dir, args: []string{"render", "--api", "gateway-api", "."}}}
			}
			var all = renders[:0:0]
			for i := range renders {
				renders[i].run(t)
				all = append(all, renders[i])
			}
			c := startCluster(t)
			for _, r := range all {
				for _, ns := range appNamespaces(r.objects) {
					c.ensureNamespace(t, ns)
				}
			}
			c.warnings.take()
			for _, r := range all {
				cs := c.fluxApply(t, r.stream, true)
				assertActions(t, r.name+": first apply", cs, r.objects, ssa.CreatedAction, nil)
			}
			assertNoWarnings(t, "first apply", c)
			for _, r := range all {
				drift := c.drift(t, r.stream, false)
				cs := c.fluxApply(t, r.stream, false)
				assertActions(t, r.name+": second apply (as rendered)", cs, r.objects, ssa.UnchangedAction, drift)
			}
			assertNoWarnings(t, "re-apply", c)
		})
	}
	if applied < 6 {
		t.Fatalf("applied %d examples, want at least 6", applied)
	}
}
