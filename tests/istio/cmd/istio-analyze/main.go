// Command istio-analyze runs all of Istio's analyzers offline over YAML files,
// the way tests/istio's analyzer test does (see package analyze): Pods are
// synthesized from the Deployments among the files, injected when one of the
// files' Istio webhooks selects them. It prints one summary line:
//
//	istio-analyze: objects=... pods=... messages=... errors=... warnings=... infos=... load_ms=... analyze_ms=... elapsed_ms=... total_ms=... codes=IST0101:2,...
//
// elapsed_ms is the analyzer's own time (load_ms: handing it the files, which
// it parses; analyze_ms: the analysis); total_ms adds reading the files and
// synthesizing the pods. `make bench` times it against `edgegate check`.
//
//	go build -o bin/istio-analyze ./cmd/istio-analyze   # in tests/istio
//	bin/istio-analyze [-v] out.yaml testdata/fixtures/control-plane.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/edgegate/edgegate/tests/istio/analyze"
	"istio.io/istio/pkg/config/analysis/diag"
)

// podAnalyzers only run when they see the gateway Pods and Services.
var podAnalyzers = []string{
	"gateway.ConflictingGatewayAnalyzer",
	"gateway.IngressGatewayPortAnalyzer",
	"gateway.SecretAnalyzer",
	"virtualservice.DestinationHostAnalyzer",
}

func main() {
	start := time.Now()
	verbose := flag.Bool("v", false, "print every message")
	noPods := flag.Bool("no-pods", false, "do not synthesize Pods from the Deployments")
	progress := flag.Bool("progress", false, "say on stderr when the files are loaded (before the analysis)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: istio-analyze [-v] [-no-pods] [-progress] FILE...\n\nRuns all of Istio's analyzers over the files and prints a summary line.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	analyze.SilenceLogs()

	var sources []analyze.Source
	var objs []analyze.Object
	for _, f := range flag.Args() {
		data, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		sources = append(sources, analyze.Source{Name: f, Data: data})
		o, err := analyze.ParseObjects(f, data, analyze.PodInputs...)
		if err != nil {
			fail(err)
		}
		objs = append(objs, o...)
	}
	pods := 0
	if !*noPods {
		var data []byte
		var err error
		data, pods, err = analyze.SynthesizePods(objs)
		if err != nil {
			fail(err)
		}
		if pods > 0 {
			sources = append(sources, analyze.Source{Name: "synthesized-pods", Data: data})
		}
	}

	a, err := analyze.Load(sources, analyze.Options{})
	if err != nil {
		fail(err)
	}
	if *progress {
		var size int
		for _, s := range sources {
			size += len(s.Data)
		}
		fmt.Fprintf(os.Stderr, "istio-analyze: progress: loaded %d bytes in %d ms, analyzing\n", size, time.Since(start).Milliseconds())
	}
	res, err := a.Analyze()
	if err != nil {
		fail(err)
	}
	total := time.Since(start)

	levels := map[string]int{}
	codes := map[string]int{}
	for _, m := range res.Messages {
		levels[m.Type.Level().String()]++
		codes[m.Type.Code()]++
		if *verbose {
			fmt.Println(m.String())
		}
	}
	var codeList []string
	for c, n := range codes {
		codeList = append(codeList, fmt.Sprintf("%s:%d", c, n))
	}
	sort.Strings(codeList)
	for _, a := range podAnalyzers {
		if !slices.Contains(res.ExecutedAnalyzers, a) || slices.Contains(res.SkippedAnalyzers, a) {
			fmt.Fprintf(os.Stderr, "istio-analyze: warning: analyzer %s did not run\n", a)
		}
	}
	fmt.Printf("istio-analyze: files=%d pods=%d messages=%d errors=%d warnings=%d infos=%d load_ms=%d analyze_ms=%d elapsed_ms=%d total_ms=%d executed=%d skipped=%d codes=%s\n",
		flag.NArg(), pods, len(res.Messages), levels[diag.Error.String()], levels[diag.Warning.String()], levels[diag.Info.String()],
		res.Load.Milliseconds(), res.Analyze.Milliseconds(), (res.Load + res.Analyze).Milliseconds(), total.Milliseconds(),
		len(res.ExecutedAnalyzers), len(res.SkippedAnalyzers), strings.Join(codeList, ","))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "istio-analyze: %v\n", err)
	os.Exit(1)
}
