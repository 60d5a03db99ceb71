package policy

import (
	"strings"
	"testing"
)

func TestPortName(t *testing.T) {
	withPorts := func(ports string) string { return eg003WithService(ports, "") }
	productpage := `apiVersion: v1
kind: Service
metadata: {name: productpage, namespace: default}
spec:
  selector: {app: productpage}
  ports:
  - {name: web, port: 9080}
  - {name: admin, port: 9901}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bookinfo]
  http:
  - route: [{destination: {host: productpage.default.svc.cluster.local, port: {number: 9080}}}]
---
`
	cases := []checkCase{
		{name: "a gateway Service port named after nothing",
			input: withPorts("  - {name: status-port, port: 15021, targetPort: 15021, protocol: TCP}\n  - {name: web, port: 80, targetPort: 8080, protocol: TCP}\n"),
			want:  []string{`in.yaml:28: warning: Service istio-system/istio-ingressgateway: spec.ports[1].name: port name "web" (port 80) does not say its protocol: name it <protocol>[-suffix], e.g. http-web or tcp-web, or set appProtocol; it exposes a gateway workload, whose in-mesh clients pick the protocol from it, and Kiali reports KIA0601 [EG012]`}},
		{name: "an unnamed gateway Service port",
			input: withPorts("  - {port: 80, targetPort: 8080, protocol: TCP}\n"),
			want:  []string{`warning: Service istio-system/istio-ingressgateway: spec.ports[0].name: port 80 has no name, so Istio cannot tell its protocol`}},
		{name: "an appProtocol Istio does not know",
			input: withPorts("  - {name: http2, appProtocol: web, port: 80, targetPort: 8080, protocol: TCP}\n"),
			want:  []string{`warning: Service istio-system/istio-ingressgateway: spec.ports[0].appProtocol: appProtocol "web" (port 80) is not a protocol Istio knows`}},
		{name: "a Service an ingress route sends to (IST0118)",
			input: eg002SeedInstall + gateway("default", "bookinfo", "istio: ingressgateway", 80, "*") + productpage,
			want:  []string{`info: Service default/productpage: spec.ports[0].name: port name "web" (port 9080) does not say its protocol: name it <protocol>[-suffix], e.g. http-web or tcp-web, or set appProtocol; VirtualService default/bookinfo routes ingress traffic to it, and the gateway talks to it in the protocol the name says (Istio: IST0118) [EG012]`}},
		{name: "Gateway server names Kiali flags",
			input: eg002SeedInstall + strings.Replace(gateway("default", "web", "istio: ingressgateway", 80, "*"), "name: http,", "name: web,", 1) +
				strings.Replace(gateway("default", "h2", "istio: ingressgateway", 8080, "*"), "name: http,", "name: http2,", 1),
			want: []string{
				`info: Gateway default/web: spec.servers[0].port.name: port name "web" does not start with its protocol HTTP: Istio only needs a unique name, but Kiali reports KIA0601; name it http or http-80`,
				`info: Gateway default/h2: spec.servers[0].port.name: port name "http2" does not start with its protocol HTTP`,
			}},

		{name: "the seed's gateway Service: status-port, http2, https", input: eg002SeedInstall},
		{name: "appProtocol names the protocol",
			input: withPorts("  - {name: web, appProtocol: http, port: 80, targetPort: 8080, protocol: TCP}\n  - {name: h2c, appProtocol: kubernetes.io/h2c, port: 81, targetPort: 8080}\n")},
		{name: "UDP and Istio's well-known TCP ports",
			input: withPorts("  - {port: 53, targetPort: 8080, protocol: UDP}\n  - {name: smtp, port: 25, targetPort: 8080}\n")},
		{name: "an app Service no ingress route reaches",
			input: eg002SeedInstall + strings.Replace(productpage, "gateways: [bookinfo]", "gateways: [mesh]", 1)},
		{name: "a TCP Gateway server may have any name",
			input: eg002SeedInstall + strings.Replace(gateway("default", "db", "istio: ingressgateway", 8080, "*"), "name: http, protocol: HTTP", "name: postgres, protocol: TCP", 1)},
		{name: "edgegate's rendered gateway", input: eg002Rendered},
	}
	cases = append(cases, eg002Examples(t)...)
	runCases(t, "EG012", cases)
}
