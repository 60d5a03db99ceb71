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
// writes it and the listener it resolves to. Hosts are compared as pilot
// compares them: lowercased, without a trailing dot. The same host twice is an
// error, exactly what edgegate's allocator refuses or moves. Hosts that only
// overlap through a wildcard are no conflict: Envoy picks the most specific
// one for each request (an exact host, then the longest wildcard suffix, then
// "*"), on HTTP virtual hosts and TLS server names alike, and IST0145 does not
// fire; the allocator puts such apps on the same port, and the check tells
// the wildcard's Gateway, as an info, which hosts go to which Gateway.
type conflictingGateways struct{}

// hostClaim is one host of one Gateway server.
type hostClaim struct {
	model.ServerHost
	host string // canonical, without the namespace part
}

// port is the server port as the Gateway writes it.
func (c hostClaim) port() int { return c.Gateway.Spec.Servers[c.Server].Port.Number }

func newClaim(sh model.ServerHost) hostClaim {
	return hostClaim{ServerHost: sh, host: sh.Name()}
}

func (conflictingGateways) Run(idx *model.Index, r *model.Reporter) {
	// One host set per listener: workload and resolved port.
	type listener struct {
		workload string
		port     int
	}
	type pending struct {
		l     listener
		claim hostClaim
	}
	sets := map[listener]*hostname.Set[hostClaim]{}
	var all []pending
	gateways := idx.GatewaysByKey()
	for _, g := range gateways {
		var mine []pending
		for si, s := range g.Spec.Servers {
			for hi := range s.Hosts {
				claim := newClaim(model.ServerHost{Gateway: g, Server: si, Host: hi})
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
			if other, ok := set.Exact(p.claim.host); ok {
				reportClaim(r, p.claim, other, p.l.port)
				reportClaim(r, other, p.claim, p.l.port)
			}
		}
		for _, p := range mine {
			set := sets[p.l]
			if set == nil {
				set = &hostname.Set[hostClaim]{}
				sets[p.l] = set
			}
			set.Add(p.claim.host, p.claim)
		}
		all = append(all, mine...)
	}
	// Once every host is known: where a wildcard of one Gateway is the
	// closest cover of hosts of others (the host Envoy falls back to), tell
	// the wildcard's Gateway which requests go elsewhere, once per wildcard
	// and listener: one lookup per host, whatever order the Gateways came in.
	type covered struct {
		l     listener
		cover hostClaim
	}
	type under struct {
		first hostClaim // the first more specific host, in Gateway order
		n     int
	}
	var order []covered
	unders := map[covered]*under{}
	for _, p := range all {
		cover, ok := sets[p.l].Covering(p.claim.host)
		if !ok || cover.Gateway == p.claim.Gateway {
			continue
		}
		k := covered{p.l, cover}
		if u := unders[k]; u != nil {
			u.n++
			continue
		}
		unders[k] = &under{first: p.claim, n: 1}
		order = append(order, k)
	}
	for _, k := range order {
		u := unders[k]
		reportOverlap(r, k.cover, u.first, u.n, k.l.port)
	}
}

// at names c's port as its Gateway writes it, with the listener pilot
// resolves it to when that differs: "port 80 (listener 8080)".
func (c hostClaim) at(listener int) string {
	at := fmt.Sprintf("port %d", c.port())
	if listener != c.port() {
		at += fmt.Sprintf(" (listener %d)", listener)
	}
	return at
}

// reportClaim tells c's Gateway that other claims the same host on the same
// listener.
func reportClaim(r *model.Reporter, c, other hostClaim, listener int) {
	otherAt := ""
	if other.port() != c.port() {
		otherAt = fmt.Sprintf(" on port %d", other.port())
	}
	r.Report(c.Gateway.Obj, c.Field(),
		"host %q on %s is also claimed by %s%s (%s) on the same gateway workload: Istio serves only one of them",
		c.host, c.at(listener), other.Gateway.Obj.Ref, otherAt, model.Where(other.Gateway.Obj))
}

// reportOverlap tells the Gateway of a wildcard which requests Envoy gives
// more specific hosts of other Gateways on the same listener: "shop.example.com
// goes to Gateway shop/shop; other hosts under example.com go to Gateway
// tenants/tenants". first is the first of n such hosts.
func reportOverlap(r *model.Reporter, cover, first hostClaim, n, listener int) {
	firstAt := ""
	if first.port() != cover.port() {
		firstAt = fmt.Sprintf(" on port %d", first.port())
	}
	more := ""
	switch {
	case n == 2:
		more = ", and 1 more host to its Gateway"
	case n > 2:
		more = fmt.Sprintf(", and %d more hosts to theirs", n-1)
	}
	r.Info(cover.Gateway.Obj, cover.Field(),
		"host %q on %s overlaps %q of %s%s (%s) on the same gateway workload, which Envoy resolves by specificity: %s go%s to %s%s; %s go to %s",
		cover.host, cover.at(listener), first.host, first.Gateway.Obj.Ref, firstAt, model.Where(first.Gateway.Obj),
		hostsOf(first.host), verbS(first.host), first.Gateway.Obj.Ref, more, otherHosts(cover.host), cover.Gateway.Obj.Ref)
}

// hostsOf names the requests a host takes: "shop.example.com", "hosts under
// eu.example.com".
func hostsOf(h string) string {
	if hostname.IsWildcard(h) {
		return "hosts under " + h[2:]
	}
	return h
}

func verbS(h string) string {
	if hostname.IsWildcard(h) {
		return ""
	}
	return "es"
}

// otherHosts names the rest of a cover's requests.
func otherHosts(cover string) string {
	if cover == "*" {
		return "all other hosts"
	}
	return "other hosts under " + cover[2:]
}
