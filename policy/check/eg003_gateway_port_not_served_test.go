package check

import (
	"strings"
	"testing"
)

// portGateway is a Gateway on the seed's default gateway with one HTTP
// server per port.
func portGateway(name string, ports ...int) string {
	var b strings.Builder
	b.WriteString("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: " + name + ", namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n")
	for _, p := range ports {
		b.WriteString("  - port: {number: " + itoa(p) + ", name: http-" + itoa(p) + ", protocol: HTTP}\n    hosts: [\"*\"]\n")
	}
	return b.String() + "---\n"
}

// withService is the seed's gateway Deployment behind a Service with
// these ports (and these extra metadata fields).
func withService(ports, meta string) string {
	return install(seedInstall, ports, meta)
}

// install is the Deployment of install behind a Service with ports.
func install(install, ports, meta string) string {
	deployment := install[:strings.Index(install, "---")+4]
	return deployment + `apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system` + meta + `}
spec:
  type: LoadBalancer
  selector: {app: istio-ingressgateway, istio: ingressgateway}
  ports:
` + ports + "---\n"
}

// helmInstall is the gateway Istio's gateway Helm chart installs
// (helm install istio-ingress istio/gateway, trimmed): its istio-proxy
// container declares only the metrics port, its Service maps 80→80, 443→443.
const helmInstall = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingress, namespace: istio-ingress}
spec:
  selector: {matchLabels: {app: istio-ingress, istio: ingress}}
  template:
    metadata:
      annotations: {inject.istio.io/templates: gateway}
      labels: {app: istio-ingress, istio: ingress, sidecar.istio.io/inject: "true"}
    spec:
      securityContext:
        sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "0"}]
      containers:
      - name: istio-proxy
        image: auto
        ports: [{containerPort: 15090, protocol: TCP, name: http-envoy-prom}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingress, namespace: istio-ingress}
spec:
  type: LoadBalancer
  selector: {app: istio-ingress, istio: ingress}
  ports:
  - {name: status-port, port: 15021, protocol: TCP, targetPort: 15021}
  - {name: http2, port: 80, protocol: TCP, targetPort: 80}
  - {name: https, port: 443, protocol: TCP, targetPort: 443}
