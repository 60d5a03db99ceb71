// Package policy is edgegate's offline gate: checks over every object of a
// render (intents, rendered objects and hand-written ones) that catch the
// ingress mistakes Istio's analyzers and Kiali find only in a live cluster,
// and the ones they miss. Each check lives in a file of its own, has a stable
// ID, and runs over an index built once, so the gate as a whole is
// O(n log n) in the number of objects.
package policy

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

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
}

// Check is one policy.
type Check interface {
	Meta() Meta
	Run(idx *Index, r *Reporter)
}

// Catalog lists every check, sorted by ID.
func Catalog() []Check {
	checks := append([]Check(nil), catalog...)
	sort.Slice(checks, func(i, j int) bool { return checks[i].Meta().ID < checks[j].Meta().ID })
	return checks
}

// catalog is filled by each check's file.
var catalog []Check

func register(c Check) { catalog = append(catalog, c) }

// SuppressAnnotation on an object silences checks for it:
// "EG012: the legacy gateway keeps its port names, EG003: reason".
// A reason is required.
const SuppressAnnotation = "edgegate.dev/suppress"

// Off is the severity that disables a check.
const Off manifest.Severity = "off"

// Config tunes the gate.
type Config struct {
	// Severity overrides a check's default severity by ID; Off disables it.
	Severity map[string]manifest.Severity
	// FailOn is the lowest severity that fails a run (see Fails); error by default.
	FailOn manifest.Severity
}

// Run builds the index of objs and runs every enabled check. Findings are
// sorted; suppressed ones are dropped, and malformed suppressions reported.
func Run(objs []*manifest.Object, cfg Config) manifest.Diagnostics {
	checks := Catalog()
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.Meta().ID
	}
	idx := NewIndex(objs, ids)
	var out manifest.Diagnostics
	out = append(out, idx.SuppressionErrors()...)
	// Checks only read the index, so they run side by side on every core;
	// their findings are sorted afterwards, so the order they finish in
	// never shows.
	reporters := make([]*Reporter, len(checks))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(checks)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				meta := checks[i].Meta()
				sev := meta.Severity
				if s, ok := cfg.Severity[meta.ID]; ok {
					sev = s
				}
				if sev == Off {
					continue
				}
				reporters[i] = NewReporter(meta, sev, idx)
				checks[i].Run(idx, reporters[i])
			}
		}()
	}
	for _, i := range dispatchOrder(checks) {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, r := range reporters {
		if r != nil {
			out = append(out, r.Diagnostics()...)
		}
	}
	out.Sort()
	return out
}

// nodeWalker marks the checks that walk every node of the objects they
// check (the schema checks), where the others read the index: the longest
// checks by far.
type nodeWalker interface{ walksEveryNode() }

// dispatchOrder hands out the node walkers first, then the rest in catalog
// order, so that the last check to start is a short one and no core waits
// long for it at the end.
func dispatchOrder(checks []Check) []int {
	var walkers, rest []int
	for i, c := range checks {
		if _, ok := c.(nodeWalker); ok {
			walkers = append(walkers, i)
		} else {
			rest = append(rest, i)
		}
	}
	return append(walkers, rest...)
}

// Reporter collects the findings of one check.
type Reporter struct {
	meta     Meta
	severity manifest.Severity
	idx      *Index
	diags    manifest.Diagnostics
	seen     map[string]bool
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

func (r *Reporter) report(sev manifest.Severity, obj *manifest.Object, field, msg string) {
	if r.idx.suppressed(obj, r.meta.ID) {
		return
	}
	key := obj.Key() + "\x00" + field + "\x00" + msg
	if r.seen[key] {
		return
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
}

// where names an object's origin for a message about another object.
func where(o *manifest.Object) string { return manifest.Where(o) }
