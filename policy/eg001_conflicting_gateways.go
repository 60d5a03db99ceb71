package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render/hostname"
)

func init() { register(conflictingGateways{}) }

// conflictingGateways finds a host served twice on one listener of one
// gateway workload by different Gateways. Istio keeps one of them and drops
// the other without a word (the seed's bookinfo in default and in test, both
// on "*" port 8080: the second was unreachable; Kiali KIA0301, Istio IST0145).
//
// Ports are compared after pilot's translation (a Service port becomes its
// targetPort), so 80 and 8080 on a gateway whose Service maps 80→8080 are the
// same listener. The same host twice is an error; hosts that only overlap
// through a wildcard are a warning: Envoy then picks the most specific one,
// which is rarely what both owners expect.
type conflictingGateways struct{}

func (conflictingGateways) Meta() Meta {
	return Meta{
		ID: "EG001", Name: "conflicting-gateways", Severity: manifest.Error,
		Description: "a host is claimed twice on the same port of one gateway workload",
		Mirrors:     []string{"IST0145", "KIA0301"},
	}
}

// hostClaim is one host of one Gateway server.
type hostClaim struct {
	gw     *Gateway
	server int
	host   int
}

func (c hostClaim) field() string { return fmt.Sprintf("spec.servers[%d].hosts[%d]", c.server, c.host) }

func (c hostClaim) bare() string {
	_, h := SplitGatewayHost(c.gw.Spec.Servers[c.server].Hosts[c.host])
	return h
}

func (conflictingGateways) Run(idx *Index, r *Reporter) {
	// One host set per listener: workload and resolved port.
	type listener struct {
		workload string
		port     int
	}
	sets := map[listener]*hostname.Set[hostClaim]{}
	gateways := append([]*Gateway(nil), idx.Gateways...)
	sort.Slice(gateways, func(i, j int) bool { return gateways[i].Obj.Key() < gateways[j].Obj.Key() })
	for _, g := range gateways {
		type pending struct {
			l     listener
			claim hostClaim
		}
		var mine []pending
		for si, s := range g.Spec.Servers {
			for hi := range s.Hosts {
				claim := hostClaim{gw: g, server: si, host: hi}
				if len(g.Workloads) == 0 {
					// No workload in the input: Gateways with the same selector
					// still land on the same pods wherever those run.
					mine = append(mine, pending{listener{"selector:" + selectorString(g.Spec.Selector), s.Port.Number}, claim})
				}
				for _, w := range g.Workloads {
					mine = append(mine, pending{listener{w.Obj.Key(), ResolvePort(w, s.Port.Number)}, claim})
				}
			}
		}
		// Look up all of this Gateway's hosts before adding any, so a
		// Gateway never conflicts with itself (Istio merges its servers).
		for _, p := range mine {
			set := sets[p.l]
			if set == nil {
				continue
			}
			other, ok := set.Overlapping(p.claim.bare())
			if !ok {
				continue
			}
			report(r, p.claim, other, p.l.port)
			report(r, other, p.claim, p.l.port)
		}
		for _, p := range mine {
			set := sets[p.l]
			if set == nil {
				set = &hostname.Set[hostClaim]{}
				sets[p.l] = set
			}
			set.Add(p.claim.bare(), p.claim)
		}
	}
}

func report(r *Reporter, c, other hostClaim, port int) {
	host, otherHost := c.bare(), other.bare()
	if host == otherHost {
		r.Report(c.gw.Obj, c.field(),
			"host %q on port %d is also claimed by %s (%s) on the same gateway workload: Istio serves only one of them",
			host, port, other.gw.Obj.Ref, where(other.gw.Obj))
		return
	}
	r.Warn(c.gw.Obj, c.field(),
		"host %q on port %d overlaps %q of %s (%s) on the same gateway workload: requests for both go to whichever is more specific",
		host, port, otherHost, other.gw.Obj.Ref, where(other.gw.Obj))
}

func selectorString(sel map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(sel) {
		parts = append(parts, k+"="+sel[k])
	}
	return strings.Join(parts, ",")
}
