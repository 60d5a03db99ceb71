package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

const mib = 1 << 20

// Targets of the "Speed and scale" issue, at n = targetN.
const (
	targetN        = 10000
	targetRatio    = 1.5
	targetRSSMiB   = 1024
	targetSpeedup  = 30
	stretchSpeedup = 100
	targetGrowth   = 11 // time(10000) ≤ 11 × time(1000)
	targetExplain  = 2  // edgegate explain ≤ 2 × edgegate render
)

// median of durations or byte counts.
func median[T ~int64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func walls(ss []sample) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = s.Wall
	}
	return out
}

func rsses(ss []sample) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = s.RSS
	}
	return out
}

func floorTotals(fs []floorReport) []time.Duration {
	out := make([]time.Duration, len(fs))
	for i, f := range fs {
		out[i] = f.total()
	}
	return out
}

func (r *result) edgegate() time.Duration { return median(walls(r.Render)) }
func (r *result) floor() time.Duration    { return median(floorTotals(r.Floor)) }
func (r *result) fn() time.Duration       { return median(walls(r.Fn)) }
func (r *result) fnFloor() time.Duration  { return median(floorTotals(r.FnFloor)) }
func (r *result) check() time.Duration    { return median(walls(r.Check)) }
func (r *result) explain() time.Duration  { return median(walls(r.Explain)) }

// explainRatio is explain's time over render's, on the same repository.
func (r *result) explainRatio() float64 { return div(r.explain(), r.edgegate()) }
func (r *result) rssMiB() float64       { return float64(median(rsses(r.Render))) / mib }
func (r *result) fnRSSMiB() float64     { return float64(median(rsses(r.Fn))) / mib }
func (r *result) checkRSSMiB() float64  { return float64(median(rsses(r.Check))) / mib }
func floorRSSMiB(fs []floorReport) float64 {
	xs := make([]int64, len(fs))
	for i, f := range fs {
		xs[i] = f.RSS
	}
	return float64(median(xs)) / mib
}

func (r *result) ratio() float64   { return div(r.edgegate(), r.floor()) }
func (r *result) fnRatio() float64 { return div(r.fn(), r.fnFloor()) }

func (r *result) istio() time.Duration {
	ds := make([]time.Duration, len(r.Istio))
	for i, x := range r.Istio {
		ds[i] = x.Elapsed
	}
	return median(ds)
}

func (r *result) istioWall() time.Duration {
	ds := make([]time.Duration, len(r.Istio))
	for i, x := range r.Istio {
		ds[i] = x.Wall
	}
	return median(ds)
}

// istioField is the median of a millisecond field istio-analyze printed.
func (r *result) istioField(name string) time.Duration {
	var ds []time.Duration
	for _, x := range r.Istio {
		if v, err := strconv.ParseInt(x.Fields[name], 10, 64); err == nil {
			ds = append(ds, time.Duration(v)*time.Millisecond)
		}
	}
	return median(ds)
}

// istioMS is istio_ms's value: milliseconds, or why there are none.
func (r *result) istioMS() string {
	if r.IstioStatus != "" {
		return r.IstioStatus
	}
	return fmtMS(r.istio())
}

// speedup is istio_ms / check_ms; after a timeout, a lower bound (">x").
func (r *result) speedup() (value float64, text string, known bool) {
	switch r.IstioStatus {
	case "":
		v := div(r.istio(), r.check())
		return v, fmt.Sprintf("%.1f", v), true
	case "timeout":
		v := div(r.IstioTimeout, r.check())
		return v, fmt.Sprintf(">%.0f", v), true
	}
	return 0, "n/a", false
}

