package policy

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

// platform is the gateway of the protection tests: a workload in
// istio-ingress, its IngressGateway reserving shop.example.com to namespace
// good, and good's Gateway for it.
const platform = `apiVersion: apps/v1
kind: Deployment
metadata: {name: edge, namespace: istio-ingress}
spec:
  selector: {matchLabels: {istio: edge}}
  template:
    metadata: {labels: {istio: edge}}
    spec:
      containers:
      - name: istio-proxy
        image: auto
        ports: [{containerPort: 8080}]
---
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: edge, namespace: istio-ingress}
spec:
  hostOwnership:
    shop.example.com: [good]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: good}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["./shop.example.com"]
---
`

// takeover is a Gateway of namespace ns claiming good's host, annotated.
func takeover(ns, name, host, suppress string) string {
	ann := ""
	if suppress != "" {
		ann = ", annotations: {edgegate.dev/suppress: '" + suppress + "'}"
	}
	return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: " + name + ", namespace: " + ns + ann + "}\nspec:\n  selector: {istio: edge}\n  servers:\n  - port: {number: 8080, name: http, protocol: HTTP}\n    hosts: [\"./" + host + "\"]\n---\n"
}

func TestProtectedSuppressions(t *testing.T) {
	const refused = "metadata.annotations.edgegate.dev/suppress: the suppression of"
	for _, tc := range []struct {
		name   string
		input  string
		grants []Grant
		// want: fragments of findings; silent: fragments in none.
		want, silent []string
	}{{
		name:  "evil suppresses EG010 on its takeover Gateway: refused",
		input: takeover("evil", "grab", "shop.example.com", "EG010: ours now, EG001: ours now"),
		want: []string{
			`Gateway evil/grab: spec.servers[0].hosts[0]: host "shop.example.com"`,
			"Gateway evil/grab: " + refused + " EG010 (host-ownership) does not count",
			"Gateway evil/grab: " + refused + " EG001 (conflicting-gateways) does not count",
			"only namespace istio-ingress (the gateway's) may suppress it",
		},
	}, {
		name:   "the platform grants evil EG010: the suppression counts",
		input:  takeover("evil", "grab", "shop.example.com", "EG010: migration, EG001: migration"),
		grants: []Grant{{Check: "EG010", Namespace: "evil"}, {Check: "EG001", Namespace: "evil", Name: "grab"}},
		silent: []string{"Gateway evil/grab: spec.servers[0].hosts[0]", refused},
	}, {
		name:   "a grant for another object or check does not count",
		input:  takeover("evil", "grab", "shop.example.com", "EG010: migration"),
		grants: []Grant{{Check: "EG011", Namespace: "evil"}, {Check: "EG010", Namespace: "evil", Name: "other"}},
		want:   []string{"Gateway evil/grab: " + refused + " EG010"},
	}, {
		name:   "a grant from a policy of another gateway's namespace does not count",
		input:  takeover("evil", "grab", "shop.example.com", "EG010: migration"),
		grants: []Grant{{Check: "EG010", Namespace: "evil", From: "evil"}},
		want:   []string{"Gateway evil/grab: " + refused + " EG010"},
	}, {
		name:   "a suppression on the gateway namespace's own object counts",
		input:  takeover("istio-ingress", "legacy", "shop.example.com", "EG010: the old portal, EG001: the old portal"),
		silent: []string{"Gateway istio-ingress/legacy: spec.servers[0].hosts[0]", refused},
	}, {
		name:  "EG001 between two Gateways of one namespace is its own to suppress",
		input: takeover("good", "shop2", "shop.example.com", "EG001: blue-green, one goes away"),
		silent: []string{
			"Gateway good/shop2: spec.servers[0].hosts[0]",
			refused,
		},
		want: []string{"Gateway good/shop: spec.servers[0].hosts[0]"},
	}, {
		name: "EG011 about a server's TLS settings alone is the namespace's own to suppress",
		input: strings.Replace(strings.Replace(takeover("evil", "own", "evil.example.com", "EG011: TLS ends at the load balancer"),
			"protocol: HTTP}", "protocol: HTTPS}", 1), "number: 8080", "number: 8443", 1),
		silent: []string{"Gateway evil/own: spec.servers[0].tls", refused},
	}, {
		name: "EG011 about a certificate is not",
		input: strings.NewReplacer("protocol: HTTP}", "protocol: HTTPS}", "number: 8080", "number: 8443", "hosts: [", "tls: {mode: SIMPLE}\n    hosts: [").
			Replace(takeover("evil", "own", "evil.example.com", "EG011: the certificate is fine")),
		want: []string{"Gateway evil/own: spec.servers[0].tls.credentialName", "Gateway evil/own: " + refused + " EG011"},
	}, {
		name:  "evil spells good's host in capitals and suppresses EG001 and EG010: both refused",
		input: takeover("evil", "grab", "SHOP.Example.com.", "EG010: ours now, EG001: ours now"),
		want: []string{
			`Gateway evil/grab: spec.servers[0].hosts[0]: host "SHOP.Example.com." (shop.example.com to pilot`,
			"Gateway evil/grab: " + refused + " EG010 (host-ownership) does not count",
			"Gateway evil/grab: " + refused + " EG001 (conflicting-gateways) does not count",
		},
	}, {
		name:  "evil's wildcard over good's host, suppressed: refused",
		input: takeover("evil", "wild", "*.example.com", "EG010: every subdomain is ours"),
		want: []string{
			`warning: Gateway evil/wild: spec.servers[0].hosts[0]: host "*.example.com" claimed by namespace evil (through "./", the Gateway's own namespace) on gateway workload Deployment istio-ingress/edge, a gateway shared by several namespaces (namespace good holds "shop.example.com" there`,
			"Gateway evil/wild: " + refused + " EG010 (host-ownership) does not count",
		},
	}, {
		name:   "the platform grants evil's wildcard: its suppression counts",
		input:  takeover("evil", "wild", "*.example.com", "EG010: the tenant router"),
		grants: []Grant{{Check: "EG010", Namespace: "evil", Name: "wild"}},
		silent: []string{`host "*.example.com" claimed by namespace evil`, refused},
	}, {
		name:   "a check that protects no one is suppressed as before",
		input:  strings.Replace(takeover("evil", "grab", "shop.example.com", "EG003: port"), "number: 8080", "number: 9999", 1),
		silent: []string{"Gateway evil/grab: spec.servers[0].port.number", refused + " EG003"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			objs, diags := manifest.Parse([]byte(platform+tc.input), "in.yaml")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var grants []Grant
			grants = append(grants, tc.grants...)
			all := Run(objs, Config{Grants: grants}).Error()
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no %q in:\n%s", w, all)
				}
			}
			for _, s := range tc.silent {
				if strings.Contains(all, s) {
					t.Errorf("%q in:\n%s", s, all)
				}
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	policy := func(ns, spec string) *manifest.Object {
		meta := "{name: p}"
		if ns != "" {
			meta = "{name: p, namespace: " + ns + "}"
		}
		objs, diags := manifest.Parse([]byte("apiVersion: edgegate.dev/v1alpha1\nkind: EdgegatePolicy\nmetadata: "+meta+"\nspec:\n"+spec), "policy.yaml")
		if diags.HasErrors() || len(objs) != 1 {
			t.Fatal(diags)
		}
		return objs[0]
	}
	for _, tc := range []struct {
		name            string
		ns, spec        string
		platform, given bool
		want            []string // fragments of errors; none: no error
		kept            map[string]manifest.Severity
		grants          int
	}{
		{name: "team turns EG010 off", ns: "evil", spec: "  checks: {EG010: off}\n",
			want: []string{"policy.yaml:5: error: EdgegatePolicy evil/p: spec.checks.EG010: EG010 (host-ownership) protects", "may not lower it to off"}},
		{name: "team lowers EG001 to info", spec: "  checks: {EG001: info}\n",
			want: []string{"spec.checks.EG001", "it names no namespace and was not given with --config"}},
		{name: "team lowers EG011 to warning", ns: "evil", spec: "  checks: {EG011: warning}\n", want: []string{"spec.checks.EG011"}},
		{name: "team grants", ns: "evil", spec: "  grants: [{check: EG010, namespace: evil, reason: mine}]\n", want: []string{"spec.grants: only the platform's policy may grant"}},
		{name: "team turns EG012 off", ns: "evil", spec: "  checks: {EG012: off, EG010: error}\n", kept: map[string]manifest.Severity{"EG012": Off, "EG010": manifest.Error}},
		{name: "platform turns EG010 off", ns: "istio-ingress", platform: true, spec: "  checks: {EG010: off}\n", kept: map[string]manifest.Severity{"EG010": Off}},
		{name: "--config grants for every gateway", platform: true, given: true, spec: "  grants: [{check: EG010, namespace: evil, reason: migration}]\n", grants: 1},
		{name: "grant without a reason", platform: true, given: true, spec: "  grants: [{check: EG010, namespace: evil}]\n", want: []string{"spec.grants[0].reason"}},
		{name: "grant of a check that protects no one", platform: true, given: true, spec: "  grants: [{check: EG012, namespace: evil, reason: x}]\n", want: []string{"spec.grants[0].check: EG012 does not protect"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, diags := ConfigFrom(policy(tc.ns, tc.spec))
			diags = append(diags, Authorize(&cfg, tc.platform, tc.given)...)
			all := diags.Error()
			if len(tc.want) == 0 && len(diags) > 0 {
				t.Fatalf("unexpected: %s", all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no %q in:\n%s", w, all)
				}
			}
			for id, sev := range tc.kept {
				if cfg.Severity[id] != sev {
					t.Errorf("%s is %q, want %q", id, cfg.Severity[id], sev)
				}
			}
			if len(cfg.Grants) != tc.grants {
				t.Errorf("grants %v, want %d", cfg.Grants, tc.grants)
			}
			for _, g := range cfg.Grants {
				if tc.given && g.From != "" {
					t.Errorf("a grant given with --config is limited to namespace %q", g.From)
				}
			}
		})
	}
}

func TestDisabledChecksAreReported(t *testing.T) {
	objs, _ := manifest.Parse([]byte("apiVersion: edgegate.dev/v1alpha1\nkind: EdgegatePolicy\nmetadata: {name: p, namespace: istio-ingress}\nspec:\n  checks:\n    EG012: warning\n    EG013: off\n"), "policy.yaml")
	cfg, _, _ := ConfigFrom(objs[0])
	d := Run(nil, cfg)
	if len(d) != 1 || d[0].String() != "policy.yaml:7: info: EdgegatePolicy istio-ingress/p: spec.checks.EG013: check EG013 (gateway-hardening) is turned off here: none of its findings are reported [EG013]" {
		t.Errorf("got:\n%s", d.Error())
	}
}
