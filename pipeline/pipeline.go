// Package pipeline is one edgegate run: read → decode → render → gate →
// sink. The CLI, the KRM function and anything else that drives edgegate (a
// controller) share it: they turn their flags or configuration into a Runner
// or a Config, and print what it reports. Each step is a function of its own,
// testable alone; a Runner's methods are the verbs built from them.
package pipeline

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy"
	"github.com/edgegate/edgegate/render"
)

// ErrFailed is returned when a run's diagnostics fail it: an input error, or
// a finding at or above the fail-on severity. Its Report holds them. Any
// other error is one of the sink (a file not written, an object not encoded).
var ErrFailed = errors.New("edgegate run failed")

// Report is what a run found, whether it failed or not.
type Report struct {
	Diagnostics manifest.Diagnostics
	// FailOn is the lowest severity that fails the run.
	FailOn manifest.Severity
	// Files is how many input files the run read (for the summary line).
	Files int
}

// Failed reports whether the diagnostics fail the run.
func (r Report) Failed() bool { return policy.Fails(r.Diagnostics, r.FailOn) }

// Shown are the diagnostics a run that produces objects (render, lock, push,
// the KRM function) shows on stderr: warnings and errors. Infos stay in
// `edgegate check` and in the function's results, so a clean render prints
// nothing, unless FailOn is info, when they are what fails the run.
func (r Report) Shown() manifest.Diagnostics {
	shown := make(manifest.Diagnostics, 0, len(r.Diagnostics))
	for _, d := range r.Diagnostics {
		if d.Severity == manifest.Info && r.FailOn != manifest.Info {
			continue
		}
		shown = append(shown, d)
	}
	return shown
}

// failed is the report of a run stopped by input errors, before the policy
// configuration says what else fails it.
func failed(diags manifest.Diagnostics) Report {
	return Report{Diagnostics: diags, FailOn: manifest.Error}
}

// failedIn is failed, for a run that read files input files.
func failedIn(diags manifest.Diagnostics, files int) Report {
	r := failed(diags)
	r.Files = files
	return r
}

// Settings are what the caller says about a run (the CLI's flags, the KRM
// function's ConfigMap). They take precedence over an EdgegatePolicy's.
type Settings struct {
	// Namespace is used for intents that name none.
	Namespace string
	// Locked fails a render when a host binding is not in the lock.
	Locked bool
	// FailOn is error, warning or info, as the user gave it (--fail-on);
	// empty keeps the policy's.
	FailOn string
	// PolicyGiven says the EdgegatePolicy is the caller's own (--config, the
	// KRM function's configuration): the platform's act, whatever its
	// namespace. Otherwise it was found among the inputs, and is the
	// platform's only when PolicyInGatewayNamespace; a team's policy may not
	// lower the checks that protect other namespaces, nor grant
	// (policy.Authorize).
	PolicyGiven bool
	// PolicyInGatewayNamespace says a policy found among the inputs is in a
	// gateway's namespace (policy.PlatformNamespace).
	PolicyInGatewayNamespace bool
	// AllowEmpty lets a render succeed with no object to apply (--allow-empty).
	AllowEmpty bool
	// API, when set, is the output API of every gateway (--api: istio or
	// gateway-api), overriding each IngressGateway's spec.api.
	API string
}

// Config is a run's configuration, settled: the gate's and the render's.
type Config struct {
	Policy    policy.Config
	Namespace string
	Locked    bool
	// AllowEmpty lets a render succeed with no object to apply.
	AllowEmpty bool
	// LockCommand is what messages advise to run to record the bindings;
	// empty is "edgegate lock".
	LockCommand string
	// API, when set, is the output API of every gateway.
	API string
}

// DefaultConfig is the configuration of a run without an EdgegatePolicy.
func DefaultConfig() Config {
	return Config{Policy: policy.Config{FailOn: manifest.Error}}
}

// RenderOptions are the render's options under c.
func (c Config) RenderOptions() render.Options {
	return render.Options{DefaultNamespace: c.Namespace, Locked: c.Locked, LockCommand: c.LockCommand, API: c.API}
}

// Configure settles a run's configuration from an EdgegatePolicy (nil for
// none) and the caller's settings on top. It returns the policy's spec too,
// for callers that read its other settings (the KRM function's mode).
func Configure(obj *manifest.Object, s Settings) (Config, v1alpha1.EdgegatePolicySpec, manifest.Diagnostics) {
	cfg := DefaultConfig()
	var spec v1alpha1.EdgegatePolicySpec
	var diags manifest.Diagnostics
	if obj != nil {
		cfg.Policy, spec, diags = policy.ConfigFrom(obj)
		diags = append(diags, policy.Authorize(&cfg.Policy, s.PolicyGiven || s.PolicyInGatewayNamespace, s.PolicyGiven)...)
	}
	cfg.Locked = s.Locked || spec.Locked
	cfg.AllowEmpty = s.AllowEmpty || (spec.AllowEmpty && s.PolicyGiven)
	if spec.AllowEmpty && !s.PolicyGiven {
		diags = append(diags, manifest.Warnf(obj, "spec.allowEmpty", "counts only in the policy given with --config or as the KRM function's configuration: ignored here"))
	}
	cfg.API = s.API
	if msg := v1alpha1.APIMessage(s.API); s.API != "" && msg != "" {
		diags = append(diags, manifest.Diagnostic{Severity: manifest.Error, Message: "the output API " + msg})
	}
	cfg.Namespace = s.Namespace
	if cfg.Namespace == "" {
		cfg.Namespace = spec.Namespace
	}
	if s.FailOn != "" {
		switch sev := manifest.Severity(s.FailOn); sev {
		case manifest.Error, manifest.Warning, manifest.Info:
			cfg.Policy.FailOn = sev
		default:
			diags = append(diags, manifest.Diagnostic{Severity: manifest.Error, Message: fmt.Sprintf("--fail-on must be error, warning or info, not %q", s.FailOn)})
		}
	}
	return cfg, spec, diags
}

