package explain

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/render"
	"github.com/edgegate/edgegate/tests/testutil"
)

// world renders files ("---FILE name" starts one) and indexes the result.
func world(t *testing.T, src string) *World {
	t.Helper()
	objs := testutil.ParseFiles(t, src)
	res := render.Render(objs, render.Options{})
	if res.Diagnostics.HasErrors() {
		t.Fatalf("render: %v", res.Diagnostics)
	}
	return NewWorld(res)
}

func ask(t *testing.T, w *World, req Request) *Answer {
	t.Helper()
	a, err := w.Explain(req)
	if err != nil {
		t.Fatalf("%s: %v", req.URL, err)
	}
	return a
}

// summary is outcome and destinations, or outcome and the redirect.
func summary(a *Answer) string {
	switch a.Outcome {
	case Route:
		var ds []string
		for _, d := range a.Destinations {
			ds = append(ds, fmt.Sprintf("%s:%d/%d", d.Host, d.Port, d.Weight))
		}
		return "route " + strings.Join(ds, ",")
	case Redirect:
		return "redirect " + a.Redirect
	}
	return a.Outcome + " " + a.Reason
}

const catchAll = `---FILE gateways.yaml
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: public, namespace: istio-ingress}
spec: {default: true}
---FILE shop.yaml
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com]
  tls: {credentialName: shop-cert}
  routes:
  - prefix: /api
    to: api:8080
  - name: canary
    exact: /cart
    headers: {x-canary: "true"}
    to: [{service: cart-v2:80, weight: 20}, {service: cart:80, weight: 80}]
  - to: storefront:8080
---FILE tenants.yaml
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: tenants, namespace: tenants}
spec:
  hosts: ["*.example.com"]
  tls: {credentialName: tenants-cert}
  routes:
  - to: tenant-router:8080
---FILE legacy.yaml
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: legacy, namespace: legacy}
spec:
  hosts: ["*"]
  routes:
  - to: legacy-web:80
`

func TestEnvoysPrecedence(t *testing.T) {
	w := world(t, catchAll)
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{URL: "https://shop.example.com/cart"}, "route storefront.shop.svc.cluster.local:8080/100"},
		{Request{URL: "https://acme.example.com/"}, "route tenant-router.tenants.svc.cluster.local:8080/100"},
		{Request{URL: "https://a.b.example.com/"}, "route tenant-router.tenants.svc.cluster.local:8080/100"},
		{Request{URL: "http://anything.org/x"}, "route legacy-web.legacy.svc.cluster.local:80/100"},
		// example.com is not under *.example.com: the catch-all's.
		{Request{URL: "http://example.com/"}, "route legacy-web.legacy.svc.cluster.local:80/100"},
		{Request{URL: "http://shop.example.com/cart"}, "redirect https://shop.example.com/cart"},
		{Request{URL: "http://acme.example.com/login?next=1"}, "redirect https://acme.example.com/login?next=1"},
		// The catch-all has no HTTPS server: no filter chain takes the SNI.
		{Request{URL: "https://anything.org/"}, "no-filter-chain no-server-name"},
		// A reused connection: shop's filter chain, a tenant's Host.
		{Request{URL: "https://acme.example.com/", SNI: "shop.example.com"}, "no-route no-virtual-host"},
		// The other way round (a browser reusing its connection to a tenant,
		// whose certificate covers shop): the wildcard's route table takes shop's Host.
		{Request{URL: "https://shop.example.com/", SNI: "acme.example.com"}, "route tenant-router.tenants.svc.cluster.local:8080/100"},
		{Request{URL: "http://shop.example.com:8080/"}, "no-listener no-service-port"},
		{Request{URL: "https://shop.example.com:80/"}, "no-filter-chain tls-to-plaintext"},
		{Request{URL: "http://shop.example.com:443/"}, "no-filter-chain plaintext-to-tls"},
	} {
		if got := summary(ask(t, w, c.req)); got != c.want {
			t.Errorf("%s (SNI %q): got %s, want %s", c.req.URL, c.req.SNI, got, c.want)
		}
	}
}

