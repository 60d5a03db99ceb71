package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/edgegate/edgegate/policy"
)

const checkSynopsis = `Usage: edgegate check [PATH...] [flags]

Runs the policy gate alone over any manifests under PATH (default ".", "-" for
stdin): hand-written Gateways, VirtualServices, Deployments, Services, Secrets,
Namespaces, and edgegate's intents, offline; intents are rendered (nothing is
printed) and judged as render judges them. Findings go to stdout; the exit
code is 1 when one reaches --fail-on. 'edgegate check --list' lists the checks.`

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("check", checkSynopsis)
	in.register(fs, false)
	format := fs.StringP("output", "o", "text", "output format: text, json or sarif")
	flagValues(fs, "output", "text", "json", "sarif")
	list := fs.Bool("list", false, "list the checks and exit")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if *list {
		return listChecks(stdout)
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		return usageError(stderr, fs, "--output must be text, json or sarif, not %q", *format)
	}
	// The findings are written whether they fail the run or not.
	rep, failed := in.runner(fs.Args(), stdin).Check()
	var err error
	switch *format {
	case "json":
		err = policy.WriteJSON(stdout, rep.Diagnostics)
	case "sarif":
		err = policy.WriteSARIF(stdout, rep.Diagnostics, buildVersion())
	default:
		err = policy.WriteText(stdout, rep.Diagnostics, in.verbose)
	}
	if err != nil {
		fmt.Fprintf(stderr, "edgegate: error: %v\n", err)
		return 1
	}
	// The summary line is for people reading the text (on stderr, out of
	// the findings' way); JSON and SARIF carry every finding for tools.
	if *format == "text" {
		fmt.Fprintln(stderr, rep.Diagnostics.Summary(rep.Files))
	}
	if failed != nil {
		return 1
	}
	return 0
}

func listChecks(w io.Writer) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tMIRRORS\tDESCRIPTION")
	for _, c := range policy.Catalog() {
		m := c.Meta()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID, m.Name, m.Severity, strings.Join(m.Mirrors, ","), m.Description)
	}
	tw.Flush()
	return 0
}
