package main

import (
	"fmt"
	"io"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/pipeline"
	"github.com/spf13/pflag"
)

// inputFlags are the flags every command that reads intents shares.
type inputFlags struct {
	bindings  string
	locked    bool
	namespace string
	maxBytes  int64
	config    string
	failOn    string
	verbose   bool
	// allowEmpty lets render, push and flux-wiring succeed with nothing to apply.
	allowEmpty bool
	// api overrides every gateway's output API (render, push, flux-wiring).
	api string
}

// registerAPI adds --api to a command that prints or ships rendered objects.
func (f *inputFlags) registerAPI(fs *pflag.FlagSet) {
	fs.Var((*apiFlag)(&f.api), "api", "render every gateway in this API, whatever its IngressGateway's spec.api says: istio or gateway-api")
	flagValues(fs, "api", v1alpha1.APIIstio, v1alpha1.APIGatewayAPI)
}

// apiFlag is --api, checked as the flag is parsed.
type apiFlag string

func (a *apiFlag) String() string { return string(*a) }
func (a *apiFlag) Type() string   { return "api" }
func (a *apiFlag) Set(v string) error {
	if msg := v1alpha1.APIMessage(v); msg != "" {
		return fmt.Errorf("%s", msg)
	}
	*a = apiFlag(v)
	return nil
}

func (f *inputFlags) register(fs *pflag.FlagSet, withLocked bool) {
	fs.StringVar(&f.bindings, "bindings", "", "HostBindings lock file to read (besides any in the input)")
	if withLocked {
		fs.BoolVar(&f.locked, "locked", false, "fail when a host binding is not in the lock (for CI)")
		fs.BoolVar(&f.allowEmpty, "allow-empty", false, "succeed when there is nothing to apply (an empty output makes Argo CD and Flux prune everything)")
	}
	fs.StringVar(&f.namespace, "namespace", "", "namespace for AppIntents and IngressGateways that name none")
	fs.Int64Var(&f.maxBytes, "max-input-bytes", manifest.DefaultMaxFileBytes, "largest input file accepted")
	fs.StringVar(&f.config, "config", "", "EdgegatePolicy file (default: the one among the inputs, if any)")
	fs.Var((*severityFlag)(&f.failOn), "fail-on", "lowest severity that fails the run: error (default), warning or info")
	flagFile(fs, "bindings")
	flagFile(fs, "config")
	flagValues(fs, "fail-on", "error", "warning", "info")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "print every finding (infos that repeat per object are otherwise one line with a count)")
}

// report prints the diagnostics a run shows on stderr, errors first, and
// the summary line after them ("1 error, 2 warnings in 12 files"); nothing
// when there are none, so a clean run is silent.
func (f *inputFlags) report(stderr io.Writer, shown manifest.Diagnostics, files int) {
	if len(shown) == 0 {
		return
	}
	_ = shown.WriteText(stderr, f.verbose)
	fmt.Fprintln(stderr, shown.Summary(files))
}

// runner is the pipeline the flags describe, over paths.
func (f *inputFlags) runner(paths []string, stdin io.Reader) *pipeline.Runner {
	return &pipeline.Runner{
		Paths: paths, Stdin: stdin, Bindings: f.bindings, MaxFileBytes: f.maxBytes, ConfigFile: f.config,
		Settings: pipeline.Settings{Namespace: f.namespace, Locked: f.locked, FailOn: f.failOn, AllowEmpty: f.allowEmpty, API: f.api},
	}
}

const renderSynopsis = `Usage: edgegate render [PATH...] [flags]

Reads *.yaml and *.yml under each PATH (default ".", "-" for stdin), renders
every AppIntent and IngressGateway, passes other objects through, and prints
one sorted YAML stream of the objects to apply. Intents, HostBindings and other
local-config objects are never printed. On any error nothing is printed to
stdout, errors go to stderr as file:line: error: Kind ns/name: field: message, and the
exit code is 1. Nothing to apply is an error unless --allow-empty: Argo CD and
Flux prune everything on an empty output.`

func runRender(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("render", renderSynopsis)
	in.register(fs, true)
	in.registerAPI(fs)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	apply, ok := in.renderApply(fs.Args(), stdin, stderr)
	if !ok {
		return 1
	}
	// WriteStream writes nothing unless every object encodes.
	if err := manifest.WriteStream(stdout, apply); err != nil {
		fmt.Fprintf(stderr, "edgegate: error: %v\n", err)
		return 1
	}
	return 0
}

// renderApply renders as 'edgegate render' does and returns the objects it
// prints, in its order. Diagnostics go to stderr; ok is false when the run fails.
func (in *inputFlags) renderApply(paths []string, stdin io.Reader, stderr io.Writer) (objs []*manifest.Object, ok bool) {
	out, err := in.runner(paths, stdin).Render()
	in.report(stderr, out.Shown(), out.Files)
	return out.Objects, err == nil
}

// severityFlag is --fail-on: a severity, checked as the flag is parsed so
// that a misspelt one is a usage error in every command.
type severityFlag string

func (s *severityFlag) String() string { return string(*s) }
func (s *severityFlag) Type() string   { return "severity" }
func (s *severityFlag) Set(v string) error {
	switch v {
	case "error", "warning", "info":
		*s = severityFlag(v)
		return nil
	}
	return fmt.Errorf("must be error, warning or info, not %q", v)
}
