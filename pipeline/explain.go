package pipeline

import (
	"github.com/edgegate/edgegate/explain"
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

// Explain reads and renders the inputs as `edgegate render` does and
// answers where req goes, from the render's own objects (`edgegate
// explain`). The policy gate does not run: explain shows what the
// configuration does, findings or not. On input errors the error is
// ErrFailed; a question it cannot answer (an unknown gateway, a malformed
// URL) is Explained.Err, with the error returned too.
func (r *Runner) Explain(req explain.Request) (*Explained, error) {
	objs, diags := r.Read()
	if diags.HasErrors() {
		return &Explained{Report: failed(diags)}, ErrFailed
	}
	cfg, _, d := r.Configure(objs)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return &Explained{Report: failed(diags)}, ErrFailed
	}
	res := render.Render(objs, cfg.RenderOptions())
	out := &Explained{Report: failed(append(diags, res.Diagnostics...))}
	if out.Failed() {
		return out, ErrFailed
	}
	out.Answer, out.Err = explain.NewWorld(res).Explain(req)
	return out, out.Err
}
