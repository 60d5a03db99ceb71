// Command build-image builds edgegate's multi-platform image without a
// container engine (see package imagebuild), writes it as an OCI layout,
// writes the image for this machine's platform as a docker tarball, loads
// that into the local podman (or docker), and pushes the index when asked.
// `make image` and `make image-push` run it; it prints the index's digest.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/edgegate/edgegate/tests/image/imagebuild"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "build-image: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("build-image", flag.ContinueOnError)
	var (
		o         imagebuild.Options
		platforms = fs.String("platforms", "linux/amd64,linux/arm64", "platforms of the index, comma-separated")
		epoch     = fs.String("source-date-epoch", os.Getenv("SOURCE_DATE_EPOCH"), "seconds since 1970 stamped on every file and the config (default $SOURCE_DATE_EPOCH)")
		out       = fs.String("out", "bin/image", "folder for the OCI layout (oci/) and the docker tarball")
		tag       = fs.String("tag", "ghcr.io/edgegate/edgegate:dev", "tag of the image loaded into the local engine")
		load      = fs.String("load", "", "engine to load the image into: podman, docker, or empty for none")
		push      = fs.String("push", "", "REGISTRY/REPO:TAG to push the index to (credentials from the docker config)")
	)
	fs.StringVar(&o.SourceDir, "source-dir", ".", "the checkout holding ./cmd/edgegate")
	fs.StringVar(&o.Version, "version", "", "version stamped into the binary and the labels")
	fs.StringVar(&o.Revision, "revision", "", "commit the image is built from (default: git rev-parse HEAD)")
	fs.StringVar(&o.Source, "source", imagebuild.DefaultSource, "repository URL for the source label")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.Version == "" {
		return errors.New("--version is required")
	}
	if o.Revision == "" {
		rev, err := git(o.SourceDir, "rev-parse", "HEAD")
		if err != nil {
			return fmt.Errorf("no --revision and %v", err)
		}
		o.Revision = rev
	}
	if *epoch == "" {
		t, err := git(o.SourceDir, "log", "-1", "--format=%ct", o.Revision)
		if err != nil {
			return fmt.Errorf("no --source-date-epoch, no $SOURCE_DATE_EPOCH and %v", err)
		}
		*epoch = t
	}
	secs, err := strconv.ParseInt(*epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("source date epoch %q: %v", *epoch, err)
	}
	o.Created = time.Unix(secs, 0).UTC()
	o.Platforms = strings.Split(*platforms, ",")
	o.Log = os.Stderr
	work, err := os.MkdirTemp("", "edgegate-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	o.WorkDir = work

	idx, err := imagebuild.Build(o)
	if err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}

	// The OCI layout holds the whole index; written afresh each time.
	ociDir := filepath.Join(*out, "oci")
	if err := os.RemoveAll(ociDir); err != nil {
		return err
	}
	if _, err := layout.Write(ociDir, idx); err != nil {
		return err
	}

	// The docker tarball holds this machine's platform, for `podman load`.
	img, err := imageFor(idx, runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return err
	}
	ref, err := name.NewTag(*tag)
	if err != nil {
		return err
	}
	tarPath := filepath.Join(*out, "edgegate-"+runtime.GOOS+"-"+runtime.GOARCH+".tar")
	if err := tarball.WriteToFile(tarPath, ref, img); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (index %s) and %s\n", ociDir, digest, tarPath)

	if *load == "" {
		fmt.Fprintln(os.Stderr, "not loaded into any engine: no podman or docker found (--load podman|docker)")
	} else {
		cmd := exec.Command(*load, "load", "-i", tarPath)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s load -i %s: %v", *load, tarPath, err)
		}
		fmt.Fprintf(os.Stderr, "loaded %s into %s\n", ref, *load)
	}
	if *push != "" {
		dst, err := name.ParseReference(*push)
		if err != nil {
			return err
		}
		if err := remote.WriteIndex(dst, idx, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return fmt.Errorf("push %s: %v", dst, err)
		}
		fmt.Fprintf(os.Stderr, "pushed %s@%s\n", dst.Context(), digest)
	}
	fmt.Println(digest)
	return nil
}

// imageFor is the index's image for one platform.
func imageFor(idx v1.ImageIndex, os, arch string) (v1.Image, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS == os && d.Platform.Architecture == arch {
			return idx.Image(d.Digest)
		}
	}
	return nil, fmt.Errorf("the index has no image for %s/%s, this machine's platform", os, arch)
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
