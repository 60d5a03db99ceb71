package render

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
)

// checkReachable rejects a route that an earlier route always shadows:
// Istio evaluates routes in order and the first match wins (IST0130).
func checkReachable(e *fieldErrors, routes []v1alpha1.Route) {
	for j := range routes {
		for i := 0; i < j; i++ {
			if covers(&routes[i], &routes[j]) {
				what := "every request this route matches"
				if routes[i].Exact == "" && routes[i].Prefix == "" && routes[i].Regex == "" && len(routes[i].Headers) == 0 {
					what = "every request"
				}
				e.add(fmt.Sprintf("spec.routes[%d]", j), "never reached: spec.routes[%d] comes first and matches %s; move this route up", i, what)
				break
			}
		}
	}
}

// covers reports whether every request matching b also matches a.
func covers(a, b *v1alpha1.Route) bool {
	for k, v := range a.Headers {
		if b.Headers[k] != v {
			return false
		}
	}
	switch {
	case a.Exact == "" && a.Prefix == "" && a.Regex == "":
		return true
	case a.Prefix != "":
		return (b.Prefix != "" && strings.HasPrefix(b.Prefix, a.Prefix)) ||
			(b.Exact != "" && strings.HasPrefix(b.Exact, a.Prefix))
	case a.Exact != "":
		return a.Exact == b.Exact
	default:
		return a.Regex == b.Regex
	}
}
