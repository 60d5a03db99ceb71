package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/testutil"
)

// parse reads YAML documents as if from files (see testutil.ParseFiles).
var parse = testutil.ParseFiles

func mustRender(t *testing.T, src string, opts Options) *Result {
	t.Helper()
	res := Render(parse(t, src), opts)
	if res.Diagnostics.HasErrors() {
		t.Fatalf("render failed:\n%v", res.Diagnostics)
	}
	return res
}

func renderErrors(t *testing.T, src string, opts Options) string {
	t.Helper()
	res := Render(parse(t, src), opts)
	if !res.Diagnostics.HasErrors() {
		t.Fatalf("render succeeded, want an error")
	}
	if len(res.Objects) != 0 {
		t.Fatalf("render failed but returned %d objects", len(res.Objects))
	}
	return res.Diagnostics.Error()
}

func app(ns, name string, hosts string, extra ...string) string {
	return fmt.Sprintf(`---
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: %s, namespace: %s}
spec:
  hosts: [%s]
  routes: [{prefix: /, to: web:80}]
%s
`, name, ns, hosts, strings.Join(extra, "\n"))
}

// bindingsOf lists "app proto/port" for every binding, in allocation order.
func bindingsOf(res *Result) string {
	var parts []string
	for _, b := range res.Bindings {
		parts = append(parts, fmt.Sprintf("%s %s/%d", b.App.Key(), b.Listener.Protocol, b.Listener.Port))
	}
	return strings.Join(parts, ", ")
}

func object(t *testing.T, res *Result, kind, ns, name string) *manifest.Object {
	t.Helper()
	for _, o := range res.Objects {
		if o.Kind == kind && o.Namespace == ns && o.Name == name {
			return o
		}
	}
	t.Fatalf("no %s %s/%s rendered", kind, ns, name)
	return nil
}

func yamlOf(t *testing.T, objs ...*manifest.Object) string {
	t.Helper()
	var buf bytes.Buffer
	if err := manifest.WriteStream(&buf, objs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestAllocate(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{{
		name:  "distinct hosts share the first port",
		input: app("a", "one", "one.example.com") + app("b", "two", "two.example.com"),
		want:  "a/one HTTP/80, b/two HTTP/80",
	}, {
		name:  "the seed's two namespaces on * get two ports",
		input: app("default", "bookinfo", `"*"`) + app("test", "bookinfo", `"*"`),
		want:  "default/bookinfo HTTP/80, test/bookinfo HTTP/8080",
	}, {
		name:  "a wildcard shares the port of a concrete host it covers: Envoy picks the exact host",
		input: app("a", "tenants", `"*.example.com"`) + app("z", "shop", "shop.example.com"),
		want:  "a/tenants HTTP/80, z/shop HTTP/80",
	}, {
		name:  "a concrete host, a wildcard and a catch-all share 80 and 443",
		input: app("legacy", "legacy", `"*"`) + app("shop", "shop", "shop.example.com", "  tls: {credentialName: shop-cert}") + app("tenants", "tenants", `"*.example.com"`, "  tls: {credentialName: tenants-cert}"),
		want:  "legacy/legacy HTTP/80, shop/shop HTTP/80, shop/shop HTTPS/443, tenants/tenants HTTP/80, tenants/tenants HTTPS/443",
	}, {
		name:  "the same wildcard in two apps: the second moves",
		input: app("a", "one", `"*"`) + app("b", "two", `"*"`) + app("c", "three", `"*.example.com"`) + app("d", "four", `"*.example.com"`),
		want:  "a/one HTTP/80, b/two HTTP/8080, c/three HTTP/80, d/four HTTP/8080",
	}, {
		name:  "wildcards that do not overlap share a port",
		input: app("a", "one", `"*.one.example"`) + app("b", "two", `"*.two.example"`),
		want:  "a/one HTTP/80, b/two HTTP/80",
	}, {
		name:  "nested wildcards share a port: the longest suffix wins",
		input: app("a", "one", `"*.example.com"`) + app("b", "two", `"*.eu.example.com"`),
		want:  "a/one HTTP/80, b/two HTTP/80",
	}, {
		name:  "a TLS app beside a catch-all keeps 80 for its redirect",
		input: app("a", "plain", `"*"`) + app("b", "secure", "secure.example.com", "  tls: {credentialName: cert}"),
		want:  "a/plain HTTP/80, b/secure HTTP/80, b/secure HTTPS/443",
	}, {
		name:  "the same wildcard twice with TLS: the second avoids 443, which it could not redirect to",
		input: app("a", "one", `"*.example.com"`, "  tls: {credentialName: cert}") + app("b", "two", `"*.example.com"`, "  tls: {credentialName: cert2}"),
		want:  "a/one HTTP/80, a/one HTTPS/443, b/two HTTP/8080, b/two HTTPS/8443",
	}, {
		name:  "HTTPS without redirect needs no HTTP port",
		input: app("a", "plain", `"*"`) + app("b", "secure", `"*"`, "  tls: {credentialName: cert, httpsRedirect: false}"),
		want:  "a/plain HTTP/80, b/secure HTTPS/443",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := bindingsOf(mustRender(t, tc.input, Options{})); got != tc.want {
				t.Errorf("bindings = %s\nwant       %s", got, tc.want)
			}
		})
	}
}

func TestAllocateErrors(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		want        []string
	}{{
		name:  "the same concrete host in two apps",
		input: "---FILE a.yaml\n" + app("a", "one", "shop.example.com") + "---FILE b.yaml\n" + app("b", "two", "shop.example.com"),
		want:  []string{"b.yaml:", "AppIntent b/two", "spec.hosts[0]", `"shop.example.com"`, "AppIntent a/one (a.yaml:"},
	}, {
		name: "an exhausted pool",
		input: `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: small, namespace: gw}
spec:
  ports: {http: [80, 81]}
` + app("a", "one", `"*"`) + app("b", "two", `"*"`) + app("c", "three", `"*"`),
		want: []string{"AppIntent c/three", "no free HTTP port on gateway gw/small", "(80-81)", "widen the pool"},
	}, {
		name: "a concrete host a hand-written Gateway serves",
		input: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: legacy, namespace: shop}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop/shop.example.com]
` + app("web", "shop", "shop.example.com"),
		want: []string{"AppIntent web/shop", `"shop.example.com" is also claimed`, "Gateway shop/legacy spec.servers[0].hosts[0]"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := renderErrors(t, tc.input, Options{})
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("error lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestTheLockDecidesWhoOwnsAConcreteHost(t *testing.T) {
	lock := `apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: edge, namespace: istio-ingress}
