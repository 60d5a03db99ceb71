package model

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
)

// Grant is one entry of the platform's EdgegatePolicy spec.grants: the
// edgegate.dev/suppress entries for Check on the objects of Namespace (named
// Name, when set) count, though Check protects other namespaces.
type Grant struct {
	Check, Namespace, Name string
	// From is the namespace of the policy that grants it, which grants only
	// for the gateways of its namespace; "" for a policy the caller gave
	// (--config, the KRM function's configuration), which grants for all.
	From string
}

// grants are what Index.SetGrants recorded, with the ownership model the
// grant decisions read, built on first use.
type grants struct {
	list []Grant
	mu   sync.Mutex // Ownership caches as it answers: one caller at a time
	own  *Ownership
}

// SetGrants records the platform's grants; call it before the checks run.
func (idx *Index) SetGrants(gs []Grant) { idx.grants.list = gs }

// GatewayNamespaces are the namespaces of the gateway workloads a finding
// about o is about: those a Gateway selects, those an AppIntent or a
// VirtualService binds to, an IngressGateway's own. A workload the input does
// not place in a namespace adds none.
func (idx *Index) GatewayNamespaces(o *manifest.Object) map[string]bool {
	g := &idx.grants
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.own == nil {
		g.own = NewOwnership(idx)
	}
	out := map[string]bool{}
	add := func(ws []*OwnershipWorkload) {
		for _, w := range ws {
			if w.Namespace != "" {
				out[w.Namespace] = true
			}
		}
	}
	switch {
	case o.Kind == "Gateway":
		if gw := idx.Gateway(o.Namespace + "/" + o.Name); gw != nil && gw.Obj == o {
			add(g.own.OfGateway(gw))
		}
	case o.Kind == "VirtualService":
		for _, vs := range idx.VirtualServices {
			if vs.Obj != o {
				continue
			}
			for _, ref := range vs.Spec.Gateways {
				key := ref
				if !strings.Contains(ref, "/") {
					key = o.Namespace + "/" + ref
				}
				if gw := idx.Gateway(key); gw != nil {
					add(g.own.OfGateway(gw))
				}
			}
		}
	case o.Kind == "AppIntent":
		for _, a := range idx.AppIntents {
			if a.Obj == o {
				add(g.own.OfApp(a))
			}
		}
	case o.Kind == "IngressGateway":
		out[o.Namespace] = true
	}
	return out
}

// granted reports whether o's suppression of check counts for a check that
// protects other namespaces, and if not, why. It counts on an object of the
// gateway's own namespace (the platform's), and where a grant of the
// platform's policy names o's namespace. A rendered object is judged by the
// namespace of the intent it was rendered from.
func (idx *Index) granted(o *manifest.Object, check string) (string, bool) {
	ns := o.Namespace
	if o.Source != nil {
		ns = o.Source.Namespace
	}
	// The gateway's namespace speaks only when it is the namespace of every
	// workload the finding is about: a team's own IngressGateway (existing,
	// with the platform gateway's selector) adds its namespace, not a grant.
	gws := idx.GatewayNamespaces(o)
	only := func(ns string) bool { return ns != "" && len(gws) == 1 && gws[ns] }
	if only(ns) {
		return "", true
	}
	for _, g := range idx.grants.list {
		if g.Check == check && g.Namespace == ns && (g.Name == "" || g.Name == o.Name) && (g.From == "" || only(g.From)) {
			return "", true
		}
	}
	if len(gws) > 1 {
		return fmt.Sprintf("the finding is about gateway workloads of several namespaces (%s), so neither may suppress it alone: only the platform's policy given with --config may grant it (spec.grants: [{check: %s, namespace: %s, reason: ...}])",
			strings.Join(slices.Sorted(maps.Keys(gws)), ", "), check, orNone(ns)), false
	}
	where := "the gateway's namespace"
	if len(gws) == 1 {
		where = "namespace " + slices.Sorted(maps.Keys(gws))[0] + " (the gateway's)"
	}
	return fmt.Sprintf("only %s may suppress it: on an object of its own, or with spec.grants: [{check: %s, namespace: %s, reason: ...}] in the platform's EdgegatePolicy", where, check, orNone(ns)), false
}

