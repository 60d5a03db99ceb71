package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

// istioGateway is a Gateway with spec (indented by two spaces) below spec:.
func istioGateway(name, spec string) string {
	return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: " + name + ", namespace: default}\nspec:\n" + spec + "---\n"
}

func virtualService(name, spec string) string {
	return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name + ", namespace: default}\nspec:\n" + spec + "---\n"
}

const istioServer = `  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`

func TestIstioSchema(t *testing.T) {
	cases := []checkCase{
		// The e2e suite's invalid objects, as written there.
		{name: "e2e: port number as a string",
			input: istioGateway("port-number-string", "  selector:\n    istio: edge\n  servers:\n  - port:\n      number: \"80\"\n      name: http\n      protocol: HTTP\n    hosts:\n    - \"*\"\n"),
			want:  []string{`in.yaml:9: error: Gateway default/port-number-string: spec.servers[0].port.number: expected an integer, got string "80": write it without quotes [EG014]`}},
		{name: "e2e: unknown field in a Gateway spec",
			input: istioGateway("unknown-field", "  selectors:\n    istio: edge\n"+strings.TrimPrefix(istioServer, "  selector: {istio: edge}\n")),
			want:  []string{`in.yaml:5: error: Gateway default/unknown-field: spec.selectors: unknown field "selectors" (did you mean "selector"?)`}},
		{name: "e2e: unknown field in a VirtualService spec (so it binds to the mesh, where * is refused)",
			input: virtualService("unknown-field", "  hosts: [\"*\"]\n  gateway: [default/edge]\n  http:\n  - route:\n    - destination: {host: productpage.default.svc.cluster.local, port: {number: 9080}}\n"),
			want: []string{
				`in.yaml:6: error: VirtualService default/unknown-field: spec.gateway: unknown field "gateway" (did you mean "gateways"?)`,
				`VirtualService default/unknown-field: spec.hosts[0]: wildcard host * is not allowed for virtual services bound to the mesh gateway`,
			}},
		{name: "e2e: port without protocol",
			input: istioGateway("port-without-protocol", "  selector: {istio: edge}\n  servers:\n  - port:\n      number: 80\n      name: http\n    hosts: [\"*\"]\n"),
			want:  []string{`in.yaml:7: error: Gateway default/port-without-protocol: spec.servers[0].port.protocol: required field is missing`}},
		{name: "e2e: timeout below 1ms",
			input: virtualService("timeout-below-1ms", "  hosts: [\"*\"]\n  gateways: [default/edge]\n  http:\n  - route:\n    - destination: {host: productpage}\n    timeout: 0.5ms\n"),
			want:  []string{`in.yaml:10: error: VirtualService default/timeout-below-1ms: spec.http[0].timeout: invalid value "0.5ms": must be a valid duration greater than 1ms`}},
		{name: "e2e: port above 65535 (the API server accepts it, istiod does not)",
			input: istioGateway("port-above-65535", "  selector: {istio: edge}\n  servers:\n  - port: {number: 70000, name: http, protocol: HTTP}\n    hosts: [\"*\"]\n"),
			want:  []string{`spec.servers[0].port.number: port number 70000 must be in the range 1..65535 (istiod's validating webhook rejects the Gateway)`}},
		{name: "e2e: credentialName and credentialNames",
			input: istioGateway("two-credential-sources", "  selector: {istio: edge}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls:\n      mode: SIMPLE\n      credentialName: shop-cert\n      credentialNames: [shop-cert-rsa, shop-cert-ecdsa]\n"),
			want:  []string{`in.yaml:9: error: Gateway default/two-credential-sources: spec.servers[0].tls: only one of credentialName or credentialNames can be set`}},

		// More of the CRD schema.
		{name: "enum, with the spelling the server wants",
			input: istioGateway("g", "  selector: {istio: edge}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: simple, credentialName: c}\n"),
			want:  []string{`spec.servers[0].tls.mode: unsupported value "simple" (did you mean "SIMPLE"?): supported values: "PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"`}},
		{name: "list size",
			input: istioGateway("g", "  selector: {istio: edge}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialNames: [a, b, c]}\n"),
			want:  []string{`spec.servers[0].tls.credentialNames: must have at most 2 items, has 3`}},
		{name: "a match sets two of exact, prefix, regex",
			input: virtualService("v", "  hosts: [shop.example.com]\n  gateways: [default/edge]\n  http:\n  - match: [{uri: {exact: /a, prefix: /b}}]\n    route: [{destination: {host: a}}]\n"),
			want:  []string{`spec.http[0].match[0].uri: only one of exact, prefix or regex can be set, found exact and prefix`}},
		{name: "an int32 the API server refuses",
			input: virtualService("v", "  hosts: [shop.example.com]\n  gateways: [default/edge]\n  http:\n  - retries: {attempts: 3000000000}\n    route: [{destination: {host: a}}]\n"),
			want:  []string{`spec.http[0].retries.attempts: invalid value 3000000000: must be of type integer with format int32`}},
		{name: "null where the schema wants a map",
			input: istioGateway("g", istioServer+"    tls: null\n"),
			want:  []string{`spec.servers[0].tls: expected an object, got null: remove the field or give it a value`}},
		{name: "a version Istio does not serve",
			input: strings.Replace(istioGateway("g", istioServer), "networking.istio.io/v1", "networking.istio.io/v2", 1),
			want:  []string{`Gateway default/g: apiVersion: Istio v1.32.0 does not serve Gateway as networking.istio.io/v2: use networking.istio.io/v1, networking.istio.io/v1alpha3, networking.istio.io/v1beta1`}},
		{name: "v1alpha3 is validated with the same schema",
			input: strings.Replace(istioGateway("g", strings.Replace(istioServer, "number: 80", "number: '80'", 1)), "/v1\n", "/v1alpha3\n", 1),
			want:  []string{`spec.servers[0].port.number: expected an integer, got string "80"`}},
		{name: "YAML 1.1 booleans are a warning",
			input: istioGateway("g", strings.Replace(istioServer, "name: http", "name: on", 1)),
			want:  []string{`in.yaml:7: warning: Gateway default/g: spec.servers[0].port.name: on is a string here, but kubectl and Helm read YAML 1.1`}},
		{name: "a key written twice",
			input: istioGateway("g", "  selector: {istio: edge}\n  selector: {istio: other}\n"+strings.TrimPrefix(istioServer, "  selector: {istio: edge}\n")),
			want:  []string{`in.yaml:5: error: Gateway default/g: spec.selector: duplicate field "selector"`}},

		// istiod's webhook: Gateway.
		{name: "webhook: Gateway servers, hosts, ports and names",
			input: istioGateway("g", `  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http, protocol: HTTPX, targetPort: 8080}
    hosts: [shop, "*shop.example.com", "Bad_NS/a.example.com", "./a.example.123"]
  - port: {number: 81, name: http, protocol: HTTP}
    hosts: []
  - port: {number: 82, name: "", protocol: HTTP}
    bind: not-an-ip
    hosts: [a.example.com]
`),
			want: []string{
				`spec.servers[0].port.protocol: invalid protocol "HTTPX", supported protocols are HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, HTTP_PROXY, TCP, TLS, UDP, MONGO, REDIS, MYSQL`,
				`spec.servers[0].port.targetPort: targetPort has no impact on Gateways`,
				`spec.servers[0].hosts[0]: invalid host "shop": short names (non FQDN) are not allowed`,
				`spec.servers[0].hosts[1]: invalid host "*shop.example.com": partial wildcard "*shop.example.com" not allowed`,
				`spec.servers[0].hosts[2]: invalid host "Bad_NS/a.example.com": invalid namespace value "Bad_NS" in gateway`,
				`spec.servers[0].hosts[3]: invalid host "./a.example.123": domain name "example.123" invalid (top level domain "123" cannot be all-numeric)`,
				`spec.servers[1].hosts: server config must contain at least one host`,
				`spec.servers[1].port.name: port names in servers must be unique: duplicate name http (spec.servers[0] has it too)`,
				`spec.servers[2].port.name: port name must be set`,
				`spec.servers[2].bind: not-an-ip is not a valid IP`,
			}},
		{name: "webhook: a Gateway without servers, with a dotted name",
			input: istioGateway("edge.public", "  selector: {istio: edge}\n"),
			want: []string{
				`Gateway default/edge.public: metadata.name: invalid gateway name "edge.public": a Gateway's name must be a DNS-1123 label (no dots)`,
				`spec.servers: gateway must have at least one server`,
			}},
		{name: "webhook: a credential and file certificates",
			input: istioGateway("g", "  selector: {istio: edge}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: c, serverCertificate: /c.pem, privateKey: /k.pem}\n"),
			want:  []string{`spec.servers[0].tls: only one of credentialName, credentialNames, serverCertificate/privateKey or tlsCertificates can be set (istiod's validating webhook rejects the Gateway)`}},
		{name: "webhook: httpsRedirect on an HTTPS server is a warning",
			input: istioGateway("g", "  selector: {istio: edge}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: c, httpsRedirect: true}\n"),
			want:  []string{`warning: Gateway default/g: spec.servers[0].tls.httpsRedirect: tls.httpsRedirect should only be used with http servers`}},

		// istiod's webhook: VirtualService.
		{name: "webhook: VirtualService routes",
			input: virtualService("v", `  hosts: ["*.example.com", shop.example.com]
  gateways: [default/edge]
  exportTo: [".", default]
  http:
  - route:
    - destination: {host: a}
    - destination: {host: b}
    timeout: 1500us
    retries: {perTryTimeout: 2s, retryOn: "5xx,bogus"}
  - match: [{uri: {regex: "(("}, headers: {x-user: {prefix: ""}}, port: 70000}]
    redirect: {uri: /x, redirectCode: 200}
    route: [{destination: {host: "*"}}]
  - match: [{uri: {prefix: /}}]
  - directResponse: {status: 700}
    rewrite: {}
`),
			want: []string{
				`spec.hosts[1]: duplicate hosts in virtual service: *.example.com & shop.example.com`,
				`spec.exportTo[1]: duplicate entries in exportTo for entry default`,
				`spec.http[0].route: total destination weight = 0`,
				`spec.http[0].timeout: only durations to ms precision are supported (1500us)`,
				`spec.http[0].retries.attempts: http retry policy configured when attempts are set to 0 (disabled)`,
				`spec.http[0].retries.retryOn: "bogus" is not a valid retryOn policy`,
				`spec.http[1].route: HTTP route cannot contain both route and redirect`,
				`spec.http[1].match[0].uri.regex: error parsing regexp: missing closing ): ` + "`((`",
				`spec.http[1].match[0].headers.x-user.prefix: prefix string match should not be empty`,
				`spec.http[1].match[0].port: port number 70000 must be in the range 1..65535`,
				`spec.http[1].route[0].destination.host: invalid destination host *`,
				`spec.http[1].redirect.redirectCode: 200 is not a valid redirect code, must be 3xx`,
				`spec.http[2]: HTTP route, redirect or directResponse is required`,
				`spec.http[3].rewrite: HTTP route rule cannot contain both rewrite and directResponse`,
				`spec.http[3].directResponse.status: HTTP status 700 is not in range 200-599`,
				`spec.http[3].rewrite: rewrite must specify at least one of uri, uriRegexRewrite or authority`,
			}},
		{name: "webhook: a VirtualService without hosts is a delegate, which binds to no gateway",
			input: virtualService("v", "  gateways: [default/edge]\n  http:\n  - route: [{destination: {host: a}}]\n"),
			want:  []string{`spec.gateways: delegate virtual service must have no gateways specified`}},
		{name: "webhook: tls routes and SNI hosts, tcp routes, gateway names",
			input: virtualService("v", `  hosts: [shop.example.com]
  gateways: [Default/edge, edge.default]
  tls:
  - match: [{sniHosts: [other.example.com]}]
    route: [{destination: {host: a}}]
  - route: [{destination: {host: a}}]
  tcp:
  - match: [{port: 31400}]
`),
			want: []string{
				`warning: VirtualService default/v: spec.gateways[1]: using legacy gatewayName format "edge.default"; prefer the <namespace>/<name> format: "default/edge"`,
				`spec.tls[0].match[0].sniHosts[0]: SNI host "other.example.com" is not a compatible subset of any of the virtual service hosts: [shop.example.com]`,
				`spec.tls[1].match: required field is missing`,
				`spec.tcp[0].route: TCP route is required`,
			}},
		{name: "webhook: no routes at all",
			input: virtualService("v", "  hosts: [shop.example.com]\n  gateways: [default/edge]\n"),
			want:  []string{`VirtualService default/v: spec: http, tcp or tls must be provided in virtual service`}},

		// What must pass.
		{name: "a full Gateway and VirtualService", input: istioGateway("g", `  selector: {istio: edge}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [./shop.example.com, "*/api.example.com", prod/*.example.com, 10.0.0.1]
    tls: {mode: SIMPLE, credentialName: shop-cert, minProtocolVersion: TLSV1_2}
  - port: {number: 80, name: http, protocol: http}
    hosts: [shop.example.com]
    tls: {httpsRedirect: true}
  - port: {number: 15443, name: tls, protocol: TLS}
    bind: 0.0.0.0
    hosts: ["*"]
    tls: {mode: AUTO_PASSTHROUGH}
`) + virtualService("v", `  hosts: [shop.example.com, "*.api.example.com"]
  gateways: [default/g, mesh]
  exportTo: [".", "istio-ingress"]
  http:
  - name: canary
    match:
    - uri: {prefix: /api}
      headers: {x-canary: {exact: "true"}, x-user: {regex: "^(a|b)$"}}
      withoutHeaders: {x-debug: {regex: "*"}}
      ignoreUriCase: true
    route:
    - destination: {host: api.default.svc.cluster.local, subset: v2, port: {number: 8080}}
      weight: 10
    - destination: {host: api.default.svc.cluster.local, subset: v1, port: {number: 8080}}
      weight: 90
    timeout: 1.5s
    retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "gateway-error,connect-failure,503"}
    corsPolicy: {allowOrigins: [{exact: "https://shop.example.com"}], allowMethods: [GET, POST], maxAge: 24h}
    headers: {request: {set: {x-forwarded-proto: https}}}
  - match: [{uri: {exact: /old}}]
    redirect: {uri: /new, redirectCode: 301}
  - match: [{uri: {prefix: ""}}]
    directResponse: {status: 404, body: {string: not here}}
  - route: [{destination: {host: web}}]
    fault: {delay: {fixedDelay: 5s, percentage: {value: 0.5}}}
    mirror: {host: shadow}
    mirrorPercentage: {value: 10}
  tls:
  - match: [{sniHosts: [shop.example.com], port: 443}]
    route: [{destination: {host: web}}]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: db, port: {number: 5432}}}]
`)},
		{name: "a delegate VirtualService and its root",
			input: virtualService("root", "  hosts: [shop.example.com]\n  gateways: [default/g]\n  http:\n  - match: [{uri: {prefix: /api}}]\n    delegate: {name: api, namespace: default}\n") +
				virtualService("api", "  http:\n  - route: [{destination: {host: api}}]\n")},
		{name: "v1beta1, YAML anchors and merge keys, nullable fields",
			input: strings.Replace(istioGateway("g", `  selector: &sel {istio: edge}
  servers:
  - port: &http {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
  - port:
      <<: *http
      number: 8080
      name: http-8080
    hosts: ["*"]
    tls: {insecureSkipVerify: null, httpsRedirect: false}
`), "/v1\n", "/v1beta1\n", 1)},
		{name: "other groups' Gateways and unrelated kinds are not Istio's",
			input: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: default}\nspec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP}]}\n---\n" +
				"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: default}\nspec: {host: a, anything: goes}\n"},
	}
	cases = append(cases, renderedOutputCases(t)...)
	runCases(t, "EG014", cases)
}

