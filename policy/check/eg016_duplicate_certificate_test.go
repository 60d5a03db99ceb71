package check

import (
	"fmt"
	"strings"
	"testing"
)

// tlsGateway is a Gateway with one HTTPS server per tls setting given.
func tlsGateway(ns, name, selector string, tls ...string) string {
	var servers strings.Builder
	for i, t := range tls {
		fmt.Fprintf(&servers, "  - port: {number: %d, name: https-%d, protocol: HTTPS}\n    hosts: [\"%s%d.example.com\"]\n    tls: %s\n", 443+i, i, name, i, t)
	}
	return fmt.Sprintf("---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: %s, namespace: %s}\nspec:\n  selector: {%s}\n  servers:\n%s", name, ns, selector, servers.String())
}

func TestDuplicateCertificate(t *testing.T) {
	wildcard := "{mode: SIMPLE, credentialName: wildcard}"
	files := "{mode: SIMPLE, serverCertificate: /etc/certs/cert.pem, privateKey: /etc/certs/key.pem}"
	msg := `: credentialName "wildcard" is also presented by Gateway %s spec.servers[0] (in.yaml:%d) on the same gateway workload: each Gateway server has its own route table, and a browser that reuses an HTTP/2 connection for another host the certificate covers gets 404 from the wrong one (istio/istio#13589); serve the hosts presenting one certificate from one server (edgegate does for AppIntents sharing a credentialName) [EG016]`
	runCases(t, "EG016", []checkCase{
		{name: "two teams' Gateways present one certificate (IST0138 on both)",
			input: tlsGateway("shop", "shop", "istio: public", wildcard) + tlsGateway("blog", "blog", "istio: public", wildcard),
			want: []string{
				`in.yaml:20: warning: Gateway blog/blog: spec.servers[0].tls.credentialName` + fmt.Sprintf(msg, "shop/shop", 2),
				`in.yaml:10: warning: Gateway shop/shop: spec.servers[0].tls.credentialName` + fmt.Sprintf(msg, "blog/blog", 12),
			}},
		{name: "servers of one Gateway may share a certificate",
			input: tlsGateway("istio-ingress", "shared", "istio: public", wildcard, wildcard)},
		{name: "different certificates",
			input: tlsGateway("shop", "shop", "istio: public", wildcard) + tlsGateway("blog", "blog", "istio: public", "{mode: SIMPLE, credentialName: blog-cert}")},
		{name: "other ports and modes count: the analyzer compares only the certificate",
			input: tlsGateway("shop", "shop", "istio: public", "{mode: MUTUAL, credentialName: other}", wildcard) + tlsGateway("blog", "blog", "istio: public", wildcard),
			want:  []string{`Gateway blog/blog: spec.servers[0].tls.credentialName: credentialName "wildcard" is also presented by Gateway shop/shop spec.servers[1]`, `Gateway shop/shop: spec.servers[1].tls.credentialName`}},
		{name: "other workloads do not",
			input: tlsGateway("shop", "shop", "istio: public", wildcard) + tlsGateway("blog", "blog", "istio: internal", wildcard)},
		{name: "a selector within the other's reports only itself",
			input: tlsGateway("shop", "shop", "istio: public", wildcard) + tlsGateway("blog", "blog", "istio: public, tier: web", wildcard),
			want:  []string{`Gateway shop/shop: spec.servers[0].tls.credentialName: credentialName "wildcard" is also presented by Gateway blog/blog`}},
		{name: "an empty selector is within every selector",
			input: tlsGateway("shop", "shop", "", wildcard) + tlsGateway("blog", "blog", "istio: public", wildcard),
			want:  []string{`Gateway shop/shop: spec.servers[0].tls.credentialName: credentialName "wildcard" is also presented by Gateway blog/blog`}},
		{name: "the same certificate and key files",
			input: tlsGateway("shop", "shop", "istio: public", files) + tlsGateway("blog", "blog", "istio: public", files),
			want:  []string{`Gateway blog/blog: spec.servers[0].tls.serverCertificate: serverCertificate "/etc/certs/cert.pem" is also presented`, `Gateway shop/shop: spec.servers[0].tls.serverCertificate`}},
		{name: "the same certificate file with another key is not the same",
			input: tlsGateway("shop", "shop", "istio: public", files) + tlsGateway("blog", "blog", "istio: public", strings.Replace(files, "key.pem", "other.pem", 1))},
		{name: "files beside a credentialName are not compared",
			input: tlsGateway("shop", "shop", "istio: public", files) + tlsGateway("blog", "blog", "istio: public", strings.Replace(files, "{mode: SIMPLE,", "{mode: SIMPLE, credentialName: wildcard,", 1))},
		{name: "a plain-HTTP server with tls.httpsRedirect presents nothing",
			input: tlsGateway("shop", "shop", "istio: public", "{httpsRedirect: true}") + tlsGateway("blog", "blog", "istio: public", "{httpsRedirect: true}")},
	})
}

func TestDuplicateCertificateSuppression(t *testing.T) {
	wildcard := "{mode: SIMPLE, credentialName: wildcard}"
	withSuppression := func(gw string) string {
		return strings.Replace(gw, "namespace: shop}", "namespace: shop, annotations: {edgegate.dev/suppress: \"EG016: we know\"}}", 1)
	}
	runCases(t, "EG016", []checkCase{
		{name: "a team cannot silence what protects another namespace's hosts",
			input: withSuppression(tlsGateway("shop", "shop", "", wildcard)) + tlsGateway("blog", "blog", "istio: public", wildcard),
			want: []string{`Gateway shop/shop: spec.servers[0].tls.credentialName: credentialName "wildcard" is also presented by Gateway blog/blog`,
				`warning: Gateway shop/shop: metadata.annotations.edgegate.dev/suppress: the suppression of EG016 (duplicate-certificate) does not count`}},
		{name: "two Gateways of one namespace are its own to suppress",
			input: withSuppression(tlsGateway("shop", "shop", "", wildcard)) + tlsGateway("shop", "shop-admin", "istio: public", wildcard)},
	})
}
