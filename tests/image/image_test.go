package image

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"debug/elf"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/edgegate/edgegate/tests/image/imagebuild"
	"github.com/edgegate/edgegate/tests/testutil"
)

// files reads an image's single layer: name → content, and the headers.
func files(t *testing.T, img v1.Image) (map[string][]byte, map[string]*tar.Header) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	if mt, _ := layers[0].MediaType(); mt != types.OCILayer {
		t.Errorf("layer media type %s", mt)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	content, headers := map[string][]byte{}, map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		content[h.Name], headers[h.Name] = data, h
	}
	return content, headers
}

// TestIndex: one OCI index for linux/amd64 and linux/arm64; each image runs
// the static binary for its platform as 65532:65532, with the accounts
// kpt and kustomize need, the CA bundle and the OCI labels.
func TestIndex(t *testing.T) {
	m, err := builtIndex.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIImageIndex || len(m.Manifests) != 2 {
		t.Fatalf("index %s with %d manifests, want an OCI index of 2", m.MediaType, len(m.Manifests))
	}
	if m.Annotations["org.opencontainers.image.version"] != builtOpts.Version {
		t.Errorf("index annotations %v", m.Annotations)
	}
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	for i, arch := range []string{"amd64", "arm64"} {
		d := m.Manifests[i]
		t.Run(arch, func(t *testing.T) {
			if d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != arch || d.MediaType != types.OCIManifestSchema1 {
				t.Fatalf("manifest %d: %+v", i, d)
			}
			img, err := builtIndex.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.OS != "linux" || cfg.Architecture != arch || cfg.Config.User != "65532:65532" ||
				strings.Join(cfg.Config.Entrypoint, " ") != "/usr/local/bin/edgegate" || !cfg.Created.Equal(builtOpts.Created) {
				t.Errorf("config: os %s arch %s user %q entrypoint %v created %v", cfg.OS, cfg.Architecture, cfg.Config.User, cfg.Config.Entrypoint, cfg.Created)
			}
			for k, v := range map[string]string{
				"org.opencontainers.image.source":   "https://github.com/edgegate/edgegate",
				"org.opencontainers.image.revision": builtOpts.Revision,
				"org.opencontainers.image.version":  builtOpts.Version,
				"org.opencontainers.image.licenses": "Apache-2.0",
				"org.opencontainers.image.created":  "2026-01-01T00:00:00Z",
			} {
				if cfg.Config.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, cfg.Config.Labels[k], v)
				}
			}
			content, headers := files(t, img)
			for name, h := range headers {
				if !h.ModTime.Equal(builtOpts.Created) {
					t.Errorf("%s stamped %v, want the source date", name, h.ModTime)
				}
			}
			for _, line := range []string{"nonroot:x:65532:65532:", "nobody:x:65534:65534:"} {
				if !bytes.Contains(content["etc/passwd"], []byte("\n"+line)) {
					t.Errorf("/etc/passwd lacks %s:\n%s", line, content["etc/passwd"])
				}
			}
			for _, line := range []string{"nonroot:x:65532:", "nobody:x:65534:"} {
				if !bytes.Contains(content["etc/group"], []byte("\n"+line)) {
					t.Errorf("/etc/group lacks %s:\n%s", line, content["etc/group"])
				}
			}
			pool, n := x509.NewCertPool(), 0
			for rest := content["etc/ssl/certs/ca-certificates.crt"]; ; n++ {
				var block *pem.Block
				if block, rest = pem.Decode(rest); block == nil {
					break
				}
				c, err := x509.ParseCertificate(block.Bytes)
				if err != nil || !c.IsCA {
					t.Fatalf("CA bundle: certificate %d: %v (CA %v)", n, err, c != nil && c.IsCA)
				}
				pool.AddCert(c)
			}
			if n < 100 {
				t.Errorf("the CA bundle holds %d roots, want Mozilla's (over 100)", n)
			}
			bin := content["usr/local/bin/edgegate"]
			if h := headers["usr/local/bin/edgegate"]; h == nil || h.Mode != 0o755 {
				t.Fatalf("no executable /usr/local/bin/edgegate: %+v", h)
			}
			f, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatal(err)
			}
			if f.Machine != machines[arch] {
				t.Errorf("the binary is for %v, want %v", f.Machine, machines[arch])
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("the binary is dynamically linked (it has an interpreter): CGO_ENABLED=0 did not hold")
				}
			}
			if !bytes.Contains(bin, []byte(builtOpts.Version)) {
				t.Errorf("the binary does not carry the version %s", builtOpts.Version)
			}
		})
	}
}

