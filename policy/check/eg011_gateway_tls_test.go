package check

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"maps"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// certificate returns base64 PEM of a throwaway self-signed certificate
// and its key, valid from notBefore to notAfter, for dnsNames.
func certificate(t *testing.T, notBefore, notAfter time.Time, dnsNames ...string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "edgegate test"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		DNSNames:     dnsNames,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(typ string, b []byte) string {
		return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}))
	}
	return enc("CERTIFICATE", der), enc("PRIVATE KEY", keyDER)
}

// secret writes a Secret with the given data keys (values already base64).
func secret(ns, name, typ string, data map[string]string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + ", namespace: " + ns + "}\n")
	if typ != "" {
		b.WriteString("type: " + typ + "\n")
	}
	b.WriteString("data:\n")
	for _, k := range slices.Sorted(maps.Keys(data)) {
		b.WriteString("  " + k + ": \"" + data[k] + "\"\n")
	}
	b.WriteString("---\n")
	return b.String()
}

// stringSecret writes a Secret whose values are under stringData.
func stringSecret(t *testing.T, ns, name string, data map[string]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + ", namespace: " + ns + "}\ntype: kubernetes.io/tls\nstringData:\n")
	for _, k := range slices.Sorted(maps.Keys(data)) {
		raw, err := base64.StdEncoding.DecodeString(data[k])
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("  " + k + ": |\n")
		for _, line := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
			b.WriteString("    " + line + "\n")
		}
	}
	b.WriteString("---\n")
	return b.String()
}

// httpsGateway writes a Gateway with one HTTPS server and the given tls block.
func httpsGateway(ns, name, selector, tls string, hosts ...string) string {
	s := "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  selector: {" + selector +
		"}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [" + strings.Join(quote(hosts), ", ") + "]\n"
	if tls != "" {
		s += "    tls: " + tls + "\n"
	}
	return s + "---\n"
}

