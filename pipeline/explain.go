package pipeline

import (
	"github.com/edgegate/edgegate/explain"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render"
)

// Explained is the outcome of Explain.
type Explained struct {
	Report
	// Answer is nil when the run failed or the question was not one explain
	// can answer (Err says why).
	Answer *explain.Answer
	Err    error
}

// Explain reads, renders and gates the inputs as `edgegate render` does and
// answers where req goes, from the render's own objects (`edgegate
// explain`). What render refuses, explain refuses too (the error is
// ErrFailed): only a configuration render accepts is one edgegate applies,
// and where the gate finds a conflict (one host on two servers of a
// listener) what Envoy does depends on which object the cluster holds
// longer, which no file says. A question it cannot answer (an unknown
// gateway, a malformed URL) is Explained.Err, with the error returned too.
func (r *Runner) Explain(req explain.Request) (*Explained, error) {
	objs, diags := r.Read()
	files := manifest.CountFiles(objs, diags)
	if diags.HasErrors() {
		return &Explained{Report: failedIn(diags, files)}, ErrFailed
	}
	cfg, _, d := r.Configure(objs)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return &Explained{Report: failedIn(diags, files)}, ErrFailed
	}
	// RenderAndGate, keeping the gate's index for the question.
	res := render.Render(objs, cfg.RenderOptions())
	d = res.Diagnostics
	var idx *model.Index
	if !d.HasErrors() {
		var gate manifest.Diagnostics
		gate, idx = policy.GateIndexed(res, cfg.Policy)
		d = append(d, gate...)
	}
	out := &Explained{Report: Report{Diagnostics: append(diags, d...), FailOn: cfg.Policy.FailOn, Files: files}}
	if out.Failed() {
		return out, ErrFailed
	}
	out.Answer, out.Err = explain.NewWorldIndexed(res, idx).Explain(req)
	return out, out.Err
}