// TestReproducible: building again from the same checkout and options gives
// the same index digest; another version gives another one, with the
// version in the binary and the labels.
func TestReproducible(t *testing.T) {
	want, err := builtIndex.Digest()
	if err != nil {
		t.Fatal(err)
	}
	again, err := imagebuild.Build(testOptions(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := again.Digest(); got != want {
		t.Errorf("a second build gives %s, the first %s", got, want)
	}
	other := testOptions(t.TempDir())
	other.Version = "v0.0.1-test"
	idx, err := imagebuild.Build(other)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := idx.Digest(); got == want {
		t.Errorf("another version gives the same digest %s", got)
	}
}

// TestBuildImageCommand runs the command `make image` runs: it writes an
// OCI layout whose index.json is the index the tests build from the same options (same
// digest), and a docker tarball that podman loads; the loaded image's ID
// is the config digest of the index's image for this machine.
func TestBuildImageCommand(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./cmd/build-image", "--source-dir", sourceDir, "--out", out,
		"--version", builtOpts.Version, "--revision", builtOpts.Revision, "--source-date-epoch", "1767225600",
		"--tag", "localhost/edgegate/build-image:test", "--load", eng.shims+"/podman")
	res := testutil.RunCmd(t, cmd)
	if res.Code != 0 {
		t.Fatalf("build-image: exit %d\n%s", res.Code, res.Stderr)
	}
	want, _ := builtIndex.Digest()
	if strings.TrimSpace(res.Stdout) != want.String() {
		t.Errorf("build-image printed %q, want %s", res.Stdout, want)
	}
	p, err := layout.FromPath(filepath.Join(out, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	written, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := written.Digest(); err != nil || got != want {
		t.Fatalf("the OCI layout's index is %s (%v), want %s", got, err, want)
	}
	img, err := imageFor(t, builtIndex, runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	configDigest, _ := img.ConfigName()
	inspect := eng.run(t, nil, "image", "inspect", "--format", "{{.Id}} {{.Config.User}} {{index .Config.Labels \"org.opencontainers.image.version\"}}", "localhost/edgegate/build-image:test")
	if got := strings.TrimSpace(inspect.Stdout); inspect.Code != 0 || got != configDigest.Hex+" 65532:65532 "+builtOpts.Version {
		t.Errorf("podman image inspect: exit %d, %q; want ID %s\n%s", inspect.Code, got, configDigest.Hex, inspect.Stderr)
	}
	eng.run(t, nil, "rmi", "localhost/edgegate/build-image:test")
	eng.calls(t)
}

func imageFor(t *testing.T, idx v1.ImageIndex, arch string) (v1.Image, error) {
	t.Helper()
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.Architecture == arch {
			return idx.Image(d.Digest)
		}
	}
	return nil, errors.New("no image for " + arch)
}

// TestRunsLocked: the image runs as 65532 by default (and as nobody when
// kpt or kustomize say so), with no network and a read-only root file
// system, and still renders: a probe binary, built static from this
// module and mounted read-only, reports what the container sees, then the
// image's own edgegate renders a ResourceList from stdin.
func TestRunsLocked(t *testing.T) {
	probe := filepath.Join(t.TempDir(), "probe")
	build := exec.Command("go", "build", "-o", probe, "./internal/probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build probe: %v\n%s", err, out)
	}
	for user, want := range map[string]string{"": "uid=65532 gid=65532", "nobody": "uid=65534 gid=65534"} {
		args := []string{"run", "--rm", "--network", "none", "--read-only", "-v", probe + ":/probe:ro", "--entrypoint", "/probe"}
		if user != "" {
			args = append(args, "--user", user)
		}
		res := eng.run(t, nil, append(args, Tag)...)
		if res.Code != 0 {
			t.Fatalf("probe as %q: exit %d\n%s", user, res.Code, res.Stderr)
		}
		for _, line := range []string{want, "root file system: read-only", "network interfaces: lo", "ca bundle: ok"} {
			if !strings.Contains(res.Stdout, line+"\n") {
				t.Errorf("probe as %q lacks %q:\n%s", user, line, res.Stdout)
			}
		}
	}
	rl := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: edgegate.dev/v1alpha1
  kind: AppIntent
  metadata: {name: shop, namespace: shop}
  spec:
    hosts: [shop.example.com]
    routes:
    - to: storefront:8080
`
	res := eng.run(t, []byte(rl), "run", "--rm", "-i", "--network", "none", "--read-only", Tag)
	if res.Code != 0 || !strings.Contains(res.Stdout, "kind: VirtualService") {
		t.Errorf("the image as a function: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
}

func runtimeArch() string { return runtime.GOARCH }