func TestElementWisePrefixAndHeaders(t *testing.T) {
	w := world(t, catchAll)
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{URL: "https://shop.example.com/api"}, "route api.shop.svc.cluster.local:8080/100"},
		{Request{URL: "https://shop.example.com/api/"}, "route api.shop.svc.cluster.local:8080/100"},
		{Request{URL: "https://shop.example.com/api/x?y=1"}, "route api.shop.svc.cluster.local:8080/100"},
		{Request{URL: "https://shop.example.com/apiary"}, "route storefront.shop.svc.cluster.local:8080/100"},
		{Request{URL: "https://shop.example.com/cart", Headers: map[string]string{"X-Canary": "true"}},
			"route cart-v2.shop.svc.cluster.local:80/20,cart.shop.svc.cluster.local:80/80"},
		{Request{URL: "https://shop.example.com/cart", Headers: map[string]string{"x-canary": "false"}}, "route storefront.shop.svc.cluster.local:8080/100"},
	} {
		if got := summary(ask(t, w, c.req)); got != c.want {
			t.Errorf("%s %v: got %s, want %s", c.req.URL, c.req.Headers, got, c.want)
		}
	}
	// The person reading the answer learns why the canary rule was skipped.
	a := ask(t, w, Request{URL: "https://shop.example.com/cart", Headers: map[string]string{"x-canary": "false"}})
	text := a.Text()
	for _, want := range []string{`header x-canary is "false", not "true" (header mismatch)`, "path /cart is not exact /api", "does not start with prefix /api/"} {
		if !strings.Contains(text, want) {
			t.Errorf("text does not say %q:\n%s", want, text)
		}
	}
}

func TestPointsAtWhatAPersonWrote(t *testing.T) {
	w := world(t, catchAll+`---FILE hostbindings.yaml
apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: public, namespace: istio-ingress}
spec:
  gateway: istio-ingress/public
  ports:
  - port: 80
    protocol: HTTP
    hosts:
      "*": legacy/legacy
      "*.example.com": tenants/tenants
      shop.example.com: shop/shop
  - port: 443
    protocol: HTTPS
    hosts:
      "*.example.com": tenants/tenants
      shop.example.com: shop/shop
`)
	a := ask(t, w, Request{URL: "https://shop.example.com/api/v1"})
	if a.Gateway == nil || a.Gateway.At != "gateways.yaml:1" {
		t.Errorf("gateway at %+v, want gateways.yaml:1", a.Gateway)
	}
	if a.Listener.Lock == nil || a.Listener.Lock.At != "hostbindings.yaml:17" {
		t.Errorf("lock entry %+v, want hostbindings.yaml:17 (shop.example.com on 443)", a.Listener.Lock)
	}
	if a.Server == nil || len(a.Server.Apps) != 1 || a.Server.Apps[0].At != "shop.yaml:5" || a.Server.SNIMatch != "exact" {
		t.Errorf("server %+v, want AppIntent shop/shop spec.hosts[0] at shop.yaml:5, SNI exact", a.Server)
	}
	// Rule 0 is the redirect of plain HTTP; rule 1 the route spec.routes[0].
	if a.Rule == nil || a.Rule.Index != 1 || a.Rule.Field != "spec.routes[0]" || a.Rule.At != "shop.yaml:8" {
		t.Errorf("rule %+v, want rule 1 from spec.routes[0] at shop.yaml:8", a.Rule)
	}
	if a.VirtualService == nil || a.VirtualService.From != "AppIntent shop/shop" {
		t.Errorf("virtual service %+v, want rendered from AppIntent shop/shop", a.VirtualService)
	}
}

