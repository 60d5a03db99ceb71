// Command edgegate-gen writes a generated edgegate repository to a directory.
//
//	go run ./tests/bench/cmd/edgegate-gen -n 10000 -m 10 -seed 1 [-modeline] -o /tmp/repo
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgegate/edgegate/tests/bench/gen"
)

func main() {
	n := flag.Int("n", 1000, "number of AppIntents")
	m := flag.Int("m", 10, "number of IngressGateways")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("o", "", "output directory (required)")
	modeline := flag.Bool("modeline", false, "start every file with a yaml-language-server modeline comment")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "edgegate-gen: -o is required")
		os.Exit(2)
	}
	repo := gen.Generate(gen.Options{Apps: *n, Gateways: *m, Seed: *seed, Modeline: *modeline})
	for _, p := range repo.Paths() {
		path := filepath.Join(*out, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(path, repo[p], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
