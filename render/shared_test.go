package render

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// secretFor is a TLS Secret in the built-in gateway's namespace whose
// certificate carries the DNS names given. The key is a placeholder: only
// the certificate is ever read.
func secretFor(t *testing.T, name string, dnsNames ...string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: dnsNames[0]}, DNSNames: dnsNames,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	crt := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return fmt.Sprintf(`---
apiVersion: v1
kind: Secret
metadata: {name: %s, namespace: istio-ingress}
type: kubernetes.io/tls
data: {tls.crt: %s, tls.key: cGxhY2Vob2xkZXI=}
`, name, crt)
}

func gatewayYAML(t *testing.T, res *Result, ns, name string) string {
	t.Helper()
	return yamlOf(t, object(t, res, "Gateway", ns, name))
}

func TestAppsPresentingOneCertificateShareOneServer(t *testing.T) {
	wildcard := "  tls: {credentialName: wildcard}"
	res := mustRender(t, app("shop", "shop", `"shop.example.com"`, wildcard)+
		app("blog", "blog", `"blog.example.com", "www.blog.example.com"`, wildcard)+
		app("alone", "alone", `"alone.example.org"`, "  tls: {credentialName: alone}"), Options{})

	shared := gatewayYAML(t, res, "istio-ingress", "edge-tls-wildcard")
	want := `spec:
  selector:
    app.kubernetes.io/name: edge
    istio: edge
  servers:
  - port:
      number: 443
      name: https-443
      protocol: HTTPS
    hosts:
    - blog/blog.example.com
    - blog/www.blog.example.com
    - shop/shop.example.com
    tls:
      mode: SIMPLE
      credentialName: wildcard
`
	if !strings.Contains(shared, want) {
		t.Errorf("shared Gateway:\n%s\nwant its spec:\n%s", shared, want)
	}
	if got := len(res.Shared); got != 1 || res.Shared[0].Key() != "istio-ingress/edge-tls-wildcard" {
		t.Errorf("Result.Shared = %v, want the one shared Gateway", res.Shared)
	}
	for _, b := range res.Bindings {
		if sharedWant := b.Listener.Protocol == HTTPS && b.App.Name != "alone"; (b.Shared != nil) != sharedWant {
			t.Errorf("%s %s: Shared = %v, want shared %v", b.App.Key(), b.Listener.Protocol, b.Shared, sharedWant)
		}
	}

	// Each app keeps its plain-HTTP server in its own Gateway, and no HTTPS one.
	for _, ns := range []string{"shop", "blog"} {
		gw := gatewayYAML(t, res, ns, ns)
		if strings.Contains(gw, "HTTPS") || !strings.Contains(gw, "number: 80\n") {
			t.Errorf("%s's own Gateway should keep only its HTTP server:\n%s", ns, gw)
		}
		vs := yamlOf(t, object(t, res, "VirtualService", ns, ns))
		gateways := vs[strings.Index(vs, "  gateways:"):strings.Index(vs, "  http:")]
		if gateways != "  gateways:\n  - "+min(ns+"/"+ns, "istio-ingress/edge-tls-wildcard")+"\n  - "+max(ns+"/"+ns, "istio-ingress/edge-tls-wildcard")+"\n" {
			t.Errorf("%s's VirtualService should bind to both Gateways:\n%s", ns, vs)
		}
	}
	// An app alone with its certificate keeps its own server, as before.
	if gw := gatewayYAML(t, res, "alone", "alone"); !strings.Contains(gw, "credentialName: alone") {
		t.Errorf("alone's Gateway lost its HTTPS server:\n%s", gw)
	}
}

func TestSharedCertificateHTTPSOnly(t *testing.T) {
	off := "  tls: {credentialName: wildcard, http: off}"
	res := mustRender(t, app("shop", "shop", `"shop.example.com"`, off)+app("blog", "blog", `"blog.example.com"`, off), Options{})
	for _, o := range res.Objects {
		if o.Kind == "Gateway" && o.Namespace != "istio-ingress" {
			t.Errorf("rendered %s, which would have no server", o.Ref)
		}
	}
	vs := yamlOf(t, object(t, res, "VirtualService", "shop", "shop"))
	if !strings.Contains(vs, "  gateways:\n  - istio-ingress/edge-tls-wildcard\n  http:") {
		t.Errorf("VirtualService should bind to the shared Gateway only:\n%s", vs)
	}
}

