package model

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/podlabels"
)

// TestLabelIndexAgreesWithPods: the index's posting lists find exactly the
// items a scan asking each one's pods would (Reaches for Reaching, Carries for
// Carrying), over pods of every kind: rendered, declared, hand-written.
func TestLabelIndexAgreesWithPods(t *testing.T) {
	keys := []string{"istio", "app", podlabels.Name, podlabels.CanonicalName, podlabels.CanonicalRevision, "pod-template-hash", podlabels.Network, "team"}
	values := []string{"a", "b", "latest", "x"}
	rng := rand.New(rand.NewPCG(1, 2))
	labels := func(n int) map[string]string {
		m := map[string]string{}
		for range n {
			m[keys[rng.IntN(len(keys))]] = values[rng.IntN(len(values))]
		}
		return m
	}
	var x LabelIndex[int]
	var pods []podlabels.Pods
	for i := range 60 {
		var p podlabels.Pods
		switch i % 4 {
		case 0:
			p = podlabels.Rendered(values[rng.IntN(2)], &v1alpha1.IngressGatewaySpec{Labels: map[string]string{"team": values[rng.IntN(len(values))]}})
		case 1:
			p = podlabels.Declared(labels(1 + rng.IntN(2)))
		case 2:
			p = podlabels.Running("Deployment", "gw", labels(rng.IntN(4)), rng.IntN(2) == 0)
		default:
			p = podlabels.Running("Pod", "gw-1", labels(rng.IntN(4)), false)
		}
		x.Add(i, p)
		pods = append(pods, p)
	}
	for range 2000 {
		sel := labels(rng.IntN(4))
		var reach, carry []int
		for i, p := range pods {
			if p.Reaches(sel) {
				reach = append(reach, i)
			}
			if p.Carries(sel) {
				carry = append(carry, i)
			}
		}
		if got := x.Reaching(sel); !slices.Equal(got, reach) {
			t.Fatalf("Reaching(%v) = %v, a scan finds %v", sel, got, reach)
		}
		if got := x.Carrying(sel); !slices.Equal(got, carry) {
			t.Fatalf("Carrying(%v) = %v, a scan finds %v", sel, got, carry)
		}
	}
}
