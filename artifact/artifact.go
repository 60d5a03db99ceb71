// Package artifact is a sink of edgegate's pipeline: it packs the objects a
// render prints into an OCI artifact in Flux's format (what `flux push
// artifact` builds and source-controller's OCIRepository reads), pushes it to
// a registry, and resolves image tags to digests for `edgegate pin`.
//
// An artifact is reproducible: the same objects and metadata give the same
// digest. The tarball has sorted entries, zeroed times, uid/gid 0 and fixed
// modes; the gzip stream has no name and no time; the config and manifest
// are built the way Flux builds them, with the created time given, never the
// clock's.
package artifact

import (
	"bytes"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types and annotations of a Flux artifact, as fluxcd/pkg/oci writes them.
const (
	ManifestMediaType = types.OCIManifestSchema1 // application/vnd.oci.image.manifest.v1+json
	ConfigMediaType   = types.MediaType("application/vnd.cncf.flux.config.v1+json")
	ContentMediaType  = types.MediaType("application/vnd.cncf.flux.content.v1.tar+gzip")

	CreatedAnnotation  = "org.opencontainers.image.created"
	SourceAnnotation   = "org.opencontainers.image.source"
	RevisionAnnotation = "org.opencontainers.image.revision"
)

// Metadata are the artifact's annotations.
type Metadata struct {
	// Created is written as RFC 3339 in UTC, to the second.
	Created time.Time
	// Source is where the input came from, e.g. a Git URL.
	Source string
	// Revision is the input's revision, e.g. main@sha1:<commit>.
	Revision string
}

// Annotations returns the manifest annotations. All three are always
// present, as `flux push artifact` writes them.
func (m Metadata) Annotations() map[string]string {
	return map[string]string{
		CreatedAnnotation:  m.Created.UTC().Format(time.RFC3339),
		SourceAnnotation:   m.Source,
		RevisionAnnotation: m.Revision,
	}
}

// Build returns the artifact holding files: one layer of ContentMediaType
// (the tarball of the files), a config of ConfigMediaType and an OCI
// manifest carrying meta's annotations. It follows fluxcd/pkg/oci's Push
// step by step, so Flux reads it as its own.
func Build(files []File, meta Metadata) (v1.Image, error) {
	tgz, err := Tarball(files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tgz)), nil
	}, tarball.WithMediaType(ContentMediaType), tarball.WithCompressedCaching)
	if err != nil {
		return nil, fmt.Errorf("creating the layer: %w", err)
	}
	// The created time goes into the config before its media type changes:
	// go-containerregistry keeps the raw blob of a non-image config as is.
	cfg, err := empty.Image.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg.Created = v1.Time{Time: meta.Created.UTC().Truncate(time.Second)}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, fmt.Errorf("setting the artifact config: %w", err)
	}
	img = mutate.MediaType(img, ManifestMediaType)
	img = mutate.ConfigMediaType(img, ConfigMediaType)
	img = mutate.Annotations(img, meta.Annotations()).(v1.Image)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer})
	if err != nil {
		return nil, fmt.Errorf("adding the content layer: %w", err)
	}
	return img, nil
}