// RenderAndGate renders objs and, when the render has no errors, runs the
// policy gate over the result. The diagnostics are the render's and the
// gate's; whether they fail the run is cfg.Policy.FailOn's to say.
func RenderAndGate(objs []*manifest.Object, cfg Config) (*render.Result, manifest.Diagnostics) {
	res := render.Render(objs, cfg.RenderOptions())
	diags := res.Diagnostics
	if !diags.HasErrors() {
		diags = append(diags, policy.Gate(res, cfg.Policy)...)
	}
	return res, diags
}

// NothingToApply is the error of a render with no object to apply, unless
// cfg.AllowEmpty: Argo CD and Flux take an empty output as "delete
// everything applied before", so an empty directory, a wrong path or inputs
// holding only local configuration and earlier output must fail loudly.
// remedy says how the caller allows it (a flag, a setting).
func NothingToApply(apply []*manifest.Object, cfg Config, remedy string) manifest.Diagnostics {
	if len(apply) > 0 || cfg.AllowEmpty {
		return nil
	}
	return manifest.Diagnostics{{Severity: manifest.Error, Message: "nothing to apply: the input holds no AppIntent, IngressGateway or object to pass through " +
		"(only local configuration or an earlier edgegate output, if anything), and an empty output makes Argo CD and Flux prune everything: check the paths, or " + remedy}}
}

// ApplyObjects are the objects of a render a cluster gets, sorted: those
// passed through (but local configuration) and those rendered.
func ApplyObjects(res *render.Result) []*manifest.Object {
	var objs []*manifest.Object
	for _, o := range res.Model.Passthrough {
		if !o.IsLocalConfig() {
			objs = append(objs, o)
		}
	}
	objs = append(objs, res.Objects...)
	manifest.Sort(objs)
	return objs
}

// Runner runs the verbs over one set of inputs. Its fields are what the
// CLI's flags set; the zero value reads "." with the defaults.
type Runner struct {
	// Paths are the files and directories read ("-" is Stdin); none reads ".".
	Paths []string
	Stdin io.Reader
	// Bindings is a HostBindings lock file, read besides Paths unless among them.
	Bindings string
	// MaxFileBytes bounds each input file; 0 is manifest.DefaultMaxFileBytes.
	MaxFileBytes int64
	// ConfigFile is an EdgegatePolicy file; empty looks for one among the inputs.
	ConfigFile string
	Settings   Settings
	// Prune lets Lock remove the records of apps and gateways it does not see.
	Prune bool
}

func (r *Runner) paths() []string {
	if len(r.Paths) == 0 {
		return []string{"."}
	}
	return r.Paths
}

// Read reads the paths and the lock file, if it is not among them.
func (r *Runner) Read() ([]*manifest.Object, manifest.Diagnostics) {
	rd := manifest.Reader{MaxFileBytes: r.MaxFileBytes, Stdin: r.Stdin}
	objs, diags := rd.Read(r.paths())
	if r.Bindings != "" && !readFrom(objs, r.Bindings) {
		more, d := rd.Read([]string{r.Bindings})
		objs, diags = append(objs, more...), append(diags, d...)
	}
	return objs, diags
}

// readFrom reports whether one of objs was read from the file name.
func readFrom(objs []*manifest.Object, name string) bool {
	for _, o := range objs {
		if filepath.Clean(o.Pos.File) == filepath.Clean(name) {
			return true
		}
	}
	return false
}