// renderedOutputCases are edgegate's own rendered output, for every
// example (tests/golden): the schema checks must pass it.
func renderedOutputCases(t *testing.T) []checkCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "tests", "golden", "testdata", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rendered output in tests/golden/testdata (%v)", err)
	}
	var cases []checkCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, checkCase{name: "rendered output " + filepath.Base(f), input: string(data)})
	}
	return cases
}

// TestSchemaChecksFlagInvalidObjects runs EG014 and EG015 on every object
// the e2e suite shows a real API server (or istiod) refuses: each must get
// an error at a field of its own.
func TestSchemaChecksFlagInvalidObjects(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "tests", "e2e", "testdata", "invalid", "*.yaml"))
	if err != nil || len(files) < 8 {
		t.Fatalf("found %d invalid objects in tests/e2e/testdata/invalid (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			objs, d := manifest.Parse(data, filepath.Base(f))
			if d.HasErrors() || len(objs) != 1 {
				t.Fatalf("%d objects, %v", len(objs), d)
			}
			var found []string
			for _, diag := range runAll(objs) {
				if (diag.ID == "EG014" || diag.ID == "EG015") && diag.Severity == manifest.Error && diag.Field != "" && diag.Pos.Line > 0 {
					found = append(found, diag.String())
				}
			}
			if len(found) == 0 {
				t.Errorf("neither EG014 nor EG015 flags %s", objs[0].Ref)
			}
			t.Log(strings.Join(found, "\n"))
		})
	}
}
