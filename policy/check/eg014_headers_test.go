package check

import (
	"strings"
	"testing"
)

// TestIstioSchemaHeadersLabelsCertificates is EG014's rules on header
// names and values, sourceLabels and tlsCertificates entries
// (eg014_headers.go), each as istiod's webhook applies it.
func TestIstioSchemaHeadersLabelsCertificates(t *testing.T) {
	const vsHead = "  hosts: [shop.example.com]\n  gateways: [default/edge]\n  http:\n"
	route := func(extra string) string {
		return virtualService("v", vsHead+"  - route: [{destination: {host: a}}]\n"+extra)
	}
	match := func(m string) string {
		return virtualService("v", vsHead+"  - match: ["+m+"]\n    route: [{destination: {host: a}}]\n")
	}
	const reject = " (istiod's validating webhook rejects the VirtualService)"
	gatewayTLS := func(tls string) string {
		return istioGateway("g", "  selector: {istio: edge}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: "+tls+"\n")
	}
	cases := []checkCase{
		// Header manipulations.
		{name: "an empty response header name",
			input: route("    headers: {response: {set: {\"\": v}}}\n"),
			want:  []string{`VirtualService default/v: spec.http[0].headers.response.set[]: header name cannot be empty` + reject}},
		{name: "a pseudo-header removed from the request",
			input: route("    headers: {request: {remove: [\":authority\"]}}\n"),
			want:  []string{`spec.http[0].headers.request.remove[0]: invalid header ":authority": header cannot have ":" prefix`}},
		{name: "Host set on the response",
			input: route("    headers: {response: {set: {host: v}}}\n"),
			want:  []string{`spec.http[0].headers.response.set.host: invalid header "host": cannot set Host header`}},
		{name: "Host removed from the request",
			input: route("    headers: {request: {remove: [Host]}}\n"),
			want:  []string{`spec.http[0].headers.request.remove[0]: invalid header "Host": cannot set Host header`}},
		{name: "a pseudo-header other than :authority set on the request",
			input: route("    headers: {request: {add: {\":path\": /x}}}\n"),
			want:  []string{`spec.http[0].headers.request.add[:path]: invalid header ":path": header cannot have ":" prefix`}},
		{name: "a header value with a newline",
			input: route("    headers: {request: {set: {x-h: \"a\\nb\"}}}\n"),
			want:  []string{`spec.http[0].headers.request.set.x-h: header value configuration "a\nb" is invalid: a header value may hold no control character but tab` + reject}},
		{name: "a header value with an un-escaped %",
			input: route("    headers: {response: {add: {x-h: \"100%\"}}}\n"),
			want:  []string{`spec.http[0].headers.response.add.x-h: header value configuration: invalid header configuration. Un-escaped %`}},
		{name: "a header value with an unterminated variable",
			input: route("    headers: {request: {set: {x-h: \"%START_TIME\"}}}\n"),
			want:  []string{`spec.http[0].headers.request.set.x-h: header value configuration: invalid header configuration. Un-terminated variable expression "%START_TIME"`}},
		{name: "a destination's header manipulations",
			input: virtualService("v", vsHead+"  - route:\n    - destination: {host: a}\n      headers: {response: {remove: [\"\"]}, request: {set: {x-h: \"%REQ(x\"}}}\n"),
			want: []string{
				`spec.http[0].route[0].headers.request.set.x-h: header value configuration: invalid header configuration. Un-terminated variable expression "%REQ(x"`,
				`spec.http[0].route[0].headers.response.remove[0]: header name cannot be empty`,
			}},
		{name: "header manipulations istiod accepts",
			input: route("    headers:\n      request:\n        set: {host: shop.internal, \":authority\": shop.internal, Bad Name: \"100%% %DOWNSTREAM_REMOTE_ADDRESS% %REQ(x-a)% %PER_REQUEST_STATE([\\\"a\\\", \\\"b\\\"])%\", x-tab: \"a\\tb\", x-empty: \"\"}\n        remove: [x-debug]\n      response:\n        add: {X-Upper: \"%BOGUS%\"}\n        remove: [server]\n")},

		// Match header names.
		{name: "a match header name with a space",
			input: match("{headers: {\"X-Bad Header\": {exact: v}}}"),
			want:  []string{`spec.http[0].match[0].headers[X-Bad Header]: header name "X-Bad Header" is not a valid header name: a header name is letters, digits and any of !#$%&'*+-.^_` + "`" + `|~` + reject}},
		{name: "an empty withoutHeaders name (with Istio's * for absent)",
			input: match("{withoutHeaders: {\"\": {regex: \"*\"}}}"),
			want:  []string{`spec.http[0].match[0].withoutHeaders[]: header name cannot be empty`}},
		{name: "a pseudo-header not a route can match",
			input: match("{headers: {\":protocol\": {exact: h2}}}"),
			want:  []string{`spec.http[0].match[0].headers[:protocol]: header name ":protocol" is not a valid header name`}},
		{name: "a JWT claim prefix without a claim",
			input: match("{headers: {\"@request.auth.claims.\": {exact: v}}}"),
			want:  []string{`header name "@request.auth.claims." is not a valid header name`}},
		{name: "match header names istiod accepts: tokens, pseudo-headers, JWT claims; query parameter names are free",
			input: match("{headers: {X-Upper: {exact: v}, \"x_a!#$%&'*+-.^`|~\": {prefix: v}, \":authority\": {exact: a}, \"@request.auth.claims.group\": {exact: admin}, \"@Request.Auth.Claims[nested][key]\": {exact: v}}, withoutHeaders: {\":method\": {exact: POST}}, queryParams: {\"bad name\": {exact: v}}}")},

		{name: "JWT claim routing in a VirtualService bound to the mesh, and in a delegate",
			input: virtualService("v", "  hosts: [shop.example.com]\n  gateways: [default/edge, mesh]\n  http:\n  - match: [{headers: {\"@request.auth.claims.group\": {exact: admin}}}]\n    route: [{destination: {host: a}}]\n") +
				virtualService("d", "  http:\n  - match: [{withoutHeaders: {\"@request.auth.claims[group]\": {exact: admin}}}]\n    route: [{destination: {host: a}}]\n"),
			want: []string{
				`VirtualService default/v: spec.http[0].match[0].headers[@request.auth.claims.group]: JWT claim based routing (key: @request.auth.claims.group) is only supported for gateway, found no gateways`,
				`VirtualService default/d: spec.http[0].match[0].withoutHeaders[@request.auth.claims[group]]: JWT claim based routing (key: @request.auth.claims[group]) is only supported for gateway`,
			}},

		// CORS header names.
		{name: "CORS header names",
			input: route("    corsPolicy: {allowOrigins: [{exact: \"https://a.example.com\"}], allowHeaders: [\"*\", x-ok, \"bad header\"], exposeHeaders: [\"\"]}\n"),
			want: []string{
				`spec.http[0].corsPolicy.allowHeaders[2]: header name "bad header" is not a valid header name`,
				`spec.http[0].corsPolicy.exposeHeaders[0]: header name cannot be empty`,
			}},

		// sourceLabels.
		{name: "sourceLabels keys and values",
			input: match("{sourceLabels: {\"bad key!\": v, \"\": v, app: \"bad value!\", \"a/b/c\": v, \"/app\": v, \"Example.com/app\": v}}"),
			want: []string{
				`spec.http[0].match[0].sourceLabels[bad key!]: invalid tag key: "bad key!": a label key is [prefix/]name` + "",
				`spec.http[0].match[0].sourceLabels[]: invalid tag key: ""`,
				`spec.http[0].match[0].sourceLabels.app: invalid tag value: "bad value!"`,
				`spec.http[0].match[0].sourceLabels[a/b/c]: invalid tag key: "a/b/c"`,
				`spec.http[0].match[0].sourceLabels[/app]: invalid tag key: "/app"`,
			}},
		{name: "sourceLabels too long",
			input: match("{sourceLabels: {" + strings.Repeat("a", 64) + ": v, " + strings.Repeat("a", 254) + "/app: v}}"),
			want: []string{
				`invalid tag key: "` + strings.Repeat("a", 64) + `" (name is too long)`,
				`invalid tag key: "` + strings.Repeat("a", 254) + `/app" (DNS prefix is too long)`,
			}},
		{name: "sourceLabels of tls and tcp matches",
			input: virtualService("v", "  hosts: [shop.example.com]\n  gateways: [default/edge]\n  tls:\n  - match: [{sniHosts: [shop.example.com], sourceLabels: {app: \"-x\"}}]\n    route: [{destination: {host: a}}]\n  tcp:\n  - match: [{sourceLabels: {\"x y\": v}}]\n    route: [{destination: {host: a}}]\n"),
			want: []string{
				`spec.tls[0].match[0].sourceLabels.app: invalid tag value: "-x"`,
				`spec.tcp[0].match[0].sourceLabels[x y]: invalid tag key: "x y"`,
			}},
		{name: "sourceLabels istiod accepts",
			input: match("{sourceLabels: {app: web, app.kubernetes.io/name: web, version: \"\", k: " + strings.Repeat("v", 70) + ", x: A_b.c-9}}")},

		// tlsCertificates entries.
		{name: "a SIMPLE tlsCertificates entry without its key",
			input: gatewayTLS("{mode: SIMPLE, tlsCertificates: [{serverCertificate: /etc/certs/a.pem}]}"),
			want:  []string{`Gateway default/g: spec.servers[0].tls.tlsCertificates[0].privateKey: SIMPLE TLS requires a private key: tls.tlsCertificates[0] has no privateKey (istiod's validating webhook rejects the Gateway)`}},
		{name: "a MUTUAL tlsCertificates entry without its certificate",
			input: gatewayTLS("{mode: MUTUAL, caCertificates: /etc/certs/ca.pem, tlsCertificates: [{serverCertificate: /a.pem, privateKey: /a.key}, {privateKey: /b.key, serverCertificate: \"\"}]}"),
			want:  []string{`spec.servers[0].tls.tlsCertificates[1].serverCertificate: MUTUAL TLS requires a server certificate: tls.tlsCertificates[1] has no serverCertificate`}},
		{name: "tlsCertificates entries istiod accepts, and those it does not read",
			input: gatewayTLS("{mode: SIMPLE, tlsCertificates: [{serverCertificate: /a.pem, privateKey: /a.key}, {serverCertificate: /b.pem, privateKey: /b.key}]}") +
				istioGateway("p", "  selector: {istio: edge}\n  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n    hosts: [shop.example.com]\n    tls: {mode: PASSTHROUGH, tlsCertificates: [{serverCertificate: /a.pem}]}\n")},
	}
	runCases(t, "EG014", cases)
}
