package policy

import (
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/render"
)

// Gate runs the checks over everything a render produced and saw: the
// objects it passes through, the intents, what it rendered, and the host
// bindings as this render leaves them (which replace the lock it read, so
// ownership is judged by the bindings that will be recorded).
func Gate(res *render.Result, cfg Config) manifest.Diagnostics {
	return Run(gated(res), cfg)
}

// GateIndexed is Gate, returning the index of the render's objects it
// built too, for a caller that reads them after the gate (explain), so a
// run builds it once.
func GateIndexed(res *render.Result, cfg Config) (manifest.Diagnostics, *model.Index) {
	return runIndexed(gated(res), cfg)
}

// gated lists what Gate checks of a render.
func gated(res *render.Result) []*manifest.Object {
	m := res.Model
	current := make(map[string]bool, len(res.Locks))
	for _, o := range res.Locks {
		current[o.Key()] = true
	}
	objs := make([]*manifest.Object, 0, len(m.Passthrough)+len(m.Intents)+len(res.Locks)+len(res.Objects))
	objs = append(objs, m.Passthrough...)
	for _, o := range m.Intents {
		if !current[o.Key()] {
			objs = append(objs, o)
		}
	}
	objs = append(objs, res.Locks...)
	objs = append(objs, res.Objects...)
	return objs
}