func TestGatewayTLS(t *testing.T) {
	now := time.Now()
	valid, key := certificate(t, now.Add(-time.Hour), now.Add(24*time.Hour), "mybookinfo.com")
	partners, partnersKey := certificate(t, now.Add(-time.Hour), now.Add(24*time.Hour), "api.partners.example.com")
	store, storeKey := certificate(t, now.Add(-time.Hour), now.Add(24*time.Hour), "store.example.com")
	shopUpper, shopUpperKey := certificate(t, now.Add(-time.Hour), now.Add(24*time.Hour), "Shop.Example.COM")
	storeSecret := secret("istio-ingress", "store-cert", "kubernetes.io/tls", map[string]string{"tls.crt": store, "tls.key": storeKey})
	expired, expiredKey := certificate(t, now.Add(-48*time.Hour), now.Add(-24*time.Hour), "mybookinfo.com")
	ca := valid
	empty := ""
	tlsExample := example(t, "tls")
	goodSecrets := secret("istio-ingress", "bookinfo-cert", "kubernetes.io/tls", map[string]string{"tls.crt": valid, "tls.key": key}) +
		secret("istio-ingress", "partners-cert", "kubernetes.io/tls", map[string]string{"tls.crt": partners, "tls.key": partnersKey, "ca.crt": ca}) +
		storeSecret
	withSecrets := func(bookinfo, partnersData map[string]string, typ string) string {
		return tlsExample + secret("istio-ingress", "bookinfo-cert", typ, bookinfo) + secret("istio-ingress", "partners-cert", "kubernetes.io/tls", partnersData) +
			storeSecret
	}
	partnersGood := map[string]string{"tls.crt": partners, "tls.key": partnersKey, "ca.crt": ca}
	edgeGW := func(ns, name, tls string, hosts ...string) string {
		return httpsGateway(ns, name, "istio: edge", tls, hosts...)
	}
	sharedSecret := secret("istio-ingress", "wildcard-cert", "kubernetes.io/tls", map[string]string{"tls.crt": valid, "tls.key": key})

	cases := []checkCase{
		{name: "an HTTPS server without tls settings",
			input: edgeWorkload + edgeGW("shop", "web", "", "./shop.example.com"),
			want:  []string{`Gateway shop/web: spec.servers[0].tls: an HTTPS server needs tls settings, and istiod rejects the Gateway without them ("server must have TLS settings for HTTPS/TLS protocols"): add tls: {mode: SIMPLE, credentialName: <a Secret with tls.crt and tls.key in namespace istio-ingress>}`}},
		{name: "SIMPLE without a credential",
			input: edgeWorkload + edgeGW("shop", "web", "{mode: SIMPLE}", "./shop.example.com"),
			want:  []string{`Gateway shop/web: spec.servers[0].tls.credentialName: tls.mode SIMPLE needs a certificate, and this server names none: set credentialName to a Secret holding tls.crt, tls.key in namespace istio-ingress, the gateway workload's namespace, where Istio looks it up`}},
		{name: "SIMPLE without a credential, and no gateway workload in the input",
			input: edgeGW("shop", "web", "{mode: SIMPLE}", "./shop.example.com"),
			want:  []string{`Gateway shop/web: spec.servers[0].tls.credentialName: tls.mode SIMPLE needs a certificate, and this server names none: set credentialName to a Secret holding tls.crt, tls.key in the gateway workload's namespace, where Istio looks it up`}},
		{name: "ISTIO_MUTUAL with a credentialName and file certificates",
			input: edgeWorkload + edgeGW("shop", "web", "{mode: ISTIO_MUTUAL, credentialName: shop-cert, caCertificates: /ca.pem, tlsCertificates: [{serverCertificate: /a.pem, privateKey: /a.key}]}", "./shop.example.com"),
			want: []string{
				`Gateway shop/web: spec.servers[0].tls.credentialName: tls.mode ISTIO_MUTUAL uses the workload's own mesh certificate, and istiod rejects a credentialName with it`,
				`Gateway shop/web: spec.servers[0].tls.caCertificates: tls.mode ISTIO_MUTUAL uses the workload's own mesh certificate, and istiod rejects tls.caCertificates with it ("ISTIO_MUTUAL TLS cannot have associated ..."): remove it, or use mode SIMPLE or MUTUAL`,
				`Gateway shop/web: spec.servers[0].tls.tlsCertificates: tls.mode ISTIO_MUTUAL uses the workload's own mesh certificate, and istiod rejects tls.tlsCertificates with it`,
			}},
		{name: "ISTIO_MUTUAL alone",
			input: edgeWorkload + edgeGW("shop", "web", "{mode: ISTIO_MUTUAL}", "./shop.example.com")},
		{name: "the Secret sits in the Gateway's namespace, not the workload's",
			input: edgeWorkload + edgeGW("shop", "web", "{mode: SIMPLE, credentialName: shop-cert}", "./shop.example.com") +
				secret("shop", "shop-cert", "kubernetes.io/tls", map[string]string{"tls.crt": valid, "tls.key": key}),
			want: []string{`Gateway shop/web: spec.servers[0].tls.credentialName: Secret istio-ingress/shop-cert not found: Istio looks up credentialName "shop-cert" in istio-ingress, the namespace of gateway workload Deployment istio-ingress/edge, not in the Gateway's namespace; a Secret "shop-cert" exists in namespace shop (the Gateway's namespace) instead, where this gateway never reads it: move it to istio-ingress`}},
		{name: "edgegate's TLS example with its Secrets in the app namespaces",
			input: tlsExample + secret("test", "bookinfo-cert", "kubernetes.io/tls", map[string]string{"tls.crt": valid, "tls.key": key}) +
				secret("partners", "partners-cert", "kubernetes.io/tls", partnersGood) + storeSecret,
			want: []string{
				`Gateway partners/partners: spec.servers[0].tls.credentialName: Secret istio-ingress/partners-cert not found: Istio looks up credentialName "partners-cert" in istio-ingress, the namespace of gateway istio-ingress/public, not in the Gateway's namespace; a Secret "partners-cert" exists in namespace partners (the Gateway's namespace) instead`,
				`Gateway test/bookinfo: spec.servers[1].tls.credentialName: Secret istio-ingress/bookinfo-cert not found: Istio looks up credentialName "bookinfo-cert" in istio-ingress, the namespace of gateway istio-ingress/public, not in the Gateway's namespace; a Secret "bookinfo-cert" exists in namespace test (the Gateway's namespace) instead, where this gateway never reads it: move it to istio-ingress (from AppIntent test/bookinfo spec.tls.credentialName, in.yaml:15)`,
			}},
		{name: "a Secret missing everywhere while the input holds Secrets",
			input: withSecrets(map[string]string{"tls.crt": valid, "tls.key": key}, partnersGood, "kubernetes.io/tls") + edgeWorkload +
				edgeGW("shop", "web", "{mode: SIMPLE, credentialName: shop-cert}", "./shop.example.com"),
			want: []string{`Gateway shop/web: spec.servers[0].tls.credentialName: Secret istio-ingress/shop-cert not found: Istio looks up credentialName "shop-cert" in istio-ingress, the namespace of gateway workload Deployment istio-ingress/edge, not in the Gateway's namespace: create it there (type kubernetes.io/tls, with tls.crt and tls.key)`}},
		{name: "a Secret without tls.key (IST0161)",
			input: withSecrets(map[string]string{"tls.crt": valid, "other": key}, partnersGood, "Opaque"),
			want:  []string{`Gateway test/bookinfo: spec.servers[1].tls.credentialName: Secret istio-ingress/bookinfo-cert holds no certificate: istiod needs non-empty tls.crt and tls.key (or cert and key), and it has only other, tls.crt, so istiod cannot serve it and TLS handshakes on this server fail (IST0161)`}},
		{name: "an empty tls.key (IST0161)",
			input: withSecrets(map[string]string{"tls.crt": valid, "tls.key": empty}, partnersGood, "kubernetes.io/tls"),
			want:  []string{`Gateway test/bookinfo: spec.servers[1].tls.credentialName: Secret istio-ingress/bookinfo-cert has tls.crt and tls.key, but tls.key is empty, so istiod cannot serve it`}},
		{name: "an expired certificate (IST0161)",
			input: withSecrets(map[string]string{"tls.crt": expired, "tls.key": expiredKey}, partnersGood, "kubernetes.io/tls"),
			want:  []string{`Gateway test/bookinfo: spec.servers[1].tls.credentialName: Secret istio-ingress/bookinfo-cert has a certificate (tls.crt) that expired at `}},
		{name: "a tls.crt that is not PEM (IST0161)",
			input: withSecrets(map[string]string{"tls.crt": base64.StdEncoding.EncodeToString([]byte("not a certificate")), "tls.key": key}, partnersGood, "kubernetes.io/tls"),
			want:  []string{`Secret istio-ingress/bookinfo-cert has a tls.crt that is not a PEM-encoded certificate`}},
		{name: "MUTUAL without a client CA",
			input: withSecrets(map[string]string{"tls.crt": valid, "tls.key": key}, map[string]string{"tls.crt": partners, "tls.key": partnersKey}, "kubernetes.io/tls"),
			want:  []string{`Gateway partners/partners: spec.servers[0].tls.credentialName: tls.mode MUTUAL needs the client CA, but Secret istio-ingress/partners-cert has no non-empty ca.crt (or cacert) and there is no Secret istio-ingress/partners-cert-cacert`}},
		{name: "a Secret type istiod never watches",
			input: withSecrets(map[string]string{"tls.crt": valid, "tls.key": key}, partnersGood, "kubernetes.io/service-account-token"),
			want:  []string{`Gateway test/bookinfo: spec.servers[1].tls.credentialName: Secret istio-ingress/bookinfo-cert is of type kubernetes.io/service-account-token, which istiod's credential informer never watches`}},
		{name: "a certificate only in stringData, which istioctl analyze does not read",
			input: tlsExample + stringSecret(t, "istio-ingress", "bookinfo-cert", map[string]string{"tls.crt": valid, "tls.key": key}) +
				secret("istio-ingress", "partners-cert", "kubernetes.io/tls", partnersGood) + storeSecret,
			want: []string{`warning: Gateway test/bookinfo: spec.servers[1].tls.credentialName: Secret istio-ingress/bookinfo-cert keeps its certificate in stringData: that is fine once applied (the API server folds stringData into data), but istioctl analyze reads Secrets from files by their data alone and reports IST0161 on this Gateway`}},
		{name: "a credentialName without a tls.mode is ignored (PASSTHROUGH)",
			input: edgeWorkload + edgeGW("shop", "web", "{credentialName: shop-cert}", "./shop.example.com"),
			want:  []string{`warning: Gateway shop/web: spec.servers[0].tls.mode: tls.mode is not set, so it is PASSTHROUGH: the gateway does not terminate TLS and ignores the credential`}},
		{name: "TLS termination on a plain HTTP server",
			input: edgeWorkload + strings.Replace(gateway("shop", "web", "istio: edge", 80, "./shop.example.com"), "protocol: HTTP}", "protocol: HTTP}\n    tls: {mode: SIMPLE, credentialName: shop-cert}", 1),
			want:  []string{`Gateway shop/web: spec.servers[0].tls: a plain-text HTTP server cannot terminate TLS`}},
		{name: "another namespace names a team's certificate (the certificate's DNS names decide)",
			input: withSecrets(map[string]string{"tls.crt": valid, "tls.key": key}, partnersGood, "kubernetes.io/tls") +
				strings.Replace(ownedApp("evil", "phish", "evil.example.com"), "  routes:", "  tls: {credentialName: bookinfo-cert}\n  routes:", 1),
			want: []string{`AppIntent evil/phish: spec.tls.credentialName: Secret istio-ingress/bookinfo-cert is the certificate of namespace test (its certificate is for "mybookinfo.com", and the HostBindings lock records it for app test/bookinfo (`}},
		{name: "another namespace names a team's certificate (the lock decides, no Secret in the input)",
			input: tlsExample + httpsGateway("evil", "phish", publicSelector, "{mode: SIMPLE, credentialName: bookinfo-cert}", "./evil.example.com"),
			want:  []string{`Gateway evil/phish: spec.servers[0].tls.credentialName: Secret istio-ingress/bookinfo-cert is the certificate of namespace test (it serves "mybookinfo.com", and the HostBindings lock records it for app test/bookinfo (`}},
		{name: "a certificate whose DNS names are spelled in capitals still belongs to the host's owner",
			input: publicGateway("") + lock("istio-ingress/public", 443, map[string]string{"shop.example.com": "shop/web"}) +
				secret("istio-ingress", "shop-cert", "kubernetes.io/tls", map[string]string{"tls.crt": shopUpper, "tls.key": shopUpperKey}) +
				httpsGateway("evil", "phish", publicSelector, "{mode: SIMPLE, credentialName: shop-cert}", "./shop-login.example.net"),
			want: []string{`Gateway evil/phish: spec.servers[0].tls.credentialName: Secret istio-ingress/shop-cert is the certificate of namespace shop (its certificate is for "shop.example.com", and the HostBindings lock records it for app shop/web (`}},
		{name: "the owner spelling its host in capitals does not make its certificate anyone's",
			input: publicGateway("  hostOwnership:\n    shop.example.com: [shop]\n") +
				httpsGateway("shop", "web", publicSelector, "{mode: SIMPLE, credentialName: shop-cert}", "./SHOP.Example.com.") +
				httpsGateway("evil", "phish", publicSelector, "{mode: SIMPLE, credentialName: shop-cert}", "./shop-login.example.net"),
			want: []string{`Gateway evil/phish: spec.servers[0].tls.credentialName: Secret istio-ingress/shop-cert is the certificate of namespace shop (it serves "shop.example.com", and spec.hostOwnership["shop.example.com"]`}},
		{name: "two namespaces share a certificate with no ownership recorded",
			input: edgeWorkload + sharedSecret + edgeGW("a", "one", "{mode: SIMPLE, credentialName: wildcard-cert}", "./a.example.com") +
				edgeGW("b", "two", "{mode: SIMPLE, credentialName: wildcard-cert}", "./b.example.com"),
			want: []string{
				`warning: Gateway a/one: spec.servers[0].tls.credentialName: Secret istio-ingress/wildcard-cert is also used as a certificate by namespace b`,
				`warning: Gateway b/two: spec.servers[0].tls.credentialName: Secret istio-ingress/wildcard-cert is also used as a certificate by namespace a`,
			}},

		{name: "no Secret at all in the input: an info, as Istio reports IST0101",
			input: edgeWorkload + edgeGW("shop", "web", "{mode: SIMPLE, credentialName: shop-cert}", "./shop.example.com"),
			want:  []string{`info: Gateway shop/web: spec.servers[0].tls.credentialName: Secret istio-ingress/shop-cert is not checked: the input holds no Secret at all (certificates are rarely kept with manifests), so the gate cannot tell whether it exists; Istio's analyzer, given only these files, reports credentialName "shop-cert" as not found (IST0101) [EG011]`}},
		{name: "a Secret cert-manager creates: an info, as Istio reports IST0101",
			input: edgeWorkload + goodSecrets + edgeGW("shop", "web", "{mode: SIMPLE, credentialName: shop-cert}", "./shop.example.com") +
				"apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: shop, namespace: istio-ingress}\nspec: {secretName: shop-cert, dnsNames: [shop.example.com]}\n---\n",
			want: []string{`info: Gateway shop/web: spec.servers[0].tls.credentialName: Secret istio-ingress/shop-cert is not in the input, but Certificate istio-ingress/shop of the input creates it, so it is not checked; Istio's analyzer, given only these files, reports credentialName "shop-cert" as not found (IST0101) [EG011]`}},

		{name: "edgegate's TLS example with its Secrets in istio-ingress",
			input: tlsExample + goodSecrets, infos: true},
		{name: "edgegate's TLS example without Secrets in the input",
			input: tlsExample},
		{name: "MUTUAL with the CA in a -cacert Secret",
			input: withSecrets(map[string]string{"tls.crt": valid, "tls.key": key}, map[string]string{"tls.crt": partners, "tls.key": partnersKey}, "kubernetes.io/tls") +
				secret("istio-ingress", "partners-cert-cacert", "", map[string]string{"ca.crt": ca})},
		{name: "a Secret cert-manager creates in the workload's namespace",
			input: edgeWorkload + tlsExample + goodSecrets + edgeGW("shop", "web", "{mode: SIMPLE, credentialName: shop-cert}", "./shop.example.com") +
				"apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: shop, namespace: istio-ingress}\nspec: {secretName: shop-cert, dnsNames: [shop.example.com]}\n---\n"},
		{name: "the workload's own certificate and file-mounted certificates",
			input: edgeWorkload + goodSecrets + edgeGW("shop", "mesh", "{mode: SIMPLE, credentialName: \"builtin://\"}", "./shop.example.com") +
				edgeGW("shop", "files", "{mode: SIMPLE, serverCertificate: /etc/certs/tls.crt, privateKey: /etc/certs/tls.key}", "./files.example.com")},
		{name: "a platform certificate shared by the namespaces hostOwnership allows",
			input: publicGateway("  hostOwnership:\n    \"*.example.com\": [a, b]\n") + sharedSecret +
				httpsGateway("a", "one", publicSelector, "{mode: SIMPLE, credentialName: wildcard-cert}", "./a.example.com") +
				httpsGateway("b", "two", publicSelector, "{mode: SIMPLE, credentialName: wildcard-cert}", "./b.example.com")},
	}
	runCases(t, "EG011", cases)
}

