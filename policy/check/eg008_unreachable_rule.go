package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render/match"
)

// unreachableRule finds VirtualService rules that can never match and
// matches that are never used (Istio IST0130 unreachable rule, IST0131
// ineffective match). Rules are tried in order and the first match wins, so
// a rule whose requests all match earlier rules is dead config: the team
// believes /api/v2 goes to v2 while a /api rule above sends it to v1.
//
// An http rule is unreachable (error) when
//   - an earlier rule matches every request: it has no match (Istio: "only
//     the last rule can have no matches", "route without matches defined
//     before"), or one of its matches puts no condition on the request, such
//     as {uri: {prefix: /}} or {} (beyond Istio);
//   - or each of its matches is covered by a match of an earlier rule (Istio
//     "all matches used by prior rules" counts identical matches only; here
//     a covering match counts too).
//
// A match covered by an earlier match, of an earlier rule or of the same
// rule, while its rule stays reachable, is ineffective (warning, IST0131).
// Match m covers match n when every request n matches is matched by m:
// equal, or each condition of m accepts everything n's does: a prefix
// covers longer prefixes and exact paths below it, and a regex that can only
// match paths below it (its literal start, after an optional ^, begins with
// the prefix: /api covers ^/api/v[0-9]+/.*), a regex covers the exact paths
// it fully matches, ignoreUriCase is honoured, headers and query
// parameters of m must all be constrained at least as narrowly in n, a port,
// gateways or source condition of m must hold in n. Two different regexes
// are never taken to cover each other.
//
// Istio's own overlap test for uri prefixes (coveredValidation) is looser:
// it ignores scheme, gateways, source conditions and case, and compares
// method, header and parameter values by string prefix in the wrong
// direction. Where it reports IST0131 and the precise test disagrees, a
// warning says so, so that every Istio finding has one here.
//
// tcp and tls rules get Istio's semantics exactly: a rule after one without
// match, and matches identical to earlier ones.
type unreachableRule struct{}

func (unreachableRule) Run(idx *model.Index, r *model.Reporter) {
	re := match.NewRegexps()
	var scratch scratch // reused from one VirtualService to the next
	for _, vs := range idx.VirtualServices {
		checkHTTP(r, re, vs, &scratch)
		checkL4Rules(r, vs)
	}
}

// ruleName is how a finding names a rule: its field, and its name if any.
func ruleName(vs *model.VirtualService, rule int) string {
	f := ruleField(rule)
	if n := vs.Spec.HTTP[rule].Name; n != "" {
		f += " (" + strconv.Quote(n) + ")"
	}
	return f
}

// ruleField is the field of an http rule, built only for a finding.
func ruleField(rule int) string { return "spec.http[" + strconv.Itoa(rule) + "]" }

// scratch is the memory checkHTTP needs for one VirtualService,
// reused for the next: no match outlives the VirtualService it is of.
type scratch struct {
	store         match.MatchStore
	earlier, same match.URIIndex // matches of earlier rules, earlier matches of the rule at hand
	istioPrefixes []*match.Match // Istio's list of prefix matches, in order
	// Istio's duplicate detection. Only matches with a uri prefix are looked
	// up, and identical matches have the same uri, so only those are
	// recorded.
	istioKeys map[string]bool
	identity  []byte
	shadows   []shadow // by match of the rule at hand
}

// shadow is what makes one match of a rule never used, if anything:
// a match of an earlier rule covering it, else an earlier match of its rule
// covering it, else (Istio's looser test only) an earlier prefix match.
type shadow struct {
	covered, redundant, istio *match.Match
}

func checkHTTP(r *model.Reporter, re *match.Regexps, vs *model.VirtualService, scratch *scratch) {
	if len(vs.Spec.HTTP) == 0 {
		return
	}
	rules := model.Matches(vs, &scratch.store)
	earlier, same := &scratch.earlier, &scratch.same
	earlier.Reset()
	clear(scratch.istioPrefixes) // drop the matches of the last VirtualService for the collector
	scratch.istioPrefixes = scratch.istioPrefixes[:0]
	if scratch.istioKeys == nil {
		scratch.istioKeys = map[string]bool{}
	}
	istioKeys := scratch.istioKeys
	clear(istioKeys)
	catchAll := (*match.Match)(nil)
	for ri, rule := range rules {
		if catchAll != nil {
			field := ruleField(ri)
			why := "has no match"
			if catchAll.Index >= 0 {
				why = fmt.Sprintf("has %s, which puts no condition on the request", catchAll.Field())
			}
			r.Report(vs.Obj, field,
				"rule can never match: %s before it %s and takes every request; move this rule above it, or narrow that one",
				ruleName(vs, catchAll.Rule), why)
			continue
		}
		if rule[0].Index < 0 {
			catchAll = rule[0]
			continue
		}
		same.Reset()
		shadows := slices.Grow(scratch.shadows[:0], len(rule))[:len(rule)]
		clear(shadows)
		scratch.shadows = shadows
		all := true
		for mi, m := range rule {
			sh := &shadows[mi]
			sh.covered = firstCover(re, earlier, m)
			if sh.covered == nil {
				all = false
				sh.redundant = firstCover(re, same, m)
			}
			istio := m.IstioPrefix()
			if sh.covered == nil && sh.redundant == nil && istio != nil {
				// Istio's looser prefix test, over the prefix matches it kept.
				for _, p := range scratch.istioPrefixes {
					if p.Istio.Prefix != istio.Prefix && match.IstioCovered(&p.Istio, istio) {
						sh.istio = p
						break
					}
				}
			}
			if mi < len(rule)-1 { // the last match of a rule is looked up in no same index
				same.Add(m)
			}
			if istio != nil {
				scratch.identity = m.AppendIdentity(scratch.identity[:0])
				if !istioKeys[string(scratch.identity)] {
					istioKeys[string(scratch.identity)] = true
					scratch.istioPrefixes = append(scratch.istioPrefixes, m)
				}
			}
		}
		if all {
			field := ruleField(ri)
			var by []string
			for mi := range rule {
				by = append(by, fmt.Sprintf("match[%d] by %s", mi, shadows[mi].covered.Field()))
			}
			r.Report(vs.Obj, field,
				"rule can never match: earlier rules take every request it matches (%s); move it above them, or remove it",
				strings.Join(by, ", "))
		} else {
			for mi, m := range rule {
				switch sh := &shadows[mi]; {
				case sh.covered != nil:
					r.Warn(vs.Obj, m.Field(),
						"match is never used: every request it matches is taken first by %s of an earlier rule; remove it, or move the rule up",
						sh.covered.Field())
				case sh.redundant != nil:
					r.Warn(vs.Obj, m.Field(),
						"match is never used: every request it matches also matches %s of the same rule; remove it",
						sh.redundant.Field())
				case sh.istio != nil:
					r.Warn(vs.Obj, m.Field(),
						"istioctl analyze reports this match as shadowed by %s (IST0131: uri prefix %q starts with %q), though requests that differ in scheme, case, gateway, source, method or header value can still reach it; put the narrower match first if you want istioctl quiet",
						sh.istio.Field(), m.Istio.Prefix, sh.istio.Istio.Prefix)
				}
			}
		}
		for _, m := range rule {
			earlier.Add(m)
			if m.MatchesEverything() && catchAll == nil {
				catchAll = m
			}
		}
	}
}

