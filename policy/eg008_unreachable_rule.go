package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/manifest"
)

func init() { register(unreachableRule{}) }

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

func (unreachableRule) Meta() Meta {
	return Meta{
		ID: "EG008", Name: "unreachable-rule", Severity: manifest.Error,
		Description: "a VirtualService rule can never match, or one of its matches is never used, because earlier rules take its requests",
		Mirrors:     []string{"IST0130", "IST0131"},
	}
}

func (unreachableRule) Run(idx *Index, r *Reporter) {
	re := newEG008Regexps()
	var scratch eg008Scratch // reused from one VirtualService to the next
	for _, vs := range idx.VirtualServices {
		eg008CheckHTTP(r, re, vs, &scratch)
		eg008CheckL4Rules(r, vs)
	}
}

// eg008RuleName is how a finding names a rule: its field, and its name if any.
func eg008RuleName(vs *VirtualService, rule int) string {
	f := eg008RuleField(rule)
	if n := vs.Spec.HTTP[rule].Name; n != "" {
		f += " (" + strconv.Quote(n) + ")"
	}
	return f
}

// eg008RuleField is the field of an http rule, built only for a finding.
func eg008RuleField(rule int) string { return "spec.http[" + strconv.Itoa(rule) + "]" }

// eg008Scratch is the memory eg008CheckHTTP needs for one VirtualService,
// reused for the next: no match outlives the VirtualService it is of.
type eg008Scratch struct {
	store         eg008MatchStore
	earlier, same eg008URIIndex // matches of earlier rules, earlier matches of the rule at hand
	istioPrefixes []*eg008Match // Istio's list of prefix matches, in order
	// Istio's duplicate detection. Only matches with a uri prefix are looked
	// up, and identical matches have the same uri, so only those are
	// recorded.
	istioKeys map[string]bool
	identity  []byte
	shadows   []eg008Shadow // by match of the rule at hand
}

// eg008Shadow is what makes one match of a rule never used, if anything:
// a match of an earlier rule covering it, else an earlier match of its rule
// covering it, else (Istio's looser test only) an earlier prefix match.
type eg008Shadow struct {
	covered, redundant, istio *eg008Match
}

func eg008CheckHTTP(r *Reporter, re *eg008Regexps, vs *VirtualService, scratch *eg008Scratch) {
	if len(vs.Spec.HTTP) == 0 {
		return
	}
	rules := eg008Matches(vs, &scratch.store)
	earlier, same := &scratch.earlier, &scratch.same
	earlier.reset()
	clear(scratch.istioPrefixes) // drop the matches of the last VirtualService for the collector
	scratch.istioPrefixes = scratch.istioPrefixes[:0]
	if scratch.istioKeys == nil {
		scratch.istioKeys = map[string]bool{}
	}
	istioKeys := scratch.istioKeys
	clear(istioKeys)
	catchAll := (*eg008Match)(nil)
	for ri, rule := range rules {
		if catchAll != nil {
			field := eg008RuleField(ri)
			why := "has no match"
			if catchAll.index >= 0 {
				why = fmt.Sprintf("has %s, which puts no condition on the request", catchAll.field())
			}
			r.Report(vs.Obj, field,
				"rule can never match: %s before it %s and takes every request; move this rule above it, or narrow that one",
				eg008RuleName(vs, catchAll.rule), why)
			continue
		}
		if rule[0].index < 0 {
			catchAll = rule[0]
			continue
		}
		same.reset()
		shadows := slices.Grow(scratch.shadows[:0], len(rule))[:len(rule)]
		clear(shadows)
		scratch.shadows = shadows
		all := true
		for mi, m := range rule {
			sh := &shadows[mi]
			sh.covered = eg008FirstCover(re, earlier, m)
			if sh.covered == nil {
				all = false
				sh.redundant = eg008FirstCover(re, same, m)
			}
			istio := m.istioPrefix()
			if sh.covered == nil && sh.redundant == nil && istio != nil {
				// Istio's looser prefix test, over the prefix matches it kept.
				for _, p := range scratch.istioPrefixes {
					if p.istio.prefix != istio.prefix && eg008IstioCovered(&p.istio, istio) {
						sh.istio = p
						break
					}
				}
			}
			if mi < len(rule)-1 { // the last match of a rule is looked up in no same index
				same.add(m)
			}
			if istio != nil {
				scratch.identity = m.appendIdentity(scratch.identity[:0])
				if !istioKeys[string(scratch.identity)] {
					istioKeys[string(scratch.identity)] = true
					scratch.istioPrefixes = append(scratch.istioPrefixes, m)
				}
			}
		}
		if all {
			field := eg008RuleField(ri)
			var by []string
			for mi := range rule {
				by = append(by, fmt.Sprintf("match[%d] by %s", mi, shadows[mi].covered.field()))
			}
			r.Report(vs.Obj, field,
				"rule can never match: earlier rules take every request it matches (%s); move it above them, or remove it",
				strings.Join(by, ", "))
		} else {
			for mi, m := range rule {
				switch sh := &shadows[mi]; {
				case sh.covered != nil:
					r.Warn(vs.Obj, m.field(),
						"match is never used: every request it matches is taken first by %s of an earlier rule; remove it, or move the rule up",
						sh.covered.field())
				case sh.redundant != nil:
					r.Warn(vs.Obj, m.field(),
						"match is never used: every request it matches also matches %s of the same rule; remove it",
						sh.redundant.field())
				case sh.istio != nil:
					r.Warn(vs.Obj, m.field(),
						"istioctl analyze reports this match as shadowed by %s (IST0131: uri prefix %q starts with %q), though requests that differ in scheme, case, gateway, source, method or header value can still reach it; put the narrower match first if you want istioctl quiet",
						sh.istio.field(), m.istio.prefix, sh.istio.istio.prefix)
				}
			}
		}
		for _, m := range rule {
			earlier.add(m)
			if m.matchesEverything() && catchAll == nil {
				catchAll = m
			}
		}
	}
}

