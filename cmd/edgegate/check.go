package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy"
	"github.com/edgegate/edgegate/render"
)

const checkSynopsis = `Usage: edgegate check [PATH...] [flags]

Runs the policy gate alone over any manifests under PATH (default ".", "-" for
stdin): hand-written Gateways, VirtualServices, Deployments, Services, Secrets,
Namespaces, and edgegate's intents, offline. Findings go to stdout; the exit
code is 1 when one reaches --fail-on. 'edgegate check --list' lists the checks.`

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("check", checkSynopsis, stderr)
	in.register(fs, false)
	format := fs.StringP("output", "o", "text", "output format: text, json or sarif")
	list := fs.Bool("list", false, "list the checks and exit")
	if err := fs.Parse(args); err != nil {
		return parseFailure(err)
	}
	if *list {
		return listChecks(stdout)
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		fmt.Fprintf(stderr, "edgegate: --output must be text, json or sarif, not %q\n", *format)
		return 2
	}
	objs, diags := in.read(fs.Args(), stdin)
	cfg, _, d := in.policyConfig(objs)
	diags = append(diags, d...)
	if !diags.HasErrors() {
		// Intents are validated as a render would, without rendering. A
		// stream without edgegate's objects (a rendered output) has none,
		// and building a model of its objects would find nothing.
		if slices.ContainsFunc(objs, func(o *manifest.Object) bool { return o.Group() == v1alpha1.Group }) {
			_, d := render.Build(objs, in.options())
			diags = append(diags, d...)
		}
		diags = append(diags, policy.Run(objs, cfg)...)
	}
	diags.Sort()
	var err error
	switch *format {
	case "json":
		err = policy.WriteJSON(stdout, diags)
	case "sarif":
		err = policy.WriteSARIF(stdout, diags, buildVersion())
	default:
		err = policy.WriteText(stdout, diags)
	}
	if err != nil {
		fmt.Fprintf(stderr, "edgegate: %v\n", err)
		return 1
	}
	if policy.Fails(diags, cfg.FailOn) {
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

// policyConfig reads --config, else the one EdgegatePolicy among objs, and
// applies --fail-on on top.
func (f *inputFlags) policyConfig(objs []*manifest.Object) (policy.Config, v1alpha1.EdgegatePolicySpec, manifest.Diagnostics) {
	cfg := policy.Config{FailOn: manifest.Error}
	var spec v1alpha1.EdgegatePolicySpec
	var diags manifest.Diagnostics
	var obj *manifest.Object
	if f.config != "" {
		r := manifest.Reader{MaxFileBytes: f.maxBytes}
		found, d := r.Read([]string{f.config})
		diags = append(diags, d...)
		if len(found) != 1 || found[0].Kind != v1alpha1.KindPolicy {
			diags = append(diags, manifest.Diagnostic{Severity: manifest.Error, Pos: manifest.Position{File: f.config}, Message: "--config must name a file holding one EdgegatePolicy"})
			return cfg, spec, diags
		}
		obj = found[0]
	} else {
		var d manifest.Diagnostics
		obj, d = policy.FindConfig(objs)
		diags = append(diags, d...)
	}
	if obj != nil {
		var d manifest.Diagnostics
		cfg, spec, d = policy.ConfigFrom(obj)
		diags = append(diags, d...)
	}
	if f.failOn != "" {
		switch s := manifest.Severity(f.failOn); s {
		case manifest.Error, manifest.Warning, manifest.Info:
			cfg.FailOn = s
		default:
			diags = append(diags, manifest.Diagnostic{Severity: manifest.Error, Message: fmt.Sprintf("--fail-on must be error, warning or info, not %q", f.failOn)})
		}
	}
	return cfg, spec, diags
}
