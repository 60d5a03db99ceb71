package render

import (
	"strings"
	"testing"
)

func TestTLSHTTPModes(t *testing.T) {
	for _, c := range []struct {
		tls      string
		bindings string
		redirect bool
	}{
		{"{credentialName: cert}", "a/web HTTP/80, a/web HTTPS/443", true},
		{"{credentialName: cert, http: redirect}", "a/web HTTP/80, a/web HTTPS/443", true},
		{"{credentialName: cert, httpsRedirect: true}", "a/web HTTP/80, a/web HTTPS/443", true},
		{"{credentialName: cert, http: serve}", "a/web HTTP/80, a/web HTTPS/443", false},
		{"{credentialName: cert, http: off}", "a/web HTTPS/443", false},
		{"{credentialName: cert, httpsRedirect: false}", "a/web HTTPS/443", false},
		{"{credentialName: cert, httpsRedirect: false, http: off}", "a/web HTTPS/443", false},
	} {
		t.Run(c.tls, func(t *testing.T) {
			res := mustRender(t, app("a", "web", "web.example.com", "  tls: "+c.tls), Options{})
			if got := bindingsOf(res); got != c.bindings {
				t.Errorf("bindings = %s, want %s", got, c.bindings)
			}
			vs := yamlOf(t, object(t, res, "VirtualService", "a", "web"))
			if got := strings.Contains(vs, "name: https-redirect"); got != c.redirect {
				t.Errorf("redirect rule: %v, want %v:\n%s", got, c.redirect, vs)
			}
			gw := yamlOf(t, object(t, res, "Gateway", "a", "web"))
			if got, want := strings.Count(gw, "- port:"), strings.Count(c.bindings, ","); got != want+1 {
				t.Errorf("%d Gateway servers, want %d:\n%s", got, want+1, gw)
			}
		})
	}
	for _, c := range []struct{ tls, want string }{
		{"{credentialName: cert, http: bogus}", `spec.tls.http: must be redirect, serve or off, not "bogus"`},
		{"{credentialName: cert, httpsRedirect: true, http: off}", "spec.tls.http: off contradicts spec.tls.httpsRedirect: true"},
		{"{credentialName: cert, httpsRedirect: false, http: serve}", "spec.tls.http: serve contradicts spec.tls.httpsRedirect: false"},
	} {
		if got := renderErrors(t, app("a", "web", "web.example.com", "  tls: "+c.tls), Options{}); !strings.Contains(got, c.want) {
			t.Errorf("%s: errors %q, want %q", c.tls, got, c.want)
		}
	}
}

func TestPrefixMatchesByPathElement(t *testing.T) {
	src := `---
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: web, namespace: a}
spec:
  hosts: [web.example.com]
  routes:
  - {exact: /api/raw, to: raw:80}
  - {name: api, prefix: /api, rewrite: /v2, headers: {x-a: b}, to: api:80}
  - {name: static, prefix: /static/, rewrite: /assets/, to: web:80}
  - {exact: /exact, to: web:80}
  - {prefix: /exact, to: other:80}
  - {prefix: /, to: web:80}
`
	vs := yamlOf(t, object(t, mustRender(t, src, Options{}), "VirtualService", "a", "web"))
	for _, want := range []string{
		// Two rules: /api → /v2, /api/x → /v2/x; the headers apply to both.
		`  - name: api
    match:
    - uri:
        exact: /api
      headers:
        x-a:
          exact: b
    rewrite:
      uri: /v2
`, `  - name: api-subpaths
    match:
    - uri:
        prefix: /api/
      headers:
        x-a:
          exact: b
    rewrite:
      uri: /v2/
`,
		// One rule when the rewrite ends in '/'; the trailing slash of the prefix is ignored.
		`  - name: static
    match:
    - uri:
        exact: /static
    - uri:
        prefix: /static/
    rewrite:
      uri: /assets/
`,
		// The exact path an earlier route takes is left out.
		`  - match:
    - uri:
        prefix: /exact/
    route:
    - destination:
        host: other.a.svc.cluster.local
`,
		// prefix / stays every path.
		`  - match:
    - uri:
        prefix: /
    route:
`,
	} {
		if !strings.Contains(vs, want) {
			t.Errorf("VirtualService lacks\n%s\nin\n%s", want, vs)
		}
	}
}

func TestPrefixRootRewrite(t *testing.T) {
	src := `---
apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: web, namespace: a}
spec:
  hosts: [web.example.com]
  routes:
  - {name: all, prefix: /, rewrite: /v2, to: web:80}
`
	vs := yamlOf(t, object(t, mustRender(t, src, Options{}), "VirtualService", "a", "web"))
	// / → /v2, /x → /v2/x: Istio's prefix / with rewrite /v2 alone would send /x as /v2x.
	want := `  - name: all
    match:
    - uri:
        exact: /
    rewrite:
      uri: /v2
    route:
    - destination:
        host: web.a.svc.cluster.local
        port:
          number: 80
  - name: all-subpaths
    match:
    - uri:
        prefix: /
    rewrite:
      uri: /v2/
`
	if !strings.Contains(vs, want) {
		t.Errorf("VirtualService lacks\n%s\nin\n%s", want, vs)
	}
}