func orNone(ns string) string {
	if ns == "" {
		return `""`
	}
	return ns
}

var serverHostField = regexp.MustCompile(`^spec\.servers\[(\d+)\]\.hosts\[(\d+)\]$`)

// ConflictWithOtherNamespace tells EG001's findings that protect another
// namespace: o is a Gateway whose host at field overlaps a host that a
// Gateway claiming for another namespace serves on a workload o selects
// too. Any other EG001 finding (two Gateways of one namespace) is the
// namespace's own to suppress.
func ConflictWithOtherNamespace(idx *Index, o *manifest.Object, field string) bool {
	g := idx.Gateway(o.Namespace + "/" + o.Name)
	m := serverHostField.FindStringSubmatch(field)
	if g == nil || g.Obj != o || m == nil {
		return true // not a finding this function knows: protect
	}
	si, _ := strconv.Atoi(m[1])
	hi, _ := strconv.Atoi(m[2])
	if si >= len(g.Spec.Servers) || hi >= len(g.Spec.Servers[si].Hosts) {
		return true
	}
	claimNS := func(gw *Gateway, s, h int) (string, string) {
		ns, _ := AttachNamespace(gw, gw.Spec.Servers[s].Hosts[h])
		if ns == "" {
			ns = "*" // any namespace: never one namespace's own
		}
		return ns, gw.Spec.Servers[s].Names[h] // as pilot compares hosts
	}
	ns, host := claimNS(g, si, hi)
	if ns == "*" {
		return true
	}
	shares := func(other *Gateway) bool {
		if len(g.Workloads) == 0 || len(other.Workloads) == 0 {
			return SelectorString(g.Spec.Selector) == SelectorString(other.Spec.Selector)
		}
		for _, w := range g.Workloads {
			if slices.Contains(other.Workloads, w) {
				return true
			}
		}
		return false
	}
	for _, other := range idx.Gateways {
		if !shares(other) {
			continue
		}
		for osi, s := range other.Spec.Servers {
			for ohi := range s.Hosts {
				if other == g && osi == si && ohi == hi {
					continue
				}
				ons, oh := claimNS(other, osi, ohi)
				if ons != ns && oh != "" && host != "" && hostname.Overlap(oh, host) {
					return true
				}
			}
		}
	}
	return false
}

// CredentialFinding tells EG011's findings that protect another namespace:
// those about a certificate (a credentialName, the Secret it names in the
// gateway's namespace, whose hosts it serves). Findings about a server's
// TLS settings alone (no tls, a mode that ignores the certificate) are the
// namespace's own to suppress.
func CredentialFinding(_ *Index, _ *manifest.Object, field string) bool {
	return strings.Contains(field, "credentialName")
}

var serverTLSField = regexp.MustCompile(`^spec\.servers\[(\d+)\]\.tls`)

// CertificateOfOtherNamespace tells EG016's findings that protect another
// namespace: o's server at field presents a certificate that a Gateway of
// another namespace presents too, whose hosts a reused connection would
// misroute. Selectors are not compared, so it errs on the side of
// protecting. Two Gateways of one namespace are the namespace's own.
func CertificateOfOtherNamespace(idx *Index, o *manifest.Object, field string) bool {
	g := idx.Gateway(o.Namespace + "/" + o.Name)
	m := serverTLSField.FindStringSubmatch(field)
	if g == nil || g.Obj != o || m == nil {
		return true // not a finding this function knows: protect
	}
	si, _ := strconv.Atoi(m[1])
	if si >= len(g.Spec.Servers) {
		return true
	}
	for _, other := range idx.Gateways {
		if other.Obj.Namespace == o.Namespace {
			continue
		}
		for _, s := range other.Spec.Servers {
			if SameCertificate(g.Spec.Servers[si].TLS, s.TLS) {
				return true
			}
		}
	}
	return false
}
