package artifact

import (
	"bytes"

	"github.com/edgegate/edgegate/manifest"
)

// The two directories of an edgegate artifact, one per Flux Kustomization:
// the gateway workloads first, then everything routed through them.
const (
	GatewaysDir = "gateways"
	AppsDir     = "apps"
)

// Layout splits the objects of one render into the artifact's two
// directories. Each keeps the order of the render's output; together they
// hold exactly the objects `edgegate render` prints.
type Layout struct {
	// Gateways are the gateway workloads edgegate renders (Namespace,
	// ServiceAccount, Role, RoleBinding, Deployment, Service, HPA, PDB) and
	// hand-written Namespaces of those workloads.
	Gateways []*manifest.Object
	// Apps are everything else: Istio Gateways and VirtualServices, and every
	// object passed through (Secrets, app Namespaces, ...).
	Apps []*manifest.Object
}

// Split lays out objs, the sorted stream a render prints. An object
// edgegate rendered (it carries the managed-by label: objects of earlier runs
// never reach the output) belongs to the gateway workloads unless it is
// Istio configuration; a hand-written Namespace holding a rendered workload
// object goes with them, so that Kustomization can create what it needs.
func Split(objs []*manifest.Object) Layout {
	workloadNS := map[string]bool{}
	for _, o := range objs {
		if isWorkload(o) && o.Namespace != "" {
			workloadNS[o.Namespace] = true
		}
	}
	var l Layout
	for _, o := range objs {
		switch {
		case isWorkload(o):
			l.Gateways = append(l.Gateways, o)
		case o.Group() == "" && o.Kind == "Namespace" && workloadNS[o.Name]:
			l.Gateways = append(l.Gateways, o)
		default:
			l.Apps = append(l.Apps, o)
		}
	}
	return l
}

// isWorkload: what edgegate renders besides routing. Routing is Istio's
// (Gateway, VirtualService) or the Gateway API's (Gateway, HTTPRoute,
// ReferenceGrant), applied once the workloads are up.
func isWorkload(o *manifest.Object) bool {
	return o.IsManaged() && o.Group() != "networking.istio.io" && o.Group() != "gateway.networking.k8s.io"
}

// Deployments are the gateway Deployments: what the gateways Kustomization
// waits for before the apps are applied.
func (l Layout) Deployments() []manifest.Ref {
	var refs []manifest.Ref
	for _, o := range l.Gateways {
		if o.Group() == "apps" && o.Kind == "Deployment" {
			refs = append(refs, o.Ref)
		}
	}
	return refs
}

// Len is the number of objects in both directories.
func (l Layout) Len() int { return len(l.Gateways) + len(l.Apps) }

// Files are the artifact's files: both directories always (a Kustomization
// whose path is missing fails), each with one YAML stream named after it
// when it has objects.
func (l Layout) Files() ([]File, error) {
	var files []File
	for _, dir := range []struct {
		name string
		objs []*manifest.Object
	}{{GatewaysDir, l.Gateways}, {AppsDir, l.Apps}} {
		files = append(files, File{Name: dir.name + "/"})
		if len(dir.objs) == 0 {
			continue
		}
		var buf bytes.Buffer
		if err := manifest.WriteStream(&buf, dir.objs); err != nil {
			return nil, err
		}
		files = append(files, File{Name: dir.name + "/" + dir.name + ".yaml", Data: buf.Bytes()})
	}
	return files, nil
}
