package check

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render"
)

// Fixtures shared by the tests of EG002, EG003, EG009, EG012 and EG013.

// seedInstall is the seed's default ingress gateway as the legacy
// operator chart installs it: containerPorts 8080/8443 (plus 15021 status,
// 15090 metrics), a Service mapping 80→8080 and 443→8443, the proxy image
// written into the template, no security context.
const seedInstall = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {app: istio-ingressgateway, istio: ingressgateway}}
  template:
    metadata:
      labels: {app: istio-ingressgateway, istio: ingressgateway, sidecar.istio.io/inject: "false"}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.20.2
        args: [proxy, router]
        ports:
        - {containerPort: 15021, protocol: TCP}
        - {containerPort: 8080, protocol: TCP}
        - {containerPort: 8443, protocol: TCP}
        - {containerPort: 15090, name: http-envoy-prom, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system, labels: {app: istio-ingressgateway, istio: ingressgateway}}
spec:
  type: LoadBalancer
  selector: {app: istio-ingressgateway, istio: ingressgateway}
  ports:
  - {name: status-port, port: 15021, protocol: TCP, targetPort: 15021}
  - {name: http2, port: 80, protocol: TCP, targetPort: 8080}
  - {name: https, port: 443, protocol: TCP, targetPort: 8443}
---
`

// secondGateway is the seed's second ingress gateway, added through
// IstioOperator without its own label.istio: it keeps istio: ingressgateway.
const secondGateway = `apiVersion: apps/v1
kind: Deployment
metadata: {name: my-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {app: my-ingressgateway, istio: ingressgateway}}
  template:
    metadata:
      labels: {app: my-ingressgateway, istio: ingressgateway}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.20.2
        ports: [{containerPort: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: my-ingressgateway, namespace: istio-system}
spec:
  type: LoadBalancer
  selector: {app: my-ingressgateway, istio: ingressgateway}
  ports: [{name: http2, port: 80, protocol: TCP, targetPort: 8080}]
---
`

// existingDecl declares the seed's gateway to edgegate: existing, found
// by its selector, serving its Service's ports.
const existingDecl = `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: ingressgateway, namespace: istio-system}
spec:
  existing: true
  selector: {istio: ingressgateway}
  servicePorts:
  - {name: status-port, port: 15021, targetPort: 15021}
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
---
`

// rendered is edgegate's own output for the gateway "public" (copied
// from tests/golden/testdata/dedicated-gateway.yaml) with its intent and a
// Gateway and VirtualService rendered for an app.
const rendered = `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: public, namespace: istio-ingress}
spec:
  default: true
---
apiVersion: v1
kind: Namespace
metadata:
  name: istio-ingress
  labels:
    app.kubernetes.io/managed-by: edgegate
    istio-injection: enabled
---
apiVersion: v1
kind: Service
metadata:
  name: public
  namespace: istio-ingress
  labels:
    app.kubernetes.io/managed-by: edgegate
    app.kubernetes.io/name: public
    istio: public
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: public
    istio: public
  ports:
  - name: status-port
    port: 15021
    protocol: TCP
    targetPort: 15021
  - name: http-80
    port: 80
    protocol: TCP
    targetPort: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: public
  namespace: istio-ingress
  labels:
    app.kubernetes.io/managed-by: edgegate
    app.kubernetes.io/name: public
    istio: public
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: public
      istio: public
  template:
    metadata:
      annotations:
        inject.istio.io/templates: gateway
        prometheus.io/path: /stats/prometheus
        prometheus.io/port: "15020"
        prometheus.io/scrape: "true"
      labels:
        app.kubernetes.io/name: public
        istio: public
        istio.io/dataplane-mode: none
        sidecar.istio.io/inject: "true"
    spec:
      serviceAccountName: public
      securityContext:
        sysctls:
        - name: net.ipv4.ip_unprivileged_port_start
          value: "0"
      containers:
      - name: istio-proxy
        image: auto
        ports:
        - name: status-port
          containerPort: 15021
          protocol: TCP
        - name: http-envoy-prom
          containerPort: 15090
          protocol: TCP
        - name: http-80
          containerPort: 80
          protocol: TCP
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop:
            - ALL
          privileged: false
          readOnlyRootFilesystem: true
          runAsGroup: 1337
          runAsNonRoot: true
          runAsUser: 1337
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: shop
  namespace: shop
  labels:
    app.kubernetes.io/managed-by: edgegate
