package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/edgegate/edgegate/artifact"
	"github.com/edgegate/edgegate/pipeline"
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
	fs := newFlags("pin", pinSynopsis)
	in.register(fs, false)
	check := fs.Bool("check", false, "fail when an explicit image is not pinned; resolve and write nothing")
	update := fs.Bool("update", false, "resolve the tags of pinned images again and move their digests")
	insecure := fs.Bool("insecure", false, "allow registries over plain HTTP")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up on the registries after this long")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		if p == "-" {
			return usageError(stderr, fs, "pin rewrites files: give paths, not stdin")
		}
	}
	m, rep, err := in.runner(paths, stdin).Build()
	if err != nil {
		in.report(stderr, rep.Diagnostics, rep.Files)
		return 1
	}

	if *check {
		unpinned := pipeline.Unpinned(m, *update)
		in.report(stderr, unpinned, rep.Files)
		if len(unpinned) > 0 {
			return 1
		}
		return 0
	}

	reg := artifact.Registry{Insecure: *insecure, UserAgent: "edgegate/" + buildVersion()}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	out, err := pipeline.Pin(ctx, reg, m, *update)
	in.report(stderr, out.Diagnostics, rep.Files)
	var rewrite *pipeline.RewriteError
	switch {
	case errors.Is(err, pipeline.ErrFailed):
		fmt.Fprintf(stderr, "edgegate pin: no file written\n")
		return 1
	case errors.As(err, &rewrite):
		fmt.Fprintf(stderr, "%s: error: %v\nedgegate pin: no file written\n", rewrite.File, rewrite.Err)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "edgegate pin: error: %v\n", err)
		return 1
	case len(out.Changes) == 0:
		fmt.Fprintf(stdout, "images unchanged: %d pinned\n", out.Pinned)
		return 0
	}
	for _, c := range out.Changes {
		fmt.Fprintln(stdout, c)
	}
	return 0
}
