package check

import (
	"fmt"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

// duplicateCertificate finds one certificate presented by several Gateway
// objects of one gateway workload, as Istio's gateway.CertificateAnalyzer
// (IST0138, "Duplicate certificate in multiple gateways") does.
//
// Istio builds one route table per HTTPS server. A browser reuses an HTTP/2
// connection for every host the certificate it was shown covers, so a
// request for one Gateway's host may arrive on a connection another
// Gateway's server accepted, and that server's route table has no route for
// it: 404 (istio/istio#13589). edgegate's own output serves apps sharing a
// certificate from one Gateway; Gateways written by hand are reported here.
//
// The semantics are the analyzer's, to the letter:
//   - for each Gateway G, the other Gateways G' considered are those whose
//     selector holds every label of G's selector with the same value (all of
//     them when G's selector is empty); G itself never, so servers of one
//     Gateway object may share a certificate. The relation is not
//     symmetric: G' may report G or not;
//   - a pair of servers, one of G and one of G', both with tls, presents one
//     certificate when both name one credentialName, or neither names one
//     and both give the same serverCertificate and privateKey files; ports,
//     hosts and TLS modes are not compared;
//   - the finding is on G. Istio compares Gateways of every namespace, as it
//     does unless PILOT_SCOPE_GATEWAY_TO_NAMESPACE is set.
//
// Istio reports one message per pair of servers at G's metadata.name; EG016
// reports each server of G once per other Gateway, at the server's tls
// field, naming the other Gateway's server.
type duplicateCertificate struct{}

func (duplicateCertificate) Run(idx *model.Index, r *model.Reporter) {
	gateways := model.SortByObjectKey(idx.Gateways, func(g *model.Gateway) *manifest.Object { return g.Obj })
	// The servers presenting each certificate, in Gateway order, so each
	// server is compared only with those presenting the same one (Istio
	// compares every pair of Gateways; at 10,000 Gateways that is 10^8).
	type presenter struct {
		g      *model.Gateway
		server int
	}
	presenting := map[string][]presenter{}
	for _, g := range gateways {
		for si, s := range g.Spec.Servers {
			if k := model.CertificateKey(s.TLS); k != "" {
				presenting[k] = append(presenting[k], presenter{g, si})
			}
		}
	}
	for _, g := range gateways {
		for si, s := range g.Spec.Servers {
			k := model.CertificateKey(s.TLS)
			if k == "" {
				continue
			}
			var reported *model.Gateway // once per other Gateway: its first such server
			for _, p := range presenting[k] {
				if p.g == g || p.g == reported || !selectorWithin(g.Spec.Selector, p.g.Spec.Selector) {
					continue
				}
				reported = p.g
				field, what := fmt.Sprintf("spec.servers[%d].tls.credentialName", si), fmt.Sprintf("credentialName %q", s.TLS.CredentialName)
				if s.TLS.CredentialName == "" {
					field, what = fmt.Sprintf("spec.servers[%d].tls.serverCertificate", si), fmt.Sprintf("serverCertificate %q", s.TLS.ServerCertificate)
				}
				r.Report(g.Obj, field,
					"%s is also presented by %s spec.servers[%d] (%s) on the same gateway workload: each Gateway server has its own route table, and a browser that reuses an HTTP/2 connection for another host the certificate covers gets 404 from the wrong one (istio/istio#13589); serve the hosts presenting one certificate from one server (edgegate does for AppIntents sharing a credentialName)",
					what, p.g.Obj.Ref, p.server, model.Where(p.g.Obj))
			}
		}
	}
}

// selectorWithin is Istio's selectorSubset: every label of x is in y with
// the same value. An empty x is within every selector.
func selectorWithin(x, y map[string]string) bool {
	for k, v := range x {
		if have, ok := y[k]; !ok || have != v {
			return false
		}
	}
	return true
}
