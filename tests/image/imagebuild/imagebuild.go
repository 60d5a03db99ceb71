// Package imagebuild builds edgegate's container image without a container
// engine, with go-containerregistry, as ko does: for each platform, the
// static binary cross-compiled from the checkout (CGO_ENABLED=0, GOARCH)
// and one layer holding it, /etc/passwd and /etc/group (root, nonroot
// 65532, nobody 65534), the CA certificates and /tmp; the image runs as
// 65532:65532. The platforms' images go into one OCI index.
//
// The build is reproducible: every timestamp (the files', the config's, the
// history's) is the given Created time (SOURCE_DATE_EPOCH, the commit time),
// the files' order, owners and modes are fixed, gzip and Go's build are
// deterministic, and the CA bundle comes from a pinned Go module
// (golang.org/x/crypto/x509roots/fallback, Mozilla's NSS roots), not the
// building machine: the same commit and version give the same digest on any
// machine with the same Go.
//
// It lives in its own module under tests/ so that neither the engine-free
// image code nor the CA bundle ends up in the edgegate binary or the main
// go.mod.
package imagebuild

import (
	"archive/tar"
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed facts.
const (
	// Binary is where the edgegate binary is in the image, its entrypoint.
	Binary = "/usr/local/bin/edgegate"
	// User is the user and group the image runs as: distroless's nonroot.
	User = "65532:65532"
	// CABundle is the certificate file Go (and most TLS stacks) look for.
	CABundle = "/etc/ssl/certs/ca-certificates.crt"
	// License is the SPDX expression of edgegate's license.
	License = "Apache-2.0"
	// DefaultSource is the repository the image is built from.
	DefaultSource = "https://github.com/edgegate/edgegate"
)

// Passwd and Group are the image's account files. kpt and kustomize run
// functions as --user nobody, which needs an entry; 65532 is the image's own
// user, as in distroless.
const (
	Passwd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	Group = "root:x:0:\n" +
		"nonroot:x:65532:\n" +
		"nobody:x:65534:\n"
)

// Options say what to build.
type Options struct {
	// SourceDir is the checkout holding ./cmd/edgegate.
	SourceDir string
	// Version goes into the binary (-X main.version) and the labels.
	Version string
	// Revision is the commit, for the revision label.
	Revision string
	// Source is the repository URL, for the source label.
	Source string
	// Created stamps every file, the config and the history.
	Created time.Time
	// Platforms are "os/arch" pairs, e.g. linux/amd64.
	Platforms []string
	// WorkDir holds the compiled binaries.
	WorkDir string
	// Log receives the build's progress; nil discards it.
	Log io.Writer
}

// Labels are the OCI labels (and index annotations) of the image.
func (o Options) Labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "edgegate",
		"org.opencontainers.image.description": "Renders AppIntents into Istio ingress configuration and checks it offline; a KRM function for kustomize and kpt",
		"org.opencontainers.image.source":      o.Source,
		"org.opencontainers.image.revision":    o.Revision,
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.licenses":    License,
		"org.opencontainers.image.created":     o.Created.UTC().Format(time.RFC3339),
	}
}

// Build compiles the binary for each platform and returns the index of the
// platforms' images, in the order given.
func Build(o Options) (v1.ImageIndex, error) {
	if o.Version == "" || o.Revision == "" || o.Source == "" || o.Created.IsZero() || len(o.Platforms) == 0 {
		return nil, fmt.Errorf("imagebuild: version, revision, source, created time and platforms are all required")
	}
	ca, err := CACertificates()
	if err != nil {
		return nil, err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	idx = mutate.Annotations(idx, o.Labels()).(v1.ImageIndex)
	for _, p := range o.Platforms {
		platform, err := v1.ParsePlatform(p)
		if err != nil {
			return nil, err
		}
		bin, err := o.compile(platform)
		if err != nil {
			return nil, err
		}
		img, err := o.image(platform, bin, ca)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: platform},
		})
	}
	return idx, nil
}

// compile builds the static binary for one platform, as `make build` does.
func (o Options) compile(p *v1.Platform) ([]byte, error) {
	out := filepath.Join(o.WorkDir, "edgegate-"+p.OS+"-"+p.Architecture)
	ldflags := "-s -w -X main.version=" + o.Version
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, "./cmd/edgegate")
	cmd.Dir = o.SourceDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
	if p.Variant != "" && p.Architecture == "arm" {
		cmd.Env = append(cmd.Env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "go build %s/%s (version %s)\n", p.OS, p.Architecture, o.Version)
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build for %s/%s: %v\n%s", p.OS, p.Architecture, err, msg)
	}
	return os.ReadFile(out)
}

// image is one platform's image: one layer, the config, the history.
func (o Options) image(p *v1.Platform, bin, ca []byte) (v1.Image, error) {
	layerTar, err := o.rootfs(bin, ca)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: o.Created},
			CreatedBy: "edgegate tests/image/cmd/build-image " + o.Version,
			Comment:   "edgegate, passwd and group, CA certificates",
		},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	cfg.Author = ""
	cfg.Config = v1.Config{
		User:       User,
		Entrypoint: []string{Binary},
		WorkingDir: "/",
		Env: []string{
			"PATH=/usr/local/bin:/usr/bin:/bin",
			"SSL_CERT_FILE=" + CABundle,
		},
		Labels: o.Labels(),
	}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, err
	}
	return mutate.CreatedAt(img, v1.Time{Time: o.Created})
}

// rootfs is the layer's tar: directories first, then files, in a fixed
// order, every entry owned by root (but the nonroot home) and stamped with
// the Created time.
func (o Options) rootfs(bin, ca []byte) ([]byte, error) {
	type entry struct {
		name     string
		mode     int64
		uid, gid int
		data     []byte
		dir      bool
	}
	entries := []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, data: []byte(Group)},
		{name: "etc/passwd", mode: 0o644, data: []byte(Passwd)},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: strings.TrimPrefix(CABundle, "/"), mode: 0o644, data: ca},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/nonroot/", mode: 0o700, uid: 65532, gid: 65532, dir: true},
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: "usr/", mode: 0o755, dir: true},
		{name: "usr/local/", mode: 0o755, dir: true},
		{name: "usr/local/bin/", mode: 0o755, dir: true},
		{name: strings.TrimPrefix(Binary, "/"), mode: 0o755, data: bin},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.name,
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			ModTime: o.Created.UTC(),
			Format:  tar.FormatPAX,
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CACertificates is the PEM bundle of the NSS roots that carry no extra
// constraint. A root NSS distrusts after a date cannot say so in a PEM
// file, so it is left out rather than trusted without its limit.
func CACertificates() ([]byte, error) {
	var buf bytes.Buffer
	n := 0
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		if err := pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate}); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("imagebuild: the CA bundle module holds no roots")
	}
	return buf.Bytes(), nil
}
