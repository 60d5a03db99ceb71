package pipeline

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/artifact"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func testRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/istio/proxyv2:1.28.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	return host
}

func gatewayYAML(name, image string) string {
	return `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: ` + name + `, namespace: ` + name + `}
spec: {image: "` + image + `"}
`
}

func TestPinRewritesOnlyTheImages(t *testing.T) {
	host := testRegistry(t)
	d := dir(t, map[string]string{"gw.yaml": gatewayYAML("gw", host+"/istio/proxyv2:1.28.0"), "auto.yaml": gatewayYAML("auto", "auto")})
	m, _, err := (&Runner{Paths: []string{d}}).Build()
	if err != nil {
		t.Fatal(err)
	}
	if got := Unpinned(m, false); len(got) != 1 || !strings.Contains(got[0].Message, "is not pinned to a digest") {
		t.Errorf("Unpinned = %v", got)
	}
	out, err := Pin(context.Background(), artifact.Registry{Insecure: true}, m, false)
	if err != nil || len(out.Changes) != 1 || len(out.Diagnostics) != 0 {
		t.Fatalf("Pin = %v, %q, %v", err, out.Changes, out.Diagnostics)
	}
	data, _ := os.ReadFile(filepath.Join(d, "gw.yaml"))
	if !strings.Contains(string(data), `image: "`+host+`/istio/proxyv2:1.28.0@sha256:`) {
		t.Errorf("gw.yaml:\n%s", data)
	}
	if data, _ := os.ReadFile(filepath.Join(d, "auto.yaml")); string(data) != gatewayYAML("auto", "auto") {
		t.Errorf("auto.yaml changed:\n%s", data)
	}

	m, _, _ = (&Runner{Paths: []string{d}}).Build()
	if got := Unpinned(m, false); len(got) != 0 {
		t.Errorf("after Pin, Unpinned = %v", got)
	}
	if out, err := Pin(context.Background(), artifact.Registry{Insecure: true}, m, false); err != nil || len(out.Changes) != 0 || out.Pinned != 1 {
		t.Errorf("second Pin = %v, %q, %d pinned", err, out.Changes, out.Pinned)
	}
}

func TestPinWritesNothingWhenAnImageDoesNotResolve(t *testing.T) {
	host := testRegistry(t)
	good, missing := gatewayYAML("gw", host+"/istio/proxyv2:1.28.0"), gatewayYAML("canary", host+"/istio/proxyv2:9.9.9")
	d := dir(t, map[string]string{"a.yaml": good, "b.yaml": missing})
	m, _, err := (&Runner{Paths: []string{d}}).Build()
	if err != nil {
		t.Fatal(err)
	}
	out, err := Pin(context.Background(), artifact.Registry{Insecure: true}, m, false)
	if !errors.Is(err, ErrFailed) || !out.Diagnostics.HasErrors() {
		t.Fatalf("Pin = %v, %v", err, out.Diagnostics)
	}
	for f, want := range map[string]string{"a.yaml": good, "b.yaml": missing} {
		if got, _ := os.ReadFile(filepath.Join(d, f)); string(got) != want {
			t.Errorf("%s changed:\n%s", f, got)
		}
	}
}
