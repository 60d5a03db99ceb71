package model

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/manifest"
)

// Meta describes a check.
type Meta struct {
	ID          string            // stable: EG001
	Name        string            // kebab-case: conflicting-gateways
	Severity    manifest.Severity // default severity of its findings
	Description string            // one line
	// Mirrors lists the Istio analyzer and Kiali codes the check corresponds to.
	Mirrors []string
	// ProtectsOthers marks the checks that protect one namespace's hosts,
	// certificates, claims or backends from another namespace (EG001, EG002,
	// EG006, EG010, EG011, EG016):
	// an edgegate.dev/suppress of their findings counts only where the
	// platform grants it (see Index.granted), and only the platform's
	// EdgegatePolicy may lower them.
	ProtectsOthers bool
	// Protects, when set, narrows ProtectsOthers to the findings it is true
	// for (EG001: a conflict with another namespace's claim).
	Protects func(idx *Index, obj *manifest.Object, field string) bool `yaml:"-" json:"-"`
}

// SuppressAnnotation on an object silences checks for it:
// "EG012: the legacy gateway keeps its port names, EG003: reason".
// A reason is required.
const SuppressAnnotation = "edgegate.dev/suppress"

// Reporter collects the findings of one check.
type Reporter struct {
	meta     Meta
	severity manifest.Severity
	idx      *Index
	diags    manifest.Diagnostics
	seen     map[string]bool
	// ungranted: the objects whose suppression of this check was refused
	// and already reported.
	ungranted map[*manifest.Object]bool
}

// NewReporter collects the findings of the check meta describes, at
// severity, dropping those idx says are suppressed.
func NewReporter(meta Meta, severity manifest.Severity, idx *Index) *Reporter {
	return &Reporter{meta: meta, severity: severity, idx: idx}
}

// Diagnostics are the findings reported so far.
func (r *Reporter) Diagnostics() manifest.Diagnostics { return r.diags }

// Report records a finding about obj at field, at the check's severity.
func (r *Reporter) Report(obj *manifest.Object, field, format string, args ...any) {
	r.report(r.severity, obj, field, fmt.Sprintf(format, args...))
}

// Warn records a finding at warning severity (or lower, if the check is
// configured lower), for findings the check is less sure of.
func (r *Reporter) Warn(obj *manifest.Object, field, format string, args ...any) {
	sev := manifest.Warning
	if r.severity == manifest.Info {
		sev = manifest.Info
	}
	r.report(sev, obj, field, fmt.Sprintf(format, args...))
}

// Info records an informational finding, whatever the check's severity
// (unless the check is off).
func (r *Reporter) Info(obj *manifest.Object, field, format string, args ...any) {
	r.report(manifest.Info, obj, field, fmt.Sprintf(format, args...))
}

// Unchecked records an info saying what the check could not judge for
// lack of input (a Secret, a Service): one per object, so text output
// folds those of one format into a line with a count.
func (r *Reporter) Unchecked(obj *manifest.Object, field, format string, args ...any) {
	if d := r.report(manifest.Info, obj, field, fmt.Sprintf(format, args...)); d != nil {
		d.Fold = r.meta.ID + "\x00" + format
	}
}

// report records a finding and returns it (nil when it is suppressed or
// already recorded), for the caller to add to.
func (r *Reporter) report(sev manifest.Severity, obj *manifest.Object, field, msg string) *manifest.Diagnostic {
	if r.idx.suppressed(obj, r.meta.ID) {
		if !r.meta.ProtectsOthers || (r.meta.Protects != nil && !r.meta.Protects(r.idx, obj, field)) {
			return nil
		}
		why, ok := r.idx.granted(obj, r.meta.ID)
		if ok {
			return nil
		}
		r.refuseSuppression(obj, why)
	}
	key := obj.Key() + "\x00" + field + "\x00" + msg
	if r.seen[key] {
		return nil
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[key] = true
	d := manifest.Errorf(obj, field, "%s", msg)
	if src := obj.Source; obj.Pos.File == "" && src != nil {
		d.Pos = src.Pos
		if !strings.Contains(msg, src.Ref.String()) {
			d.Message += fmt.Sprintf(" (rendered from %s)", src.Ref)
		}
	}
	d.Severity = sev
	d.ID = r.meta.ID
	d.Tags = map[string]string{"check": r.meta.Name}
	if len(r.meta.Mirrors) > 0 {
		d.Tags["mirrors"] = strings.Join(r.meta.Mirrors, ",")
	}
	r.diags = append(r.diags, d)
	return &r.diags[len(r.diags)-1]
}

// refuseSuppression reports, once per object, that its suppression of the
// check does not count: the finding it would silence stays.
func (r *Reporter) refuseSuppression(obj *manifest.Object, why string) {
	if r.ungranted[obj] {
		return
	}
	if r.ungranted == nil {
		r.ungranted = map[*manifest.Object]bool{}
	}
	r.ungranted[obj] = true
	d := manifest.Warnf(obj, "metadata.annotations."+SuppressAnnotation,
		"the suppression of %s (%s) does not count: %s protects the hosts, certificates and claims of other namespaces, and %s; the finding stays",
		r.meta.ID, r.meta.Name, r.meta.ID, why)
	d.ID = r.meta.ID
	d.Tags = map[string]string{"check": r.meta.Name}
	r.diags = append(r.diags, d)
}

// Where names an object's origin for a message about another object.
func Where(o *manifest.Object) string { return manifest.Where(o) }
