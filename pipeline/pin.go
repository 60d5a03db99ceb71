package pipeline

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/edgegate/edgegate/artifact"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// pinTarget is an IngressGateway whose explicit image pin would resolve.
type pinTarget struct {
	obj   *manifest.Object
	image string
}

// pinTargets lists the gateways edgegate runs that name an image (not
// auto) not pinned to a digest, or pinned already when update.
func pinTargets(m *render.Model, update bool) []pinTarget {
	var targets []pinTarget
	for _, w := range m.Workloads {
		if w.Obj == nil || w.Existing() {
			continue
		}
		image := manifest.ScalarValue(w.Obj.Field("spec", "image"))
		if image == "" || image == "auto" {
			continue
		}
		if artifact.Pinned(image) && !update {
			continue
		}
		targets = append(targets, pinTarget{w.Obj, image})
	}
	return targets
}

// Unpinned reports, as errors, every gateway whose explicit image Pin would
// resolve (`edgegate pin --check`): those not pinned to a digest, and with
// update those pinned already too.
func Unpinned(m *render.Model, update bool) manifest.Diagnostics {
	var diags manifest.Diagnostics
	for _, t := range pinTargets(m, update) {
		diags = append(diags, manifest.Errorf(t.obj, "spec.image", "%s is not pinned to a digest: run edgegate pin", t.image))
	}
	return diags
}

// RewriteError is a file pin could not rewrite; no file was written.
type RewriteError struct {
	File string
	Err  error
}

func (e *RewriteError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *RewriteError) Unwrap() error { return e.Err }

// PinResult is the outcome of Pin.
type PinResult struct {
	Report
	// Changes are the images pinned, one line each: file:line: ref: spec.image: old → new.
	Changes []string
	// Pinned counts the gateways whose image is pinned, once Pin is done.
	Pinned int
}

// Pin resolves the tag of every explicit gateway image (again, when update)
// to the digest it points to now and rewrites spec.image in place as
// IMAGE:TAG@sha256:..., changing nothing else in the files. Every file is
// rewritten in memory first: when an image does not resolve (ErrFailed, the
// report says which) or a file cannot be rewritten (*RewriteError), no file
// is written.
func Pin(ctx context.Context, reg artifact.Registry, m *render.Model, update bool) (*PinResult, error) {
	out := &PinResult{Report: Report{FailOn: manifest.Error}}
	digests := map[string]v1.Hash{}
	edits := map[string][]artifact.Edit{}
	for _, t := range pinTargets(m, update) {
		ref := artifact.Unpinned(t.image)
		if artifact.Pinned(t.image) && !artifact.HasTag(ref) {
			out.Diagnostics = append(out.Diagnostics, manifest.Warnf(t.obj, "spec.image", "%s is pinned by digest alone: no tag to resolve again", t.image))
			continue
		}
		d, seen := digests[ref]
		if !seen {
			var err error
			if d, err = reg.Resolve(ctx, ref); err != nil {
				out.Diagnostics = append(out.Diagnostics, manifest.Errorf(t.obj, "spec.image", "%v", err))
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
		out.Changes = append(out.Changes, fmt.Sprintf("%s:%d: %s: spec.image: %s → %s", t.obj.Pos.File, node.Line, t.obj.Ref, t.image, pinned))
	}
	if out.Failed() {
		return out, ErrFailed
	}

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
			return out, &RewriteError{File: f, Err: err}
		}
		rewritten[f] = data
	}
	for _, f := range files {
		if err := writeFileKeepMode(f, rewritten[f]); err != nil {
			return out, err
		}
	}
	for _, w := range m.Workloads {
		if w.Obj != nil && artifact.Pinned(w.Spec.Image) {
			out.Pinned++
		}
	}
	return out, nil
}

func writeFileKeepMode(name string, data []byte) error {
	mode := os.FileMode(0o644)
	if info, err := os.Stat(name); err == nil {
		mode = info.Mode().Perm()
	}
	return os.WriteFile(name, data, mode)
}
