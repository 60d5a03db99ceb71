package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

// conflictingMeshVirtualServices finds several VirtualServices that apply to
// the mesh (spec.gateways empty, or naming mesh) for one host where the same
// sidecars see them (Istio's IST0109). For sidecars istiod does not merge
// them as it merges those of a Gateway: which one a sidecar uses is
// undefined, so in-mesh calls to the host (including those an ingress
// gateway's route makes to a Service another VirtualService also claims for
// the mesh) may follow either.
//
// As Istio's ConflictingMeshGatewayHostsAnalyzer does: hosts are keyed by
// the namespaces the VirtualService is exported to (spec.exportTo; "*" or
// none: every namespace) and their name resolved from its namespace; two
// VirtualServices conflict when they share a key, or when one exported
// everywhere has a host matching (equal to, or a wildcard covering) a host of
// one exported to named namespaces. Every VirtualService of a conflict is
// reported once, at metadata.name, naming the others.
type conflictingMeshVirtualServices struct{}

// meshKey is a host as the sidecars of scope see it: scope "*" for every
// namespace.
type meshKey struct{ scope, host string }

func (conflictingMeshVirtualServices) Run(idx *model.Index, r *model.Reporter) {
	byKey := map[meshKey][]*model.VirtualService{}
	var keys []meshKey
	for _, vs := range idx.VirtualServices {
		if !appliesToMesh(vs) {
			continue
		}
		for _, scope := range meshScopes(vs) {
			for _, h := range vs.Spec.Hosts {
				k := meshKey{scope, model.FQDN(vs.Obj.Namespace, strings.ToLower(h))}
				if list := byKey[k]; len(list) > 0 && list[len(list)-1] == vs {
					continue // a host written twice
				}
				if byKey[k] == nil {
					keys = append(keys, k)
				}
				byKey[k] = append(byKey[k], vs)
			}
		}
	}
	everywhere := map[string][]*model.VirtualService{}
	for _, k := range keys {
		if k.scope == "*" {
			everywhere[k.host] = byKey[k]
		}
	}
	others := map[*model.VirtualService]map[*model.VirtualService]string{} // the VirtualServices each conflicts with, and the host
	for _, k := range keys {
		group := slices.Clone(byKey[k])
		if k.scope != "*" {
			for h, list := range everywhere {
				if hostMatches(k.host, h) {
					group = append(group, list...)
				}
			}
		}
		for _, a := range group {
			for _, b := range group {
				if a == b {
					continue
				}
				if others[a] == nil {
					others[a] = map[*model.VirtualService]string{}
				}
				if _, ok := others[a][b]; !ok {
					others[a][b] = k.host
				}
			}
		}
	}
	for _, vs := range model.SortByObjectKey(idx.VirtualServices, func(vs *model.VirtualService) *manifest.Object { return vs.Obj }) {
		o := others[vs]
		if len(o) == 0 {
			continue
		}
		var names []string
		host := ""
		for other, h := range o {
			names = append(names, fmt.Sprintf("%s (%s)", other.Obj.Ref, model.Where(other.Obj)))
			if host == "" || h < host {
				host = h
			}
		}
		sort.Strings(names)
		r.Report(vs.Obj, "metadata.name",
			"VirtualService applies to the mesh for host %q, and so does %s: sidecars use only one of them, which is undefined (Istio: IST0109); merge them into one VirtualService, or bind the ones meant for ingress to their Gateway only",
			host, strings.Join(names, ", "))
	}
}

// appliesToMesh reports whether a VirtualService configures sidecars: no
// spec.gateways, or one naming mesh.
func appliesToMesh(vs *model.VirtualService) bool {
	return len(vs.Spec.Gateways) == 0 || slices.Contains(vs.Spec.Gateways, "mesh")
}

// meshScopes are the namespaces whose sidecars see a VirtualService: "*" for
// all (no exportTo, or one naming "*"), else its exportTo with "." resolved.
func meshScopes(vs *model.VirtualService) []string {
	if len(vs.Spec.ExportTo) == 0 || slices.Contains(vs.Spec.ExportTo, "*") {
		return []string{"*"}
	}
	var out []string
	for _, e := range vs.Spec.ExportTo {
		if e == "." {
			e = vs.Obj.Namespace
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return out
}

// hostMatches is Istio's host.Name.Matches(h, o): equal, or either a
// wildcard whose suffix the other ends with.
func hostMatches(h, o string) bool {
	hw, ow := strings.HasPrefix(h, "*"), strings.HasPrefix(o, "*")
	switch {
	case hw && ow:
		if len(h) < len(o) {
			return strings.HasSuffix(o[1:], h[1:])
		}
		return strings.HasSuffix(h[1:], o[1:])
	case hw:
		return strings.HasSuffix(o, h[1:])
	case ow:
		return strings.HasSuffix(h, o[1:])
	}
	return h == o
}