spec:
  gateway: istio-ingress/edge
  ports:
  - {port: 80, protocol: HTTP, hosts: {shop.example.com: shop/shop}}
`
	// other-team/phish sorts first, but the lock says the host is shop's.
	got := renderErrors(t, lock+app("shop", "shop", "shop.example.com")+app("other-team", "phish", "shop.example.com"), Options{})
	if !strings.Contains(got, "AppIntent other-team/phish: spec.hosts[0]") || strings.Contains(got, "AppIntent shop/shop: spec.hosts") {
		t.Errorf("the locked owner must keep the host, the newcomer must fail:\n%s", got)
	}
}

// TestAHandWrittenGatewayOnALockedHostIsItsOwnError: a hand-written Gateway of
// another namespace serving, in any spelling, a host the lock records for an
// app is refused on its own field, naming its spelling; the app is not
// blamed. The same holds while re-locking: the Gateway cannot move, the app
// still claims the host.
func TestAHandWrittenGatewayOnALockedHostIsItsOwnError(t *testing.T) {
	lock := `apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: edge, namespace: istio-ingress}
spec:
  gateway: istio-ingress/edge
  ports:
  - {port: 80, protocol: HTTP, hosts: {shop.example.com: shop/shop}}
---FILE evil.yaml
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: grab, namespace: evil}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["./SHOP.example.com."]
---FILE shop.yaml
`
	for _, opts := range []Options{{}, {Locked: true}, {Relock: true}} {
		got := renderErrors(t, lock+app("shop", "shop", "shop.example.com"), opts)
		want := `evil.yaml:8: error: Gateway evil/grab: spec.servers[0].hosts[0]: host "SHOP.example.com." (shop.example.com to pilot, which compares hosts lowercased and without a trailing dot) on gateway istio-ingress/edge belongs to app shop/shop (shop.yaml:2), which the HostBindings lock (input.yaml:1) records for it`
		if !strings.Contains(got, want) || strings.Contains(got, "AppIntent shop/shop") {
			t.Errorf("%+v: want only the Gateway's error\n  %s\ngot\n  %s", opts, want, got)
		}
	}
	// Without a lock record neither owns it: the app names the Gateway and how it spells the host.
	got := renderErrors(t, strings.Replace(lock, "shop.example.com: shop/shop", "other.example.com: shop/other", 1)+app("shop", "shop", "shop.example.com"), Options{})
	if want := `AppIntent shop/shop: spec.hosts[0]: host "shop.example.com" is also claimed on gateway istio-ingress/edge by Gateway evil/grab spec.servers[0].hosts[0] (evil.yaml:1, written "SHOP.example.com.")`; !strings.Contains(got, want) {
		t.Errorf("want\n  %s\ngot\n  %s", want, got)
	}
}

func TestTheLockKeepsAHostForAnAbsentApp(t *testing.T) {
	lock := `apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: edge, namespace: istio-ingress}
spec:
  gateway: istio-ingress/edge
  ports:
  - {port: 80, protocol: HTTP, hosts: {shop.example.com: shop/shop}}