spec:
  selector:
    app.kubernetes.io/name: public
    istio: public
  servers:
  - port:
      number: 80
      name: http-80
      protocol: HTTP
    hosts:
    - ./shop.example.com
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
  labels:
    app.kubernetes.io/managed-by: edgegate
spec:
  hosts:
  - shop.example.com
  gateways:
  - shop/shop
  http:
  - match:
    - uri:
        prefix: /
    route:
    - destination:
        host: storefront.shop.svc.cluster.local
        port:
          number: 80
---
`

// gatewayApp is an application Deployment: no proxy in its template.
const gatewayApp = `apiVersion: apps/v1
kind: Deployment
metadata: {name: productpage, namespace: default}
spec:
  selector: {matchLabels: {app: productpage}}
  template:
    metadata: {labels: {app: productpage}}
    spec:
      containers:
      - name: productpage
        image: docker.io/istio/examples-bookinfo-productpage-v1:1.20.2
        ports: [{containerPort: 9080}]
---
`

// examples are edgegate's examples as the gate sees them in a render:
// the intents and lock, and the rendered output a human has read.
func examples(t *testing.T) []checkCase {
	t.Helper()
	var out []checkCase
	for _, name := range []string{"bookinfo", "dedicated-gateway", "existing-gateway", "multi-host", "tls", "two-namespaces"} {
		files, err := filepath.Glob(filepath.Join("..", "..", "examples", name, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("example %s: %v", name, err)
		}
		sort.Strings(files)
		files = append(files, filepath.Join("..", "..", "tests", "golden", "testdata", name+".yaml"))
		var b strings.Builder
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
			b.WriteString("\n---\n")
		}
		out = append(out, checkCase{name: "edgegate's example " + name, input: b.String()})
	}
	return out
}

func TestGatewaySelector(t *testing.T) {
	cases := []checkCase{
		{name: "the seed: a second gateway without its own istio label",
			input: seedInstall + secondGateway + gateway("default", "bookinfo", "istio: ingressgateway", 8080, "*"),
			want:  []string{`in.yaml:57: error: Gateway default/bookinfo: spec.selector: selector {istio: ingressgateway} matches 2 gateway workloads (Deployment istio-system/istio-ingressgateway, Deployment istio-system/my-ingressgateway): Istio configures this Gateway on all of them`}},
		{name: "the seed's second gateway next to the declared existing one",
			input: existingDecl + secondGateway + gateway("default", "bookinfo", "istio: ingressgateway", 80, "*"),
			want:  []string{`Gateway default/bookinfo: spec.selector: selector {istio: ingressgateway} matches 2 gateway workloads (Deployment istio-system/my-ingressgateway, IngressGateway istio-system/ingressgateway)`}},
		{name: "a hand-written gateway shares the label of a declared one not rendered yet",
			input: rendered[:strings.Index(rendered, "apiVersion: v1\nkind: Namespace")] +
				strings.ReplaceAll(secondGateway, "istio: ingressgateway", "istio: public") +
				gateway("shop", "shop", "istio: public", 80, "shop.example.com"),
			want: []string{`Gateway shop/shop: spec.selector: selector {istio: public} matches 2 gateway workloads (Deployment istio-system/my-ingressgateway, IngressGateway istio-ingress/public)`}},
		{name: "no selector and two gateways",
			input: seedInstall + rendered + strings.Replace(gateway("default", "all", "istio: x", 80, "*"), "  selector: {istio: x}\n", "", 1),
			want:  []string{`Gateway default/all: spec.selector: a Gateway without a selector matches 2 gateway workloads`}},
		{name: "two revisions of one gateway behind one Service are a warning",
			input: seedInstall + strings.Replace(strings.Replace(seedInstall[:strings.Index(seedInstall, "---")],
				"name: istio-ingressgateway,", "name: istio-ingressgateway-canary,", 1), "sidecar.istio.io/inject", "istio.io/rev: canary, sidecar.istio.io/inject", 1) + "---\n" +
				gateway("default", "bookinfo", "istio: ingressgateway", 8080, "*"),
			want: []string{`warning: Gateway default/bookinfo: spec.selector: selector {istio: ingressgateway} matches 2 gateway workloads (Deployment istio-system/istio-ingressgateway, Deployment istio-system/istio-ingressgateway-canary); they share Service istio-system/istio-ingressgateway`}},
		{name: "a declared gateway's name with a label its pods lack is an error",
			input: rendered + gateway("shop", "handwritten", "istio: public, app: public", 80, "x.example.com"),
			want:  []string{`Gateway shop/handwritten: spec.selector: selector {app: public, istio: public} matches no gateway workload: it names IngressGateway istio-ingress/public, whose pods edgegate renders with labels {app.kubernetes.io/name: public, istio: public, istio.io/dataplane-mode: none, sidecar.istio.io/inject: true} and not app=public; select {app.kubernetes.io/name: public, istio: public}`}},
		{name: "the same before rendering (edgegate check over intents)",
			input: rendered[:strings.Index(rendered, "apiVersion: v1\nkind: Namespace")] + gateway("shop", "handwritten", "app.kubernetes.io/name: public, team: shop", 80, "x.example.com"),
			want:  []string{`Gateway shop/handwritten: spec.selector: selector {app.kubernetes.io/name: public, team: shop} matches no gateway workload: it names IngressGateway istio-ingress/public`}},
		{name: "an existing gateway asked for more labels than declared is a warning",
			input: existingDecl + gateway("default", "bookinfo", "istio: ingressgateway, app: istio-ingressgateway", 80, "*"),
			want:  []string{`in.yaml:16: warning: Gateway default/bookinfo: spec.selector: selector {app: istio-ingressgateway, istio: ingressgateway} may match IngressGateway istio-system/ingressgateway, whose running pods are declared by {istio: ingressgateway} only: edgegate cannot tell whether they also carry app=istio-ingressgateway, so it judges this Gateway's hosts as served there`}},
		{name: "a label Istio's injector puts on an existing gateway's pods reaches it",
			input: existingDecl + gateway("evil", "steal", "service.istio.io/canonical-name: istio-ingressgateway", 80, "*"),
			want:  []string{`Gateway evil/steal: spec.selector: selector {service.istio.io/canonical-name: istio-ingressgateway} may match IngressGateway istio-system/ingressgateway, whose running pods are declared by {istio: ingressgateway} only: edgegate cannot tell whether they also carry service.istio.io/canonical-name=istio-ingressgateway`}},
		{name: "a label Kubernetes gives the rendered gateway's pods reaches it",
			input: rendered + gateway("evil", "steal", "pod-template-hash: 5d8f7c9b6", 80, "x.example.com"),
			want:  []string{`warning: Gateway evil/steal: spec.selector: selector {pod-template-hash: 5d8f7c9b6} may match Deployment istio-ingress/public only through pod-template-hash=5d8f7c9b6, labels whose values are set in the cluster`}},
		{name: "the canonical name Istio's injector gives the rendered gateway's pods selects it",
			input: rendered + gateway("shop", "by-canonical-name", "service.istio.io/canonical-name: public, service.istio.io/canonical-revision: latest", 80, "x.example.com")},
		{name: "a selector reaching nothing next to edgegate's gateway is an error",
			input: rendered + gateway("evil", "steal", "app: public", 80, "x.example.com"),
			want:  []string{`in.yaml:140: error: Gateway evil/steal: spec.selector: selector {app: public} matches no gateway workload in the input; the input holds IngressGateway istio-ingress/public`}},
		{name: "a selector for a gateway outside the input next to edgegate's gateway is an error",
			input: rendered + gateway("shop", "elsewhere", "istio: somewhere-else", 80, "x.example.com"),
			want:  []string{`in.yaml:140: error: Gateway shop/elsewhere: spec.selector: selector {istio: somewhere-else} matches no gateway workload in the input; the input holds IngressGateway istio-ingress/public, and a Gateway that reaches none of the input's gateway workloads escapes the checks that protect the hosts bound there: if the gateway runs outside it, declare it with an IngressGateway (existing: true, selector: {istio: somewhere-else})`}},
		{name: "the built-in gateway before rendering, by the canonical name Istio gives its pods: an info",
			input: "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: shop, namespace: shop}\nspec: {hosts: [shop.example.com], routes: [{to: storefront:80}]}\n---\n" +
				gateway("evil", "steal", "service.istio.io/canonical-name: edge", 80, "shop.example.com"),
			want: []string{`in.yaml:10: info: Gateway evil/steal: spec.selector: selector {service.istio.io/canonical-name: edge} matches only the gateway pods the built-in gateway istio-ingress/edge renders, which are not in the input`}},
		{name: "the same next to AppIntents on the built-in gateway",
			input: "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: shop, namespace: shop}\nspec: {hosts: [shop.example.com], routes: [{to: storefront:80}]}\n---\n" +
				gateway("evil", "steal", "app: edge", 80, "shop.example.com"),
			want: []string{`in.yaml:10: error: Gateway evil/steal: spec.selector: selector {app: edge} matches no gateway workload in the input; the input holds the built-in gateway istio-ingress/edge (AppIntent shop/shop binds to it)`}},
		{name: "no gateway workload in the input: Istio's default ingress is assumed, in an info",
			input: gateway("default", "bookinfo", "istio: ingressgateway", 8080, "*"),
			want:  []string{`in.yaml:5: info: Gateway default/bookinfo: spec.selector: selector {istio: ingressgateway}: the input declares no gateway workload, so edgegate assumes Istio's default ingress gateway, as istioctl analyze does`}},
		{name: "no gateway workload in the input, a selector the default ingress lacks",
			input: gateway("default", "bookinfo", "istio: custom", 8080, "*"),
			want:  []string{`in.yaml:5: warning: Gateway default/bookinfo: spec.selector: selector {istio: custom} matches no gateway workload in the input: if the gateway runs outside it, declare it with an IngressGateway (existing: true, selector: {istio: custom})`}},
		{name: "a gateway outside an input that declares another is a warning",
			input: seedInstall + gateway("default", "bookinfo", "istio: public", 8080, "*"),
			want:  []string{`warning: Gateway default/bookinfo: spec.selector: selector {istio: public} matches no gateway workload in the input: if the gateway runs outside it, declare it with an IngressGateway (existing: true, selector: {istio: public})`}},
		{name: "a selector matching only an app",
			input: gatewayApp + gateway("default", "bookinfo", "app: productpage", 80, "*"),
			want:  []string{`warning: Gateway default/bookinfo: spec.selector: selector {app: productpage} matches no gateway workload in the input (it matches Deployment default/productpage, which runs no gateway proxy: sidecars and plain pods ignore Gateways)`}},

		{name: "the seed's install and its Gateway",
			input: seedInstall + gateway("default", "bookinfo", "istio: ingressgateway", 8080, "*"), infos: true},
		{name: "edgegate's rendered gateway and Gateway", input: rendered},
		{name: "a declared gateway before rendering: an info, as Istio finds no pod (IST0101)",
			input: rendered[:strings.Index(rendered, "apiVersion: v1\nkind: Namespace")] + gateway("shop", "handwritten", "istio: public", 80, "x.example.com"),
			want:  []string{`info: Gateway shop/handwritten: spec.selector: selector {istio: public} matches only the gateway pods IngressGateway istio-ingress/public renders, which are not in the input: fine where that gateway runs, but Istio's analyzer, given only these files, finds no pod for the selector and reports IST0101 (Referenced selector not found) [EG002]`}},
		{name: "the declared existing gateway: an info, as Istio finds no pod (IST0101)",
			input: existingDecl + gateway("default", "bookinfo", "istio: ingressgateway", 80, "*"),
			want:  []string{`in.yaml:16: info: Gateway default/bookinfo: spec.selector: selector {istio: ingressgateway} matches only the gateway pods IngressGateway istio-system/ingressgateway declares (existing: true), which are not in the input: fine where that gateway runs, but Istio's analyzer, given only these files, finds no pod for the selector and reports IST0101 (Referenced selector not found) [EG002]`}},
		{name: "the declared existing gateway with its pods in the input",
			input: existingDecl + seedInstall + gateway("default", "bookinfo", "istio: ingressgateway", 80, "*"), infos: true},
		{name: "the declared existing gateway, its selector also matching an app's pods (Istio finds a pod)",
			input: strings.Replace(existingDecl, "selector: {istio: ingressgateway}", "selector: {team: edge}", 1) +
				strings.Replace(gatewayApp, "labels: {app: productpage}", "labels: {app: productpage, team: edge}", 1) + gateway("default", "bookinfo", "team: edge", 80, "*"), infos: true},
		{name: "a Deployment, its ReplicaSet and a dump of its pod are one workload",
			input: seedInstall + `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: istio-ingressgateway-6b77f8d9c5
  namespace: istio-system
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: istio-ingressgateway, controller: true, uid: x}]
spec:
  template:
    metadata: {labels: {app: istio-ingressgateway, istio: ingressgateway, pod-template-hash: 6b77f8d9c5}}
    spec:
      containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.20.2}]
---
apiVersion: v1
kind: Pod
metadata:
  name: istio-ingressgateway-6b77f8d9c5-x2x7k
  namespace: istio-system
  labels: {app: istio-ingressgateway, istio: ingressgateway, pod-template-hash: 6b77f8d9c5}
spec:
  containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.20.2}]
---
` + gateway("default", "bookinfo", "istio: ingressgateway", 8080, "*")},
		{name: "an injected sidecar is not a gateway",
			input: seedInstall + `apiVersion: v1
kind: Pod
metadata:
  name: productpage-v1-5d9b8c7f4-abcde
  namespace: default
  labels: {app: productpage, istio: ingressgateway-ish, tier: edge}
  annotations: {sidecar.istio.io/status: '{"containers":["istio-proxy"]}'}
spec:
  containers:
  - {name: productpage, image: docker.io/istio/examples-bookinfo-productpage-v1:1.20.2}
  - {name: istio-proxy, image: docker.io/istio/proxyv2:1.20.2, args: [proxy, sidecar]}
---
` + strings.Replace(seedInstall[:strings.Index(seedInstall, "---")], "labels: {app: istio-ingressgateway,", "labels: {tier: edge, app: istio-ingressgateway,", 1) +
				"---\n" + gateway("default", "edge", "tier: edge", 8080, "*")},
	}
	cases = append(cases, examples(t)...)
	runCases(t, "EG002", cases)
}