// firstCover returns the earliest indexed match covering m.
func firstCover(re *match.Regexps, x *match.URIIndex, m *match.Match) *match.Match {
	for _, seq := range x.Candidates(re, m) {
		if o := x.All[seq]; re.MatchCovers(o, m) {
			return o
		}
	}
	return nil
}

// l4Match is a tcp or tls match; rules compare them whole, as Istio does.
type l4Match struct {
	Port               int               `yaml:"port"`
	SniHosts           []string          `yaml:"sniHosts"`
	DestinationSubnets []string          `yaml:"destinationSubnets"`
	SourceLabels       map[string]string `yaml:"sourceLabels"`
	Gateways           []string          `yaml:"gateways"`
	SourceNamespace    string            `yaml:"sourceNamespace"`
	SourceSubnet       string            `yaml:"sourceSubnet"`
}

func (m l4Match) key() string {
	b := make([]byte, 0, 64)
	b = strconv.AppendInt(b, int64(m.Port), 10)
	b = append(b, '|')
	b = match.AppendQuotedList(b, m.SniHosts)
	b = append(b, '|')
	b = match.AppendQuotedList(b, m.DestinationSubnets)
	b = append(b, '|')
	b = match.AppendRawLabels(b, m.SourceLabels)
	b = append(b, '|')
	b = match.AppendQuotedList(b, m.Gateways)
	b = append(b, '|')
	b = strconv.AppendQuote(b, m.SourceNamespace)
	b = append(b, '|')
	b = strconv.AppendQuote(b, m.SourceSubnet)
	return string(b)
}

func checkL4Rules(r *model.Reporter, vs *model.VirtualService) {
	if len(vs.Spec.TCP) == 0 && len(vs.Spec.TLS) == 0 {
		return
	}
	var spec struct {
		TCP []struct {
			Match []l4Match `yaml:"match"`
		} `yaml:"tcp"`
		TLS []struct {
			Match []l4Match `yaml:"match"`
		} `yaml:"tls"`
	}
	manifest.DecodeLenient(vs.Obj, vs.Obj.Field("spec"), "spec", &spec)
	tcp := make([][]l4Match, len(spec.TCP))
	for i, rule := range spec.TCP {
		tcp[i] = rule.Match
	}
	tls := make([][]l4Match, len(spec.TLS))
	for i, rule := range spec.TLS {
		tls[i] = rule.Match
	}
	checkL4(r, vs, "tcp", tcp)
	checkL4(r, vs, "tls", tls)
}

func checkL4(r *model.Reporter, vs *model.VirtualService, kind string, rules [][]l4Match) {
	seen := map[string]string{} // key → field of the first match
	catchAll := -1
	for ri, rule := range rules {
		field := fmt.Sprintf("spec.%s[%d]", kind, ri)
		if catchAll >= 0 {
			r.Report(vs.Obj, field,
				"rule can never match: spec.%s[%d] before it has no match and takes every connection; move this rule above it", kind, catchAll)
			continue
		}
		if len(rule) == 0 {
			catchAll = ri
			continue
		}
		dups := make([]string, len(rule))
		n := 0
		for mi, m := range rule {
			k := m.key()
			if first, ok := seen[k]; ok {
				dups[mi] = first
				n++
				continue
			}
			seen[k] = fmt.Sprintf("%s.match[%d]", field, mi)
		}
		if n == len(rule) {
			r.Report(vs.Obj, field,
				"rule can never match: each of its matches repeats an earlier one (%s); remove it", strings.Join(dups, ", "))
			continue
		}
		for mi, d := range dups {
			if d != "" {
				r.Warn(vs.Obj, fmt.Sprintf("%s.match[%d]", field, mi), "match is never used: it repeats %s", d)
			}
		}
	}
}