func TestSharedCertificateOnTwoListeners(t *testing.T) {
	// The same wildcard in two apps moves the second to 8080/8443: the
	// certificate's one Gateway has a server on each (IST0138 compares
	// Gateway objects, whatever their ports).
	wildcard := "  tls: {credentialName: wildcard}"
	res := mustRender(t, app("a", "first", `"*.example.com"`, wildcard)+app("b", "second", `"*.example.com"`, wildcard), Options{})
	shared := gatewayYAML(t, res, "istio-ingress", "edge-tls-wildcard")
	for _, s := range []string{"number: 443", "- a/*.example.com", "number: 8443", "- b/*.example.com"} {
		if !strings.Contains(shared, s) {
			t.Errorf("shared Gateway lacks %q:\n%s", s, shared)
		}
	}
	if strings.Index(shared, "- a/*.example.com") > strings.Index(shared, "number: 8443") {
		t.Errorf("443's server should list a, 8443's b:\n%s", shared)
	}
}

func TestSharedCertificateWithScopeToNamespace(t *testing.T) {
	gw := `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: scoped, namespace: ingress}
spec: {scopeToNamespace: true}
`
	wildcard := "  tls: {credentialName: wildcard}"
	res := mustRender(t, gw+app("shop", "shop", `"shop.example.com"`, wildcard)+app("blog", "blog", `"blog.example.com"`, wildcard), Options{})
	if s := gatewayYAML(t, res, "ingress", "scoped-tls-wildcard"); !strings.Contains(s, "- shop/shop.example.com") {
		t.Errorf("shared Gateway:\n%s", s)
	}
	if s := gatewayYAML(t, res, "ingress", "shop-shop"); strings.Contains(s, "HTTPS") {
		t.Errorf("shop's Gateway keeps an HTTPS server:\n%s", s)
	}
}

func TestSharedCertificateModesMustAgree(t *testing.T) {
	errs := renderErrors(t, app("shop", "shop", `"shop.example.com"`, "  tls: {credentialName: wildcard}")+
		app("blog", "blog", `"blog.example.com"`, "  tls: {credentialName: wildcard, mode: MUTUAL}"), Options{})
	for _, want := range []string{
		"AppIntent shop/shop: spec.tls.mode: shop/shop presents certificate \"wildcard\" with mode SIMPLE on gateway istio-ingress/edge port 443, where blog/blog",
		"presents it with mode MUTUAL",
		// Either may be the one in the wrong: both are told.
		"AppIntent blog/blog: spec.tls.mode: blog/blog presents certificate \"wildcard\" with mode MUTUAL on gateway istio-ingress/edge port 443, where shop/shop",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors lack %q:\n%s", want, errs)
		}
	}
}

func TestCertificateCoveringAnotherAppsHost(t *testing.T) {
	apps := app("shop", "shop", `"shop.example.com"`, "  tls: {credentialName: shop-cert}") +
		app("tenants", "tenants", `"*.example.com"`, "  tls: {credentialName: tenants-cert}")
	for _, tc := range []struct {
		name, input string
		want        []string // empty: renders
	}{{
		name:  "nothing in the input shows the certificates",
		input: apps,
	}, {
		name:  "certificates that cover only their own hosts",
		input: apps + secretFor(t, "shop-cert", "shop.example.com") + secretFor(t, "tenants-cert", "acme.example.com", "www.example.com"),
	}, {
		name:  "the wildcard certificate covers the shop",
		input: apps + secretFor(t, "tenants-cert", "*.example.com"),
		want: []string{`input.yaml:`, `AppIntent tenants/tenants: spec.tls.credentialName: certificate "tenants-cert" (Secret istio-ingress/tenants-cert, input.yaml:`,
			`DNS name "*.example.com") also covers shop.example.com, which the server of shop/shop (certificate "shop-cert") serves on gateway istio-ingress/edge port 443`,
			"opened for *.example.com may reuse it for shop.example.com", "istio/istio#13589", "present one credentialName on both"},
	}, {
		name:  "the shop's certificate covers the tenants' other hosts",
		input: apps + secretFor(t, "shop-cert", "shop.example.com", "*.example.com"),
		want:  []string{`AppIntent shop/shop: spec.tls.credentialName: certificate "shop-cert"`, `also covers names under example.com that *.example.com takes, which the server of tenants/tenants`},
	}, {
		name: "a cert-manager Certificate shows what it will issue",
		input: apps + `---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: tenants, namespace: istio-ingress}
spec: {secretName: tenants-cert, dnsNames: ["*.example.com"], issuerRef: {name: letsencrypt, kind: ClusterIssuer}}
`,
		want: []string{`certificate "tenants-cert" (Certificate istio-ingress/tenants`, "also covers shop.example.com"},
	}, {
		name:  "a Secret of another namespace is not the gateway's",
		input: apps + strings.Replace(secretFor(t, "tenants-cert", "*.example.com"), "namespace: istio-ingress", "namespace: tenants", 1),
	}, {
		name:  "one credential for both: one server, nothing to report",
		input: strings.ReplaceAll(apps, "shop-cert", "tenants-cert") + secretFor(t, "tenants-cert", "*.example.com"),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			res := Render(parse(t, tc.input), Options{})
			got := res.Diagnostics.Error()
			if len(tc.want) == 0 {
				if res.Diagnostics.HasErrors() {
					t.Fatalf("render failed:\n%s", got)
				}
				return
			}
			if len(res.Objects) != 0 {
				t.Errorf("render failed but returned %d objects", len(res.Objects))
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("errors lack %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "cGxhY2Vob2xkZXI") || strings.Contains(got, "BEGIN") {
				t.Errorf("a message quotes the Secret's data:\n%s", got)
			}
		})
	}
}

