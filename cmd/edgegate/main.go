// Command edgegate renders AppIntents and IngressGateways into Istio ingress
// configuration and gateway workloads, as a CLI and as a KRM function.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	"github.com/edgegate/edgegate/cmd/edgegate/internal/memlimit"
	"github.com/spf13/pflag"
)

// budget is the soft memory limit outside a container: a run held at it
// peaks 8 MiB above it (the binary's pages the runtime does not count), so
// it stays under the 1 GiB edgegate plans for. Measured at 10,000 apps:
// peak 933 MiB, no collection needed.
const budget = 980 << 20

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

const usage = `edgegate renders short AppIntents into Istio ingress configuration that
Istio routes as intended, with port-unique host bindings, and checks it offline.

Usage:
  edgegate render [PATH...]   render intents; print the objects to apply
  edgegate lock [PATH...]     record host bindings in the HostBindings lock
  edgegate check [PATH...]    run the policy gate alone over any manifests
  edgegate explain [PATH...] URL
                              say where a request goes and why, from the render
  edgegate push oci://HOST/REPO:TAG [PATH...]
                              render, check, push the output as a Flux OCI artifact
  edgegate flux-wiring oci://HOST/REPO:TAG [PATH...]
                              print the Flux OCIRepository and Kustomizations for it
  edgegate pin [PATH...]      pin IngressGateway proxy images to their digests
  edgegate fn                 run as a KRM function (ResourceList on stdin)
  edgegate argocd discover|generate
                              the Argo CD plugin's commands (Argo CD's environment)
  edgegate version            print the version
  edgegate completion bash|zsh|fish
                              print a shell completion script

With no command and a ResourceList on stdin, edgegate runs as a KRM function
(the way kustomize and kpt exec it).

Examples:
  # Render an app directory; errors go to stderr and nothing to stdout.
  edgegate render examples/bookinfo

  # Pin the bindings, review the change, then render as CI does.
  edgegate lock platform/ingress
  edgegate render --locked platform/ingress | kubectl apply --server-side -f -

  # Check hand-written manifests offline, for a code-scanning UI.
  edgegate check -o sarif manifests/ > edgegate.sarif

  # A team renders its own app against the platform's lock.
  edgegate render --bindings platform/hostbindings.yaml --locked apps/shop

Run 'edgegate COMMAND --help' for a command's flags.
`

func main() {
	// edgegate is a batch process with a memory budget of 1 GiB (a
	// repo-server sidecar's, and the benchmark's at 10,000 apps). Nearly
	// all it allocates stays live to the end (the input's nodes, the
	// objects it renders, the policy index), so collecting each time the
	// heap doubles marks the same objects over and over for little
	// reclaimed. It collects only as the heap nears the budget instead: a
	// soft limit as close under 1 GiB as the memory the runtime does not
	// count (the binary) allows, and no proportional collection below it;
	// in a container (a sidecar, a function container with a limit), under
	// the container's limit by memlimit.Headroom instead. GOMEMLIMIT or GOGC
	// in the environment turn this off.
	if os.Getenv("GOMEMLIMIT") == "" && os.Getenv("GOGC") == "" {
		container, _ := memlimit.Container(memlimit.Root)
		debug.SetMemoryLimit(memlimit.Soft(budget, container))
		debug.SetGCPercent(-1)
	}
	os.Exit(profiled(func() int { return run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) }))
}

// profiled runs f under the CPU profiler when EDGEGATE_CPUPROFILE names a
// file, and writes a heap profile to EDGEGATE_MEMPROFILE after it: how the
// benchmarks' numbers are explained.
func profiled(f func() int) int {
	if path := os.Getenv("EDGEGATE_CPUPROFILE"); path != "" {
		if out, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(out) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	code := f()
	if path := os.Getenv("EDGEGATE_MEMPROFILE"); path != "" {
		if out, err := os.Create(path); err == nil {
			runtime.GC() // the profile shows allocations up to the last collection
			_ = pprof.Lookup("allocs").WriteTo(out, 0)
			out.Close()
		}
	}
	return code
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		if isTerminal(stdin) {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return runFunction(nil, stdin, stdout, stderr)
	}
	switch args[0] {
	case "render":
		return runRender(args[1:], stdin, stdout, stderr)
	case "lock":
		return runLock(args[1:], stdin, stdout, stderr)
	case "check":
		return runCheck(args[1:], stdin, stdout, stderr)
	case "explain":
		return runExplain(args[1:], stdin, stdout, stderr)
	case "fn":
		return runFunction(args[1:], stdin, stdout, stderr)
	case "push":
		return runPush(args[1:], stdin, stdout, stderr)
	case "flux-wiring":
		return runFluxWiring(args[1:], stdin, stdout, stderr)
	case "pin":
		return runPin(args[1:], stdin, stdout, stderr)
	case "argocd":
		return runArgoCD(args[1:], stdin, stdout, stderr)
	case "completion":
		return runCompletion(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "edgegate %s\n", buildVersion())
		return 0
	case "help", "-h", "--help":
		if len(args) > 1 && args[0] == "help" {
			if known(args[1]) {
				return run([]string{args[1], "--help"}, stdin, stdout, stderr)
			}
			fmt.Fprintf(stderr, "edgegate help: error: unknown command %q\n\n%s", args[1], usage)
			return 2
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "edgegate: error: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// synopses holds each command's usage text, for its --help and for
// 'edgegate help COMMAND'.
var synopses = map[*pflag.FlagSet]string{}

// declared is the flag set each command declared last, for completion.
var declared = map[string]*pflag.FlagSet{}

// newFlags returns a command's flag set; parseFlags reports its errors.
func newFlags(name, synopsis string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	synopses[fs] = synopsis
	declared[name] = fs
	return fs
}

// parseFlags parses a command's flags. done is true when the command must
// stop with code: 0 after printing its help on stdout (-h, --help), 2 after
// printing a usage error and the command's usage on stderr, as the tools
// around edgegate do (exit 1 stays "the input is bad").
func parseFlags(fs *pflag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, pflag.ErrHelp):
		printUsage(stdout, fs)
		return 0, true
	}
	return usageError(stderr, fs, "%v", err), true
}

// usageError prints a usage problem of the command and its usage on
// stderr, and returns the exit code of a usage error.
func usageError(stderr io.Writer, fs *pflag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(stderr, "edgegate %s: error: %s\n\n", fs.Name(), fmt.Sprintf(format, args...))
	printUsage(stderr, fs)
	return 2
}

func printUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nFlags:\n%s", synopses[fs], fs.FlagUsages())
}

// known reports whether 'edgegate help COMMAND' has a help for the command.
func known(name string) bool {
	for _, c := range commandList {
		if c.name == name && c.name != "help" && c.name != "version" {
			return true
		}
	}
	return false
}

// buildVersion is the version the build was stamped with (make build, a
// release), else the module version 'go install ...@version' records, else
// the VCS revision Go records for a build in a work tree, with "-dirty"
// when it had uncommitted changes.
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	return versionFrom(info)
}

func versionFrom(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if revision == "" {
		return "(devel)"
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if modified == "true" {
		revision += "-dirty"
	}
	return revision
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
