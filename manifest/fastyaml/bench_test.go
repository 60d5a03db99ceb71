package fastyaml

import (
	"bytes"
	"io"
	"sort"
	"testing"
	"time"

	"github.com/edgegate/edgegate/tests/bench/gen"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// benchFiles is a generated 1,000-app repository, file by file.
func benchFiles(b *testing.B) (files [][]byte, size int64) {
	return benchRepo(gen.Options{Apps: 1000, Gateways: 5, Seed: 1})
}

// benchRepo is a generated repository, file by file.
func benchRepo(o gen.Options) (files [][]byte, size int64) {
	repo := gen.Generate(o)
	paths := repo.Paths()
	sort.Strings(paths)
	for _, p := range paths {
		files = append(files, repo[p])
		size += int64(len(repo[p]))
	}
	return files, size
}

// BenchmarkParse parses every file of the repository, as manifest.Parse
// does: with Parse, and with yaml.v3's Decoder.
func BenchmarkParse(b *testing.B) {
	files, size := benchFiles(b)
	benchParse(b, files, size)
}

// BenchmarkParseModeline is BenchmarkParse on the same repository with the
// yaml-language-server modeline (and a line about the app) at the top of
// every file, as the examples have: yamlv3 is what these files cost when
// Parse declined comments.
func BenchmarkParseModeline(b *testing.B) {
	files, size := benchRepo(gen.Options{Apps: 1000, Gateways: 5, Seed: 1, Modeline: true})
	benchParse(b, files, size)
}

func benchParse(b *testing.B, files [][]byte, size int64) {
	fast := func() {
		for _, f := range files {
			if _, ok, err := Parse(f); !ok || err != nil {
				b.Fatal("fell back")
			}
		}
	}
	v3 := func() {
		for _, f := range files {
			dec := yaml.NewDecoder(bytes.NewReader(f))
			for {
				var doc yaml.Node
				if err := dec.Decode(&doc); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	runBoth(b, size, fast, v3)
}

// runBoth benchmarks fast and v3 separately, then alternately in one loop
// ("ratio"), which reports the speedup measured under the same machine
// load.
func runBoth(b *testing.B, size int64, fast, v3 func()) {
	b.Run("fastyaml", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			fast()
		}
	})
	b.Run("yamlv3", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			v3()
		}
	})
	b.Run("ratio", func(b *testing.B) {
		var tf, tv time.Duration
		for b.Loop() {
			t0 := time.Now()
			fast()
			t1 := time.Now()
			v3()
			tv += time.Since(t1)
			tf += t1.Sub(t0)
		}
		b.ReportMetric(float64(tf.Nanoseconds())/float64(b.N), "fastyaml-ns/op")
		b.ReportMetric(float64(tv.Nanoseconds())/float64(b.N), "yamlv3-ns/op")
		b.ReportMetric(float64(tv)/float64(tf), "speedup")
	})
}

// BenchmarkEmit writes every document of the repository, one encoder per
// document as manifest.WriteStream does: with Emit, and with yaml.v3's
// Encoder.
func BenchmarkEmit(b *testing.B) {
	files, _ := benchFiles(b)
	var docs []*yaml.Node
	for _, f := range files {
		d, err := decodeAll(f)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d...)
	}
	var out bytes.Buffer
	for _, d := range docs {
		if ok, err := Emit(&out, d); !ok || err != nil {
			b.Fatal("fell back")
		}
	}
	size := int64(out.Len())
	fast := func() {
		out.Reset()
		for _, d := range docs {
			Emit(&out, d)
		}
	}
	v3 := func() {
		out.Reset()
		for _, d := range docs {
			enc := yaml.NewEncoder(&out)
			enc.SetIndent(2)
			enc.CompactSeqIndent()
			if err := enc.Encode(d); err != nil {
				b.Fatal(err)
			}
			if err := enc.Close(); err != nil {
				b.Fatal(err)
			}
		}
	}
	runBoth(b, size, fast, v3)
}