`
	// shop/shop renders elsewhere (a team rendering alone against the lock).
	got := renderErrors(t, lock+app("phish", "phish", "shop.example.com"), Options{})
	if !strings.Contains(got, "AppIntent phish/phish: spec.hosts[0]: host \"shop.example.com\" on gateway istio-ingress/edge belongs to app shop/shop") {
		t.Errorf("a newcomer took over a locked host:\n%s", got)
	}
	// Re-locking without the owner keeps the owner's record (a team locking
	// its own app): the newcomer still fails.
	got = renderErrors(t, lock+app("phish", "phish", "shop.example.com"), Options{Relock: true})
	if !strings.Contains(got, "belongs to app shop/shop") || !strings.Contains(got, "edgegate lock --prune") {
		t.Errorf("re-locking without the owner handed the host on:\n%s", got)
	}
	// Pruning (the platform's act over every app) drops the absent owner and hands the host on.
	res := mustRender(t, lock+app("phish", "phish", "shop.example.com"), Options{Relock: true, Prune: true})
	if got := bindingsOf(res); got != "phish/phish HTTP/80" {
		t.Errorf("pruned re-lock bindings = %s", got)
	}
	if got, want := strings.Join(LockChanges(res.Model, res.Locks), "\n"), "- istio-ingress/edge 80/HTTP shop.example.com → shop/shop\n+ istio-ingress/edge 80/HTTP shop.example.com → phish/phish"; got != want {
		t.Errorf("pruned lock changes:\n%s\nwant:\n%s", got, want)
	}
}

func TestHandWrittenGatewaysAreFixedClaims(t *testing.T) {
	res := mustRender(t, `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: legacy, namespace: old}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*", "*.Example.COM."]
`+app("web", "shop", "shop.example.com")+app("web", "tenants", `"*.example.com"`)+app("web", "fallback", `"*"`), Options{})
	// The same host moves (pilot compares hosts lowercased, without the
	// trailing dot); a host the claim only overlaps shares its port.
	if got, want := bindingsOf(res), "web/fallback HTTP/8080, web/shop HTTP/80, web/tenants HTTP/8080"; got != want {
		t.Errorf("bindings = %s, want %s", got, want)
	}
	// The workload serves the hand-written Gateway's port as well as the app's.
	svc := yamlOf(t, object(t, res, "Service", "istio-ingress", "edge"))
	for _, port := range []string{"name: http-80", "name: http-8080"} {
		if !strings.Contains(svc, port) {
			t.Errorf("Service lacks %s:\n%s", port, svc)
		}
	}
}

// A hand-written Gateway's port is read as the API server stores it: 80.0
// and 8e1 are port 80, where Istio serves them, so they claim the host
// there, as 80 does, and the spelling is an error naming the field (lock,
// which runs the allocator but no gate, must not miss either); a port the
// API server rejects claims nothing.
func TestHandWrittenGatewayPortAsStored(t *testing.T) {
	for _, tc := range []struct {
		number, want string
		spelling     bool // reported as not written as an integer
	}{
		{"80", "web/fallback HTTP/8080", false},
		{"80.0", "web/fallback HTTP/8080", true},
		{"8e1", "web/fallback HTTP/8080", true},
		{"0x50", "web/fallback HTTP/8080", false},
		{`"80"`, "web/fallback HTTP/80", false},
		{"80.5", "web/fallback HTTP/80", false},
	} {
		res := Render(parse(t, `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: legacy, namespace: old}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: `+tc.number+`, name: http, protocol: HTTP}
    hosts: ["*"]
`+app("web", "fallback", `"*"`)), Options{})
		if got := bindingsOf(res); got != tc.want {
			t.Errorf("port %s: bindings = %s, want %s", tc.number, got, tc.want)
		}
		var spelling []string
		for _, d := range res.Diagnostics {
			if d.Severity == manifest.Error {
				spelling = append(spelling, d.Field+": "+d.Message)
			}
		}
		want := 0
		if tc.spelling {
			want = 1
		}
		if len(spelling) != want || (want == 1 && !strings.HasPrefix(spelling[0], "spec.servers[0].port.number: "+tc.number+" is not written as an integer: the API server reads it as 80")) {
			t.Errorf("port %s: errors %q, want %d naming spec.servers[0].port.number", tc.number, spelling, want)
		}
	}
}

func TestExistingGatewayComparesTargetPorts(t *testing.T) {
	// A hand-written Gateway names container port 8080 directly; the app's
	// Service port 80 resolves to the same listener, so the app moves to 81.
	res := mustRender(t, `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: ingressgateway, namespace: istio-system}
spec:
  existing: true
  selector: {istio: ingressgateway}
  servicePorts:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: http-alt, port: 81, targetPort: 8081}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: seed, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*"]
`+app("test", "bookinfo", `"*"`), Options{})
	if got, want := bindingsOf(res), "test/bookinfo HTTP/81"; got != want {
		t.Errorf("bindings = %s, want %s", got, want)
	}
	for _, o := range res.Objects {
		if o.Kind != "Gateway" && o.Kind != "VirtualService" {
			t.Errorf("rendered %s for an existing gateway", o.Ref)
		}
	}
}

func TestTLSRedirectsToTheAppsHTTPSPort(t *testing.T) {
	// Two certificates: apps presenting one would share one HTTPS server (shared_test.go).
	res := mustRender(t, app("a", "first", `"*"`, "  tls: {credentialName: first}")+app("b", "second", `"*"`, "  tls: {credentialName: cert}"), Options{})
	if got, want := bindingsOf(res), "a/first HTTP/80, a/first HTTPS/443, b/second HTTP/8080, b/second HTTPS/8443"; got != want {
		t.Fatalf("bindings = %s, want %s", got, want)
	}
	vs := yamlOf(t, object(t, res, "VirtualService", "b", "second"))
	want := `  - name: https-redirect
    match:
    - port: 8080
    redirect:
      scheme: https
      port: 8443
