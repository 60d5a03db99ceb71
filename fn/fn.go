// Package fn runs edgegate as a KRM function: it reads a ResourceList,
// renders (or only checks) its items, and writes the ResourceList back with
// results. kustomize and kpt exec it this way.
package fn

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/pipeline"
	"github.com/edgegate/edgegate/policy"
)

// Mode selects what the function does.
type Mode string

const (
	// ModeRender renders intents and checks the result (a kpt mutator or a
	// kustomize transformer).
	ModeRender Mode = "render"
	// ModeCheck only checks, returning items unchanged (a kpt validator).
	ModeCheck Mode = "check"
)

// Config is the function configuration: an EdgegatePolicy functionConfig
// (its spec: mode, locked, namespace, failOn, checks, allowEmpty), or the
// data of a ConfigMap (kpt's inline configMap: mode, locked, namespace,
// api, failOn, allowEmpty).
type Config struct {
	Mode Mode
	pipeline.Config
}

// ConfigFrom reads a function configuration; nil means the defaults.
func ConfigFrom(fc *manifest.Object) (Config, manifest.Diagnostics) {
	cfg := Config{Mode: ModeRender, Config: pipeline.DefaultConfig()}
	if fc == nil {
		return cfg, nil
	}
	if fc.Group() == v1alpha1.Group && fc.Kind == v1alpha1.KindPolicy {
		pcfg, spec, diags := pipeline.Configure(fc, pipeline.Settings{PolicyGiven: true})
		cfg.Config = pcfg
		if spec.Mode != "" {
			cfg.Mode = Mode(spec.Mode)
		}
		return cfg, diags
	}
	if fc.Kind != "ConfigMap" || fc.Group() != "" {
		if fc.Kind == "" && len(fc.Node.Content) == 0 {
			return cfg, nil // an empty functionConfig: the defaults
		}
		kind := fc.Kind
		if kind == "" {
			kind = "object with no kind"
		}
		return cfg, manifest.Diagnostics{manifest.Errorf(fc, "kind", "the function configuration is a %s (apiVersion %q), which edgegate does not read: it reads an EdgegatePolicy (%s) or a ConfigMap (v1)", kind, fc.APIVersion, v1alpha1.APIVersion)}
	}
	data := fc.Field("data")
	if data == nil {
		return cfg, nil
	}
	var raw map[string]string
	if diags := manifest.Decode(fc, data, "data", &raw); len(diags) > 0 {
		return cfg, diags
	}
	var diags manifest.Diagnostics
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		switch k {
		case "mode":
			switch Mode(v) {
			case ModeRender, ModeCheck:
				cfg.Mode = Mode(v)
			default:
				diags = append(diags, manifest.Errorf(fc, "data.mode", "must be render or check, not %q", v))
			}
		case "locked":
			b, err := strconv.ParseBool(v)
			if err != nil {
				diags = append(diags, manifest.Errorf(fc, "data.locked", "must be true or false, not %q", v))
			}
			cfg.Locked = b
		case "namespace":
			cfg.Namespace = v
		case "api":
			if msg := v1alpha1.APIMessage(v); msg != "" {
				diags = append(diags, manifest.Errorf(fc, "data.api", "%s", msg))
			}
			cfg.API = v
		case "allowEmpty":
			b, err := strconv.ParseBool(v)
			if err != nil {
				diags = append(diags, manifest.Errorf(fc, "data.allowEmpty", "must be true or false, not %q", v))
			}
			cfg.AllowEmpty = b
		case "failOn":
			switch s := manifest.Severity(v); s {
			case manifest.Error, manifest.Warning, manifest.Info:
				cfg.Policy.FailOn = s
			default:
				diags = append(diags, manifest.Errorf(fc, "data.failOn", "must be error, warning or info, not %q", v))
			}
		default:
			diags = append(diags, manifest.Errorf(fc, "data."+k, "unknown setting (edgegate reads mode, locked, namespace, api, failOn and allowEmpty; use an EdgegatePolicy to configure checks)"))
		}
	}
	return cfg, diags
}