// Hand-written Gateways and VirtualServices are evaluated as pilot merges
// them: plain-HTTP servers of one port share one route table, a host
// scoped to a namespace admits only that namespace's VirtualServices, and
// a catch-all route of one VirtualService goes after the others' routes.
func TestHandWrittenConfiguration(t *testing.T) {
	w := world(t, `---FILE gw.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.24.0
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http2, port: 80, targetPort: 8080}]
---FILE a.yaml
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: a, namespace: a}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["./*.example.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: a}
spec:
  hosts: ["*.example.com"]
  gateways: [a]
  http:
  - route: [{destination: {host: a-web}}]
---FILE b.yaml
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b, namespace: b}
spec:
  hosts: ["b.example.com"]
  gateways: [a/a]
  http:
  - route: [{destination: {host: b-web, port: {number: 80}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: c, namespace: a}
spec:
  hosts: ["c.example.com"]
  gateways: [a]
  http:
  - match: [{uri: {prefix: /c}}]
    route: [{destination: {host: c-web, port: {number: 80}}}]
`)
	for _, c := range []struct{ url, want string }{
		// b's VirtualService is in namespace b; the server admits namespace a only.
		{"http://b.example.com/", "route a-web.a.svc.cluster.local:80/100"},
		{"http://c.example.com/c", "route c-web.a.svc.cluster.local:80/100"},
		{"http://c.example.com/x", "no-route no-matching-route"},
		{"http://other.org/", "no-route no-virtual-host"},
		{"http://x.example.com:8080/", "no-listener no-service-port"},
	} {
		if got := summary(ask(t, w, Request{URL: c.url})); got != c.want {
			t.Errorf("%s: got %s, want %s", c.url, got, c.want)
		}
	}
	if a := ask(t, w, Request{URL: "http://x.example.com/"}); a.Gateway.Name != "istio-system/istio-ingressgateway" || a.Listener.Port != 8080 {
		t.Errorf("gateway %+v listener %+v, want istio-system/istio-ingressgateway, port 80 translated to 8080", a.Gateway, a.Listener)
	}
}

func TestQuestionsItCannotAnswer(t *testing.T) {
	w := world(t, catchAll)
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{URL: "ftp://shop.example.com/"}, "the scheme must be http or https"},
		{Request{URL: "https://user:secret@shop.example.com/"}, "credentials in a URL"},
		{Request{URL: "ftp://user:secret@shop.example.com/"}, "credentials in a URL"},
		{Request{URL: "https://user:secret@shop example.com/"}, "not a URL"},
		{Request{URL: "https://shop.example.com:0/"}, "not a port number"},
		{Request{URL: "http://10.0.0.1/"}, "IP address"},
		{Request{URL: "http://shop.example.com/", SNI: "x"}, "plain-HTTP request has no SNI"},
		{Request{URL: "http://shop.example.com/", Gateway: "istio-ingress/nope"}, `no such gateway (known: istio-ingress/public)`},
		{Request{URL: "http://shop.example.com/", Gateway: "nope"}, "write namespace/name"},
	} {
		_, err := w.Explain(c.req)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got error %v, want one saying %q", c.req, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("the error echoes the URL's password: %v", err)
		}
	}
}

// One Gateway server for the apps that share a certificate, as a platform
// writes it in the gateway's namespace (namespace/host per app): one route
// table, so a browser reusing its connection for the other host is routed,
// and each host still admits only its own namespace's VirtualService.
func TestSharedCertificateServer(t *testing.T) {
	w := world(t, `---FILE gateways.yaml
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: public, namespace: istio-ingress}
spec:
  existing: true
  selector: {istio: public}
  servicePorts: [{name: https, port: 443, targetPort: 8443}]
---FILE shared.yaml
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shared, namespace: istio-ingress}
spec:
  selector: {istio: public}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop/shop.example.com, blog/blog.example.com]
    tls: {mode: SIMPLE, credentialName: wildcard-cert}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com, blog.example.com]
  gateways: [istio-ingress/shared]
  http:
  - route: [{destination: {host: storefront, port: {number: 8080}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: blog, namespace: blog}
spec:
  hosts: [blog.example.com]
  gateways: [istio-ingress/shared]
  http:
  - route: [{destination: {host: ghost, port: {number: 2368}}}]
`)
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{URL: "https://shop.example.com/"}, "route storefront.shop.svc.cluster.local:8080/100"},
		// shop's VirtualService also names blog.example.com, but the server
		// admits only namespace blog's VirtualServices for that host.
		{Request{URL: "https://blog.example.com/"}, "route ghost.blog.svc.cluster.local:2368/100"},
		{Request{URL: "https://blog.example.com/", SNI: "shop.example.com"}, "route ghost.blog.svc.cluster.local:2368/100"},
		{Request{URL: "https://shop.example.com/", SNI: "blog.example.com"}, "route storefront.shop.svc.cluster.local:8080/100"},
	} {
		a := ask(t, w, c.req)
		if got := summary(a); got != c.want {
			t.Errorf("%s (SNI %q): got %s, want %s", c.req.URL, c.req.SNI, got, c.want)
		}
		if a.RouteTable != "https.443.https.shared.istio-ingress" || a.Listener.Port != 8443 {
			t.Errorf("%s: route table %s on listener %d, want https.443.https.shared.istio-ingress on 8443", c.req.URL, a.RouteTable, a.Listener.Port)
		}
	}
}

