// Command bench measures edgegate at scale against its floor and against
// Istio's analyzers, on repositories from tests/bench/gen, and prints one line
// per size:
//
//	BENCH n=10000 objects=... edgegate_ms=... floor_ms=... ratio=... check_ms=... istio_ms=... speedup=... rss_mb=...
//	BENCH-FN n=10000 fn_ms=... fn_ratio=... fn_rss_mb=...
//	BENCH-LOAD n=10000 cpus=... load_start=1m,5m,15m load_end=1m,5m,15m
//
// For each size N (M gateways, one seed), on the same input and output:
//
//   - edgegate_ms, rss_mb: `edgegate render DIR > out.yaml`, wall time of the
//     process and its peak RSS (wait4's rusage of the child);
//   - fn_ms, fn_rss_mb: `edgegate < resourcelist.yaml`, the KRM function with
//     one ResourceList on stdin holding every file's objects with kpt's path
//     and index annotations (as kyaml's LocalPackageReader annotates a package);
//   - floor_ms: tests/bench/cmd/floor, timed in-process: kyaml parsing the
//     same input files and serializing edgegate's output to the same bytes;
//     ratio = edgegate_ms / floor_ms; fn_ratio likewise for the ResourceList;
//   - check_ms: `edgegate check out.yaml`, wall time;
//   - istio_ms: Istio's analyzers over out.yaml (tests/istio/cmd/istio-analyze,
//     its own elapsed time), in a subprocess killed after 5 minutes ("timeout");
//     speedup = istio_ms / check_ms.
//
// Times are medians over the runs (BENCH_RUNS, default 5), sizes come from BENCH_SIZES (default 100,1000,10000). With -write or
// BENCH_WRITE=1 it rewrites BENCHMARKS.md from the numbers it measured.
//
//	cd tests/istio && go build -o ../../bin/istio-analyze ./cmd/istio-analyze && cd ../.. && go run ./tests/bench/cmd/bench -write
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type options struct {
	root         string
	sizes        []int
	runs         int // 0: 5
	gateways     int
	seed         uint64
	write        bool
	out          string
	edgegate     string
	istio        string
	controlPlane string
	istioTimeout time.Duration
	istioBudget  time.Duration
	timeout      time.Duration
	cache        string
	keep         bool
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := findRepoRoot()
	if err != nil {
		return err
	}
	var o options
	o.root = root
	sizes := flag.String("sizes", envOr("BENCH_SIZES", "100,1000,10000"), "comma-separated numbers of AppIntents (env BENCH_SIZES)")
	flag.IntVar(&o.runs, "runs", envInt("BENCH_RUNS", 0), "runs per size, the median is reported; 0: 5 (env BENCH_RUNS)")
	flag.IntVar(&o.gateways, "m", 10, "number of IngressGateways")
	flag.Uint64Var(&o.seed, "seed", 1, "generator seed")
	flag.BoolVar(&o.write, "write", envBool("BENCH_WRITE"), "rewrite BENCHMARKS.md from this run (env BENCH_WRITE=1)")
	flag.StringVar(&o.out, "o", filepath.Join(root, "BENCHMARKS.md"), "the file -write writes")
	flag.StringVar(&o.edgegate, "edgegate", "", "use this edgegate binary instead of building bin/edgegate")
	flag.StringVar(&o.istio, "istio-analyze", filepath.Join(root, "bin", "istio-analyze"), "the istio-analyze binary (built from tests/istio/cmd/istio-analyze); missing: Istio is not measured")
	flag.StringVar(&o.controlPlane, "control-plane", filepath.Join(root, "tests", "istio", "testdata", "fixtures", "control-plane.yaml"), "the control plane objects Istio's analyzers see beside the output (istiod Service, injector webhook)")
	flag.DurationVar(&o.istioTimeout, "istio-timeout", 5*time.Minute, "kill one run of Istio's analyzers after this long and record \"timeout\"")
	flag.DurationVar(&o.istioBudget, "istio-budget", 5*time.Minute, "start no further run of Istio's analyzers for a size once its runs took this long")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "kill one run of edgegate or the floor after this long (an error)")
	flag.StringVar(&o.cache, "cache", filepath.Join(root, ".cache", "bench"), "where generated repositories are kept, keyed by n, m, seed and content")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory with every output")
	prepareOnly := flag.Int("prepare", 0, "internal: generate (or find) the repository for this n, print its path and its ResourceList's, and exit")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if *prepareOnly > 0 {
		repo, rl, err := prepare(o, *prepareOnly)
		if err != nil {
			return err
		}
		fmt.Printf("%s\t%s\n", repo, rl)
		return nil
	}
	if o.sizes, err = parseSizes(*sizes); err != nil {
		return err
	}
	return bench(o)
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("BENCH_SIZES/-sizes: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sizes")
	}
	return out, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envInt(k string, def int) int {
	if v := os.Getenv(k); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "bench: ignoring %s=%q (not a number)\n", k, v)
	}
	return def
}

func envBool(k string) bool {
	b, _ := strconv.ParseBool(os.Getenv(k))
	return b
}

// findRepoRoot walks up from the working directory to the edgegate module.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/edgegate/edgegate\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no github.com/edgegate/edgegate module above %s", dir)
		}
	}
}