`
	if !strings.Contains(vs, want) {
		t.Errorf("VirtualService lacks the redirect to 8443:\n%s", vs)
	}
	gw := yamlOf(t, object(t, res, "Gateway", "b", "second"))
	for _, s := range []string{"number: 8080", "number: 8443", "credentialName: cert", "- ./*"} {
		if !strings.Contains(gw, s) {
			t.Errorf("Gateway lacks %q:\n%s", s, gw)
		}
	}
}

func TestRedirectFromAMovedHTTPPort(t *testing.T) {
	// A lock written by an earlier edgegate, which moved the TLS apps' plain
	// HTTP off the catch-all's port 80: locked bindings stay where they are.
	lock := `apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: edge, namespace: istio-ingress}
spec:
  gateway: istio-ingress/edge
  ports:
  - {port: 80, protocol: HTTP, hosts: {"*": default/catchall}}
  - {port: 443, protocol: HTTPS, hosts: {secure.example.com: a/secure, www.secure.example.com: a/secure}}
  - {port: 8080, protocol: HTTP, hosts: {secure.example.com: a/secure, www.secure.example.com: a/secure, "*.wild.example.com": b/wild}}
  - {port: 8443, protocol: HTTPS, hosts: {"*.wild.example.com": b/wild}}
`
	tls := "  tls: {credentialName: cert}"
	res := mustRender(t, lock+app("default", "catchall", `"*"`)+
		app("a", "secure", "secure.example.com, www.secure.example.com", tls)+
		app("b", "wild", `"*.wild.example.com"`, tls), Options{})
	if got, want := bindingsOf(res), "a/secure HTTP/8080, a/secure HTTPS/443, b/wild HTTP/8080, b/wild HTTPS/8443, default/catchall HTTP/80"; got != want {
		t.Fatalf("bindings = %s\nwant       %s", got, want)
	}
	// Istio drops port 443 from a redirect and Envoy would keep :8080, so
	// each concrete host is redirected by name.
	vs := yamlOf(t, object(t, res, "VirtualService", "a", "secure"))
	want := `  - name: https-redirect-1
    match:
    - authority:
        exact: www.secure.example.com
      port: 8080
    - authority:
        prefix: 'www.secure.example.com:'
      port: 8080
    redirect:
      scheme: https
      authority: www.secure.example.com
`
	if !strings.Contains(vs, want) {
		t.Errorf("VirtualService lacks the per-host redirect:\n%s", vs)
	}
	// A wildcard has no name to redirect to: its HTTPS port avoids 443.
	if vs := yamlOf(t, object(t, res, "VirtualService", "b", "wild")); !strings.Contains(vs, "port: 8443") {
		t.Errorf("wildcard app does not redirect to 8443:\n%s", vs)
	}
}

const lockedBookinfo = `apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: edge, namespace: istio-ingress}
spec:
  gateway: istio-ingress/edge
  ports:
  - port: 80
    protocol: HTTP
    hosts: {"*": test/bookinfo}
`

func TestLockKeepsBindingsWhenAnAppIsAddedInFront(t *testing.T) {
	before := mustRender(t, lockedBookinfo+app("test", "bookinfo", `"*"`), Options{})
	// default/aaa sorts before test/bookinfo: without the lock it would take port 80.
	unlocked := mustRender(t, app("test", "bookinfo", `"*"`)+app("default", "aaa", `"*"`), Options{})
	if got, want := bindingsOf(unlocked), "default/aaa HTTP/80, test/bookinfo HTTP/8080"; got != want {
		t.Fatalf("without a lock: bindings = %s, want %s", got, want)
	}
	after := mustRender(t, lockedBookinfo+app("test", "bookinfo", `"*"`)+app("default", "aaa", `"*"`), Options{})
	if got, want := bindingsOf(after), "default/aaa HTTP/8080, test/bookinfo HTTP/80"; got != want {
		t.Fatalf("with the lock: bindings = %s, want %s", got, want)
	}
	for _, kind := range []string{"Gateway", "VirtualService"} {
		b, a := yamlOf(t, object(t, before, kind, "test", "bookinfo")), yamlOf(t, object(t, after, kind, "test", "bookinfo"))
		if a != b {
			t.Errorf("%s test/bookinfo changed when an app was added in front:\nbefore:\n%s\nafter:\n%s", kind, b, a)
		}
	}
	if !strings.Contains(yamlOf(t, after.Locks...), "'*': test/bookinfo") {
		t.Errorf("lock lost the binding:\n%s", yamlOf(t, after.Locks...))
	}
	warnings := after.Diagnostics.Error()
	if !strings.Contains(warnings, `AppIntent default/aaa: spec.hosts: HTTP binding of "*" on gateway istio-ingress/edge port 8080 is not in the HostBindings lock`) {
		t.Errorf("no warning about the unlocked binding:\n%s", warnings)
	}
}

func TestLockedRefusesUnrecordedBindings(t *testing.T) {
	got := renderErrors(t, lockedBookinfo+app("test", "bookinfo", `"*"`)+app("default", "aaa", `"*"`), Options{Locked: true})
	if !strings.Contains(got, "AppIntent default/aaa") || !strings.Contains(got, "(--locked)") {
		t.Errorf("unexpected error:\n%s", got)
	}
	// Everything recorded: --locked passes.
	mustRender(t, lockedBookinfo+app("test", "bookinfo", `"*"`), Options{Locked: true})
}

func TestLockErrors(t *testing.T) {
	for _, tc := range []struct{ name, lock, want string }{
		{"a locked port outside the pool", strings.Replace(lockedBookinfo, "port: 80", "port: 9999", 1), "locked HTTP port 9999 of app test/bookinfo is not in the port pool"},
		{"a locked binding whose host a hand-written Gateway now holds", lockedBookinfo + `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: legacy, namespace: old}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`, "cannot keep the locked HTTP binding"},
		{"an unknown protocol", strings.Replace(lockedBookinfo, "protocol: HTTP", "protocol: TCP", 1), `spec.ports[0].protocol: must be HTTP or HTTPS, not "TCP"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderErrors(t, tc.lock+app("test", "bookinfo", `"*"`), Options{}); !strings.Contains(got, tc.want) {
				t.Errorf("error lacks %q:\n%s", tc.want, got)
			}
		})
	}
}

