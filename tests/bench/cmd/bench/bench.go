package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// result is everything measured for one size.
type result struct {
	N, M int
	Seed uint64
	Runs int

	Files        int
	InputObjects int
	InputBytes   int64
	Objects      int // documents in edgegate's output
	OutputBytes  int64

	Render  []sample // edgegate render DIR
	Fn      []sample // edgegate < resourcelist.yaml
	Floor   []floorReport
	FnFloor []floorReport
	Check   []sample // edgegate check out.yaml
	Explain []sample // edgegate explain DIR explainURL

	FnItems, FnLocalItems int
	RenderWarnings        int // lines on render's stderr

	CheckExit                              int
	CheckErrors, CheckWarnings, CheckInfos int

	// Istio: IstioStatus is "" when measured, else "timeout", "skipped" or
	// "n/a", with IstioWhy saying why.
	Istio         []istioReport
	IstioStatus   string
	IstioWhy      string
	IstioTimeout  time.Duration
	IstioMessages int
	IstioCodes    string

	LoadStart, LoadEnd string
	Notes              []string
}

type sample struct {
	Wall time.Duration
	RSS  int64 // bytes
}

type floorReport struct {
	FilesIn          int   `json:"files_in"`
	ObjectsIn        int   `json:"objects_in"`
	BytesIn          int64 `json:"bytes_in"`
	ObjectsOut       int   `json:"objects_out"`
	BytesOut         int64 `json:"bytes_out"`
	Items            int   `json:"items"`
	LocalConfigItems int   `json:"local_config_items"`
	ParseNS          int64 `json:"parse_ns"`
	WriteNS          int64 `json:"write_ns"`
	TotalNS          int64 `json:"total_ns"`
	RSS              int64 `json:"-"` // of the floor's process, setup included
}

func (f floorReport) total() time.Duration { return time.Duration(f.TotalNS) }

type istioReport struct {
	Elapsed time.Duration // the analyzer's own time (load + analysis)
	Wall    time.Duration // the whole process
	RSS     int64
	Fields  map[string]string
}

func (r *result) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, n := range r.Notes {
		if n == msg {
			return
		}
	}
	r.Notes = append(r.Notes, msg)
}