// Process runs the function over items. In render mode the output holds the
// items edgegate does not own unchanged, the intents marked local-config (so
// kpt never applies them), one HostBindings lock per gateway, and freshly
// rendered objects in place of those an earlier run rendered: running it on
// its own output changes nothing. On any error it returns no items.
func Process(items []*manifest.Object, cfg Config) ([]*manifest.Object, manifest.Diagnostics) {
	res, diags := pipeline.RenderAndGate(items, cfg.Config)
	if policy.Fails(diags, cfg.Policy.FailOn) {
		return nil, diags
	}
	if cfg.Mode == ModeCheck {
		return items, diags
	}
	if d := pipeline.NothingToApply(pipeline.ApplyObjects(res), cfg.Config, "set allowEmpty: true in the function's configuration if that is intended"); d != nil {
		return nil, append(diags, d...)
	}
	m := res.Model
	previous := map[string]*manifest.Object{}
	for _, o := range m.Stale {
		previous[o.Key()] = o
	}
	out := make([]*manifest.Object, 0, len(m.Passthrough)+len(m.Intents)+len(res.Objects))
	out = append(out, m.Passthrough...)
	locks := map[string]bool{}
	for _, o := range res.Locks {
		locks[o.Key()] = true
	}
	for _, o := range m.Intents {
		if o.Kind == v1alpha1.KindHostBindings && locks[o.Key()] {
			previous[o.Key()] = o // replaced by the current bindings
			continue
		}
		o.SetAnnotation(manifest.LocalConfigAnnotation, "true")
		out = append(out, o)
	}
	for _, o := range append(append([]*manifest.Object{}, res.Locks...), res.Objects...) {
		if prev := previous[o.Key()]; prev != nil {
			for _, key := range locationAnnotations {
				if v := prev.Annotation(key); v != "" {
					o.SetAnnotation(key, v)
				}
			}
		}
		out = append(out, o)
	}
	manifest.Sort(out)
	return out, diags
}

// Run is the whole function: ResourceList in, ResourceList out. Every
// warning and error is also printed to stderr, because kustomize never shows
// results; infos are only results (unless failOn is info). It returns the exit code: 1 when any result is an error.
func Run(stdin io.Reader, stdout, stderr io.Writer, maxBytes int64) int {
	rl, err := ReadResourceList(stdin, maxBytes)
	var input manifest.Diagnostics
	if errors.As(err, &input) {
		// Items that are read but refused (duplicate keys, limits) are
		// results, as any other error about them.
		input.Print(stderr)
		fmt.Fprintln(stderr, input.Summary(0))
		if err := WriteResourceList(stdout, nil, nil, input); err != nil {
			fmt.Fprintf(stderr, "edgegate: error: writing ResourceList: %v\n", err)
		}
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "edgegate: error: %v\n", err)
		return 1
	}
	cfg, diags := ConfigFrom(rl.FunctionConfig)
	if fc := rl.FunctionConfig; fc == nil || fc.Group() != v1alpha1.Group || fc.Kind != v1alpha1.KindPolicy {
		// An EdgegatePolicy among the items (a policy file in the package or
		// kustomization) configures the gate as it does for the CLI; an
		// EdgegatePolicy functionConfig takes precedence. A ConfigMap's
		// locked and namespace stay on top of the policy's, its failOn gives
		// way to the policy's, and its mode is the only one read.
		obj, d := policy.FindConfig(rl.Items)
		diags = append(diags, d...)
		if obj != nil {
			pcfg, _, d := pipeline.Configure(obj, pipeline.Settings{Namespace: cfg.Namespace, Locked: cfg.Locked, AllowEmpty: cfg.AllowEmpty, API: cfg.API, PolicyInGatewayNamespace: policy.PlatformNamespace(obj, rl.Items)})
			diags = append(diags, d...)
			cfg.Config = pcfg
		}
	}
	var items []*manifest.Object
	if !diags.HasErrors() {
		items, diags = Process(rl.Items, cfg)
		if cfg.Mode == ModeCheck && items != nil {
			items = rl.Wire // a check returns the items as they came
		}
	}
	report := pipeline.Report{Diagnostics: diags, FailOn: cfg.Policy.FailOn}
	// Infos stay in the results, unless they fail the run. stderr gets
	// what the CLI prints: errors first, repeated infos folded, a summary.
	if shown := report.Shown(); len(shown) > 0 {
		shown.Print(stderr)
		fmt.Fprintln(stderr, shown.Summary(manifest.CountFiles(rl.Items, nil)))
	}
	if err := WriteResourceList(stdout, items, rl.FunctionConfig, diags); err != nil {
		fmt.Fprintf(stderr, "edgegate: error: writing ResourceList: %v\n", err)
		return 1
	}
	if report.Failed() {
		return 1
	}
	return 0
}
