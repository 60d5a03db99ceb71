package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
)

const lockSynopsis = `Usage: edgegate lock [PATH...] [flags]

Allocates host bindings for every intent under PATH (default ".") and writes
them as HostBindings objects, one per gateway: to --bindings FILE, else to the
file that already holds them, else to hostbindings.yaml in the first PATH.
Prints what changed, one line per binding (+ added, - removed), for review.
Later renders keep recorded bindings where they are.`

func runLock(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("lock", lockSynopsis, stderr)
	in.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return parseFailure(err)
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	target := in.bindings
	if _, err := os.Stat(target); target != "" && errors.Is(err, iofs.ErrNotExist) {
		in.bindings = "" // the first lock: nothing to read yet
	}
	objs, diags := in.read(paths, stdin)
	printProblems(stderr, diags, manifest.Error) // warnings too (files skipped)
	if diags.HasErrors() {
		return 1
	}
	target, err := lockTarget(target, paths, objs)
	if err != nil {
		fmt.Fprintf(stderr, "edgegate: %v\n", err)
		return 1
	}
	opts := in.options()
	opts.Relock = true
	res := render.Render(objs, opts)
	printProblems(stderr, res.Diagnostics, manifest.Error)
	if res.Diagnostics.HasErrors() {
		return 1
	}
	var buf bytes.Buffer
	if err := manifest.WriteStream(&buf, res.Locks); err != nil {
		fmt.Fprintf(stderr, "edgegate: %v\n", err)
		return 1
	}
	file, err := manifest.ResolveInTree(target, manifest.TreeOf(target, paths))
	if err != nil {
		fmt.Fprintf(stderr, "edgegate: %v\n", err)
		return 1
	}
	old, _ := os.ReadFile(file)
	if !bytes.Equal(old, buf.Bytes()) {
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "edgegate: %v\n", err)
			return 1
		}
	}
	changes := render.LockChanges(res.Model, res.Bindings)
	if len(changes) == 0 {
		fmt.Fprintf(stdout, "%s: bindings unchanged\n", target)
		return 0
	}
	fmt.Fprintf(stdout, "%s:\n", target)
	for _, c := range changes {
		fmt.Fprintln(stdout, c)
	}
	return 0
}

// lockTarget picks the file the lock is written to: the flag, else the one
// file that holds the HostBindings read, else hostbindings.yaml in the first path.
func lockTarget(flag string, paths []string, objs []*manifest.Object) (string, error) {
	files := map[string]bool{}
	for _, o := range objs {
		if o.Group() == render.Group && o.Kind == render.KindHostBindings {
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
		if filepath.Clean(o.Pos.File) == filepath.Clean(target) && !(o.Group() == render.Group && o.Kind == render.KindHostBindings) {
			return "", fmt.Errorf("%s holds other objects (%s) besides HostBindings: give the lock its own file", target, o.Ref)
		}
	}
	return target, nil
}
