package policy

import (
	"os"
	"strconv"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render"
	"github.com/edgegate/edgegate/tests/bench/gen"
)

// BenchmarkChecks times building the index and each check on its own over
// what the gate sees after rendering a generated repository (tests/bench/gen:
// EDGEGATE_BENCH_APPS apps, 1,000 unless set, on 10 gateways), the way
// `make bench` times the whole run: how a change to one check is measured.
//
//	EDGEGATE_BENCH_APPS=10000 go test ./policy -run '^$' -bench Checks -benchmem
func BenchmarkChecks(b *testing.B) {
	apps := 1000
	if n, err := strconv.Atoi(os.Getenv("EDGEGATE_BENCH_APPS")); err == nil && n > 0 {
		apps = n
	}
	repo := gen.Generate(gen.Options{Apps: apps, Gateways: 10, Seed: 1})
	var objs []*manifest.Object
	for _, path := range repo.Paths() {
		parsed, diags := manifest.Parse(repo[path], path)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		objs = append(objs, parsed...)
	}
	res := render.Render(objs, render.Options{})
	if res.Diagnostics.HasErrors() {
		b.Fatal(res.Diagnostics)
	}
	gate := gated(res)
	b.Run("index", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			model.NewIndex(gate, nil)
		}
	})
	idx := model.NewIndex(gate, nil)
	for _, c := range Catalog() {
		meta := c.Meta()
		b.Run(meta.ID, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Run(idx, model.NewReporter(meta, meta.Severity, idx))
			}
		})
	}
}
