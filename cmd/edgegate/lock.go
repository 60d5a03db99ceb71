package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/edgegate/edgegate/pipeline"
)

const lockSynopsis = `Usage: edgegate lock [PATH...] [flags]

Allocates host bindings for every intent under PATH (default ".") and writes
them as HostBindings objects, one per gateway: to --bindings FILE, else to the
file that already holds them, else to hostbindings.yaml in the first PATH.
Prints what changed, one line per binding (+ added, - removed), for review.
Later renders keep recorded bindings where they are.`

func runLock(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("lock", lockSynopsis)
	in.register(fs, false)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	out, err := in.runner(fs.Args(), stdin).Lock()
	in.report(stderr, out.Shown(), out.Files)
	switch {
	case errors.Is(err, pipeline.ErrFailed):
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "edgegate: error: %v\n", err)
		return 1
	case len(out.Changes) == 0:
		fmt.Fprintf(stdout, "%s: bindings unchanged\n", out.File)
		return 0
	}
	fmt.Fprintf(stdout, "%s:\n", out.File)
	for _, c := range out.Changes {
		fmt.Fprintln(stdout, c)
	}
	return 0
}
