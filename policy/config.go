package policy

import (
	"fmt"
	"maps"
	"slices"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
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
	switch p.Spec.Mode {
	case "", "render", "check":
	default:
		diags = append(diags, manifest.Errorf(o, "spec.mode", "must be render or check, not %q", p.Spec.Mode))
	}
	return cfg, p.Spec, diags
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