// TestEG002PredictionsMatchRender keeps predictions in step with
// render/labels.go: the labels it predicts for an IngressGateway's pods are
// the ones edgegate renders.
func TestEG002PredictionsMatchRender(t *testing.T) {
	input := []byte(`apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: public, namespace: istio-ingress}
spec:
  default: true
---
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: payments, namespace: payments-ingress}
spec:
  revision: canary
  labels: {team: payments}
---
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com]
  routes: [{to: "storefront:80"}]
---
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: checkout, namespace: payments}
spec:
  gateway: payments-ingress/payments
  hosts: [pay.example.com]
  routes: [{to: "checkout:8080"}]
`)
	objs, d := manifest.Parse(input, "in.yaml")
	if d.HasErrors() {
		t.Fatal(d)
	}
	predicted := predictions(model.NewIndex(objs, nil))
	res := render.Render(objs, render.Options{})
	if res.Diagnostics.HasErrors() {
		t.Fatal(res.Diagnostics)
	}
	rendered := 0
	for _, w := range model.NewIndex(res.Objects, nil).Workloads {
		if w.Obj.Kind != "Deployment" {
			continue
		}
		rendered++
		p := predicted.byName[w.Obj.Name]
		if p == nil {
			t.Errorf("no prediction for %s", w)
			continue
		}
		if !reflect.DeepEqual(p.labels, w.Labels) {
			t.Errorf("%s: predicted pod labels %v, rendered %v", w, p.labels, w.Labels)
		}
		if !model.IsGateway(w) {
			t.Errorf("%s is not recognised as a gateway workload", w)
		}
	}
	if rendered != 2 {
		t.Errorf("rendered %d gateway Deployments, want 2", rendered)
	}
}
