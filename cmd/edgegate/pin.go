package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/edgegate/edgegate/artifact"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const pinSynopsis = `Usage: edgegate pin [PATH...] [flags]

Pins the proxy image of every IngressGateway under PATH (default ".") that
names one (spec.image other than auto) to the digest its tag points to now,
and rewrites spec.image in place as IMAGE:TAG@sha256:..., changing nothing
else in the file: the change reviews as one line per gateway, and every
later render gives the same Deployments. Prints what changed. Images already
pinned stay as they are unless --update. With --check, resolves nothing and
writes nothing: fails when an image is not pinned (for CI). Credentials come
from the Docker config (docker login, credential helpers).`

func runPin(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("pin", pinSynopsis, stderr)
	in.register(fs, false)
	check := fs.Bool("check", false, "fail when an explicit image is not pinned; resolve and write nothing")
	update := fs.Bool("update", false, "resolve the tags of pinned images again and move their digests")
	insecure := fs.Bool("insecure", false, "allow registries over plain HTTP")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up on the registries after this long")
	if err := fs.Parse(args); err != nil {
		return parseFailure(err)
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		if p == "-" {
			fmt.Fprintf(stderr, "edgegate pin: pin rewrites files: give paths, not stdin\n")
			return 2
		}
	}
	m, rep, err := in.runner(paths, stdin).Build()
	if err != nil {
		printDiagnostics(stderr, rep.Diagnostics)
		return 1
	}

	type target struct {
		obj   *manifest.Object
		image string
	}
	var targets []target
	for _, w := range m.Workloads {
		if w.Obj == nil || w.Existing() {
			continue
		}
		node := w.Obj.Field("spec", "image")
		image := manifest.ScalarValue(node)
		if image == "" || image == "auto" {
			continue
		}
		if artifact.Pinned(image) && !*update {
			continue
		}
		targets = append(targets, target{w.Obj, image})
	}

	if *check {
		var unpinned manifest.Diagnostics
		for _, t := range targets {
			unpinned = append(unpinned, manifest.Errorf(t.obj, "spec.image", "%s is not pinned to a digest: run edgegate pin", t.image))
		}
		printDiagnostics(stderr, unpinned)
		if len(unpinned) > 0 {
			return 1
		}
		return 0
	}

	reg := artifact.Registry{Insecure: *insecure, UserAgent: "edgegate/" + buildVersion()}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	digests := map[string]v1.Hash{}
	edits := map[string][]artifact.Edit{}
	var changes []string
	var diags manifest.Diagnostics
	for _, t := range targets {
		ref := artifact.Unpinned(t.image)
		if artifact.Pinned(t.image) && !artifact.HasTag(ref) {
			diags = append(diags, manifest.Warnf(t.obj, "spec.image", "%s is pinned by digest alone: no tag to resolve again", t.image))
			continue
		}
		d, seen := digests[ref]
		if !seen {
			var err error
			if d, err = reg.Resolve(ctx, ref); err != nil {
				diags = append(diags, manifest.Errorf(t.obj, "spec.image", "%v", err))
				continue
			}
			digests[ref] = d
		}
		pinned := artifact.WithDigest(t.image, d)
		if pinned == t.image {
			continue
		}
		node := t.obj.Field("spec", "image")
		edits[t.obj.Pos.File] = append(edits[t.obj.Pos.File], artifact.Edit{Node: node, Value: pinned})
		changes = append(changes, fmt.Sprintf("%s:%d: %s: spec.image: %s → %s", t.obj.Pos.File, node.Line, t.obj.Ref, t.image, pinned))
	}
	printDiagnostics(stderr, diags)
	if diags.HasErrors() {
		fmt.Fprintf(stderr, "edgegate pin: no file written\n")
		return 1
	}

	// Every file is rewritten in memory first: one that cannot be leaves
	// all of them as they were.
	files := make([]string, 0, len(edits))
	for f := range edits {
		files = append(files, f)
	}
	sort.Strings(files)
	rewritten := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil {
			data, err = artifact.ReplaceScalars(data, edits[f])
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\nedgegate pin: no file written\n", f, err)
			return 1
		}
		rewritten[f] = data
	}
	for _, f := range files {
		if err := writeFileKeepMode(f, rewritten[f]); err != nil {
			fmt.Fprintf(stderr, "edgegate pin: %v\n", err)
			return 1
		}
	}
	if len(changes) == 0 {
		fmt.Fprintf(stdout, "images unchanged: %d pinned\n", pinnedCount(m))
		return 0
	}
	for _, c := range changes {
		fmt.Fprintln(stdout, c)
	}
	return 0
}

func pinnedCount(m *render.Model) int {
	n := 0
	for _, w := range m.Workloads {
		if w.Obj != nil && artifact.Pinned(w.Spec.Image) {
			n++
		}
	}
	return n
}

func writeFileKeepMode(name string, data []byte) error {
	mode := os.FileMode(0o644)
	if info, err := os.Stat(name); err == nil {
		mode = info.Mode().Perm()
	}
	return os.WriteFile(name, data, mode)
}
