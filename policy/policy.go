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
	"sync"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/check"
	"github.com/edgegate/edgegate/policy/model"
)

// Meta describes a check: its ID, name, default severity, description and
// the Istio analyzer and Kiali codes it mirrors.
type Meta = model.Meta

// Index holds every object the checks read, decoded once.
type Index = model.Index

// Reporter collects the findings of one check.
type Reporter = model.Reporter

// Grant is one of the platform's spec.grants: suppressions of a check that
// protects other namespaces count on one namespace's objects.
type Grant = model.Grant

// SuppressAnnotation on an object silences checks for it:
// "EG012: the legacy gateway keeps its port names, EG003: reason".
// A reason is required.
const SuppressAnnotation = model.SuppressAnnotation

// Check is one policy.
type Check interface {
	Meta() Meta
	Run(idx *Index, r *Reporter)
}

// Catalog lists every check, sorted by ID (the list is policy/check.All).
func Catalog() []Check {
	all := check.All()
	checks := make([]Check, len(all))
	for i, c := range all {
		checks[i] = c
	}
	return checks
}

// Off is the severity that disables a check.
const Off manifest.Severity = "off"

// Config tunes the gate.
type Config struct {
	// Severity overrides a check's default severity by ID; Off disables it.
	Severity map[string]manifest.Severity
	// FailOn is the lowest severity that fails a run (see Fails); error by default.
	FailOn manifest.Severity
	// Origin is the EdgegatePolicy the configuration was read from (nil for
	// none): a check it turns off is reported there, as an info.
	Origin *manifest.Object
	// Grants make suppressions of checks that protect other namespaces count
	// (the platform's spec.grants; see Authorize).
	Grants []Grant
}

// Run builds the index of objs and runs every enabled check. Findings are
// sorted; suppressed ones are dropped, and malformed suppressions reported.
func Run(objs []*manifest.Object, cfg Config) manifest.Diagnostics {
	diags, _ := runIndexed(objs, cfg)
	return diags
}

// runIndexed is Run, returning the index it built as well.
func runIndexed(objs []*manifest.Object, cfg Config) (manifest.Diagnostics, *model.Index) {
	checks := Catalog()
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.Meta().ID
	}
	idx := model.NewIndex(objs, ids)
	idx.SetGrants(cfg.Grants)
	var out manifest.Diagnostics
	out = append(out, idx.SuppressionErrors()...)
	out = append(out, disabled(checks, cfg)...)
	// Checks only read the index, so they run side by side on every core;
	// their findings are sorted afterwards, so the order they finish in
	// never shows.
	reporters := make([]*model.Reporter, len(checks))
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
				reporters[i] = model.NewReporter(meta, sev, idx)
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
	return out, idx
}

// disabled reports every check cfg turns off, as an info at the field of
// the policy that does, so no check goes quiet unseen.
func disabled(checks []Check, cfg Config) manifest.Diagnostics {
	var out manifest.Diagnostics
	for _, c := range checks {
		meta := c.Meta()
		if cfg.Severity[meta.ID] != Off {
			continue
		}
		field := "spec.checks." + meta.ID
		d := manifest.Errorf(cfg.Origin, field, "check %s (%s) is turned off here: none of its findings are reported", meta.ID, meta.Name)
		if cfg.Origin == nil {
			d.Field = ""
			d.Message = fmt.Sprintf("check %s (%s) is turned off by the configuration: none of its findings are reported", meta.ID, meta.Name)
		}
		d.Severity = manifest.Info
		d.ID = meta.ID
		d.Tags = map[string]string{"check": meta.Name}
		out = append(out, d)
	}
	return out
}

// nodeWalker marks the checks that walk every node of the objects they
// check (the schema checks), where the others read the index: the longest
// checks by far.
type nodeWalker interface{ WalksEveryNode() bool }

// dispatchOrder hands out the node walkers first, then the rest in catalog
// order, so that the last check to start is a short one and no core waits
// long for it at the end.
func dispatchOrder(checks []Check) []int {
	var walkers, rest []int
	for i, c := range checks {
		if w, ok := c.(nodeWalker); ok && w.WalksEveryNode() {
			walkers = append(walkers, i)
		} else {
			rest = append(rest, i)
		}
	}
	return append(walkers, rest...)
}