func TestScopeToNamespace(t *testing.T) {
	res := mustRender(t, `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: scoped, namespace: gw}
spec:
  scopeToNamespace: true
`+app("team", "web", "web.example.com"), Options{})
	gw := yamlOf(t, object(t, res, "Gateway", "gw", "team-web"))
	if !strings.Contains(gw, "- team/web.example.com") {
		t.Errorf("Gateway hosts not scoped to the app's namespace:\n%s", gw)
	}
	vs := yamlOf(t, object(t, res, "VirtualService", "team", "web"))
	if !strings.Contains(vs, "- gw/team-web") {
		t.Errorf("VirtualService does not bind to the scoped Gateway:\n%s", vs)
	}
}

func TestWorkload(t *testing.T) {
	res := mustRender(t, `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: big, namespace: gw}
spec:
  replicas: {min: 3, max: 9}
  revision: canary
  labels: {team: platform}
  service: {type: NodePort, externalTrafficPolicy: Local}
`+app("a", "one", `"*"`), Options{})
	deploy := yamlOf(t, object(t, res, "Deployment", "gw", "big"))
	if strings.Contains(deploy, "replicas:") {
		t.Errorf("Deployment sets replicas although the HPA owns them:\n%s", deploy)
	}
	for _, s := range []string{"istio.io/rev: canary", "team: platform", "containerPort: 80\n", "runAsNonRoot: true", "- ALL"} {
		if !strings.Contains(deploy, s) {
			t.Errorf("Deployment lacks %q", s)
		}
	}
	if ns := yamlOf(t, object(t, res, "Namespace", "", "gw")); !strings.Contains(ns, "istio.io/rev: canary") || strings.Contains(ns, "istio-injection") {
		t.Errorf("namespace of a revisioned gateway must carry istio.io/rev only:\n%s", ns)
	}
	hpa := yamlOf(t, object(t, res, "HorizontalPodAutoscaler", "gw", "big"))
	if !strings.Contains(hpa, "minReplicas: 3") || !strings.Contains(hpa, "maxReplicas: 9") {
		t.Errorf("HPA bounds wrong:\n%s", hpa)
	}
	object(t, res, "PodDisruptionBudget", "gw", "big")

	single := mustRender(t, app("a", "one", `"*"`), Options{})
	for _, o := range single.Objects {
		if o.Kind == "PodDisruptionBudget" {
			t.Errorf("a PDB for a single replica blocks node drains")
		}
	}
}

