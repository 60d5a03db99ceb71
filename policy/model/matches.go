package model

import "github.com/edgegate/edgegate/render/match"

// Matches normalises the matches of every http rule of vs, in store (see
// match.Matches), with gateway references resolved as pilot resolves them.
func Matches(vs *VirtualService, store *match.MatchStore) [][]*match.Match {
	return match.Matches(vs.Obj.Namespace, vs.Spec.HTTP, httpMatches, ResolveGatewayName, store)
}

func httpMatches(r *HTTPRoute) []match.HTTPMatchRequest { return r.Match }
