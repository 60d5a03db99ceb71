// Command floor measures the least any tool written on kyaml must spend to do
// what edgegate does with its input and output: parse the input files into
// YAML nodes, and serialize the output edgegate produced. It does nothing
// else — no decoding into types, no rendering, no checks — so edgegate's time
// over the floor's is what edgegate itself adds.
//
//	floor -expect OUT.yaml -o FLOOR.yaml PATH...
//
// Untimed setup: read and parse OUT.yaml (edgegate's output) into nodes. Timed:
// walk each PATH the way `edgegate render` does (*.yaml and *.yml, hidden
// directories and kustomization files skipped, lexical order), read and parse
// every document into a yaml.Node with kyaml's decoder; then encode the
// output nodes one document at a time with the layout edgegate writes
// (two-space indent, compact sequences, "---" between documents) and write the
// bytes to FLOOR.yaml. They must be byte-identical to OUT.yaml; the harness
// (tests/bench/cmd/bench) checks that. For the KRM function, PATH is the
// ResourceList and OUT.yaml the function's output.
//
// It prints one JSON line: objects and bytes in and out, parse_ns, write_ns,
// total_ns, and for a ResourceList output its items and local-config items.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

type report struct {
	FilesIn          int   `json:"files_in"`
	ObjectsIn        int   `json:"objects_in"`
	BytesIn          int64 `json:"bytes_in"`
	ObjectsOut       int   `json:"objects_out"`
	BytesOut         int64 `json:"bytes_out"`
	Items            int   `json:"items,omitempty"`
	LocalConfigItems int   `json:"local_config_items,omitempty"`
	ParseNS          int64 `json:"parse_ns"`
	WriteNS          int64 `json:"write_ns"`
	TotalNS          int64 `json:"total_ns"`
}

func main() {
	expect := flag.String("expect", "", "edgegate's output, to serialize again (required)")
	out := flag.String("o", "", "where to write the serialized output (required)")
	flag.Parse()
	if *expect == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: floor -expect OUT.yaml -o FLOOR.yaml PATH...")
		os.Exit(2)
	}
	var r report

	// Setup, untimed: edgegate builds its output nodes itself.
	data, err := os.ReadFile(*expect)
	if err != nil {
		fail(err)
	}
	docs, err := parse(data)
	if err != nil {
		fail(fmt.Errorf("%s: %v", *expect, err))
	}
	r.ObjectsOut = len(docs)
	if len(docs) == 1 {
		r.Items, r.LocalConfigItems = resourceListItems(docs[0])
	}
	data = nil

	start := time.Now()
	var inputs [][]*yaml.Node // kept alive, as a tool holds its input
	for _, p := range flag.Args() {
		files, err := manifest.Files(p)
		if err != nil {
			fail(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				fail(err)
			}
			nodes, err := parse(b)
			if err != nil {
				fail(fmt.Errorf("%s: %v", f, err))
			}
			inputs = append(inputs, nodes)
			r.FilesIn++
			r.ObjectsIn += len(nodes)
			r.BytesIn += int64(len(b))
		}
	}
	parsed := time.Now()
	var buf bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		enc.CompactSeqIndent()
		if err := enc.Encode(d); err != nil {
			fail(err)
		}
		if err := enc.Close(); err != nil {
			fail(err)
		}
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fail(err)
	}
	end := time.Now()

	r.BytesOut = int64(buf.Len())
	r.ParseNS = parsed.Sub(start).Nanoseconds()
	r.WriteNS = end.Sub(parsed).Nanoseconds()
	r.TotalNS = end.Sub(start).Nanoseconds()
	_ = inputs
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fail(err)
	}
}

// parse decodes every non-empty document of a YAML stream.
func parse(data []byte) ([]*yaml.Node, error) {
	var nodes []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return nodes, nil
		}
		if err != nil {
			return nil, err
		}
		if len(doc.Content) == 0 {
			continue
		}
		n := doc.Content[0]
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			continue
		}
		nodes = append(nodes, n)
	}
}

// resourceListItems counts a ResourceList's items and those marked
// config.kubernetes.io/local-config: "true".
func resourceListItems(n *yaml.Node) (items, local int) {
	if field(n, "kind") == nil || field(n, "kind").Value != "ResourceList" {
		return 0, 0
	}
	seq := field(n, "items")
	if seq == nil {
		return 0, 0
	}
	for _, it := range seq.Content {
		items++
		if a := field(field(field(it, "metadata"), "annotations"), "config.kubernetes.io/local-config"); a != nil && a.Value == "true" {
			local++
		}
	}
	return items, local
}

func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "floor: %v\n", err)
	os.Exit(1)
}
