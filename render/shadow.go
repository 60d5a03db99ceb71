package render

import (
	"fmt"
	"strings"
	"sync"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/render/match"
)

// routeMatches computes the matches each route of an app renders to, once
// for validation and rendering alike, and answers two questions of them
// with the match algebra the gate's EG008 asks of the VirtualService, so the
// three never disagree:
//   - which matches an earlier route's match covers (covered): Istio would
//     never use them, so the VirtualService leaves them out;
//   - which routes are never reached (IST0130): those whose every match one
//     earlier route covers, an error. One earlier route at a time is enough
//     to ask: several routes together cover the matches of a route only when
//     one of them covers them all (the prefix /api/ of prefix /api is covered
//     only by prefix /api or /, with headers it has, which cover its exact
//     /api too).
func routeMatches(e *fieldErrors, routes []v1alpha1.Route) [][]routeEntry {
	entries := make([][]routeEntry, len(routes))
	for i := range routes {
		entries[i] = routeEntries(&routes[i])
	}
	if len(routes) < 2 {
		return entries
	}
	re := regexps.Get().(*match.Regexps)
	defer regexps.Put(re)
	for j := 1; j < len(routes); j++ {
		all := true
		for k := range entries[j] {
			entries[j][k].covered = coveredByEarlier(re, entries[:j], &entries[j][k])
			all = all && entries[j][k].covered
		}
		if !all {
			continue // reached: no earlier route covers every match
		}
		for i := 0; i < j; i++ {
			if coversAll(re, entries[i], entries[j]) {
				what := "every request this route matches"
				if r := &routes[i]; r.Exact == "" && r.Prefix == "" && r.Regex == "" && len(r.Headers) == 0 {
					what = "every request"
				}
				e.add(fmt.Sprintf("spec.routes[%d]", j), "never reached: spec.routes[%d] comes first and matches %s; move this route up", i, what)
				break
			}
		}
	}
	return entries
}

// coveredByEarlier reports whether a match of an earlier route covers n.
func coveredByEarlier(re *match.Regexps, earlier [][]routeEntry, n *routeEntry) bool {
	for i := range earlier {
		if coveredByAny(re, earlier[i], n) {
			return true
		}
	}
	return false
}

// regexps keeps the compiled route regexes between apps: inputs repeat a
// few regexes across thousands of apps, and compiling them anew for each
// app cost 4 KiB an app at 10,000 apps. A Regexps is not safe to share
// between goroutines, and apps are checked on every core: each check takes
// one from the pool. What they hold is the input's own regexes, dropped
// with the pool at a collection.
var regexps = sync.Pool{New: func() any { return match.NewRegexps() }}

// coversAll reports whether every match of later is covered by a match of
// earlier.
func coversAll(re *match.Regexps, earlier, later []routeEntry) bool {
	for j := range later {
		if !coveredByAny(re, earlier, &later[j]) {
			return false
		}
	}
	return true
}

// coveredByAny reports whether a match of earlier covers n.
func coveredByAny(re *match.Regexps, earlier []routeEntry, n *routeEntry) bool {
	for i := range earlier {
		if re.RequestCovers(&earlier[i].match, &n.match) {
			return true
		}
	}
	return false
}

// routeEntry is one match of the rule(s) a route renders to, with the
// rewrite of the rule it is in.
type routeEntry struct {
	match   match.HTTPMatchRequest
	rewrite string
	// covered: a match of an earlier route covers this one.
	covered bool
}

// routeEntries are the matches a route renders to: its path and its exact
// header values. A prefix matches by path element, as Ingress's pathType
// Prefix and the Gateway API's PathPrefix do: prefix /api is Istio's exact
// /api and prefix /api/, and never matches /apiary; prefix / is every path
// (Istio's prefix /).
// The headers apply to both. Istio's rewrite.uri replaces what the match
// matched, so the subpaths' entry rewrites to the rewrite with one trailing
// slash (/api/x → /v2/x for rewrite /v2 or /v2/), and the exact path to the
// rewrite as written (/api → /v2, or /v2/).
func routeEntries(r *v1alpha1.Route) []routeEntry {
	var headers map[string]match.StringMatch
	if len(r.Headers) > 0 {
		headers = make(map[string]match.StringMatch, len(r.Headers))
		for k, v := range r.Headers {
			headers[k] = match.StringMatch{Exact: v}
		}
	}
	entry := func(uri *match.StringMatch, rewrite string) routeEntry {
		return routeEntry{match: match.HTTPMatchRequest{URI: uri, Headers: headers}, rewrite: rewrite}
	}
	switch {
	case r.Exact != "":
		return []routeEntry{entry(&match.StringMatch{Exact: r.Exact}, r.Rewrite)}
	case r.Prefix != "":
		p := v1alpha1.ElementPrefix(r.Prefix)
		sub := r.Rewrite
		if sub != "" {
			sub = strings.TrimRight(sub, "/") + "/"
		}
		if p == "/" {
			if sub == r.Rewrite { // every path, rewritten alike
				return []routeEntry{entry(&match.StringMatch{Prefix: p}, r.Rewrite)}
			}
			// Rewrite /v2: / → /v2, /x → /v2/x (Istio's prefix / and rewrite /v2 would give /v2x).
			return []routeEntry{
				entry(&match.StringMatch{Exact: p}, r.Rewrite),
				entry(&match.StringMatch{Prefix: p}, sub),
			}
		}
		return []routeEntry{
			entry(&match.StringMatch{Exact: p}, r.Rewrite),
			entry(&match.StringMatch{Prefix: p + "/"}, sub),
		}
	case r.Regex != "":
		return []routeEntry{entry(&match.StringMatch{Regex: r.Regex}, r.Rewrite)}
	}
	return []routeEntry{entry(nil, r.Rewrite)}
}
