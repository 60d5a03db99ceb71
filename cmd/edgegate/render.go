package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy"
	"github.com/edgegate/edgegate/render"
)

// inputFlags are the flags every command that reads intents shares.
type inputFlags struct {
	bindings  string
	locked    bool
	namespace string
	maxBytes  int64
	config    string
	failOn    string
}

func (f *inputFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
	Int64Var(*int64, string, int64, string)
}, withLocked bool) {
	fs.StringVar(&f.bindings, "bindings", "", "HostBindings lock file to read (besides any in the input)")
	if withLocked {
		fs.BoolVar(&f.locked, "locked", false, "fail when a host binding is not in the lock (for CI)")
	}
	fs.StringVar(&f.namespace, "namespace", "", "namespace for AppIntents and IngressGateways that name none")
	fs.Int64Var(&f.maxBytes, "max-input-bytes", manifest.DefaultMaxFileBytes, "largest input file accepted")
	fs.StringVar(&f.config, "config", "", "EdgegatePolicy file (default: the one among the inputs, if any)")
	fs.StringVar(&f.failOn, "fail-on", "", "lowest severity that fails the run: error (default), warning or info")
}

// read reads the paths (default ".") and the lock file, if it is not among them.
func (f *inputFlags) read(paths []string, stdin io.Reader) ([]*manifest.Object, manifest.Diagnostics) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	r := manifest.Reader{MaxFileBytes: f.maxBytes, Stdin: stdin}
	objs, diags := r.Read(paths)
	if f.bindings != "" && !readFile(objs, f.bindings) {
		more, d := r.Read([]string{f.bindings})
		objs, diags = append(objs, more...), append(diags, d...)
	}
	return objs, diags
}

func readFile(objs []*manifest.Object, name string) bool {
	for _, o := range objs {
		if filepath.Clean(o.Pos.File) == filepath.Clean(name) {
			return true
		}
	}
	return false
}

func (f *inputFlags) options() render.Options {
	return render.Options{DefaultNamespace: f.namespace, Locked: f.locked}
}

const renderSynopsis = `Usage: edgegate render [PATH...] [flags]

Reads *.yaml and *.yml under each PATH (default ".", "-" for stdin), renders
every AppIntent and IngressGateway, passes other objects through, and prints
one sorted YAML stream of the objects to apply. Intents, HostBindings and other
local-config objects are never printed. On any error nothing is printed to
stdout, errors go to stderr as file:line: Kind ns/name: field: message, and the
exit code is 1.`

func runRender(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("render", renderSynopsis, stderr)
	in.register(fs, true)
	if err := fs.Parse(args); err != nil {
		return parseFailure(err)
	}
	apply, ok := in.renderApply(fs.Args(), stdin, stderr)
	if !ok {
		return 1
	}
	// WriteStream writes nothing unless every object encodes.
	if err := manifest.WriteStream(stdout, apply); err != nil {
		fmt.Fprintf(stderr, "edgegate: %v\n", err)
		return 1
	}
	return 0
}

// renderApply runs the pipeline of 'edgegate render' (read, policy
// configuration, render, gate) and returns the objects render prints, in
// its order. Diagnostics go to stderr; ok is false when the run fails.
func (in *inputFlags) renderApply(paths []string, stdin io.Reader, stderr io.Writer) (objs []*manifest.Object, ok bool) {
	read, diags := in.read(paths, stdin)
	if diags.HasErrors() {
		printProblems(stderr, diags, manifest.Error)
		return nil, false
	}
	cfg, spec, d := in.policyConfig(read)
	diags = append(diags, d...) // with the reader's warnings (files skipped)
	if diags.HasErrors() {
		printProblems(stderr, diags, manifest.Error)
		return nil, false
	}
	opts := in.options()
	opts.Locked = opts.Locked || spec.Locked
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = spec.Namespace
	}
	res := render.Render(read, opts)
	diags = append(diags, res.Diagnostics...)
	if !diags.HasErrors() {
		diags = append(diags, policy.Gate(res, cfg)...)
	}
	printProblems(stderr, diags, cfg.FailOn)
	if policy.Fails(diags, cfg.FailOn) {
		return nil, false
	}
	for _, o := range res.Model.Passthrough {
		if !o.IsLocalConfig() {
			objs = append(objs, o)
		}
	}
	objs = append(objs, res.Objects...)
	manifest.Sort(objs)
	return objs, true
}

// printProblems prints what a run producing objects (render, push, lock)
// shows on stderr: warnings and errors. Infos stay in `edgegate check` and in
// the KRM function's results, so a clean render prints nothing, unless failOn
// is info, when they are what fails the run.
func printProblems(w io.Writer, diags manifest.Diagnostics, failOn manifest.Severity) {
	for _, d := range diags {
		if d.Severity == manifest.Info && failOn != manifest.Info {
			continue
		}
		fmt.Fprintln(w, d.String())
	}
}

func printDiagnostics(w io.Writer, diags manifest.Diagnostics) {
	for _, d := range diags {
		fmt.Fprintln(w, d.String())
	}
}
