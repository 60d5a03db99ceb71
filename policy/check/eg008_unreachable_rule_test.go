package check

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render/match"
)

// rulesVS is a VirtualService whose http rules have the given matches
// ("" for a rule without match).
func rulesVS(matches ...string) string {
	var rules []string
	for _, m := range matches {
		rules = append(rules, rule(m))
	}
	return boundVS("shop", "web", "  hosts: [shop.example.com]\n  gateways: [istio-ingress/public]\n  http:\n"+strings.Join(rules, ""))
}

func TestUnreachableRule(t *testing.T) {
	cases := []checkCase{
		{name: "a rule after a rule without match (IST0130)",
			input: rulesVS("", "{uri: {prefix: /api}}", ""),
			want: []string{
				`VirtualService shop/web: spec.http[1]: rule can never match: spec.http[0] before it has no match and takes every request`,
				`VirtualService shop/web: spec.http[2]: rule can never match: spec.http[0] before it has no match`,
			}},
		{name: "a rule after a match that puts no condition on the request",
			input: rulesVS("{uri: {exact: /}}", "{uri: {prefix: /}}", "{uri: {prefix: /api}}"),
			want:  []string{`VirtualService shop/web: spec.http[2]: rule can never match: spec.http[1] before it has spec.http[1].match[0], which puts no condition on the request`}},
		{name: "a repeated match (IST0130 all matches used by prior rules)",
			input: rulesVS("{uri: {exact: /cart}}", "{uri: {exact: /cart}}"),
			want:  []string{`VirtualService shop/web: spec.http[1]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`}},
		{name: "a longer prefix after a shorter one",
			input: rulesVS("{uri: {prefix: /api}}", "{uri: {prefix: /api/v2}}", "{uri: {exact: /api/v2/items}, headers: {x-canary: {exact: 'true'}}}"),
			want: []string{
				`VirtualService shop/web: spec.http[1]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`,
				`VirtualService shop/web: spec.http[2]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`,
			}},
		{name: "a regex covers the exact paths it matches; ignoreUriCase covers both spellings",
			input: rulesVS("{uri: {regex: '/items/[0-9]+'}}", "{uri: {exact: /items/42}}", "{uri: {prefix: /Admin}, ignoreUriCase: true}", "{uri: {prefix: /admin/users}}"),
			want: []string{
				`VirtualService shop/web: spec.http[1]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`,
				`VirtualService shop/web: spec.http[3]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[2].match[0])`,
			}},
		{name: "a prefix covers a regex that only matches paths below it",
			input: rulesVS("{uri: {prefix: /api}}", "{uri: {regex: '^/api/v[0-9]+/.*'}}", "{uri: {prefix: /Static}, ignoreUriCase: true}", "{uri: {regex: '(/static)/img/.*'}}, {uri: {exact: /about}}"),
			want: []string{
				`VirtualService shop/web: spec.http[1]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[0])`,
				`warning: VirtualService shop/web: spec.http[3].match[0]: match is never used: every request it matches is taken first by spec.http[2].match[0] of an earlier rule`,
			}},
		{name: "element-wise prefixes as edgegate renders them: /api does not shadow /apiary",
			input: rulesVS("{uri: {exact: /api}}, {uri: {prefix: /api/}}", "{uri: {exact: /apiary}}, {uri: {prefix: /apiary/}}", "{uri: {exact: /api/v1}}, {uri: {prefix: /api/v1/}}"),
			want: []string{
				`VirtualService shop/web: spec.http[2]: rule can never match: earlier rules take every request it matches (match[0] by spec.http[0].match[1], match[1] by spec.http[0].match[1])`,
			}},
		{name: "one match of a rule covered, the rule still reachable (IST0131)",
			input: rulesVS("{uri: {prefix: /api}}", "{uri: {exact: /api/v1}}, {uri: {exact: /health}}, {uri: {exact: /health}}"),
			want: []string{
				`warning: VirtualService shop/web: spec.http[1].match[0]: match is never used: every request it matches is taken first by spec.http[0].match[0] of an earlier rule`,
				`warning: VirtualService shop/web: spec.http[1].match[2]: match is never used: every request it matches also matches spec.http[1].match[1] of the same rule`,
			}},
		{name: "Istio's looser prefix test is mirrored as a warning",
			input: rulesVS("{uri: {prefix: /api}, method: {exact: GET}}", "{uri: {prefix: /api/v1}}"),
			want:  []string{`warning: VirtualService shop/web: spec.http[1].match[0]: istioctl analyze reports this match as shadowed by spec.http[0].match[0] (IST0131: uri prefix "/api/v1" starts with "/api")`}},
		{name: "tcp and tls rules as Istio sees them",
			input: boundVS("shop", "db", `  hosts: [db.example.com]
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
			input: rulesVS("{uri: {exact: /api/v2/items}}", "{uri: {prefix: /api/v2}}", "{uri: {prefix: /api}, headers: {x-canary: {exact: 'true'}}}",
				"{uri: {prefix: /api/v1}}", "{uri: {prefix: /api}, port: 8080}", "{uri: {prefix: /api}, scheme: {exact: https}}", "{uri: {prefix: /api}}",
				"{uri: {regex: '/items/[0-9]+'}}", "{uri: {regex: '/items/.*'}}", "{uri: {exact: /Admin}, ignoreUriCase: true}", "{uri: {prefix: /admin}}",
				"{uri: {prefix: /}, withoutHeaders: {x-beta: {}}}", "{uri: {prefix: /}, headers: {x-beta: {exact: 'on'}}}", "")},
		{name: "a regex a prefix does not cover: a shorter literal, an alternation, a case-insensitive regex",
			input: rulesVS("{uri: {prefix: /api/v2}}", "{uri: {regex: '^/api/v[0-9]+/.*'}}", "{uri: {prefix: /a}}", "{uri: {regex: '/a.*|/b.*'}}",
				"{uri: {prefix: /static}}", "{uri: {regex: '(?i)/static/.*'}}", "{uri: {regex: '.*/static/.*'}}")},
	}
	runCases(t, "EG008", append(cases, goldenCases(t)...))
}

// TestEG008IdenticalMatchesCover checks what lets matchCovers do without a
// shortcut for identical matches: each condition covers itself, so a match
// covers its copy whatever it holds. And that appendIdentity writes matches
// as the format it replaced did.
func TestEG008IdenticalMatchesCover(t *testing.T) {
	matches := []string{
		"{}", "{uri: {exact: /a}}", "{uri: {prefix: /A}, ignoreUriCase: true}", "{uri: {regex: '[a-z]+'}}",
		"{uri: {regex: '['}}", "{uri: {prefix: /}, headers: {x: {}}}", "{headers: {x: {regex: '.*'}, y: {prefix: A}}, ignoreUriCase: true}",
		"{queryParams: {q: {exact: '1'}}, withoutHeaders: {x: {exact: a}, y: {regex: b}}}",
		"{method: {exact: GET}, scheme: {prefix: h}, authority: {regex: 'a.*'}, port: 80}",
		"{gateways: [mesh, istio-ingress/public], sourceLabels: {app: a}, sourceNamespace: shop}",
	}
	objs, d := manifest.Parse([]byte(rulesVS(matches...)), "in.yaml")
	if d.HasErrors() {
		t.Fatal(d)
	}
	vs := model.NewIndex(objs, nil).VirtualServices[0]
	re := match.NewRegexps()
	for _, rule := range model.Matches(vs, nil) {
		for _, m := range rule {
			c := *m
			if !re.MatchCovers(m, &c) {
				t.Errorf("%s does not cover its copy", matches[m.Rule])
			}
			if m.Index < 0 {
				continue
			}
			raw := vs.Spec.HTTP[m.Rule].Match[m.Index]
			want := fmt.Sprintf("%s|%t|%s|%s|%s|%s|%s|%s|%d|%q|%s|%q",
				oldRaw(raw.URI), raw.IgnoreURICase, oldRaw(raw.Scheme), oldRaw(raw.Method), oldRaw(raw.Authority),
				oldRawMap(raw.Headers), oldRawMap(raw.QueryParams), oldRawMap(raw.WithoutHeaders), raw.Port, raw.Gateways,
				oldRawLabels(raw.SourceLabels), raw.SourceNamespace)
			if got := string(m.AppendIdentity(nil)); got != want {
				t.Errorf("identity %s, want %s", got, want)
			}
		}
	}
}

func oldRaw(m *match.StringMatch) string {
	if m == nil {
		return "-"
	}
	return fmt.Sprintf("%q/%q/%q", m.Exact, m.Prefix, m.Regex)
}

func oldRawMap(m map[string]match.StringMatch) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		parts = append(parts, fmt.Sprintf("%q=%s", k, oldRaw(&v)))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func oldRawLabels(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%q=%q", k, m[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestEG008URIIndexModes checks the scan of a small URIIndex against
// the lookup of its maps: on random matches, an index of up to
// ScanLimit matches finds the same candidates in the same order,
// scanned and once it has built its maps.
func TestEG008URIIndexModes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	paths := []string{"", "/", "/a", "/A", "/a/", "/a/b", "/ab", "/api", "/API/v1", "/api/v1/x", "/b"}
	regexes := []string{".*", "/a.*", "/api/v[0-9]+/.*", "/[ab]", "(/a|/b)", "/a/b", "[", "/A.*", "(?i)/a", "^/api/.*", "/a", "/ap+"}
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	random := func() *match.Match {
		var uri *match.StringMatch
		switch rng.IntN(5) {
		case 1:
			uri = &match.StringMatch{Exact: pick(paths)}
		case 2:
			uri = &match.StringMatch{Prefix: pick(paths)}
		case 3:
			uri = &match.StringMatch{Regex: pick(regexes)}
		case 4:
			uri = &match.StringMatch{}
		}
		return &match.Match{URI: match.NewURI(uri, rng.IntN(3) == 0)}
	}
	re := match.NewRegexps()
	for range 3000 {
		var scanned, mapped match.URIIndex
		var added []match.Str
		for range 1 + rng.IntN(match.ScanLimit) {
			m := random()
			scanned.Add(m)
			mapped.Add(m)
			added = append(added, m.URI)
		}
		mapped.IndexPaths()
		if scanned.ByPath != nil {
			t.Fatalf("an index of %d matches is not scanned", len(scanned.All))
		}
		for range 8 {
			m := random()
			got := slices.Clone(scanned.Candidates(re, m))
			if want := mapped.Candidates(re, m); !slices.Equal(got, want) {
				t.Fatalf("candidates for %s among %v: scanned %v, mapped %v", m.URI, added, got, want)
			}
		}
	}
}