// Configure reads ConfigFile, else the one EdgegatePolicy among objs, and
// settles the configuration with the runner's settings on top.
func (r *Runner) Configure(objs []*manifest.Object) (Config, v1alpha1.EdgegatePolicySpec, manifest.Diagnostics) {
	var diags manifest.Diagnostics
	var obj *manifest.Object
	if r.ConfigFile != "" {
		rd := manifest.Reader{MaxFileBytes: r.MaxFileBytes}
		found, d := rd.Read([]string{r.ConfigFile})
		diags = append(diags, d...)
		if len(found) != 1 || found[0].Kind != v1alpha1.KindPolicy {
			diags = append(diags, manifest.Diagnostic{Severity: manifest.Error, Pos: manifest.Position{File: r.ConfigFile}, Message: "--config must name a file holding one EdgegatePolicy"})
			return DefaultConfig(), v1alpha1.EdgegatePolicySpec{}, diags
		}
		obj = found[0]
	} else {
		var d manifest.Diagnostics
		obj, d = policy.FindConfig(objs)
		diags = append(diags, d...)
	}
	s := r.Settings
	s.PolicyGiven = r.ConfigFile != ""
	s.PolicyInGatewayNamespace = !s.PolicyGiven && policy.PlatformNamespace(obj, objs)
	cfg, spec, d := Configure(obj, s)
	cfg.LockCommand = r.LockCommand()
	return cfg, spec, append(diags, d...)
}

// callerOptions are the render options of the runner's settings alone,
// without an EdgegatePolicy's: what lock and Build validate intents with.
func (r *Runner) callerOptions() render.Options {
	return render.Options{DefaultNamespace: r.Settings.Namespace, Locked: r.Settings.Locked, LockCommand: r.LockCommand(), API: r.Settings.API}
}

// LockCommand is the `edgegate lock` command that records the bindings of
// this runner's inputs when the lock is a file of its own (--bindings, a
// team rendering against the platform's lock): the same paths, lock file and
// namespace, so that the advice a team's render prints records the team's
// app in the platform's lock, on the platform's gateway.
func (r *Runner) LockCommand() string {
	if r.Bindings == "" {
		return "" // the lock is among the inputs: plain `edgegate lock`
	}
	args := []string{"edgegate", "lock", "--bindings", shellQuote(r.Bindings)}
	if r.Settings.Namespace != "" {
		args = append(args, "--namespace", shellQuote(r.Settings.Namespace))
	}
	for _, p := range r.Paths {
		args = append(args, shellQuote(p))
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Rendered is the outcome of Render.
type Rendered struct {
	Report
	// Result is the render's; nil when the run stopped before it.
	Result *render.Result
	// Objects are what `edgegate render` prints, sorted; nil on failure.
	Objects []*manifest.Object
}

// Render reads, configures, renders and gates: `edgegate render`, and the
// first half of push and flux-wiring. On failure the error is ErrFailed.
func (r *Runner) Render() (*Rendered, error) {
	objs, diags := r.Read()
	files := manifest.CountFiles(objs, diags)
	if diags.HasErrors() {
		return &Rendered{Report: failedIn(diags, files)}, ErrFailed
	}
	cfg, _, d := r.Configure(objs)
	diags = append(diags, d...) // with the reader's warnings (files skipped)
	if diags.HasErrors() {
		return &Rendered{Report: failedIn(diags, files)}, ErrFailed
	}
	res, d := RenderAndGate(objs, cfg)
	out := &Rendered{Report: Report{Diagnostics: append(diags, d...), FailOn: cfg.Policy.FailOn, Files: files}, Result: res}
	if out.Failed() {
		return out, ErrFailed
	}
	apply := ApplyObjects(res)
	if d := NothingToApply(apply, cfg, "pass --allow-empty if that is intended"); d != nil {
		out.Diagnostics = append(out.Diagnostics, d...)
		return out, ErrFailed
	}
	out.Objects = apply
	return out, nil
}

// Check runs the gate alone over any manifests (`edgegate check`). Given
// intents, it judges them as render does: it renders them (printing
// nothing) and gates the result, so it reports every finding render would,
// with the same IDs on the same objects. The report's diagnostics are
// sorted. When they fail the run the error is ErrFailed; the report is
// complete either way.
func (r *Runner) Check() (Report, error) {
	objs, diags := r.Read()
	cfg, _, d := r.Configure(objs)
	diags = append(diags, d...)
	if !diags.HasErrors() {
		// A stream without edgegate's objects (a rendered output) has no
		// intents: the gate judges it as it is.
		if slices.ContainsFunc(objs, func(o *manifest.Object) bool { return o.Group() == v1alpha1.Group }) {
			_, d := RenderAndGate(objs, cfg)
			diags = append(diags, d...)
		} else {
			diags = append(diags, policy.Run(objs, cfg.Policy)...)
		}
	}
	diags.Sort()
	rep := Report{Diagnostics: diags, FailOn: cfg.Policy.FailOn, Files: manifest.CountFiles(objs, diags)}
	if rep.Failed() {
		return rep, ErrFailed
	}
	return rep, nil
}

// Build reads and builds the model of the intents, without rendering (for
// `edgegate pin`). On failure the report holds the failing step's
// diagnostics and the error is ErrFailed.
func (r *Runner) Build() (*render.Model, Report, error) {
	objs, diags := r.Read()
	files := manifest.CountFiles(objs, diags)
	if diags.HasErrors() {
		return nil, failedIn(diags, files), ErrFailed
	}
	m, diags := render.Build(objs, r.callerOptions())
	if diags.HasErrors() {
		return nil, failedIn(diags, files), ErrFailed
	}
	return m, Report{Diagnostics: diags, FailOn: manifest.Error, Files: files}, nil
}
