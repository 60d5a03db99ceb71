package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

// Fails reports whether diags hold a finding at or above failOn (error when
// empty). Input errors are errors whatever the threshold.
func Fails(diags manifest.Diagnostics, failOn manifest.Severity) bool {
	for _, d := range diags {
		switch {
		case d.Severity == manifest.Error || d.Severity == "":
			return true
		case failOn == manifest.Warning && d.Severity == manifest.Warning:
			return true
		case failOn == manifest.Info:
			return true
		}
	}
	return false
}

// ConfigFrom reads an EdgegatePolicy: the gate's configuration, and the whole
// spec for the callers that read its other settings.
func ConfigFrom(o *manifest.Object) (Config, v1alpha1.EdgegatePolicySpec, manifest.Diagnostics) {
	var p v1alpha1.EdgegatePolicy
	cfg := Config{FailOn: manifest.Error}
	stripped := *o.Node
	stripped.Content = nil
	for i := 0; i+1 < len(o.Node.Content); i += 2 {
		if o.Node.Content[i].Value == "spec" {
			stripped.Content = append(stripped.Content, o.Node.Content[i], o.Node.Content[i+1])
		}
	}
	diags := manifest.Decode(o, &stripped, "", &p)
	cfg.Origin = o
	switch p.Spec.FailOn {
	case "", "error":
	case "warning", "info":
		cfg.FailOn = manifest.Severity(p.Spec.FailOn)
	default:
		diags = append(diags, manifest.Errorf(o, "spec.failOn", "must be error, warning or info, not %q", p.Spec.FailOn))
	}
	known := map[string]bool{}
	for _, c := range Catalog() {
		known[c.Meta().ID] = true
	}
	for _, id := range slices.Sorted(maps.Keys(p.Spec.Checks)) {
		field := "spec.checks." + id
		if !known[id] {
			diags = append(diags, manifest.Errorf(o, field, "unknown check %s (see `edgegate check --list`)", id))
			continue
		}
		switch sev := manifest.Severity(p.Spec.Checks[id]); sev {
		case manifest.Error, manifest.Warning, manifest.Info, Off:
			if cfg.Severity == nil {
				cfg.Severity = map[string]manifest.Severity{}
			}
			cfg.Severity[id] = sev
		default:
			diags = append(diags, manifest.Errorf(o, field, "severity must be error, warning, info or off, not %q", sev))
		}
	}
	metas := metaByID()
	for i, g := range p.Spec.Grants {
		field := fmt.Sprintf("spec.grants[%d]", i)
		m, ok := metas[g.Check]
		switch {
		case !ok:
			diags = append(diags, manifest.Errorf(o, field+".check", "unknown check %q (see `edgegate check --list`)", g.Check))
		case !m.ProtectsOthers:
			diags = append(diags, manifest.Errorf(o, field+".check", "%s does not protect other namespaces, so its suppressions need no grant: grant only %s", g.Check, protectingChecks()))
		case g.Namespace == "":
			diags = append(diags, manifest.Errorf(o, field+".namespace", "a grant names the namespace whose suppressions of %s count", g.Check))
		case g.Reason == "":
			diags = append(diags, manifest.Errorf(o, field+".reason", "a grant needs a reason: why the platform accepts %s's findings on namespace %s", g.Check, g.Namespace))
		default:
			cfg.Grants = append(cfg.Grants, model.Grant{Check: g.Check, Namespace: g.Namespace, Name: g.Name, From: o.Namespace})
		}
	}
	switch p.Spec.Mode {
	case "", "render", "check":
	default:
		diags = append(diags, manifest.Errorf(o, "spec.mode", "must be render or check, not %q", p.Spec.Mode))
	}
	return cfg, p.Spec, diags
}

// severityRank orders severities: off below info below warning below error.
var severityRank = map[manifest.Severity]int{Off: 0, manifest.Info: 1, manifest.Warning: 2, manifest.Error: 3}

// Authorize settles who a configuration read from an EdgegatePolicy speaks
// for. The platform's policy (platform: given with --config or as the KRM
// function's configuration, or in a gateway's namespace, see
// PlatformNamespace) may do anything; its grants count for every gateway
// when the caller gave it. A team's policy (any other one among the inputs)
// may not lower a check that protects other namespaces, nor grant: each such
// setting is an error naming its field, since a policy among a team's files
// would otherwise turn off the checks that protect every other team.
func Authorize(cfg *Config, platform, given bool) manifest.Diagnostics {
	o := cfg.Origin
	if o == nil {
		return nil
	}
	if platform {
		if given {
			for i := range cfg.Grants {
				cfg.Grants[i].From = ""
			}
		}
		return nil
	}
	var diags manifest.Diagnostics
	name := o.Ref.String()
	why := "it is in no gateway's namespace and was not given with --config or as the function's configuration"
	if o.Namespace == "" {
		why = "it names no namespace and was not given with --config or as the function's configuration"
	}
	metas := metaByID()
	for _, id := range slices.Sorted(maps.Keys(cfg.Severity)) {
		m := metas[id]
		if sev := cfg.Severity[id]; m.ProtectsOthers && severityRank[sev] < severityRank[m.Severity] {
			diags = append(diags, manifest.Errorf(o, "spec.checks."+id,
				"%s (%s) protects the hosts, certificates and claims of other namespaces, and %s may not lower it to %s: it is not the platform's policy (%s); set it in the platform's policy (--config), or drop the setting",
				id, m.Name, name, sev, why))
			delete(cfg.Severity, id)
		}
	}
	if len(cfg.Grants) > 0 {
		diags = append(diags, manifest.Errorf(o, "spec.grants",
			"only the platform's policy may grant suppressions of checks that protect other namespaces, and %s is not (%s)", name, why))
		cfg.Grants = nil
	}
	return diags
}

// PlatformNamespace reports whether an EdgegatePolicy found among objs is
// the platform's: objs hold IngressGateways, and all of them are in the
// policy's namespace, the namespace of the gateway workloads, which only the
// platform writes. One IngressGateway elsewhere (a team declaring a gateway
// in its own namespace to make its policy the platform's) makes it a team's.
func PlatformNamespace(policy *manifest.Object, objs []*manifest.Object) bool {
	if policy == nil || policy.Namespace == "" {
		return false
	}
	found := false
	for _, o := range objs {
		if o.Group() == v1alpha1.Group && o.Kind == v1alpha1.KindIngressGateway {
			if o.Namespace != policy.Namespace {
				return false
			}
			found = true
		}
	}
	return found
}

// FindConfig picks the EdgegatePolicy among objs: none, or exactly one.
func FindConfig(objs []*manifest.Object) (*manifest.Object, manifest.Diagnostics) {
	var found *manifest.Object
	for _, o := range objs {
		if o.Group() != v1alpha1.Group || o.Kind != v1alpha1.KindPolicy {
			continue
		}
		if found != nil {
			return nil, manifest.Diagnostics{manifest.Errorf(o, "", "a second EdgegatePolicy (the first is in %s): keep one", fmt.Sprint(found.Pos.File))}
		}
		found = o
	}
	return found, nil
}

// protectingChecks lists the checks that protect other namespaces, from the
// catalog: "EG001, EG010, EG011 or EG016".
func protectingChecks() string {
	var ids []string
	for _, c := range Catalog() {
		if c.Meta().ProtectsOthers {
			ids = append(ids, c.Meta().ID)
		}
	}
	if len(ids) < 2 {
		return strings.Join(ids, "")
	}
	return strings.Join(ids[:len(ids)-1], ", ") + " or " + ids[len(ids)-1]
}
