package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

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

// MetadataSources are where an artifact's annotations come from, in the
// order they take precedence: the caller's settings, then the environment,
// then the Git work tree holding the first path.
type MetadataSources struct {
	// Paths are the render's inputs; the first one's work tree is read.
	Paths []string
	// Created is an RFC 3339 time; SourceDateEpoch a Unix time (the
	// reproducible-builds convention). Either may be empty.
	Created, SourceDateEpoch string
	// Source and Revision, when set, are used as given (Source cleaned of
	// credentials); nil takes them from Git.
	Source, Revision *string
}

// ArtifactMetadata settles the annotations of the artifact push builds, so
// that the same input gives the same digest: the created time is Created,
// else SourceDateEpoch, else the HEAD commit's time, else the Unix epoch;
// source and revision default to the work tree's origin URL (credentials
// removed) and <branch>@sha1:<commit>. The warnings say which annotation
// was left out because a URL could not be cleaned of credentials.
func ArtifactMetadata(src MetadataSources) (artifact.Metadata, []string, error) {
	var meta artifact.Metadata
	var git artifact.GitInfo
	if src.Created == "" || src.Source == nil || src.Revision == nil {
		git = artifact.Git(workTreeDir(src.Paths))
	}
	switch {
	case src.Created != "":
		t, err := time.Parse(time.RFC3339, src.Created)
		if err != nil {
			return meta, nil, fmt.Errorf("--created %q is not an RFC 3339 time such as 2025-01-31T12:00:00Z", src.Created)
		}
		meta.Created = t
	case src.SourceDateEpoch != "":
		secs, err := strconv.ParseInt(src.SourceDateEpoch, 10, 64)
		if err != nil {
			return meta, nil, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a Unix time", src.SourceDateEpoch)
		}
		meta.Created = time.Unix(secs, 0)
	case git.Commit != "":
		meta.Created = git.Time
	default:
		meta.Created = time.Unix(0, 0)
	}
	var warnings []string
	if src.Source != nil {
		var ok bool
		if meta.Source, ok = artifact.SourceURL(*src.Source); !ok {
			warnings = append(warnings, fmt.Sprintf("--source is not a URL edgegate can clean of credentials: the artifact has no %s", artifact.SourceAnnotation))
		}
	} else {
		meta.Source = git.Remote
		if git.RemoteDropped {
			warnings = append(warnings, fmt.Sprintf("the Git origin URL is not one edgegate can clean of credentials: the artifact has no %s (set it with --source)", artifact.SourceAnnotation))
		}
	}
	if src.Revision != nil {
		meta.Revision = *src.Revision
	} else {
		meta.Revision = git.Revision()
	}
	return meta, warnings, nil
}

// workTreeDir is the directory whose Git work tree describes the input: the
// first path's (its directory, for a file), or the current one.
func workTreeDir(paths []string) string {
	if len(paths) == 0 || paths[0] == "-" {
		return "."
	}
	if info, err := os.Stat(paths[0]); err == nil && !info.IsDir() {
		return filepath.Dir(paths[0])
	}
	return paths[0]
}
