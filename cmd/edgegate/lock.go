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
Later renders keep recorded bindings where they are.

The lock is merged, never truncated: the records of apps and gateways this
run does not see stay as they are, so a team can lock its own app against the
platform's lock. --prune, run by the platform over every app and gateway,
removes the records of those it does not see (each printed as a - line).`

func runLock(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	var prune bool
	fs := newFlags("lock", lockSynopsis)
	in.register(fs, false)
	fs.BoolVar(&prune, "prune", false, "remove the records of apps and gateways this run does not see (run over everything)")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	r := in.runner(fs.Args(), stdin)
	r.Prune = prune
	out, err := r.Lock()
	in.report(stderr, out.Shown(), out.Files)
	switch {
	case errors.Is(err, pipeline.ErrFailed):
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "edgegate: error: %v\n", err)
		return 1
	case !out.Existed && !out.Written:
		fmt.Fprintf(stdout, "%s: no bindings to record, not written\n", out.File)
		return 0
	case len(out.Changes) == 0 && out.Written:
		fmt.Fprintf(stdout, "%s: rewritten, no binding changed\n", out.File)
		return 0
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
