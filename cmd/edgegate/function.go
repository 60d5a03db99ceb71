package main

import (
	"io"

	"github.com/edgegate/edgegate/fn"
	"github.com/edgegate/edgegate/manifest"
)

const fnSynopsis = `Usage: edgegate fn [flags] < resourcelist.yaml

Runs edgegate as a KRM function: reads a ResourceList on stdin and writes it
back with the rendered objects and results. The functionConfig's data selects
mode (render, the default, or check), locked and namespace. Diagnostics are
also printed to stderr, since kustomize never shows results; the exit code is
1 when any result is an error, and then no items are written.`

func runFunction(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("fn", fnSynopsis)
	maxBytes := fs.Int64("max-input-bytes", 4*manifest.DefaultMaxFileBytes, "largest ResourceList accepted")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	return fn.Run(stdin, stdout, stderr, *maxBytes)
}
