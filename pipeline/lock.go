package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy"
	"github.com/edgegate/edgegate/render"
)

// Locked is the outcome of Lock.
type Locked struct {
	Report
	// File is where the lock was written.
	File string
	// Changes are the records added (+) and removed (-), one a line, and the
	// HostBindings objects of whole gateways added or removed.
	Changes []string
	// Existed says File existed before the run; Written that the run wrote
	// it (its bytes changed, or it is new).
	Existed, Written bool
}

// Lock allocates host bindings for every intent and writes them as
// HostBindings objects, one per gateway (`edgegate lock`): to Bindings, else
// to the file that already holds them, else to hostbindings.yaml in the first
// path. The lock is merged, never truncated: the records of apps and
// gateways the run does not see stay as they are, unless Prune (run by the
// platform over everything) removes them. The file is left as it is when the
// bindings did not change, and is not created when there is nothing to
// record. The policy gate judges the render first, and its errors refuse
// the lock as they refuse render (lockGate).
func (r *Runner) Lock() (*Locked, error) {
	read := *r
	if _, err := os.Stat(r.Bindings); r.Bindings != "" && errors.Is(err, iofs.ErrNotExist) {
		read.Bindings = "" // the first lock: nothing to read yet
	}
	objs, readDiags := read.Read()
	if readDiags.HasErrors() {
		return &Locked{Report: failed(readDiags)}, ErrFailed
	}
	file, err := lockFile(r.Bindings, r.paths(), objs)
	if err != nil {
		return &Locked{}, err
	}
	// The lock refuses what render refuses, in render's order: the policy
	// (a team's policy lowering a check that protects others), the render,
	// then the policy gate.
	cfg, _, policyDiags := r.Configure(objs)
	if policyDiags.HasErrors() {
		return &Locked{Report: failed(append(readDiags, policyDiags...)), File: file}, ErrFailed
	}
	opts := r.callerOptions()
	opts.Relock = true
	opts.Prune = r.Prune
	res := render.Render(objs, opts)
	// The reader's warnings (files skipped) are shown with the render's.
	diags := append(append(manifest.Diagnostics{}, readDiags...), res.Diagnostics...)
	if !diags.HasErrors() {
		diags = append(diags, lockGate(res, cfg, policyDiags)...)
	}
	out := &Locked{Report: failed(diags), File: file}
	out.Files = manifest.CountFiles(objs, readDiags)
	if out.Failed() {
		return out, ErrFailed
	}
	var buf bytes.Buffer
	// The lock names its schema, so an editor checks a hand edit. A lock
	// kept as it was read (a gateway this run does not see) may carry that
	// line already, as the file's first comment: it is written once.
	modeline := v1alpha1.Modeline(v1alpha1.KindHostBindings)
	for _, o := range res.Locks {
		o.Node.HeadComment = withoutLine(o.Node.HeadComment, modeline)
		if len(o.Node.Content) > 0 { // where the parser puts a document's first comment
			o.Node.Content[0].HeadComment = withoutLine(o.Node.Content[0].HeadComment, modeline)
		}
	}
	buf.WriteString(modeline + "\n")
	if err := manifest.WriteStream(&buf, res.Locks); err != nil {
		return out, err
	}
	// Never through a link that leaves the tree the lock belongs to.
	inTree, err := manifest.ResolveInTree(file, manifest.TreeOf(file, r.paths()))
	if err != nil {
		return out, err
	}
	old, err := os.ReadFile(inTree)
	out.Existed = err == nil
	// The first lock is written only when there is something to record.
	if (out.Existed && !bytes.Equal(old, buf.Bytes())) || (!out.Existed && len(res.Locks) > 0) {
		if err := os.WriteFile(inTree, buf.Bytes(), 0o644); err != nil {
			return out, err
		}
		out.Written = true
	}
	out.Changes = render.LockChanges(res.Model, res.Locks)
	return out, nil
}

// lockGate is the policy gate's verdict on the render a lock records, under
// the same policy (--config, or the one among the inputs): the lock records
// no binding for input that render, check and push refuse (a wildcard over
// another namespace's host is EG010's to refuse). Only errors refuse it; a
// lock the gate lets through shows none of the gate's or the policy's
// findings (render shows them), a refused one all of them, so an error comes
// with the warning that explains it (a suppression that does not count).
func lockGate(res *render.Result, cfg Config, policyDiags manifest.Diagnostics) manifest.Diagnostics {
	gate := policy.Gate(res, cfg.Policy)
	if !gate.HasErrors() {
		return nil
	}
	return append(append(manifest.Diagnostics{}, policyDiags...), gate...)
}

// lockFile picks the file the lock is written to: the flag, else the one
// file that holds the HostBindings read, else hostbindings.yaml in the first path.
func lockFile(flag string, paths []string, objs []*manifest.Object) (string, error) {
	isLock := func(o *manifest.Object) bool {
		return o.Group() == v1alpha1.Group && o.Kind == v1alpha1.KindHostBindings
	}
	files := map[string]bool{}
	for _, o := range objs {
		if isLock(o) {
			files[filepath.Clean(o.Pos.File)] = true
		}
	}
	target := flag
	if target == "" {
		switch len(files) {
		case 0:
			dir := paths[0]
			if dir == "-" {
				return "", fmt.Errorf("reading stdin: say where the lock goes with --bindings FILE")
			}
			if info, err := os.Stat(dir); err == nil && !info.IsDir() {
				dir = filepath.Dir(dir)
			}
			target = filepath.Join(dir, "hostbindings.yaml")
		case 1:
			for f := range files {
				target = f
			}
		default:
			return "", fmt.Errorf("HostBindings are spread over %d files: keep them in one, or name it with --bindings", len(files))
		}
	}
	for f := range files {
		if f != filepath.Clean(target) {
			return "", fmt.Errorf("HostBindings in %s would outlive the lock written to %s: keep the lock in one file", f, target)
		}
	}
	for _, o := range objs {
		if filepath.Clean(o.Pos.File) == filepath.Clean(target) && !isLock(o) {
			return "", fmt.Errorf("%s holds other objects (%s) besides HostBindings: give the lock its own file", target, o.Ref)
		}
	}
	return target, nil
}

// withoutLine removes every line of comment that is line.
func withoutLine(comment, line string) string {
	if !strings.Contains(comment, line) {
		return comment
	}
	var kept []string
	for _, l := range strings.Split(comment, "\n") {
		if strings.TrimSpace(l) != line {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}
