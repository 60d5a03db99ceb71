// Package flux proves that what `edgegate push` pushes to a real registry
// (Debian's docker-registry, CNCF distribution 2.8) is a Flux artifact: Flux's
// own OCI client (github.com/fluxcd/pkg/oci, what the flux CLI and
// source-controller use) pulls it, reads its annotations, and extracts the
// two directories the Flux Kustomizations apply; its manifest and config are
// those Flux's own push builds. It also pins an image against that registry.
// It is its own module so the main go.mod stays light.
package flux

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/testutil"
	"github.com/fluxcd/pkg/oci"
	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

var reg *testutil.Registry

func TestMain(m *testing.M) {
	if err := testutil.EnsureRegistryInstalled(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var err error
	if reg, err = testutil.StartRegistry(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	reg.Stop()
	os.Exit(code)
}

const (
	created  = "2025-01-31T12:00:00Z"
	source   = "https://git.example.com/platform/ingress.git"
	revision = "main@sha1:0123456789abcdef0123456789abcdef01234567"
)

func fluxClient() *oci.Client {
	return oci.NewClient([]crane.Option{crane.Insecure})
}

func push(t *testing.T, url, dir string, extra ...string) testutil.Result {
	t.Helper()
	args := append([]string{"push", url, dir, "--created", created, "--source", source, "--revision", revision}, extra...)
	return testutil.Run(t, testutil.Root, nil, args...)
}

// docs returns the documents of a YAML stream, each written alone.
func docs(t *testing.T, stream []byte) []string {
	t.Helper()
	objs, diags := manifest.Parse(stream, "stream")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		var buf bytes.Buffer
		if err := manifest.WriteStream(&buf, []*manifest.Object{o}); err != nil {
			t.Fatal(err)
		}
		out = append(out, buf.String())
	}
	return out
}

// TestFluxPullsWhatEdgegatePushes pushes examples with the real binary and
// pulls them with Flux's client: the digest, the annotations, the media
// types and the files are what edgegate says, the files hold exactly what
// `edgegate render` prints, and a second push gives the same digest.
func TestFluxPullsWhatEdgegatePushes(t *testing.T) {
	ctx := context.Background()
	for _, example := range []string{"flux", "dedicated-gateway", "tls", "existing-gateway"} {
		t.Run(example, func(t *testing.T) {
			dir := filepath.Join("examples", example)
			if example == "flux" {
				dir = filepath.Join("examples", "flux", "ingress")
			}
			url := "oci://" + reg.Host + "/edgegate/" + example + ":main"
			first := push(t, url, dir)
			if first.Code != 0 {
				t.Fatalf("edgegate push: exit %d\n%s", first.Code, first.Stderr)
			}
			digestRef := strings.TrimSpace(first.Stdout)

			artifactURL, err := oci.ParseArtifactURL(url)
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			meta, err := fluxClient().Pull(ctx, artifactURL, out)
			if err != nil {
				t.Fatalf("flux pull: %v", err)
			}
			if meta.Digest != digestRef {
				t.Errorf("Flux pulled %s, edgegate pushed %s", meta.Digest, digestRef)
			}
			if meta.Created != created || meta.Source != source || meta.Revision != revision {
				t.Errorf("Flux reads created %q, source %q, revision %q", meta.Created, meta.Source, meta.Revision)
			}

			raw, err := crane.Manifest(artifactURL, crane.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			m, err := v1.ParseManifest(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if m.MediaType != "application/vnd.oci.image.manifest.v1+json" || m.Config.MediaType != oci.CanonicalConfigMediaType ||
				len(m.Layers) != 1 || m.Layers[0].MediaType != oci.CanonicalContentMediaType {
				t.Errorf("manifest %s", raw)
			}

			// The files: gateways/ and apps/, together exactly render's stream.
			rendered := testutil.Run(t, testutil.Root, nil, "render", dir)
			if rendered.Code != 0 {
				t.Fatal(rendered.Stderr)
			}
			want := docs(t, []byte(rendered.Stdout))
			var got []string
			var names []string
			err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(out, p)
				names = append(names, filepath.ToSlash(rel))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"gateways/gateways.yaml", "apps/apps.yaml"} {
				data, err := os.ReadFile(filepath.Join(out, f))
				if errors.Is(err, os.ErrNotExist) {
					continue // a directory with nothing to apply has no file
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, docs(t, data)...)
			}
			if !sameMultiset(got, want) {
				t.Errorf("Flux extracted %d documents (%s), render prints %d", len(got), strings.Join(names, " "), len(want))
			}
			for _, d := range []string{"gateways", "apps"} {
				if info, err := os.Stat(filepath.Join(out, d)); err != nil || !info.IsDir() {
					t.Errorf("Flux extracted no %s/ directory: %v", d, err)
				}
			}

			second := push(t, url, dir)
			if second.Code != 0 || second.Stdout != first.Stdout {
				t.Errorf("second push: exit %d, %q, want %q", second.Code, second.Stdout, first.Stdout)
			}
			listed, err := fluxClient().List(ctx, strings.TrimSuffix(strings.TrimPrefix(url, "oci://"), ":main"), oci.ListOptions{})
			if err != nil || len(listed) != 1 || listed[0].Revision != revision {
				t.Errorf("Flux lists %+v, %v", listed, err)
			}
		})
	}
}

// TestFluxBuildsTheSameEnvelope pushes the files Flux extracted with Flux's
// own Push and the same metadata: the manifest's media types and
// annotations and the config blob are byte for byte edgegate's; only the
// layer differs (Flux tars the directory as it finds it on disk).
func TestFluxBuildsTheSameEnvelope(t *testing.T) {
	ctx := context.Background()
	url := "oci://" + reg.Host + "/edgegate/envelope:edgegate"
	if res := push(t, url, filepath.Join("examples", "multi-host")); res.Code != 0 {
		t.Fatalf("edgegate push: exit %d\n%s", res.Code, res.Stderr)
	}
	ours, _ := oci.ParseArtifactURL(url)
	dir := t.TempDir()
	if _, err := fluxClient().Pull(ctx, ours, dir); err != nil {
		t.Fatal(err)
	}
	theirs := reg.Host + "/edgegate/envelope:flux"
	if _, err := fluxClient().Push(ctx, theirs, dir, oci.WithPushMetadata(oci.Metadata{Created: created, Source: source, Revision: revision})); err != nil {
		t.Fatalf("flux push: %v", err)
	}
	manifestOf := func(ref string) *v1.Manifest {
		raw, err := crane.Manifest(ref, crane.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		m, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := manifestOf(ours), manifestOf(theirs)
	if a.SchemaVersion != b.SchemaVersion || a.MediaType != b.MediaType {
		t.Errorf("manifest: edgegate %d %s, Flux %d %s", a.SchemaVersion, a.MediaType, b.SchemaVersion, b.MediaType)
	}
	if a.Config.MediaType != b.Config.MediaType || a.Config.Digest != b.Config.Digest || a.Config.Size != b.Config.Size {
		t.Errorf("config: edgegate %+v, Flux %+v", a.Config, b.Config)
	}
	if len(a.Layers) != 1 || len(b.Layers) != 1 || a.Layers[0].MediaType != b.Layers[0].MediaType {
		t.Errorf("layers: edgegate %+v, Flux %+v", a.Layers, b.Layers)
	}
	if fmt.Sprint(a.Annotations) != fmt.Sprint(b.Annotations) {
		t.Errorf("annotations: edgegate %v, Flux %v", a.Annotations, b.Annotations)
	}
}

// TestBadIntentPushesNothing: a bad intent fails the push with a readable
// reason, and the registry has no such tag (nor the repository).
func TestBadIntentPushesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := `apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: ["shop.example.com"]
  routes:
  - prefix: /
    to: storefront
`
	if err := os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "oci://" + reg.Host + "/edgegate/bad:main"
	res := push(t, url, dir)
	if res.Code != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, `shop.yaml:8: error: AppIntent shop/shop: spec.routes[0].to: "storefront" is not "service[.namespace]:port"`) {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	ref := reg.Host + "/edgegate/bad:main"
	_, err := crane.Head(ref, crane.Insecure)
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD %s after a failed push: %v (want 404)", ref, err)
	}
	if tags, err := crane.ListTags(reg.Host+"/edgegate/bad", crane.Insecure); err == nil && len(tags) > 0 {
		t.Errorf("the registry lists tags %v", tags)
	}
}

// TestPinAgainstRegistry pins a gateway's image to the digest the real
// registry serves for its tag.
func TestPinAgainstRegistry(t *testing.T) {
	ref := reg.Host + "/istio/proxyv2:1.28.0"
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := crane.Push(img, ref, crane.Insecure); err != nil {
		t.Fatal(err)
	}
	digest, err := crane.Digest(ref, crane.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gateway := `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata:
  name: public
  namespace: istio-ingress
spec:
  default: true
  image: ` + ref + ` # the proxy
`
	file := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(file, []byte(gateway), 0o644); err != nil {
		t.Fatal(err)
	}
	res := testutil.Run(t, testutil.Root, nil, "pin", dir)
	if res.Code != 0 || !strings.Contains(res.Stdout, "spec.image: "+ref+" → "+ref+"@"+digest) {
		t.Fatalf("exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	got, _ := os.ReadFile(file)
	if string(got) != strings.Replace(gateway, ref+" #", ref+"@"+digest+" #", 1) {
		t.Errorf("pinned file:\n%s", got)
	}
	rendered := testutil.Run(t, testutil.Root, nil, "render", dir)
	if rendered.Code != 0 || !strings.Contains(rendered.Stdout, "image: "+ref+"@"+digest) {
		t.Errorf("render: exit %d\n%s", rendered.Code, rendered.Stderr)
	}
}

func sameMultiset(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[string]int{}
	for _, s := range a {
		n[s]++
	}
	for _, s := range b {
		n[s]--
		if n[s] < 0 {
			return false
		}
	}
	return true
}
