package policy

import (
	"strings"
	"testing"
)

// eg003Gateway is a Gateway on the seed's default gateway with one HTTP
// server per port.
func eg003Gateway(name string, ports ...int) string {
	var b strings.Builder
	b.WriteString("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: " + name + ", namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n")
	for _, p := range ports {
		b.WriteString("  - port: {number: " + itoa(p) + ", name: http-" + itoa(p) + ", protocol: HTTP}\n    hosts: [\"*\"]\n")
	}
	return b.String() + "---\n"
}

// eg003WithService is the seed's gateway Deployment behind a Service with
// these ports (and these extra metadata fields).
func eg003WithService(ports, meta string) string {
	return eg003Install(eg002SeedInstall, ports, meta)
}

// eg003Install is the Deployment of install behind a Service with ports.
func eg003Install(install, ports, meta string) string {
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

func TestGatewayPortNotServed(t *testing.T) {
	namedPort := strings.Replace(eg002SeedInstall, "{containerPort: 8080, protocol: TCP}", "{containerPort: 8080, name: http, protocol: TCP}", 1)
	cases := []checkCase{
		{name: "the seed: 7070 and 9090 are not served",
			input: eg002SeedInstall + eg003Gateway("bookinfo", 7070, 9090),
			want: []string{
				"in.yaml:37: Gateway default/bookinfo: spec.servers[0].port.number: port 7070 is not served by Deployment istio-system/istio-ingressgateway: no container declares containerPort 7070 (it serves 8080, 8443, 15021, 15090); use a port it serves (its Service exposes 15021, 80→8080, 443→8443), or add the port to the workload and its Service [EG003]",
				"in.yaml:39: Gateway default/bookinfo: spec.servers[1].port.number: port 9090 is not served by Deployment istio-system/istio-ingressgateway",
			}},
		{name: "a Service port whose targetPort the pods do not serve",
			input: eg003WithService("  - {name: http2, port: 80, protocol: TCP, targetPort: 8081}\n", "") + eg003Gateway("bookinfo", 80),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 80 (targetPort 8081 of Service istio-system/istio-ingressgateway port \"http2\") is not served by Deployment istio-system/istio-ingressgateway: no container declares containerPort 8081"}},
		{name: "translation turned off: the Service port is listened on as written",
			input: eg003WithService("  - {name: http2, port: 80, protocol: TCP, targetPort: 8080}\n", ", labels: {experimental.istio.io/disable-gateway-port-translation: \"true\"}") + eg003Gateway("bookinfo", 80),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 80 is not served by Deployment istio-system/istio-ingressgateway: no container declares containerPort 80"}},
		{name: "served but not exposed by the Service (IST0162)",
			input: eg002SeedInstall + eg003Gateway("bookinfo", 15090),
			want:  []string{"warning: Gateway default/bookinfo: spec.servers[0].port.number: port 15090 is served by Deployment istio-system/istio-ingressgateway, but no TCP port of the Services selecting it sends to 15090: the listener is unreachable through the gateway's Service (Istio: IST0162)"}},
		{name: "exposed only over UDP (IST0162)",
			input: eg003WithService("  - {name: udp, port: 80, protocol: UDP, targetPort: 8080}\n", "") + eg003Gateway("bookinfo", 8080),
			want:  []string{"warning: Gateway default/bookinfo: spec.servers[0].port.number: port 8080 is served by Deployment istio-system/istio-ingressgateway, but no TCP port of the Services selecting it sends to 8080"}},
		{name: "a gateway without a Service, other Services in the input (IST0162)",
			input: eg002SecondGateway[:strings.Index(eg002SecondGateway, "---")+4] + eg002SeedInstall + strings.Replace(eg003Gateway("mine", 8080), "istio: ingressgateway", "app: my-ingressgateway", 1),
			want:  []string{"warning: Gateway default/mine: spec.servers[0].port.number: port 8080 is served by Deployment istio-system/my-ingressgateway, but no Service in the input selects it"}},
		{name: "a named targetPort Istio's analyzer does not resolve",
			input: eg003Install(namedPort, "  - {name: http2, port: 80, protocol: TCP, targetPort: http}\n", "") + eg003Gateway("bookinfo", 8080, 80),
			want:  []string{`info: Gateway default/bookinfo: spec.servers[0].port.number: port 8080 is served and exposed by Deployment istio-system/istio-ingressgateway, but Istio's analyzer reports IST0162 for it: Service istio-system/istio-ingressgateway port "http2" reaches it through the named targetPort "http", which Istio's analyzer does not resolve; write targetPort: 8080 to silence it`}},
		{name: "ports without protocol, as Istio's analyzer reads files",
			input: eg003WithService("  - {name: http2, port: 80, targetPort: 8080}\n", "") + eg003Gateway("bookinfo", 80),
			want:  []string{`info: Gateway default/bookinfo: spec.servers[0].port.number: port 80 is served and exposed by Deployment istio-system/istio-ingressgateway, but Istio's analyzer reports IST0162 for it: Service istio-system/istio-ingressgateway port "http2" reaches it, but says no protocol`}},
		{name: "the declared existing gateway does not serve 7070",
			input: eg002ExistingDecl + eg003Gateway("bookinfo", 7070, 80),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 7070 is not served by the gateway IngressGateway istio-system/ingressgateway declares: none of its spec.servicePorts is, or sends to, 7070 (it serves 8080, 8443, 15021); use a declared port (its Service exposes 15021, 80→8080, 443→8443)"}},
		{name: "an input without any Service: Istio reports IST0162 too",
			input: eg002SeedInstall[:strings.Index(eg002SeedInstall, "---")+4] + eg003Gateway("bookinfo", 8080),
			want:  []string{"warning: Gateway default/bookinfo: spec.servers[0].port.number: port 8080 is served by Deployment istio-system/istio-ingressgateway, but no Service in the input selects it"}},
		{name: "every gateway a selector picks must serve the port",
			input: eg002SeedInstall + eg002SecondGateway + eg003Gateway("bookinfo", 443),
			want:  []string{"Gateway default/bookinfo: spec.servers[0].port.number: port 443 is not served by Deployment istio-system/my-ingressgateway: no container declares containerPort 443"}},

		{name: "the seed: 8080 and 8443 as written, 80 and 443 through the Service",
			input: eg002SeedInstall + eg003Gateway("bookinfo", 8080, 8443, 80, 443)},
		{name: "the declared existing gateway serves 80 and 8080",
			input: eg002ExistingDecl + eg003Gateway("bookinfo", 80, 8080, 443)},
		{name: "a Gateway matching no workload is EG002's",
			input: eg003Gateway("bookinfo", 7070)},
		{name: "edgegate's rendered gateway", input: eg002Rendered},
	}
	cases = append(cases, eg002Examples(t)...)
	runCases(t, "EG003", cases)
}
