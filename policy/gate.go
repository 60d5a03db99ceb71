package policy

import (
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
)

// Gate runs the checks over everything a render produced and saw: the
// objects it passes through, the intents, and what it rendered.
func Gate(res *render.Result, cfg Config) manifest.Diagnostics {
	m := res.Model
	objs := make([]*manifest.Object, 0, len(m.Passthrough)+len(m.Intents)+len(res.Objects))
	objs = append(objs, m.Passthrough...)
	objs = append(objs, m.Intents...)
	objs = append(objs, res.Objects...)
	return Run(objs, cfg)
}