// bench runs every size and reports.
func bench(o options) error {
	start := time.Now()
	env := describeMachine(o.root)
	fmt.Fprintf(os.Stderr, "bench: %s, %d logical CPUs, %s memory, %s; load average %s\n", env.CPU, env.Cores, env.Memory, env.GoVersion, env.LoadStart)

	work, err := os.MkdirTemp("", "edgegate-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(os.Stderr, "bench: work directory %s (kept)\n", work)
	} else {
		defer os.RemoveAll(work)
	}

	edgegate := o.edgegate
	if edgegate == "" {
		edgegate = filepath.Join(o.root, "bin", "edgegate")
		if err := goBuild(o.root, edgegate, "./cmd/edgegate"); err != nil {
			return err
		}
	}
	if edgegate, err = filepath.Abs(edgegate); err != nil {
		return err
	}
	floor := filepath.Join(work, "floor")
	if err := goBuild(o.root, floor, "./tests/bench/cmd/floor"); err != nil {
		return err
	}
	istio := o.istio
	istioWhy := ""
	if _, err := os.Stat(istio); err != nil {
		istioWhy = fmt.Sprintf("%s not built (cd tests/istio && go build -o ../../bin/istio-analyze ./cmd/istio-analyze)", istio)
		fmt.Fprintf(os.Stderr, "bench: Istio's analyzers are not measured: %s\n", istioWhy)
		istio = ""
	} else if _, err := os.Stat(o.controlPlane); err != nil {
		return fmt.Errorf("control plane fixture: %v", err)
	}

	var results []*result
	istioTimedOut := 0
	for _, n := range o.sizes {
		runs := o.runs
		if runs <= 0 {
			// Five at every size: at 10,000 apps the machine's own noise
			// (page faults, the memory a previous step freed) moves single
			// runs by several percent, and the growth target is a ratio of
			// two medians.
			runs = 5
		}
		r := &result{N: n, M: o.gateways, Seed: o.seed, Runs: runs, IstioTimeout: o.istioTimeout}
		repo, rl, err := prepareInChild(o, n)
		if err != nil {
			return err
		}
		dir := filepath.Join(work, fmt.Sprintf("n%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		r.LoadStart = loadAverage()
		if err := measure(o, r, dir, edgegate, floor, repo, rl); err != nil {
			return fmt.Errorf("n=%d: %v", n, err)
		}
		switch {
		case istio == "":
			r.IstioStatus, r.IstioWhy = "n/a", istioWhy
		case istioTimedOut > 0:
			r.IstioStatus, r.IstioWhy = "skipped", fmt.Sprintf("timed out at n=%d", istioTimedOut)
		default:
			if err := measureIstio(o, r, dir, istio); err != nil {
				return fmt.Errorf("n=%d: %v", n, err)
			}
			if r.IstioStatus == "timeout" {
				istioTimedOut = n
			}
		}
		r.LoadEnd = loadAverage()
		results = append(results, r)
		for _, line := range benchLines(r) {
			fmt.Println(line)
		}
		fmt.Printf("BENCH-LOAD n=%d cpus=%d load_start=%s load_end=%s\n", r.N, env.Cores,
			strings.ReplaceAll(r.LoadStart, " ", ","), strings.ReplaceAll(r.LoadEnd, " ", ","))
		for _, n := range r.Notes {
			fmt.Fprintf(os.Stderr, "bench: n=%d: note: %s\n", r.N, n)
		}
	}
	env.LoadEnd = loadAverage()
	env.Duration = time.Since(start)
	env.HarnessRSS = selfMaxRSS()
	for _, r := range results {
		var low []string
		for _, x := range []struct {
			name    string
			samples []sample
		}{{"edgegate render", r.Render}, {"the function", r.Fn}, {"edgegate check", r.Check}} {
			for _, s := range x.samples {
				if s.RSS > 0 && s.RSS <= env.HarnessRSS {
					low = append(low, x.name)
					break
				}
			}
		}
		if len(low) > 0 {
			r.note("the peak RSS of %s is no more than the harness's own (%.0f MiB), which Linux reports for any child it starts (vfork shares the harness's memory until exec): its own peak is at most that", strings.Join(low, ", "), float64(env.HarnessRSS)/mib)
		}
	}
	if o.write {
		if err := os.WriteFile(o.out, []byte(markdown(env, o, results)), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s\n", o.out)
	}
	return nil
}

func goBuild(root, out, pkg string) error {
	fmt.Fprintf(os.Stderr, "bench: go build -o %s %s\n", rel(root, out), pkg)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

// explainURL is the question the benchmark asks: app-0's host, on port 80
// of the default gateway (whether app-0 is bound there or not, explain
// searches the whole route table of that port).
const explainURL = "http://app-0.team-0.example.com/p0/x"

// measure runs edgegate (CLI and function), the floors and the check, one
// after the other in each run, so that load on a shared machine spreads over
// all of them alike.
func measure(o options, r *result, dir, edgegate, floor, repo, rl string) error {
	out := filepath.Join(dir, "out.yaml")
	fnOut := filepath.Join(dir, "fn-out.yaml")
	var outSum, fnSum string
	for i := 0; i < r.Runs; i++ {
		progress := func(what string, d time.Duration) {
			fmt.Fprintf(os.Stderr, "bench: n=%d run %d/%d: %s %s\n", r.N, i+1, r.Runs, what, d.Round(time.Millisecond))
		}

		// edgegate render DIR
		tmp := filepath.Join(dir, "render.out")
		p, err := runProc(o.timeout, dir, edgegate, []string{"render", repo}, "", tmp, filepath.Join(dir, "render.err"))
		if err != nil {
			return fmt.Errorf("edgegate render: %v", err)
		}
		if p.exit != 0 {
			return fmt.Errorf("edgegate render %s: exit %d\n%s", repo, p.exit, tail(filepath.Join(dir, "render.err")))
		}
		r.Render = append(r.Render, sample{p.wall, p.rss})
		progress("render", p.wall)
		sum, err := fileSum(tmp)
		if err != nil {
			return err
		}
		if i == 0 {
			outSum = sum
			if err := os.Rename(tmp, out); err != nil {
				return err
			}
			r.RenderWarnings = countLines(filepath.Join(dir, "render.err"))
		} else if sum != outSum {
			keep := filepath.Join(dir, fmt.Sprintf("out.run%d.yaml", i+1))
			_ = os.Rename(tmp, keep)
			r.note("edgegate render's output differs between runs on the same input (run 1 vs run %d): not deterministic", i+1)
		} else {
			_ = os.Remove(tmp)
		}

		// edgegate explain DIR URL: one question over the same repository,
		// on the default gateway's port 80, the route table every plain-HTTP
		// app of that gateway shares (the largest one to search).
		p, err = runProc(o.timeout, dir, edgegate, []string{"explain", repo, explainURL, "-o", "json"}, "", filepath.Join(dir, "explain.json"), filepath.Join(dir, "explain.err"))
		if err != nil {
			return fmt.Errorf("edgegate explain: %v", err)
		}
		if p.exit != 0 {
			return fmt.Errorf("edgegate explain %s %s: exit %d\n%s", repo, explainURL, p.exit, tail(filepath.Join(dir, "explain.err")))
		}
		r.Explain = append(r.Explain, sample{p.wall, p.rss})
		progress("explain", p.wall)

		// edgegate < resourcelist.yaml (the KRM function)
		tmp = filepath.Join(dir, "fn.out")
		p, err = runProc(o.timeout, dir, edgegate, nil, rl, tmp, filepath.Join(dir, "fn.err"))
		if err != nil {
			return fmt.Errorf("edgegate (function): %v", err)
		}
		if p.exit != 0 {
			return fmt.Errorf("edgegate < %s: exit %d\n%s", rl, p.exit, tail(filepath.Join(dir, "fn.err")))
		}
		r.Fn = append(r.Fn, sample{p.wall, p.rss})
		progress("function", p.wall)
		if sum, err = fileSum(tmp); err != nil {
			return err
		}
		if i == 0 {
			fnSum = sum
			if err := os.Rename(tmp, fnOut); err != nil {
				return err
			}
		} else if sum != fnSum {
			_ = os.Rename(tmp, filepath.Join(dir, fmt.Sprintf("fn-out.run%d.yaml", i+1)))
			r.note("the KRM function's output differs between runs on the same input (run 1 vs run %d): not deterministic", i+1)
		} else {
			_ = os.Remove(tmp)
		}

		// The floors: the same input parsed, the same output serialized.
		f, err := runFloor(o, dir, floor, out, outSum, "floor-out.yaml", repo)
		if err != nil {
			return err
		}
		if f.sumDiffers {
			r.note("the floor's serialization of edgegate's output is not byte-identical to it: the floor does not do the same work (see %s)", filepath.Join(dir, "floor-out.yaml"))
		}
		r.Floor = append(r.Floor, f.floorReport)
		progress("floor", f.total())
		ff, err := runFloor(o, dir, floor, fnOut, fnSum, "floor-fn-out.yaml", rl)
		if err != nil {
			return err
		}
		if ff.sumDiffers {
			r.note("the floor's serialization of the function's output is not byte-identical to it (see %s)", filepath.Join(dir, "floor-fn-out.yaml"))
		}
		r.FnFloor = append(r.FnFloor, ff.floorReport)
		progress("function floor", ff.total())
		if i == 0 {
			r.Files, r.InputObjects, r.InputBytes = f.FilesIn, f.ObjectsIn, f.BytesIn
			r.Objects, r.OutputBytes = f.ObjectsOut, f.BytesOut
			r.FnItems, r.FnLocalItems = ff.Items, ff.LocalConfigItems
			if rendered := ff.Items - ff.LocalConfigItems; rendered != r.Objects {
				r.note("the KRM function returns %d items that are not local-config, `edgegate render` prints %d objects for the same files", rendered, r.Objects)
			}
		}

		// edgegate check out.yaml
		checkOut := filepath.Join(dir, "check.txt")
		p, err = runProc(o.timeout, dir, edgegate, []string{"check", "out.yaml"}, "", checkOut, filepath.Join(dir, "check.err"))
		if err != nil {
			return fmt.Errorf("edgegate check: %v", err)
		}
		if p.exit != 0 && p.exit != 1 {
			return fmt.Errorf("edgegate check out.yaml: exit %d\n%s", p.exit, tail(filepath.Join(dir, "check.err")))
		}
		r.Check = append(r.Check, sample{p.wall, p.rss})
		progress("check", p.wall)
		if i == 0 {
			r.CheckExit = p.exit
			r.CheckErrors, r.CheckWarnings, r.CheckInfos = countFindings(checkOut)
			if p.exit != 0 || r.CheckErrors > 0 {
				r.note("`edgegate check` fails on render's own output: exit %d, %d errors (see %s)", p.exit, r.CheckErrors, checkOut)
			}
		}
	}
	return nil
}

type floorRun struct {
	floorReport
	sumDiffers bool
}

func runFloor(o options, dir, floor, expect, expectSum, outName, input string) (floorRun, error) {
	var fr floorRun
	stdout := filepath.Join(dir, "floor.json")
	out := filepath.Join(dir, outName)
	p, err := runProc(o.timeout, dir, floor, []string{"-expect", expect, "-o", out, input}, "", stdout, filepath.Join(dir, "floor.err"))
	if err != nil {
		return fr, fmt.Errorf("floor: %v", err)
	}
	if p.exit != 0 {
		return fr, fmt.Errorf("floor %s: exit %d\n%s", input, p.exit, tail(filepath.Join(dir, "floor.err")))
	}
	b, err := os.ReadFile(stdout)
	if err != nil {
		return fr, err
	}
	if err := json.Unmarshal(b, &fr.floorReport); err != nil {
		return fr, fmt.Errorf("floor's report %q: %v", b, err)
	}
	fr.RSS = p.rss
	sum, err := fileSum(out)
	if err != nil {
		return fr, err
	}
	fr.sumDiffers = sum != expectSum
	return fr, nil
}

var fieldRE = regexp.MustCompile(`(\w+)=(\S*)`)

// measureIstio runs Istio's analyzers over out.yaml (and the control plane
// fixture) in a subprocess, each run killed after o.istioTimeout.
func measureIstio(o options, r *result, dir, istio string) error {
	var spent time.Duration
	for i := 0; i < r.Runs; i++ {
		if i > 0 && spent >= o.istioBudget {
			r.note("Istio's analyzers ran %d of %d times: their runs took %s, over the budget of %s", i, r.Runs, spent.Round(time.Second), o.istioBudget)
			break
		}
		stdout := filepath.Join(dir, "istio.txt")
		stderr := filepath.Join(dir, "istio.err")
		p, err := runProc(o.istioTimeout, dir, istio, []string{"-progress", "out.yaml", o.controlPlane}, "", stdout, stderr)
		spent += p.wall
		progress, messages := splitProgress(readSmall(stderr))
		if errors.Is(err, errTimeout) {
			fmt.Fprintf(os.Stderr, "bench: n=%d run %d/%d: Istio's analyzers timed out after %s\n", r.N, i+1, r.Runs, o.istioTimeout)
			r.IstioStatus, r.IstioWhy = "timeout", fmt.Sprintf("killed after %s", o.istioTimeout)
			if progress != "" {
				r.IstioWhy += "; it had " + progress
			} else {
				r.IstioWhy += ", still loading the YAML"
			}
			r.Istio = nil
			return nil
		}
		if err != nil {
			return fmt.Errorf("istio-analyze: %v", err)
		}
		if p.exit != 0 {
			return fmt.Errorf("istio-analyze: exit %d\n%s", p.exit, tail(filepath.Join(dir, "istio.err")))
		}
		b, err := os.ReadFile(stdout)
		if err != nil {
			return err
		}
		fields := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "istio-analyze:") {
				for _, m := range fieldRE.FindAllStringSubmatch(line, -1) {
					fields[m[1]] = m[2]
				}
			}
		}
		ms, err := strconv.ParseInt(fields["elapsed_ms"], 10, 64)
		if err != nil {
			return fmt.Errorf("istio-analyze printed no elapsed_ms: %q", b)
		}
		rep := istioReport{Elapsed: time.Duration(ms) * time.Millisecond, Wall: p.wall, RSS: p.rss, Fields: fields}
		r.Istio = append(r.Istio, rep)
		fmt.Fprintf(os.Stderr, "bench: n=%d run %d/%d: Istio's analyzers %s (process %s)\n", r.N, i+1, r.Runs, rep.Elapsed, p.wall.Round(time.Millisecond))
		if i == 0 {
			r.IstioMessages, _ = strconv.Atoi(fields["messages"])
			r.IstioCodes = fields["codes"]
			if messages != "" {
				r.note("istio-analyze: %s", messages)
			}
			for _, code := range []string{"IST0145", "IST0162", "IST0130", "IST0132"} {
				if strings.Contains(r.IstioCodes, code+":") {
					r.note("Istio's analyzers report %s on edgegate's output (codes %s): a binding or route edgegate should have prevented", code, r.IstioCodes)
				}
			}
		}
	}
	return nil
}

// splitProgress separates istio-analyze's progress lines on stderr (the last
// one, without its prefix) from anything else it said.
func splitProgress(stderr string) (progress, messages string) {
	var other []string
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if p, ok := strings.CutPrefix(line, "istio-analyze: progress: "); ok {
			progress = p
		} else if strings.TrimSpace(line) != "" {
			other = append(other, line)
		}
	}
	return progress, strings.Join(other, "; ")
}

var errTimeout = errors.New("timed out")

type proc struct {
	wall time.Duration
	rss  int64
	exit int
}

// runProc runs one process with stdin from a file (or none) and stdout and
// stderr into files, and returns its wall time (start to exit), peak RSS and
// exit code. Files rather than pipes: nothing in this process copies the
// child's output while it runs.
func runProc(timeout time.Duration, dir, bin string, args []string, stdin, stdout, stderr string) (proc, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			return proc{}, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	so, err := os.Create(stdout)
	if err != nil {
		return proc{}, err
	}
	defer so.Close()
	se, err := os.Create(stderr)
	if err != nil {
		return proc{}, err
	}
	defer se.Close()
	cmd.Stdout, cmd.Stderr = so, se
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return proc{}, err
	}
	err = cmd.Wait()
	p := proc{wall: time.Since(start)}
	if ctx.Err() == context.DeadlineExceeded {
		return p, errTimeout
	}
	if cmd.ProcessState == nil {
		return p, err
	}
	p.rss = maxRSS(cmd.ProcessState)
	p.exit = cmd.ProcessState.ExitCode()
	if p.exit < 0 {
		return p, fmt.Errorf("%s: %v", filepath.Base(bin), err)
	}
	return p, nil
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64<<10), 16<<20)
	for s.Scan() {
		if strings.TrimSpace(s.Text()) != "" {
			n++
		}
	}
	return n
}

// countFindings counts `edgegate check`'s text lines by severity.
func countFindings(path string) (errs, warnings, infos int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64<<10), 16<<20)
	for s.Scan() {
		line := s.Text()
		switch {
		case strings.Contains(line, ": error: "):
			errs++
		case strings.Contains(line, ": warning: "):
			warnings++
		case strings.Contains(line, ": info: "):
			infos++
		}
	}
	return errs, warnings, infos
}

func readSmall(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[:2000]
	}
	return string(b)
}

// tail is the end of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 4000 {
		b = append([]byte("…"), b[len(b)-4000:]...)
	}
	return string(b)
}
