package check

import (
	"strings"
	"testing"
)

// egress is Istio's default egress gateway: labelled istio:
// egressgateway, behind a ClusterIP Service.
const egress = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {app: istio-egressgateway, istio: egressgateway}}
  template:
    metadata: {labels: {app: istio-egressgateway, istio: egressgateway}}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.20.2
        ports: [{containerPort: 8080}, {containerPort: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-egressgateway, namespace: istio-system}
spec:
  type: ClusterIP
  selector: {app: istio-egressgateway, istio: egressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080, protocol: TCP}
  - {name: https, port: 443, targetPort: 8443, protocol: TCP}
---
`

// internal is a gateway with its own label, behind ClusterIP only.
var internal = strings.NewReplacer(
	"istio-egressgateway", "internal-gateway",
	"egressgateway", "internal",
).Replace(egress)

// bookinfo routes HTTP from a Gateway to bookinfo's productpage.
func bookinfo(selector string) string {
	return gateway("default", "bookinfo", selector, 80, "*") + `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bookinfo]
  http:
  - match: [{uri: {exact: /productpage}}]
    route: [{destination: {host: productpage, port: {number: 9080}}}]
---
`
}

// cnn is Istio's egress example: sidecars send edition.cnn.com to the
// egress gateway, which sends it out.
const cnn = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway, namespace: default}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [edition.cnn.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: direct-cnn-through-egress-gateway, namespace: default}
spec:
  hosts: [edition.cnn.com]
  gateways: [istio-egressgateway, mesh]
  http:
  - match: [{gateways: [mesh], port: 80}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}}]
  - match: [{gateways: [istio-egressgateway], port: 80}]
    route: [{destination: {host: edition.cnn.com, port: {number: 80}}}]
---
`

func TestEgressGatewayForIngress(t *testing.T) {
	existingEgress := strings.NewReplacer("name: ingressgateway", "name: egress", "istio: ingressgateway", "istio: egressgateway").Replace(existingDecl)
	clusterIPDecl := `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: public, namespace: istio-ingress}
spec:
  default: true
  service: {type: ClusterIP}
---
`
	renderedClusterIP := clusterIPDecl + strings.Replace(rendered[strings.Index(rendered, "apiVersion: v1\nkind: Namespace"):], "type: LoadBalancer", "type: ClusterIP", 1)
	cases := []checkCase{
		{name: "the seed: the egress gateway behind bookinfo",
			input: egress + bookinfo("istio: egressgateway"),
			want:  []string{"Gateway default/bookinfo: spec.selector: the Gateway serves ingress (VirtualService default/bookinfo routes HTTP from it to productpage) but selects Deployment istio-system/istio-egressgateway, Istio's egress gateway (istio: egressgateway): it is exposed by a ClusterIP Service and carries egress policy"}},
		{name: "an IngressGateway declaring the egress gateway, and what edgegate renders on it",
			input: existingEgress + strings.Replace(gateway("default", "bookinfo", "istio: egressgateway", 80, "./*"), "namespace: default}", "namespace: default, labels: {app.kubernetes.io/managed-by: edgegate}}", 1),
			want: []string{
				"IngressGateway istio-system/egress: spec.selector: the selector picks Istio's egress gateway (istio: egressgateway): its Service is ClusterIP",
				"Gateway default/bookinfo: spec.selector: the Gateway serves ingress (edgegate rendered it for an AppIntent) but selects IngressGateway istio-system/egress, Istio's egress gateway (istio: egressgateway)",
			}},
		{name: "a gateway only ClusterIP Services expose",
			input: internal + bookinfo("istio: internal"),
			want:  []string{"Gateway default/bookinfo: spec.selector: the Gateway serves ingress (VirtualService default/bookinfo routes HTTP from it to productpage) but selects Deployment istio-system/internal-gateway, which only ClusterIP Services expose (Service istio-system/internal-gateway), like an egress gateway"}},
		{name: "a TCP route to name.namespace of a Service in the input is ingress too",
			input: internal + "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: default}\nspec:\n  selector: {app: db}\n  ports: [{name: tcp-postgres, port: 5432}]\n---\n" + strings.Replace(gateway("default", "db", "istio: internal", 5432, "*"), "protocol: HTTP", "protocol: TCP", 1) + `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: default}
spec:
  hosts: ["*"]
  gateways: [default/db]
  tcp: [{route: [{destination: {host: db.default, port: {number: 5432}}}]}]
---
`,
			want: []string{"Gateway default/db: spec.selector: the Gateway serves ingress (VirtualService default/db routes TCP from it to db.default)"}},

		{name: "Istio's egress example", input: egress + cnn},
		{name: "a ClusterIP gateway fronted by an Ingress",
			input: internal + bookinfo("istio: internal") + `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: edge, namespace: istio-system}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: internal-gateway, port: {number: 80}}}}
---
`},
		{name: "a ClusterIP gateway with a hostPort",
			input: strings.Replace(internal, "ports: [{containerPort: 8080}", "ports: [{containerPort: 8080, hostPort: 80}", 1) + bookinfo("istio: internal")},
		{name: "an internal gateway edgegate renders because its IngressGateway asks for ClusterIP", input: renderedClusterIP},
		{name: "the seed's ingress gateway", input: seedInstall + bookinfo("istio: ingressgateway")},
		{name: "a Gateway on the egress gateway nothing routes ingress through",
			input: egress + gateway("default", "egress", "istio: egressgateway", 443, "api.example.com")},
		{name: "edgegate's rendered gateway", input: rendered},
	}
	cases = append(cases, examples(t)...)
	runCases(t, "EG009", cases)
}