func TestValidationErrors(t *testing.T) {
	gateway := func(spec string) string {
		return "apiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: pub, namespace: gw}\nspec:\n" + spec + "\n"
	}
	intent := func(spec string) string {
		return "---FILE app.yaml\napiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: web, namespace: team}\nspec:\n" + spec + "\n"
	}
	for _, tc := range []struct {
		name, input, want string
	}{
		{"no hosts", intent("  routes: [{to: web:80}]"), "app.yaml:4: error: AppIntent team/web: spec.hosts: at least one host is required"},
		{"no routes", intent("  hosts: [a.example.com]"), "spec.routes: at least one route is required"},
		{"to without a port", intent("  hosts: [a.example.com]\n  routes: [{to: web}]"), `app.yaml:6: error: AppIntent team/web: spec.routes[0].to: "web" is not "service[.namespace]:port": the port is missing`},
		{"to with a bad port", intent("  hosts: [a.example.com]\n  routes: [{to: 'web:99999'}]"), "the port must be a number in 1-65535"},
		{"unknown gateway", intent("  gateway: nope\n  hosts: [a.example.com]\n  routes: [{to: web:80}]"), `spec.gateway: unknown gateway "nope"`},
		{"unknown field with a hint", intent("  hosts: [a.example.com]\n  route: [{to: web:80}]"), `spec.route: unknown field (did you mean "routes"?)`},
		{"a host with a port", intent("  hosts: ['a.example.com:80']\n  routes: [{to: web:80}]"), "spec.hosts[0]: host \"a.example.com:80\" contains a port"},
		{"a duplicate host", intent("  hosts: [a.example.com, a.example.com]\n  routes: [{to: web:80}]"), `spec.hosts[1]: host "a.example.com" is already listed as spec.hosts[0]`},
		{"an unreachable route", intent("  hosts: [a.example.com]\n  routes: [{to: web:80}, {exact: /x, to: web:80}]"), "spec.routes[1]: never reached: spec.routes[0] comes first and matches every request"},
		{"a shadowed prefix", intent("  hosts: [a.example.com]\n  routes: [{prefix: /api, to: web:80}, {prefix: /api/v1, to: web:80}]"), "spec.routes[1]: never reached"},
		{"two path matches", intent("  hosts: [a.example.com]\n  routes: [{exact: /a, prefix: /b, to: web:80}]"), "spec.routes[0].prefix: a route matches by one of exact, prefix or regex"},
		{"a bad regex", intent("  hosts: [a.example.com]\n  routes: [{regex: '(', to: web:80}]"), "spec.routes[0].regex: invalid regular expression"},
		{"a relative path", intent("  hosts: [a.example.com]\n  routes: [{prefix: api, to: web:80}]"), `spec.routes[0].prefix: path "api" must start with '/'`},
		{"weights not 100", intent("  hosts: [a.example.com]\n  routes: [{to: [{service: 'a:80', weight: 50}, {service: 'b:80', weight: 40}]}]"), "spec.routes[0].to: weights add up to 90, not 100"},
		{"split without weights", intent("  hosts: [a.example.com]\n  routes: [{to: [{service: 'a:80'}, {service: 'b:80'}]}]"), "give every destination a weight"},
		{"an uppercase header", intent("  hosts: [a.example.com]\n  routes: [{headers: {X-Canary: 'true'}, to: web:80}]"), "not a lowercase HTTP header name"},
		{"a reserved route name", intent("  hosts: [a.example.com]\n  routes: [{name: https-redirect-1, to: web:80}]"), `route names starting with "https-redirect" are edgegate's own`},
		{"a timeout too short", intent("  hosts: [a.example.com]\n  routes: [{timeout: 500us, to: web:80}]"), `spec.routes[0].timeout: "500us" is shorter than 1ms`},
		{"a bad TLS mode", intent("  hosts: [a.example.com]\n  tls: {credentialName: c, mode: PASSTHROUGH}\n  routes: [{to: web:80}]"), "spec.tls.mode: must be SIMPLE or MUTUAL"},
		{"TLS without a credential", intent("  hosts: [a.example.com]\n  tls: {mode: SIMPLE}\n  routes: [{to: web:80}]"), "spec.tls.credentialName: required"},
		{"a string where a number goes", intent("  hosts: [a.example.com]\n  routes: [{retries: 'two', to: web:80}]"), `spec.routes[0].retries: expected an integer, got string "two"`},
		{"an unquoted boolean label", gateway("  labels: {enabled: true}"), `spec.labels.enabled: expected a string, got boolean true (quote it: "true")`},
		{"a reserved pool port", gateway("  ports: {http: [80, 15021]}"), "spec.ports.http[1]: port 15021 is reserved by the Istio proxy"},
		{"overlapping pools", gateway("  ports: {http: [8080-8090], https: [8085]}"), "spec.ports.https[0]: port 8085 is already in spec.ports.http[0]"},
		{"an overridden selector label", gateway("  labels: {istio: other}"), "label istio is set by edgegate"},
		{"replicas max below min", gateway("  replicas: {min: 3, max: 2}"), "spec.replicas.max: must be at least min (3)"},
		{"an existing gateway with workload fields", gateway("  existing: true\n  selector: {istio: x}\n  servicePorts: [{name: http, port: 80}]\n  replicas: {min: 2}"), "spec.replicas: edgegate renders nothing for an existing gateway"},
		{"an existing gateway without HTTP ports", gateway("  existing: true\n  selector: {istio: x}\n  servicePorts: [{name: status-port, port: 15021}]"), "at least one must be named http, http2 or https"},
		{"a bad host ownership pattern", gateway("  hostOwnership: {'Shop.example.com': [shop]}"), "spec.hostOwnership.Shop.example.com: host \"Shop.example.com\": uppercase"},
		{"host ownership without namespaces", gateway("  hostOwnership: {'shop.example.com': []}"), `list the namespaces allowed to claim "shop.example.com"`},
		{"externalTrafficPolicy on ClusterIP", gateway("  service: {type: ClusterIP, externalTrafficPolicy: Local}"), "applies only to LoadBalancer and NodePort"},
		{"a missing namespace", "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: web}\nspec: {hosts: [a.example.com], routes: [{to: web:80}]}\n", "metadata.namespace: required (or pass --namespace)"},
		{"an unknown edgegate kind", "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntnet\nmetadata: {name: web, namespace: x}\n", `kind: unknown kind "AppIntnet"`},
		{"duplicate gateway names", gateway("  default: true") + "---\napiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: pub, namespace: other}\n", `IngressGateway name "pub" is already used by IngressGateway gw/pub`},
		{"two gateways and no default", gateway("") + "---\napiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: second, namespace: gw}\n" + intent("  hosts: [a.example.com]\n  routes: [{to: web:80}]"), "2 IngressGateways are declared and none is marked default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderErrors(t, tc.input, Options{}); !strings.Contains(got, tc.want) {
				t.Errorf("error lacks\n  %s\ngot\n  %s", tc.want, strings.ReplaceAll(got, "\n", "\n  "))
			}
		})
	}
}