func div(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func fmtMS(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.0f", ms)
}

// benchLines are the two lines printed per size.
func benchLines(r *result) []string {
	_, speedup, _ := r.speedup()
	return []string{
		fmt.Sprintf("BENCH n=%d objects=%d edgegate_ms=%s floor_ms=%s ratio=%.2f check_ms=%s istio_ms=%s speedup=%s rss_mb=%.0f",
			r.N, r.Objects, fmtMS(r.edgegate()), fmtMS(r.floor()), r.ratio(), fmtMS(r.check()), r.istioMS(), speedup, r.rssMiB()),
		fmt.Sprintf("BENCH-FN n=%d fn_ms=%s fn_ratio=%.2f fn_rss_mb=%.0f", r.N, fmtMS(r.fn()), r.fnRatio(), r.fnRSSMiB()),
		fmt.Sprintf("BENCH-EXPLAIN n=%d explain_ms=%s explain_over_render=%.2f", r.N, fmtMS(r.explain()), r.explainRatio()),
	}
}

func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "–"
	}
	return fmt.Sprintf("%s–%s", fmtMS(slices.Min(ds)), fmtMS(slices.Max(ds)))
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// markdown is BENCHMARKS.md, from the numbers of this run.
func markdown(m machine, o options, results []*result) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	byN := map[int]*result{}
	for _, r := range results {
		byN[r.N] = r
	}

	p("# edgegate benchmarks\n\n")
	p("Written by `make bench` (`go run ./tests/bench/cmd/bench -write`) from the numbers it measured in its last run;\n")
	p("do not edit it by hand, run it again. The harness is `tests/bench/cmd/bench`, the floor `tests/bench/cmd/floor`,\n")
	p("Istio's analyzers `tests/istio/cmd/istio-analyze`.\n\n")

	p("## Machine\n\n")
	p("| | |\n|---|---|\n")
	p("| CPU | %s |\n", m.CPU)
	p("| cores | %d logical CPUs (%d usable by the harness) |\n", m.Cores, m.Usable)
	p("| memory | %s |\n", m.Memory)
	p("| system | %s, kernel %s |\n", m.OSArch, orUnknown(m.Kernel))
	p("| Go | %s |\n", m.GoVersion)
	p("| edgegate | `%s` |\n", m.Commit)
	p("| date | %s |\n", m.Date.Format("2006-01-02 15:04 MST"))
	p("| load average (1, 5, 15 min) | %s at the start, %s at the end |\n", m.LoadStart, m.LoadEnd)
	p("| duration | %s |\n", m.Duration.Round(time.Second))
	p("| harness peak RSS | %.0f MiB (the least RSS a child can be reported with) |\n\n", float64(m.HarnessRSS)/mib)
	if load := firstField(m.LoadStart); load > float64(m.Cores)/2 || firstField(m.LoadEnd) > float64(m.Cores)/2 {
		p("The machine was not idle (load average against %d CPUs): other work shared it, and the times are noisy.\n\n", m.Cores)
	}

	p("## Reproduce\n\n")
	p("```sh\n")
	p("make bench                                  # sizes 100, 1000, 10000; rewrites this file\n")
	p("BENCH_SIZES=100,1000 BENCH_RUNS=3 make bench # other sizes or run counts\n")
	p("go run ./tests/bench/cmd/bench              # measure and print, leave this file alone\n")
	p("```\n\n")
	p("`make bench` builds `bin/istio-analyze` in the `tests/istio` module (the first build of istio.io/istio takes\n")
	p("minutes) and runs the harness, which builds `bin/edgegate` (`go build -o bin/edgegate ./cmd/edgegate`) and the\n")
	p("floor. Flags: `-sizes`, `-runs`, `-m`, `-seed`, `-istio-timeout`, `-keep` (keep every output), `-edgegate BIN`.\n\n")

	p("## What is measured\n\n")
	p("Input: `tests/bench/gen` with N AppIntents (1–8 routes each, the Services they route to), M = %d IngressGateways,\n", o.gateways)
	p("seed %d, and a hand-written legacy gateway; cached in `.cache/bench/` by n, m, seed and content. Each size runs\n", o.seed)
	p("the steps below once per run, one after the other, and every number is the median over the runs.\n\n")
	p("- **edgegate**: `edgegate render DIR > out.yaml`: wall time of the process from start to exit; **rss** its peak\n")
	p("  resident set size (`wait4`'s rusage of the child, `ru_maxrss`). Linux counts in it the harness's own peak\n")
	p("  (VmHWM) when the child starts, since os/exec starts children with vfork; so the harness stays small (it\n")
	p("  generates repositories in a child of its own) and reports that peak above. Every run's output must be\n")
	p("  byte-identical, and the function's items that are not local-config as many as render's objects.\n")
	p("- **fn**: `edgegate < resourcelist.yaml`, the KRM function: one ResourceList holding every object of the same files\n")
	p("  with kpt's `path`/`index` annotations (as kyaml's `LocalPackageReader` sets them), no functionConfig.\n")
	p("- **floor**: `tests/bench/cmd/floor`, timed in-process: kyaml parsing the same input files into nodes and\n")
	p("  serializing edgegate's output nodes with edgegate's layout, written to a file — the same bytes, checked.\n")
	p("  Nothing else: the least any kyaml-based tool spends on this input and output (a tool that reads or writes\n")
	p("  YAML with code of its own can go under it: a ratio below 1). **ratio** = edgegate / floor (process against\n")
	p("  in-process time, so edgegate also pays its start-up); **fn ratio** likewise, with the ResourceList in and\n")
	p("  the function's output out. The floor's RSS includes parsing edgegate's output, its untimed setup.\n")
	p("- **check**: `edgegate check out.yaml`, the policy gate alone over the rendered output, wall time.\n")
	p("- **explain**: `edgegate explain DIR %s -o json`, one question over the same\n", explainURL)
	p("  repository (it renders and gates as render does, then searches the default gateway's port-80 route\n")
	p("  table), wall time; **explain/render** = explain / edgegate render.\n")
	p("- **istio**: all of Istio's analyzers (`analyzers.AllCombined()`, as `tests/istio` runs them offline) over the\n")
	p("  same `out.yaml`, plus `tests/istio/testdata/fixtures/control-plane.yaml` (istiod's Service and injector\n")
	p("  webhook) and one Pod synthesized per Deployment: the analyzer's own time (loading the YAML and analyzing),\n")
	p("  not its process start-up. Each run is killed after %s (\"timeout\"); after a timeout larger sizes are\n", o.istioTimeout)
	p("  skipped. **speedup** = istio / check.\n\n")

	p("## Results\n\n")
	p("| n | objects | edgegate ms | floor ms | ratio | rss MiB | fn ms | fn floor ms | fn ratio | fn rss MiB | check ms | explain ms | explain/render | istio ms | speedup | runs |\n")
	p("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range results {
		_, speedup, _ := r.speedup()
		runs := fmt.Sprintf("%d", r.Runs)
		if r.IstioStatus == "" && len(r.Istio) != r.Runs {
			runs += fmt.Sprintf(" (istio %d)", len(r.Istio))
		}
		p("| %d | %d | %s | %s | %.2f | %.0f | %s | %s | %.2f | %.0f | %s | %s | %.2f | %s | %s | %s |\n",
			r.N, r.Objects, fmtMS(r.edgegate()), fmtMS(r.floor()), r.ratio(), r.rssMiB(),
			fmtMS(r.fn()), fmtMS(r.fnFloor()), r.fnRatio(), r.fnRSSMiB(),
			fmtMS(r.check()), fmtMS(r.explain()), r.explainRatio(), r.istioMS(), speedup, runs)
	}
	p("\n")

	p("## Targets (n = %d)\n\n", targetN)
	p("| target | goal | measured | met? |\n|---|---|--:|---|\n")
	r := byN[targetN]
	if r == nil {
		p("| edgegate render over the floor (ratio) | ≤ %.1f | not measured | – |\n", targetRatio)
		p("| peak RSS of `edgegate render` | ≤ 1 GiB | not measured | – |\n")
		p("| Istio's analyzers over `edgegate check` (speedup) | ≥ %d (stretch %d) | not measured | – |\n", targetSpeedup, stretchSpeedup)
		p("| growth: render time(10000) / time(1000) | ≤ %d | not measured | – |\n", targetGrowth)
		p("| `edgegate explain` over `edgegate render` | < %d | not measured | – |\n\n", targetExplain)
	} else {
		p("| edgegate render over the floor (ratio) | ≤ %.1f | %.2f | %s |\n", targetRatio, r.ratio(), yesNo(r.ratio() <= targetRatio))
		p("| peak RSS of `edgegate render` | ≤ 1 GiB | %.0f MiB | %s |\n", r.rssMiB(), yesNo(r.rssMiB() <= targetRSSMiB))
		if v, text, known := r.speedup(); known {
			met := yesNo(v >= targetSpeedup)
			stretch := yesNo(v >= stretchSpeedup)
			if r.IstioStatus == "timeout" {
				met += " (Istio timed out: a lower bound)"
				stretch += " (a lower bound)"
			}
			p("| Istio's analyzers over `edgegate check` (speedup) | ≥ %d | %s | %s |\n", targetSpeedup, text, met)
			p("| same, stretch | ≥ %d | %s | %s |\n", stretchSpeedup, text, stretch)
		} else {
			p("| Istio's analyzers over `edgegate check` (speedup) | ≥ %d (stretch %d) | n/a (%s) | – |\n", targetSpeedup, stretchSpeedup, r.IstioWhy)
		}
		if small := byN[1000]; small != nil {
			g := div(r.edgegate(), small.edgegate())
			p("| growth: render time(10000) / time(1000) | ≤ %d | %.1f | %s |\n", targetGrowth, g, yesNo(g <= targetGrowth))
		} else {
			p("| growth: render time(10000) / time(1000) | ≤ %d | n/a (n=1000 not run) | – |\n", targetGrowth)
		}
		p("| `edgegate explain` over `edgegate render` | < %d | %.2f | %s |\n", targetExplain, r.explainRatio(), yesNo(r.explainRatio() < targetExplain))
		p("\n")
	}

	p("## Details\n\n")
	p("| n | input files / objects / MiB | output objects / MiB | edgegate ms min–max | floor parse + write ms, RSS MiB | fn items (local-config), fn floor RSS MiB | check ms min–max, RSS MiB | check findings (error/warning/info) | istio load + analyze ms, process ms | istio messages | load at start → end |\n")
	p("|--:|--|--|--|--|--|--|--|--|--|--|\n")
	for _, r := range results {
		var parse, write []time.Duration
		for _, f := range r.Floor {
			parse = append(parse, time.Duration(f.ParseNS))
			write = append(write, time.Duration(f.WriteNS))
		}
		istioProc, istioMsgs := "–", "–"
		switch r.IstioStatus {
		case "":
			istioProc = fmt.Sprintf("%s + %s, %s", fmtMS(r.istioField("load_ms")), fmtMS(r.istioField("analyze_ms")), fmtMS(r.istioWall()))
			istioMsgs = fmt.Sprintf("%d (%s)", r.IstioMessages, orNone(r.IstioCodes))
		default:
			istioMsgs = r.IstioStatus + ": " + r.IstioWhy
		}
		p("| %d | %d / %d / %.1f | %d / %.1f | %s | %s + %s, %.0f | %d (%d), %.0f | %s, %.0f | %d/%d/%d | %s | %s | %s → %s |\n",
			r.N, r.Files, r.InputObjects, float64(r.InputBytes)/mib, r.Objects, float64(r.OutputBytes)/mib,
			spread(walls(r.Render)), fmtMS(median(parse)), fmtMS(median(write)), floorRSSMiB(r.Floor),
			r.FnItems, r.FnLocalItems, floorRSSMiB(r.FnFloor), spread(walls(r.Check)), r.checkRSSMiB(),
			r.CheckErrors, r.CheckWarnings, r.CheckInfos, istioProc, istioMsgs, r.LoadStart, r.LoadEnd)
	}
	p("\n")
	var notes []string
	for _, r := range results {
		for _, n := range r.Notes {
			notes = append(notes, fmt.Sprintf("n=%d: %s", r.N, n))
		}
		if r.RenderWarnings > 0 {
			notes = append(notes, fmt.Sprintf("n=%d: `edgegate render` printed %d warning lines on stderr (exit 0)", r.N, r.RenderWarnings))
		}
	}
	if len(notes) > 0 {
		p("Observations of this run:\n\n")
		for _, n := range notes {
			p("- %s\n", n)
		}
		p("\n")
	}

	p("## Raw\n\n```\n")
	for _, r := range results {
		for _, line := range benchLines(r) {
			p("%s\n", line)
		}
	}
	p("```\n")
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func firstField(load string) float64 {
	var v float64
	fmt.Sscan(load, &v)
	return v
}
