package model

import "github.com/edgegate/edgegate/render/match"

// Matches normalises the matches of every http rule of vs, in store (see
// match.Matches), with gateway references resolved as pilot resolves them.
func Matches(vs *VirtualService, store *match.MatchStore) [][]*match.Match {
	http := vs.Spec.HTTP
	return match.Matches(vs.Obj.Namespace, len(http), func(rule int) []match.HTTPMatchRequest { return http[rule].Match }, ResolveGatewayName, store)
}