---
`

// helmGateway is the Gateway bookinfo on the Helm-installed gateway.
func helmGateway(ports ...int) string {
	return strings.Replace(portGateway("bookinfo", ports...), "istio: ingressgateway", "istio: ingress", 1)
}

func TestGatewayPortNotServed(t *testing.T) {
	namedPort := strings.Replace(seedInstall, "{containerPort: 8080, protocol: TCP}", "{containerPort: 8080, name: http, protocol: TCP}", 1)
	cases := []checkCase{
		{name: "the seed: 7070 and 9090 are not served",
			input: seedInstall + portGateway("bookinfo", 7070, 9090),
			want: []string{
				"in.yaml:37: error: Gateway default/bookinfo: spec.servers[0].port.number: port 7070 is not served by Deployment istio-system/istio-ingressgateway: no TCP port of the Services selecting it sends to 7070, and no container declares containerPort 7070 (it declares 8080, 8443, 15021, 15090); use a port it serves (its Service exposes 15021, 80→8080, 443→8443), or add a Service port with targetPort 7070 [EG003]",
				"in.yaml:39: error: Gateway default/bookinfo: spec.servers[1].port.number: port 9090 is not served by Deployment istio-system/istio-ingressgateway",
			}},
		{name: "translation turned off: the Service port is listened on as written",
			input: withService("  - {name: http2, port: 80, protocol: TCP, targetPort: 8080}\n", ", labels: {experimental.istio.io/disable-gateway-port-translation: \"true\"}") + portGateway("bookinfo", 80),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 80 is not served by Deployment istio-system/istio-ingressgateway: no TCP port of the Services selecting it sends to 80, and no container declares containerPort 80 (it declares 8080, 8443, 15021, 15090); use a port it serves (its Service exposes 80→8080; Service istio-system/istio-ingressgateway opts out of port translation (experimental.istio.io/disable-gateway-port-translation), so a Gateway names the targetPort there), or add a Service port with targetPort 80 [EG003]"}},
		{name: "Istio's gateway Helm chart: a port neither exposed nor declared",
			input: helmInstall + helmGateway(8080),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 8080 is not served by Deployment istio-ingress/istio-ingress: no TCP port of the Services selecting it sends to 8080, and no container declares containerPort 8080 (it declares 15090); use a port it serves (its Service exposes 15021, 80, 443), or add a Service port with targetPort 8080 [EG003]"}},
		{name: "a workload without a Service, declaring no such port",
			input: helmInstall[:strings.Index(helmInstall, "---")+4] + helmGateway(80),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 80 is not served by Deployment istio-ingress/istio-ingress: no Service in the input selects it, and no container declares containerPort 80 (it declares 15090)"}},
		{name: "served but not exposed by the Service (IST0162)",
			input: seedInstall + portGateway("bookinfo", 15090),
			want:  []string{"warning: Gateway default/bookinfo: spec.servers[0].port.number: port 15090 is served by Deployment istio-system/istio-ingressgateway, but no TCP port of the Services selecting it sends to 15090: the listener is unreachable through the gateway's Service (Istio: IST0162)"}},
		{name: "exposed only over UDP (IST0162)",
			input: withService("  - {name: udp, port: 80, protocol: UDP, targetPort: 8080}\n", "") + portGateway("bookinfo", 8080),
			want:  []string{"warning: Gateway default/bookinfo: spec.servers[0].port.number: port 8080 is served by Deployment istio-system/istio-ingressgateway, but no TCP port of the Services selecting it sends to 8080"}},
		{name: "a gateway without a Service, other Services in the input (IST0162)",
			input: secondGateway[:strings.Index(secondGateway, "---")+4] + seedInstall + strings.Replace(portGateway("mine", 8080), "istio: ingressgateway", "app: my-ingressgateway", 1),
			want:  []string{"warning: Gateway default/mine: spec.servers[0].port.number: port 8080 is served by Deployment istio-system/my-ingressgateway, but no Service in the input selects it"}},
		{name: "a named targetPort Istio's analyzer does not resolve",
			input: install(namedPort, "  - {name: http2, port: 80, protocol: TCP, targetPort: http}\n", "") + portGateway("bookinfo", 8080, 80),
			want:  []string{`info: Gateway default/bookinfo: spec.servers[0].port.number: port 8080 is served and exposed by Deployment istio-system/istio-ingressgateway, but Istio's analyzer reports IST0162 for it: Service istio-system/istio-ingressgateway port "http2" reaches it through the named targetPort "http", which Istio's analyzer does not resolve; write targetPort: 8080 to silence it`}},
		{name: "ports without protocol, as Istio's analyzer reads files",
			input: withService("  - {name: http2, port: 80, targetPort: 8080}\n", "") + portGateway("bookinfo", 80),
			want:  []string{`info: Gateway default/bookinfo: spec.servers[0].port.number: port 80 is served and exposed by Deployment istio-system/istio-ingressgateway, but Istio's analyzer reports IST0162 for it: Service istio-system/istio-ingressgateway port "http2" reaches it, but says no protocol`}},
		{name: "translated through a UDP port, reached over TCP through another",
			input: withService("  - {name: udp, port: 80, protocol: UDP, targetPort: 8080}\n  - {name: http2, port: 81, protocol: TCP, targetPort: 8080}\n", "") + portGateway("bookinfo", 80),
			want:  []string{`info: Gateway default/bookinfo: spec.servers[0].port.number: port 80 is served and exposed by Deployment istio-system/istio-ingressgateway, but Istio's analyzer reports IST0162 for it: it counts only the port and numeric targetPort of Service ports that say protocol: TCP, and 80 is neither (Service istio-system/istio-ingressgateway port "http2" reaches the listener over TCP); write the Gateway's port as 81 to silence it`}},
		{name: "the declared existing gateway does not serve 7070",
			input: existingDecl + portGateway("bookinfo", 7070, 80),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 7070 is not served by the gateway IngressGateway istio-system/ingressgateway declares: none of its spec.servicePorts is, or sends to, 7070 (it serves 8080, 8443, 15021); use a declared port (its Service exposes 15021, 80→8080, 443→8443)"}},
		{name: "an input without any Service: Istio reports IST0162 too",
			input: seedInstall[:strings.Index(seedInstall, "---")+4] + portGateway("bookinfo", 8080),
			want:  []string{"warning: Gateway default/bookinfo: spec.servers[0].port.number: port 8080 is served by Deployment istio-system/istio-ingressgateway, but no Service in the input selects it"}},
		{name: "every gateway a selector picks must serve the port",
			input: seedInstall + secondGateway + portGateway("bookinfo", 443),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 443 is not served by Deployment istio-system/my-ingressgateway: no TCP port of the Services selecting it sends to 443, and no container declares containerPort 443 (it declares 8080)"}},

		{name: "the seed: 8080 and 8443 as written, 80 and 443 through the Service",
			input: seedInstall + portGateway("bookinfo", 8080, 8443, 80, 443)},
		{name: "a Service port whose targetPort no container declares: Envoy listens there and gets the traffic",
			input: withService("  - {name: http2, port: 80, protocol: TCP, targetPort: 8081}\n", "") + portGateway("bookinfo", 80), infos: true},
		{name: "Istio's gateway Helm chart: 80 and 443 through its Service, declared only 15090",
			input: helmInstall + helmGateway(80, 443), infos: true},
		{name: "the declared existing gateway serves 80 and 8080",
			input: existingDecl + portGateway("bookinfo", 80, 8080, 443)},
		{name: "a Gateway matching no workload is EG002's",
			input: seedInstall + strings.Replace(portGateway("bookinfo", 7070), "istio: ingressgateway", "istio: other", 1)},
		{name: "no gateway workload in the input: judged against Istio's default ingress",
			input: portGateway("bookinfo", 80, 443, 15443, 31400, 7070),
			want:  []string{`in.yaml:15: error: Gateway default/bookinfo: spec.servers[4].port.number: port 7070 is not served: the input declares no gateway workload, so edgegate assumes Istio's default ingress gateway, as istioctl analyze does: pods labelled istio: ingressgateway in istio-system behind the Service istio-ingressgateway, ports 80, 443, 31400 and 15443, and none of those is 7070`}},
		{name: "edgegate's rendered gateway", input: rendered},
	}
	cases = append(cases, examples(t)...)
	runCases(t, "EG003", cases)
}
