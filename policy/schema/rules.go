package schema

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The x-kubernetes-validations rules the validator evaluates. edgegate has
// no CEL interpreter (that would be a dependency of its own); it reads the
// shapes of rule Istio's networking CRDs use, and Load lists any other rule
// in Set.Unsupported, which the tests require to be empty:
//
//   - duration(self) OP duration('LIT'), OP one of >= > <= < == !=, on a
//     string: CEL's duration() parses as Go's time.ParseDuration does
//     ("1h2m", "0.5s", "500ms"), and so does istiod's decoder (jsonpb).
//   - (has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) [+ ...] <= N, on an
//     object: at most N of the fields are set.

// rule is a compiled x-kubernetes-validations entry.
type rule struct {
	key     string // what the rule checks, to drop repeats
	message string
	// check evaluates the rule on n; shown is the value to quote in the
	// message ("" for a rule about an object).
	check func(n *yaml.Node) (ok bool, shown string)
}

var (
	durationRule = regexp.MustCompile(`^duration\(self\)(>=|>|<=|<|==|!=)duration\('([^']*)'\)$`)
	hasTerm      = regexp.MustCompile(`^\(has\(self\.([A-Za-z_][A-Za-z0-9_]*)\)\?1:0\)$`)
)

// compileRule reads r, or reports false for a rule it cannot evaluate.
func compileRule(r Rule) (rule, bool) {
	if r.MessageExpression != "" || r.FieldPath != "" || r.OptionalOldSelf != nil || strings.Contains(r.Rule, "oldSelf") {
		return rule{}, false
	}
	expr := strings.Join(strings.Fields(r.Rule), "")
	msg := r.Message
	if msg == "" {
		msg = "failed rule: " + r.Rule
	}
	if m := durationRule.FindStringSubmatch(expr); m != nil {
		bound, err := time.ParseDuration(m[2])
		if err != nil {
			return rule{}, false
		}
		op := m[1]
		return rule{
			key:     "duration" + op + bound.String(),
			message: msg,
			check: func(n *yaml.Node) (bool, string) {
				if typeOf(n) != "string" {
					return true, "" // the type check reports it
				}
				d, err := time.ParseDuration(n.Value)
				return err == nil && compareDurations(d, op, bound), strconv.Quote(n.Value)
			},
		}, true
	}
	if left, right, ok := strings.Cut(expr, "<="); ok {
		limit, err := strconv.Atoi(right)
		if err != nil {
			return rule{}, false
		}
		var fields []string
		for _, term := range strings.Split(left, "+") {
			m := hasTerm.FindStringSubmatch(term)
			if m == nil {
				return rule{}, false
			}
			fields = append(fields, m[1])
		}
		sorted := append([]string(nil), fields...)
		sort.Strings(sorted)
		return rule{
			key:     "count(" + strings.Join(sorted, ",") + ")<=" + right,
			message: msg,
			check: func(n *yaml.Node) (bool, string) {
				if n.Kind != yaml.MappingNode {
					return true, ""
				}
				set := 0
				for _, f := range fields {
					if v := field(n, f); v != nil && !isNull(v) {
						set++
					}
				}
				return set <= limit, ""
			},
		}, true
	}
	return rule{}, false
}

func compareDurations(d time.Duration, op string, bound time.Duration) bool {
	switch op {
	case ">=":
		return d >= bound
	case ">":
		return d > bound
	case "<=":
		return d <= bound
	case "<":
		return d < bound
	case "==":
		return d == bound
	}
	return d != bound
}