func TestDefaultNamespace(t *testing.T) {
	src := "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: web}\nspec: {hosts: [a.example.com], routes: [{to: web:80}]}\n"
	res := mustRender(t, src, Options{DefaultNamespace: "team"})
	vs := yamlOf(t, object(t, res, "VirtualService", "team", "web"))
	if !strings.Contains(vs, "host: web.team.svc.cluster.local") {
		t.Errorf("destination not in the default namespace:\n%s", vs)
	}
}

func TestProtobufDuration(t *testing.T) {
	for in, want := range map[string]string{"5s": "5s", "1500ms": "1.5s", "1ms": "0.001s", "2m": "120s", "1h0m0.25s": "3600.25s"} {
		d, err := v1alpha1.ParseTimeout(in)
		if err != nil {
			t.Fatalf("ParseTimeout(%q): %v", in, err)
		}
		if got := protobufDuration(d); got != want {
			t.Errorf("protobufDuration(%s) = %q, want %q", in, got, want)
		}
	}
}

// The API refuses spec.labels that edgegate sets on gateway pods
// (podlabels.TestTemplateLabelsAreReservedInTheAPI), the managed-by label too.
func TestPodLabelsAreReservedInTheAPI(t *testing.T) {
	if !v1alpha1.ReservedPodLabel(manifest.ManagedByLabel) {
		t.Errorf("%s is not reserved", manifest.ManagedByLabel)
	}
}

// TestAnEarlierLockKeepsAMovedWildcard: an earlier edgegate moved wildcard
// apps off the standard ports; its lock keeps them there, and deleting the
// entry and re-locking brings the app back to 80.
func TestAnEarlierLockKeepsAMovedWildcard(t *testing.T) {
	lock := `apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: edge, namespace: istio-ingress}
spec:
  gateway: istio-ingress/edge
  ports:
  - {port: 80, protocol: HTTP, hosts: {shop.example.com: shop/shop}}
  - {port: 8081, protocol: HTTP, hosts: {"*.example.com": tenants/tenants}}
`
	apps := app("shop", "shop", "shop.example.com") + app("tenants", "tenants", `"*.example.com"`)
	if got, want := bindingsOf(mustRender(t, lock+apps, Options{Locked: true})), "shop/shop HTTP/80, tenants/tenants HTTP/8081"; got != want {
		t.Errorf("bindings = %s, want %s", got, want)
	}
	// `edgegate lock` keeps it too: nothing moves on upgrade.
	if res := mustRender(t, lock+apps, Options{Relock: true}); len(LockChanges(res.Model, res.Locks)) != 0 || bindingsOf(res) != "shop/shop HTTP/80, tenants/tenants HTTP/8081" {
		t.Errorf("re-locking moved a locked binding: %s %v", bindingsOf(res), LockChanges(res.Model, res.Locks))
	}
	unlocked := strings.Replace(lock, "  - {port: 8081, protocol: HTTP, hosts: {\"*.example.com\": tenants/tenants}}\n", "", 1)
	res := mustRender(t, unlocked+apps, Options{Relock: true})
	if got, want := bindingsOf(res), "shop/shop HTTP/80, tenants/tenants HTTP/80"; got != want {
		t.Errorf("re-locked bindings = %s, want %s", got, want)
	}
	if got, want := strings.Join(LockChanges(res.Model, res.Locks), "\n"), "+ istio-ingress/edge 80/HTTP *.example.com → tenants/tenants"; got != want {
		t.Errorf("lock changes = %s, want %s", got, want)
	}
}

// TestAnExistingGatewayWithTwoPorts: the seed's Service has only 80 and 443;
// a catch-all beside a concrete host needs no third port.
func TestAnExistingGatewayWithTwoPorts(t *testing.T) {
	res := mustRender(t, `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: ingressgateway, namespace: istio-system}
spec:
  existing: true
  selector: {istio: ingressgateway}
  servicePorts:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
`+app("default", "bookinfo", `"*"`)+app("shop", "shop", "shop.example.com", "  tls: {credentialName: shop-cert}"), Options{})
	if got, want := bindingsOf(res), "default/bookinfo HTTP/80, shop/shop HTTP/80, shop/shop HTTPS/443"; got != want {
		t.Errorf("bindings = %s, want %s", got, want)
	}
	// Two catch-alls still need two ports: the second is refused.
	got := renderErrors(t, `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: ingressgateway, namespace: istio-system}
spec:
  existing: true
  selector: {istio: ingressgateway}
  servicePorts:
  - {name: http2, port: 80, targetPort: 8080}
`+app("default", "bookinfo", `"*"`)+app("test", "bookinfo", `"*"`), Options{})
	if !strings.Contains(got, `AppIntent test/bookinfo: spec.hosts: no free HTTP port on gateway istio-system/ingressgateway`) || !strings.Contains(got, `host "*" is held by AppIntent default/bookinfo`) {
		t.Errorf("error:\n%s", got)
	}
}

