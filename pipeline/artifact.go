package pipeline

import (
	"errors"

	"github.com/edgegate/edgegate/artifact"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ErrEmptyArtifact refuses an artifact with no objects: Flux would prune
// everything an earlier artifact applied.
var ErrEmptyArtifact = errors.New("the render has no objects, and Flux would prune everything an earlier artifact applied: nothing pushed (--allow-empty pushes it)")

// SecretsError refuses plain Secrets in an artifact; its report names them.
type SecretsError struct {
	Report
}

func (e *SecretsError) Error() string { return "nothing pushed" }

// PackOptions say what an artifact may hold and how it is annotated.
type PackOptions struct {
	AllowSecrets bool
	AllowEmpty   bool
	Metadata     artifact.Metadata
}

// Packed is a render packed as a Flux OCI artifact: gateways/ and apps/.
type Packed struct {
	Layout artifact.Layout
	Image  v1.Image
}

// Pack builds the artifact `edgegate push` pushes from a render's objects.
// It refuses plain Secrets (*SecretsError) and, unless allowed, an empty
// artifact (ErrEmptyArtifact).
func Pack(objs []*manifest.Object, opts PackOptions) (*Packed, error) {
	if !opts.AllowSecrets {
		if diags := artifact.CheckSecrets(objs); diags.HasErrors() {
			return nil, &SecretsError{Report: failed(diags)}
		}
	}
	if len(objs) == 0 && !opts.AllowEmpty {
		return nil, ErrEmptyArtifact
	}
	layout := artifact.Split(objs)
	files, err := layout.Files()
	if err != nil {
		return nil, err
	}
	img, err := artifact.Build(files, opts.Metadata)
	if err != nil {
		return nil, err
	}
	return &Packed{Layout: layout, Image: img}, nil
}

// FluxWiring renders the Flux objects that deliver the artifact Pack builds
// from objs (`edgegate flux-wiring`): w, with a health check on every
// gateway Deployment among objs.
func FluxWiring(objs []*manifest.Object, w render.FluxWiring) ([]*manifest.Object, error) {
	w.Deployments = artifact.Split(objs).Deployments()
	return render.RenderFluxWiring(w)
}
