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

// budget is the memory edgegate plans for: 10,000 apps render within it.
const budget = 950 << 20

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

const usage = `edgegate renders short AppIntents into Istio ingress configuration that
Istio routes as intended, with port-unique host bindings, and checks it offline.

Usage:
  edgegate render [PATH...]   render intents; print the objects to apply
  edgegate lock [PATH...]     record host bindings in the HostBindings lock
  edgegate check [PATH...]    run the policy gate alone over any manifests
  edgegate push oci://HOST/REPO:TAG [PATH...]
                              render, check, push the output as a Flux OCI artifact
  edgegate flux-wiring oci://HOST/REPO:TAG [PATH...]
                              print the Flux OCIRepository and Kustomizations for it
  edgegate pin [PATH...]      pin IngressGateway proxy images to their digests
  edgegate fn                 run as a KRM function (ResourceList on stdin)
  edgegate version            print the version

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
	// in a container allowing less (a sidecar, a function container with a
	// limit), as far under the container's limit instead. GOMEMLIMIT or GOGC
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
	case "fn":
		return runFunction(args[1:], stdin, stdout, stderr)
	case "push":
		return runPush(args[1:], stdin, stdout, stderr)
	case "flux-wiring":
		return runFluxWiring(args[1:], stdin, stdout, stderr)
	case "pin":
		return runPin(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "edgegate %s\n", buildVersion())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "edgegate: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// newFlags returns a flag set that prints its usage to stderr and reports
// errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\n\nFlags:\n%s", synopsis, fs.FlagUsages())
	}
	return fs
}

// parseFailure is the exit code for a flag error: 0 for --help, which pflag
// reports as an error after printing the usage.
func parseFailure(err error) int {
	if errors.Is(err, pflag.ErrHelp) {
		return 0
	}
	return 2
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
