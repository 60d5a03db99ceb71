package policy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
)

// TestEG001AgreesWithTheAllocator: over random sets of apps on one gateway
// (concrete hosts unique, wildcards and "*" repeating), the allocator moves an
// app off a port only because another app holds one of its very hosts there,
// and the gate's EG001 finds nothing worse than an info in what it renders.
func TestEG001AgreesWithTheAllocator(t *testing.T) {
	wildcards := []string{"*", "*.example.com", "*.eu.example.com", "*.org", "*.a.eu.example.com"}
	concrete := []string{"shop.example.com", "a.eu.example.com", "example.com", "x.org", "b.a.eu.example.com", "www.example.com", "other.net"}
	rng := rand.New(rand.NewPCG(7, 11))
	infos, moved, shared := 0, 0, 0
	for round := range 300 {
		var src strings.Builder
		free := rng.Perm(len(concrete))
		n := 1 + rng.IntN(6)
		for i := range n {
			hosts := map[string]bool{}
			for range 1 + rng.IntN(2) {
				if len(free) > 0 && rng.IntN(2) == 0 {
					hosts[concrete[free[0]]] = true
					free = free[1:]
				} else {
					hosts[wildcards[rng.IntN(len(wildcards))]] = true
				}
			}
			var quoted []string
			for h := range hosts {
				quoted = append(quoted, fmt.Sprintf("%q", h))
			}
			fmt.Fprintf(&src, "---\napiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: app%d, namespace: ns%d}\nspec:\n  hosts: [%s]\n  routes: [{prefix: /, to: web:80}]\n",
				i, i, strings.Join(quoted, ", "))
		}
		objs, d := manifest.Parse([]byte(src.String()), "in.yaml")
		if d.HasErrors() {
			t.Fatal(d)
		}
		res := render.Render(objs, render.Options{})
		if res.Diagnostics.HasErrors() {
			t.Fatalf("round %d: render failed:\n%v\n%s", round, res.Diagnostics, src.String())
		}
		// Which app holds which host on which port.
		held := map[int]map[string]string{}
		for _, b := range res.Bindings {
			if held[b.Listener.Port] == nil {
				held[b.Listener.Port] = map[string]string{}
			}
			for _, h := range b.Hosts {
				held[b.Listener.Port][h] = b.App.Key()
			}
		}
		pool := res.Model.Workloads[0].Pools[render.HTTP]
		for _, b := range res.Bindings {
			if b.Listener.Port != pool[0].Port {
				moved++
			} else if len(held[b.Listener.Port]) > len(b.Hosts) {
				shared++
			}
			for _, l := range pool {
				if l.Port == b.Listener.Port {
					break
				}
				sameHost := false
				for _, h := range b.Hosts {
					if owner, ok := held[l.Port][h]; ok && owner != b.App.Key() {
						sameHost = true
					}
				}
				if !sameHost {
					t.Fatalf("round %d: %s is on port %d although port %d holds none of its hosts %v:\n%s",
						round, b.App.Key(), b.Listener.Port, l.Port, b.Hosts, src.String())
				}
			}
		}
		for _, f := range Gate(res, Config{}) {
			if f.ID == "EG001" && f.Severity != manifest.Info {
				t.Fatalf("round %d: EG001 on rendered output: %v\n%s", round, f, src.String())
			}
			if f.ID == "EG001" {
				infos++
			}
		}
	}
	// Not vacuous: apps moved (the same wildcard twice), shared port 80, and
	// EG001 explained overlaps.
	if infos == 0 || moved == 0 || shared == 0 {
		t.Errorf("%d EG001 infos, %d moved bindings, %d shared: the corpus does not exercise the rule", infos, moved, shared)
	}
	t.Logf("%d EG001 infos, %d moved bindings, %d bindings sharing the first port", infos, moved, shared)
}