func TestCertificateCoveringAHandWrittenServersHost(t *testing.T) {
	handWritten := `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: legacy, namespace: legacy}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["legacy.example.com"]
    tls: {mode: SIMPLE, credentialName: legacy-cert}
`
	errs := renderErrors(t, handWritten+app("tenants", "tenants", `"*.example.com"`, "  tls: {credentialName: tenants-cert}")+
		secretFor(t, "tenants-cert", "*.example.com"), Options{})
	if want := "also covers legacy.example.com, which the server of Gateway legacy/legacy spec.servers[0] (input.yaml:2)"; !strings.Contains(errs, want) {
		t.Errorf("errors lack %q:\n%s", want, errs)
	}
}

func TestSharedServerKeepsLockedBindings(t *testing.T) {
	// The lock records each app's hosts on their ports, as before; the shared
	// server follows from the credentialName and moves nothing.
	lock := `---
apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: edge, namespace: istio-ingress}
spec:
  gateway: istio-ingress/edge
  ports:
  - {port: 80, protocol: HTTP, hosts: {shop.example.com: shop/shop}}
  - {port: 8443, protocol: HTTPS, hosts: {shop.example.com: shop/shop}}
`
	wildcard := "  tls: {credentialName: wildcard, http: serve}"
	res := mustRender(t, lock+app("shop", "shop", `"shop.example.com"`, wildcard)+app("blog", "blog", `"blog.example.com"`, wildcard), Options{})
	if got, want := bindingsOf(res), "blog/blog HTTP/80, blog/blog HTTPS/443, shop/shop HTTP/80, shop/shop HTTPS/8443"; got != want {
		t.Errorf("bindings = %s, want %s", got, want)
	}
	shared := gatewayYAML(t, res, "istio-ingress", "edge-tls-wildcard")
	if i, j := strings.Index(shared, "- blog/blog.example.com"), strings.Index(shared, "number: 8443"); i < 0 || j < i || !strings.Contains(shared[j:], "- shop/shop.example.com") {
		t.Errorf("shared Gateway should serve blog on 443 and the locked shop on 8443:\n%s", shared)
	}
	locks := yamlOf(t, res.Locks...)
	if strings.Contains(locks, "edge-tls") {
		t.Errorf("the lock records the shared Gateway:\n%s", locks)
	}
}

func TestSharedGatewayName(t *testing.T) {
	w := &Workload{Name: "public"}
	if got := sharedGatewayName(w, "wildcard.example.com"); got != "public-tls-wildcard.example.com" {
		t.Errorf("name = %q", got)
	}
	long := sharedGatewayName(w, strings.Repeat("a", 250))
	if len(long) > 253 || !strings.HasPrefix(long, "public-tls-aaa") || long == sharedGatewayName(w, strings.Repeat("a", 249)) {
		t.Errorf("long name = %q (%d)", long, len(long))
	}
}