// eg008FirstCover returns the earliest indexed match covering m.
func eg008FirstCover(re *eg008Regexps, x *eg008URIIndex, m *eg008Match) *eg008Match {
	for _, seq := range x.candidates(re, m) {
		if o := x.all[seq]; re.matchCovers(o, m) {
			return o
		}
	}
	return nil
}

// eg008L4Match is a tcp or tls match; rules compare them whole, as Istio does.
type eg008L4Match struct {
	Port               int               `yaml:"port"`
	SniHosts           []string          `yaml:"sniHosts"`
	DestinationSubnets []string          `yaml:"destinationSubnets"`
	SourceLabels       map[string]string `yaml:"sourceLabels"`
	Gateways           []string          `yaml:"gateways"`
	SourceNamespace    string            `yaml:"sourceNamespace"`
	SourceSubnet       string            `yaml:"sourceSubnet"`
}

func (m eg008L4Match) key() string {
	b := make([]byte, 0, 64)
	b = strconv.AppendInt(b, int64(m.Port), 10)
	b = append(b, '|')
	b = eg008AppendQuotedList(b, m.SniHosts)
	b = append(b, '|')
	b = eg008AppendQuotedList(b, m.DestinationSubnets)
	b = append(b, '|')
	b = eg008AppendRawLabels(b, m.SourceLabels)
	b = append(b, '|')
	b = eg008AppendQuotedList(b, m.Gateways)
	b = append(b, '|')
	b = strconv.AppendQuote(b, m.SourceNamespace)
	b = append(b, '|')
	b = strconv.AppendQuote(b, m.SourceSubnet)
	return string(b)
}

func eg008CheckL4Rules(r *Reporter, vs *VirtualService) {
	if len(vs.Spec.TCP) == 0 && len(vs.Spec.TLS) == 0 {
		return
	}
	var spec struct {
		TCP []struct {
			Match []eg008L4Match `yaml:"match"`
		} `yaml:"tcp"`
		TLS []struct {
			Match []eg008L4Match `yaml:"match"`
		} `yaml:"tls"`
	}
	manifest.DecodeLenient(vs.Obj, vs.Obj.Field("spec"), "spec", &spec)
	tcp := make([][]eg008L4Match, len(spec.TCP))
	for i, rule := range spec.TCP {
		tcp[i] = rule.Match
	}
	tls := make([][]eg008L4Match, len(spec.TLS))
	for i, rule := range spec.TLS {
		tls[i] = rule.Match
	}
	eg008CheckL4(r, vs, "tcp", tcp)
	eg008CheckL4(r, vs, "tls", tls)
}

func eg008CheckL4(r *Reporter, vs *VirtualService, kind string, rules [][]eg008L4Match) {
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
