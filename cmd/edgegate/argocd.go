package main

import (
	"fmt"
	"io"
	"os"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
)

const argocdSynopsis = `Usage: edgegate argocd discover|generate

The commands of edgegate's Argo CD Config Management Plugin
(examples/argocd), which Argo CD's CMP server runs in the app's directory,
in the edgegate image itself (it has no shell):

  discover   print the YAML files under "." that declare an AppIntent; no
             output (and exit 0) means the plugin does not take the app
  generate   edgegate render . with the app's settings from Argo CD's
             environment: a parameter (PARAM_*) wins over the Application's
             plugin env (ARGOCD_ENV_*):
               PARAM_LOCKED, ARGOCD_ENV_LOCKED      true or false (default)
               PARAM_FAIL_ON, ARGOCD_ENV_FAIL_ON    error, warning or info
               PARAM_BINDINGS, ARGOCD_ENV_BINDINGS  a HostBindings lock file
               PARAM_ALLOW_EMPTY, ARGOCD_ENV_ALLOW_EMPTY
                                                    true: an app with nothing
                                                    to apply is not an error
                                                    (false, the default: Argo
                                                    CD would prune everything)
               PARAM_INPUTS_0, PARAM_INPUTS_1, ...  more files or directories
             and --namespace $ARGOCD_APP_NAMESPACE for intents that name
             none. Paths are relative to the app's directory.`

func runArgoCD(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("argocd", argocdSynopsis)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(stderr, fs, "want one of discover or generate")
	}
	switch fs.Arg(0) {
	case "discover":
		for _, f := range manifest.FilesDeclaring(".", v1alpha1.KindAppIntent) {
			fmt.Fprintln(stdout, f)
		}
		return 0
	case "generate":
		renderArgs, err := argocdRenderArgs(os.Getenv, os.LookupEnv)
		if err != nil {
			fmt.Fprintf(stderr, "edgegate argocd generate: error: %v\n", err)
			return 1
		}
		return runRender(renderArgs, stdin, stdout, stderr)
	}
	return usageError(stderr, fs, "unknown command %q: want discover or generate", fs.Arg(0))
}

// argocdRenderArgs turns Argo CD's environment into `edgegate render`'s
// arguments. Argo CD drops empty values, so empty is unset.
func argocdRenderArgs(getenv func(string) string, lookup func(string) (string, bool)) ([]string, error) {
	setting := func(name string) string {
		if v := getenv("PARAM_" + name); v != "" {
			return v
		}
		return getenv("ARGOCD_ENV_" + name)
	}
	var args []string
	switch locked := setting("LOCKED"); locked {
	case "true":
		args = append(args, "--locked")
	case "", "false":
	default:
		return nil, fmt.Errorf("parameter locked must be true or false, not %q", locked)
	}
	switch allowEmpty := setting("ALLOW_EMPTY"); allowEmpty {
	case "true":
		args = append(args, "--allow-empty")
	case "", "false":
	default:
		return nil, fmt.Errorf("parameter allow-empty must be true or false, not %q", allowEmpty)
	}
	if failOn := setting("FAIL_ON"); failOn != "" {
		var s severityFlag
		if err := s.Set(failOn); err != nil {
			return nil, fmt.Errorf("parameter fail-on %v", err)
		}
		args = append(args, "--fail-on", failOn)
	}
	if bindings := setting("BINDINGS"); bindings != "" {
		args = append(args, "--bindings", bindings)
	}
	if ns := getenv("ARGOCD_APP_NAMESPACE"); ns != "" {
		args = append(args, "--namespace", ns)
	}
	args = append(args, "--", ".")
	for i := 0; ; i++ {
		input, ok := lookup(fmt.Sprintf("PARAM_INPUTS_%d", i))
		if !ok {
			return args, nil
		}
		args = append(args, input)
	}
}
