package policy

import (
	"strings"
	"testing"
)

// eg008VS is a VirtualService whose http rules have the given matches
// ("" for a rule without match).
func eg008VS(matches ...string) string {
	var rules []string
	for _, m := range matches {
		rules = append(rules, eg007Rule(m))
	}
	return eg004VS("shop", "web", "  hosts: [shop.example.com]\n  gateways: [istio-ingress/public]\n  http:\n"+strings.Join(rules, ""))
}

func TestUnreachableRule(t *testing.T) {
	cases := []checkCase{
		{name: "a rule after a rule without match (IST0130)",
			input: eg008VS("", "{uri: {prefix: /api}}", ""),
			want: []string{
				`VirtualService shop/web: spec.http[1]: rule can never match: spec.http[0] before it has no match and takes every request`,
				`VirtualService shop/web: spec.http[2]: rule can never match: spec.http[0] before it has no match`,
			}},
		{name: "a rule after a match that puts no condition on the request",
			input: eg008VS("{uri: {exact: /}}", "{uri: {prefix: /}}", "{uri: {prefix: /api}}"),
			want:  []string{`VirtualService shop/web: spec.http[2]: rule can never match: spec.http[1] before it has spec.http[1].match[0], which puts no condition on the request`}},
		{name: "a repeated match (IST0130 all matches used by prior rules)",
			input: eg008VS("{uri: {exact: /cart}}", "{uri: {exact: /cart}}"),
			want:  []string{`VirtualService shop/web: spec.http[1]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`}},
		{name: "a longer prefix after a shorter one",
			input: eg008VS("{uri: {prefix: /api}}", "{uri: {prefix: /api/v2}}", "{uri: {exact: /api/v2/items}, headers: {x-canary: {exact: 'true'}}}"),
			want: []string{
				`VirtualService shop/web: spec.http[1]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`,
				`VirtualService shop/web: spec.http[2]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`,
			}},
		{name: "a regex covers the exact paths it matches; ignoreUriCase covers both spellings",
			input: eg008VS("{uri: {regex: '/items/[0-9]+'}}", "{uri: {exact: /items/42}}", "{uri: {prefix: /Admin}, ignoreUriCase: true}", "{uri: {prefix: /admin/users}}"),
			want: []string{
				`VirtualService shop/web: spec.http[1]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`,
				`VirtualService shop/web: spec.http[3]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[2].match[0])`,
			}},
		{name: "a prefix covers a regex that only matches paths below it",
			input: eg008VS("{uri: {prefix: /api}}", "{uri: {regex: '^/api/v[0-9]+/.*'}}", "{uri: {prefix: /Static}, ignoreUriCase: true}", "{uri: {regex: '(/static)/img/.*'}}, {uri: {exact: /about}}"),
			want: []string{
				`VirtualService shop/web: spec.http[1]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`,
				`warning: VirtualService shop/web: spec.http[3].match[0]: match is never used: every request it matches is taken first by spec.http[2].match[0] of an earlier rule`,
			}},
		{name: "one match of a rule covered, the rule still reachable (IST0131)",
			input: eg008VS("{uri: {prefix: /api}}", "{uri: {exact: /api/v1}}, {uri: {exact: /health}}, {uri: {exact: /health}}"),
			want: []string{
				`warning: VirtualService shop/web: spec.http[1].match[0]: match is never used: every request it matches is taken first by spec.http[0].match[0] of an earlier rule`,
				`warning: VirtualService shop/web: spec.http[1].match[2]: match is never used: every request it matches also matches spec.http[1].match[1] of the same rule`,
			}},
		{name: "Istio's looser prefix test is mirrored as a warning",
			input: eg008VS("{uri: {prefix: /api}, method: {exact: GET}}", "{uri: {prefix: /api/v1}}"),
			want:  []string{`warning: VirtualService shop/web: spec.http[1].match[0]: istioctl analyze reports this match as shadowed by spec.http[0].match[0] (IST0131: uri prefix "/api/v1" starts with "/api")`}},
		{name: "tcp and tls rules as Istio sees them",
			input: eg004VS("shop", "db", `  hosts: [db.example.com]
  gateways: [istio-ingress/public]
  tcp:
  - route: [{destination: {host: db}}]
  - match: [{port: 5432}]
    route: [{destination: {host: db}}]
  tls:
  - match: [{port: 443, sniHosts: [db.example.com]}, {port: 443, sniHosts: [db.example.com]}]
    route: [{destination: {host: db}}]
  - match: [{port: 443, sniHosts: [db.example.com]}]
    route: [{destination: {host: db}}]
`),
			want: []string{
				`VirtualService shop/db: spec.tcp[1]: rule can never match: spec.tcp[0] before it has no match`,
				`warning: VirtualService shop/db: spec.tls[0].match[1]: match is never used: it repeats spec.tls[0].match[0]`,
				`VirtualService shop/db: spec.tls[1]: rule can never match: each of its matches repeats an earlier one (spec.tls[0].match[0])`,
			}},
		{name: "narrower rules first, disjoint conditions, and a catch-all last are fine",
			input: eg008VS("{uri: {exact: /api/v2/items}}", "{uri: {prefix: /api/v2}}", "{uri: {prefix: /api}, headers: {x-canary: {exact: 'true'}}}",
				"{uri: {prefix: /api/v1}}", "{uri: {prefix: /api}, port: 8080}", "{uri: {prefix: /api}, scheme: {exact: https}}", "{uri: {prefix: /api}}",
				"{uri: {regex: '/items/[0-9]+'}}", "{uri: {regex: '/items/.*'}}", "{uri: {exact: /Admin}, ignoreUriCase: true}", "{uri: {prefix: /admin}}",
				"{uri: {prefix: /}, withoutHeaders: {x-beta: {}}}", "{uri: {prefix: /}, headers: {x-beta: {exact: 'on'}}}", "")},
		{name: "a regex a prefix does not cover: a shorter literal, an alternation, a case-insensitive regex",
			input: eg008VS("{uri: {prefix: /api/v2}}", "{uri: {regex: '^/api/v[0-9]+/.*'}}", "{uri: {prefix: /a}}", "{uri: {regex: '/a.*|/b.*'}}",
				"{uri: {prefix: /static}}", "{uri: {regex: '(?i)/static/.*'}}", "{uri: {regex: '.*/static/.*'}}")},
	}
	runCases(t, "EG008", append(cases, eg004GoldenCases(t)...))
}