// TestExternalNameService: pilot's kube registry makes an ExternalName
// Service an alias of its external name, and a route to it goes to the
// external name's cluster (GetDestinationCluster), one step only, the name
// as written; the port is the one given, else the ExternalName Service's
// own only port, else the server's. A spec.externalName on a Service of
// another type means nothing to pilot.
func TestExternalNameService(t *testing.T) {
	w := world(t, `---FILE gateways.yaml
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: public, namespace: istio-ingress}
spec: {default: true}
---FILE shop.yaml
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com]
  routes:
  - prefix: /pay
    to: payments:443
  - prefix: /split
    to: [{service: payments:8443, weight: 30}, {service: web:8080, weight: 70}]
---FILE routes.yaml
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: legacy, namespace: legacy}
spec:
  selector: {istio: public}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["legacy.example.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: legacy, namespace: legacy}
spec:
  hosts: [legacy.example.com]
  gateways: [legacy]
  http:
  - match: [{uri: {prefix: /ledger}}]
    route: [{destination: {host: ledger}}]
  - match: [{uri: {prefix: /chain}}]
    route: [{destination: {host: chain.legacy.svc.cluster.local}}]
  - match: [{uri: {prefix: /bare}}]
    route: [{destination: {host: bare}}]
  - match: [{uri: {prefix: /clusterip}}]
    route: [{destination: {host: clusterip}}]
---FILE services.yaml
apiVersion: v1
kind: Service
metadata: {name: payments, namespace: shop}
spec:
  type: ExternalName
  externalName: api.payments.example.com
  ports: [{name: https, port: 443}, {name: https-alt, port: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ledger, namespace: legacy}
spec:
  type: ExternalName
  externalName: ledger.finance.svc.cluster.local
  ports: [{name: http, port: 7000}]
---
apiVersion: v1
kind: Service
metadata: {name: chain, namespace: legacy}
spec:
  type: ExternalName
  externalName: ledger.legacy.svc.cluster.local
  ports: [{name: http, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: bare, namespace: legacy}
spec:
  type: ExternalName
  externalName: bare.example.com.
---
apiVersion: v1
kind: Service
metadata: {name: clusterip, namespace: legacy}
spec:
  selector: {app: clusterip}
  externalName: ignored.example.com
  ports: [{name: http, port: 8000}]
`)
	for _, c := range []struct{ url, want string }{
		{"http://shop.example.com/pay", "route api.payments.example.com:443/100"},
		{"http://shop.example.com/split", "route api.payments.example.com:8443/30,web.shop.svc.cluster.local:8080/70"},
		// Another Service under a second name: ledger's port 7000, not finance's.
		{"http://legacy.example.com/ledger", "route ledger.finance.svc.cluster.local:7000/100"},
		// chain -> ledger -> finance: pilot stops at ledger, chain's port.
		{"http://legacy.example.com/chain", "route ledger.legacy.svc.cluster.local:9000/100"},
		// No port anywhere: the server's; the final dot kept.
		{"http://legacy.example.com/bare", "route bare.example.com.:80/100"},
		{"http://legacy.example.com/clusterip", "route clusterip.legacy.svc.cluster.local:8000/100"},
	} {
		if got := summary(ask(t, w, Request{URL: c.url})); got != c.want {
			t.Errorf("%s: got %s, want %s", c.url, got, c.want)
		}
	}
	a := ask(t, w, Request{URL: "http://shop.example.com/pay"})
	if d := a.Destinations; len(d) != 1 || d[0].ExternalNameOf != "shop/payments" {
		t.Errorf("destinations %+v, want one naming ExternalName Service shop/payments", d)
	}
	if want := "goes to api.payments.example.com:443 (the external name of Service shop/payments)"; !strings.Contains(a.Text(), want) {
		t.Errorf("text does not say %q:\n%s", want, a.Text())
	}
	if d := ask(t, w, Request{URL: "http://legacy.example.com/clusterip"}).Destinations; len(d) != 1 || d[0].ExternalNameOf != "" {
		t.Errorf("destinations %+v, want no external name for a ClusterIP Service", d)
	}
}
