package check

import (
	"fmt"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/policy/model"
)

// conflictingGateways finds a host served twice on one listener of one
// gateway workload by different Gateways. Istio keeps one of them and drops
// the other without a word (the seed's bookinfo in default and in test, both
// on "*" port 8080: the second was unreachable; Kiali KIA0301, Istio IST0145).
//
// Ports are compared after pilot's translation (ResolvePort: a Service port
// becomes its targetPort, unless the Service is labelled experimental.istio.io/
// disable-gateway-port-translation), so 80 and 8080 on a gateway whose Service
// maps 80→8080 are the same listener; messages name the port as the Gateway
// writes it and the listener it resolves to. The same host twice is an error; hosts that only overlap
// through a wildcard are a warning: Envoy then picks the most specific one,
// which is rarely what both owners expect.
type conflictingGateways struct{}

// hostClaim is one host of one Gateway server.
type hostClaim struct{ model.ServerHost }

// port is the server port as the Gateway writes it.
func (c hostClaim) port() int { return c.Gateway.Spec.Servers[c.Server].Port.Number }

func (c hostClaim) bare() string {
	_, h := model.SplitGatewayHost(c.Raw())
	return h
}

func (conflictingGateways) Run(idx *model.Index, r *model.Reporter) {
	// One host set per listener: workload and resolved port.
	type listener struct {
		workload string
		port     int
	}
	sets := map[listener]*hostname.Set[hostClaim]{}
	gateways := idx.GatewaysByKey()
	for _, g := range gateways {
		type pending struct {
			l     listener
			claim hostClaim
		}
		var mine []pending
		for si, s := range g.Spec.Servers {
			for hi := range s.Hosts {
				claim := hostClaim{model.ServerHost{Gateway: g, Server: si, Host: hi}}
				if len(g.Workloads) == 0 {
					// No workload in the input: Gateways with the same selector
					// still land on the same pods wherever those run.
					mine = append(mine, pending{listener{"selector:" + model.SelectorString(g.Spec.Selector), s.Port.Number}, claim})
				}
				for _, w := range g.Workloads {
					mine = append(mine, pending{listener{w.Obj.Key(), model.ResolvePort(w, s.Port.Number).Port}, claim})
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
			reportClaim(r, p.claim, other, p.l.port)
			reportClaim(r, other, p.claim, p.l.port)
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

// report tells c's Gateway that other claims an overlapping host on the same
// listener. Ports are named as each Gateway writes them, with the listener
// pilot resolves them to when that differs: "port 80 (listener 8080)".
func reportClaim(r *model.Reporter, c, other hostClaim, listener int) {
	host, otherHost := c.bare(), other.bare()
	at := fmt.Sprintf("port %d", c.port())
	if listener != c.port() {
		at += fmt.Sprintf(" (listener %d)", listener)
	}
	otherAt := ""
	if other.port() != c.port() {
		otherAt = fmt.Sprintf(" on port %d", other.port())
	}
	if host == otherHost {
		r.Report(c.Gateway.Obj, c.Field(),
			"host %q on %s is also claimed by %s%s (%s) on the same gateway workload: Istio serves only one of them",
			host, at, other.Gateway.Obj.Ref, otherAt, model.Where(other.Gateway.Obj))
		return
	}
	r.Warn(c.Gateway.Obj, c.Field(),
		"host %q on %s overlaps %q of %s%s (%s) on the same gateway workload: requests for both go to whichever is more specific",
		host, at, otherHost, other.Gateway.Obj.Ref, otherAt, model.Where(other.Gateway.Obj))
}
