package check

import "testing"

func TestExternalNamePortName(t *testing.T) {
	ext := func(meta, ports string) string {
		return "apiVersion: v1\nkind: Service\nmetadata: {name: payments, namespace: shop" + meta + "}\nspec:\n  type: ExternalName\n  externalName: api.payments.example.com\n  ports:\n" + ports + "---\n"
	}
	runCases(t, "EG020", []checkCase{
		{name: "a port named tcp",
			input: ext("", "  - {name: tcp, port: 443, protocol: TCP}\n"),
			want:  []string{`in.yaml:8: warning: Service shop/payments: spec.ports[0].name: port 443 of ExternalName Service shop/payments is named tcp: with no cluster IP to match, proxies match a TCP port by port alone, so they may send port 443's unmatched traffic to api.payments.example.com, or fail to forward this port's own (Istio: IST0150)`}},
		{name: "an unnamed port and one named after nothing",
			input: ext("", "  - {port: 443}\n  - {name: payments, port: 8443}\n"),
			want: []string{
				`spec.ports[0].name: port 443 of ExternalName Service shop/payments has no name, so Istio cannot tell its protocol and treats it as TCP`,
				`spec.ports[1].name: port 8443 of ExternalName Service shop/payments is named "payments", which does not say its protocol, so Istio treats it as TCP`,
			}},

		{name: "ports named after their protocol, tcp-suffixed, or with appProtocol",
			input: ext("", "  - {name: https, port: 443}\n  - {name: tls-alt, port: 8443}\n  - {name: tcp-db, port: 5432}\n  - {name: tcp, appProtocol: tls, port: 9443}\n  - {port: 53, protocol: UDP}\n")},
		{name: "Istio's own and Kubernetes' namespaces are left out, as Istio does",
			input: ext(", labels: {istio: egressgateway}", "  - {name: tcp, port: 443}\n") +
				"apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: kube-system}\nspec:\n  type: ExternalName\n  externalName: dns.example.com\n  ports: [{name: tcp, port: 53}]\n---\n"},
		{name: "a ClusterIP Service is EG012's", input: "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\nspec:\n  ports: [{name: tcp, port: 443}]\n---\n"},
	})
}