// TestEG011PlainServer checks that reading a server without tls from the
// nodes gives what the lenient decoder gives of what settings reads (the
// protocol), and leaves the others to it.
func TestEG011PlainServer(t *testing.T) {
	for _, doc := range []string{
		`{port: {number: 80, name: http, protocol: HTTP}, hosts: [a.example.com]}`,
		`{port: {protocol: 80}}`, `{port: {protocol: null}}`, `{port: null}`, `{port: 80}`,
		`{port: {protocol: HTTP, protocol: TCP}, port: {protocol: TLS}}`,
		`null`, `[a]`, `{}`, `{hosts: 3}`,
		`{port: {protocol: HTTPS}, tls: {mode: SIMPLE}}`,
		`{port: {protocol: HTTP}, tls: null}`,
		`{port: &p {protocol: HTTP}, other: *p}`,
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
			t.Fatal(err)
		}
		node := n.Content[0]
		got, ok := plainServer(node)
		if !ok {
			if !strings.Contains(doc, "tls") {
				t.Errorf("%s: left to the decoder", doc)
			}
			continue
		}
		var want tlsServer
		model.DecodeAt(manifest.NewObject(node, manifest.Position{}), node, "spec.servers[0]", &want)
		want.Hosts = nil // only read with tls settings
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read %+v, decoder %+v", doc, got, want)
		}
	}
}