// TestFallingBackToTheBuiltinGateway: an app that names no gateway in a
// render that declares none lands on the built-in gateway, silently only
// when nothing else is in sight: the lock recording the app on another
// gateway is an error, and a lock or an input naming another is a warning.
func TestFallingBackToTheBuiltinGateway(t *testing.T) {
	lockOn := func(gateway, app string) string {
		return fmt.Sprintf(`apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: public, namespace: istio-ingress}
spec:
  gateway: %s
  ports:
  - {port: 80, protocol: HTTP, hosts: {shop.example.com: %s}}
`, gateway, app)
	}
	shop := app("shop", "shop", "shop.example.com")
	if res := mustRender(t, shop, Options{}); strings.Contains(res.Diagnostics.Error(), "built-in gateway") {
		t.Errorf("a plain fallback warns: %v", res.Diagnostics)
	}
	got := renderErrors(t, lockOn("istio-ingress/public", "shop/shop")+shop, Options{})
	if !strings.Contains(got, "AppIntent shop/shop: spec.gateway: the HostBindings lock (input.yaml:1) records this app on gateway istio-ingress/public, which no IngressGateway of this render declares") {
		t.Errorf("the lock's gateway: %s", got)
	}
	res := mustRender(t, lockOn("istio-ingress/public", "other/app")+app("blog", "blog", "blog.example.com"), Options{})
	if !strings.Contains(res.Diagnostics.Error(), "warning: AppIntent blog/blog: spec.gateway: no IngressGateway is declared in this render, so the app uses the built-in gateway istio-ingress/edge, but the HostBindings lock (input.yaml:1) records gateway istio-ingress/public") {
		t.Errorf("a lock naming another gateway: %v", res.Diagnostics)
	}
	res = mustRender(t, "apiVersion: edgegate.io/v1alpha1\nkind: IngressGateway\nmetadata: {name: public, namespace: istio-ingress}\n---\n"+shop, Options{})
	if !strings.Contains(res.Diagnostics.Error(), `declares an IngressGateway of apiVersion "edgegate.io/v1alpha1", which edgegate does not read`) {
		t.Errorf("an IngressGateway of another group: %v", res.Diagnostics)
	}
	// The lock of the built-in gateway itself is no reason to warn.
	if res := mustRender(t, lockOn("istio-ingress/edge", "shop/shop")+shop, Options{}); strings.Contains(res.Diagnostics.Error(), "built-in gateway") {
		t.Errorf("the built-in gateway's own lock warns: %v", res.Diagnostics)
	}
}

// TestTheLockKeepsWhatTheRenderDoesNotSee: the locks a render writes keep
// the records of apps it does not see and the locks of gateways it does not
// have, unless Prune.
func TestTheLockKeepsWhatTheRenderDoesNotSee(t *testing.T) {
	lock := `apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: edge, namespace: istio-ingress}
spec:
  gateway: istio-ingress/edge
  ports:
  - {port: 80, protocol: HTTP, hosts: {"*": other/catchall, blog.example.com: blog/blog}}
---
apiVersion: edgegate.dev/v1alpha1
kind: HostBindings
metadata: {name: internal, namespace: istio-ingress}
spec:
  gateway: istio-ingress/internal
  ports:
  - {port: 80, protocol: HTTP, hosts: {wiki.example.com: wiki/wiki}}
`
	apps := app("shop", "shop", "shop.example.com") + app("tenants", "tenants", `"*"`)
	res := mustRender(t, lock+apps, Options{Relock: true})
	// The recorded catch-all holds 80: the new one goes to 8080.
	if got, want := bindingsOf(res), "shop/shop HTTP/80, tenants/tenants HTTP/8080"; got != want {
		t.Errorf("bindings = %s, want %s", got, want)
	}
	written := yamlOf(t, res.Locks...)
	for _, want := range []string{"'*': other/catchall", "blog.example.com: blog/blog", "wiki.example.com: wiki/wiki", "shop.example.com: shop/shop", "'*': tenants/tenants"} {
		if !strings.Contains(written, want) {
			t.Errorf("the lock lost %q:\n%s", want, written)
		}
	}
	if got, want := strings.Join(LockChanges(res.Model, res.Locks), "\n"), "+ istio-ingress/edge 80/HTTP shop.example.com → shop/shop\n+ istio-ingress/edge 8080/HTTP * → tenants/tenants"; got != want {
		t.Errorf("changes:\n%s\nwant:\n%s", got, want)
	}
	res = mustRender(t, lock+apps, Options{Relock: true, Prune: true})
	if got, want := bindingsOf(res), "shop/shop HTTP/80, tenants/tenants HTTP/80"; got != want {
		t.Errorf("pruned bindings = %s, want %s", got, want)
	}
	if got, want := strings.Join(LockChanges(res.Model, res.Locks), "\n"), strings.Join([]string{
		"- istio-ingress/edge 80/HTTP * → other/catchall",
		"+ istio-ingress/edge 80/HTTP * → tenants/tenants",
		"- istio-ingress/edge 80/HTTP blog.example.com → blog/blog",
		"+ istio-ingress/edge 80/HTTP shop.example.com → shop/shop",
		"- HostBindings istio-ingress/internal",
		"- istio-ingress/internal 80/HTTP wiki.example.com → wiki/wiki",
	}, "\n"); got != want {
		t.Errorf("pruned changes:\n%s\nwant:\n%s", got, want)
	}
}
