package render

import (
	"fmt"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/render/match"
)

// checkReachable rejects a route that an earlier route always shadows:
// Istio evaluates routes in order and the first match wins (IST0130). It
// asks the same match algebra the gate's EG008 asks of the VirtualService,
// over the matches renderRoute writes, so the two never disagree.
func checkReachable(e *fieldErrors, routes []v1alpha1.Route) {
	if len(routes) < 2 {
		return
	}
	matches := make([]match.HTTPMatchRequest, len(routes))
	for i := range routes {
		matches[i] = routeMatch(&routes[i])
	}
	re := match.NewRegexps()
	for j := range routes {
		for i := 0; i < j; i++ {
			if re.RequestCovers(&matches[i], &matches[j]) {
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

// routeMatch is what a route of an AppIntent matches: its path and its
// exact header values, as the VirtualService's rule for it writes them.
func routeMatch(r *v1alpha1.Route) match.HTTPMatchRequest {
	var m match.HTTPMatchRequest
	switch {
	case r.Exact != "":
		m.URI = &match.StringMatch{Exact: r.Exact}
	case r.Prefix != "":
		m.URI = &match.StringMatch{Prefix: r.Prefix}
	case r.Regex != "":
		m.URI = &match.StringMatch{Regex: r.Regex}
	}
	if len(r.Headers) > 0 {
		m.Headers = make(map[string]match.StringMatch, len(r.Headers))
		for k, v := range r.Headers {
			m.Headers[k] = match.StringMatch{Exact: v}
		}
	}
	return m
}
