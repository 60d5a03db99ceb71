package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// pushImage pushes a random image to ref and returns its digest.
func pushImage(t *testing.T, ref string) v1.Hash {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	return d
}

const pinGateways = `# The platform's gateways.
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata:
  name: public
  namespace: istio-ingress
spec:
  default: true
  image: "REGISTRY/istio/proxyv2:1.28.0"   # reviewed by the platform team
---
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: internal, namespace: istio-internal}
spec: {image: REGISTRY/istio/proxyv2:1.28.0, service: {type: ClusterIP}}
---
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: injected, namespace: istio-injected}
spec: {image: auto}
`

// TestPin pins the proxy images of a directory against a registry: the
// files change only where the images are written, a second run changes
// nothing, --check tells pinned from not, and --update follows a moved tag.
func TestPin(t *testing.T) {
	host := newTestRegistry(t)
	d1 := pushImage(t, host+"/istio/proxyv2:1.28.0")
	src := strings.ReplaceAll(pinGateways, "REGISTRY", host)
	dir := writeFiles(t, map[string]string{"gateways.yaml": src, "shop.yaml": shopIntent})
	file := filepath.Join(dir, "gateways.yaml")

	check := runCLI("", "pin", "--check", dir)
	if check.code != 1 || strings.Count(check.stderr, "is not pinned to a digest") != 2 {
		t.Errorf("--check before pinning: exit %d, stderr:\n%s", check.code, check.stderr)
	}
	res := runCLI("", "pin", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	pinned := host + "/istio/proxyv2:1.28.0@" + d1.String()
	got, _ := os.ReadFile(file)
	want := strings.ReplaceAll(src, host+"/istio/proxyv2:1.28.0", pinned)
	if string(got) != want {
		t.Errorf("pinned file:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(res.stdout, "gateways.yaml:9: IngressGateway istio-ingress/public: spec.image: "+host+"/istio/proxyv2:1.28.0 → "+pinned) ||
		strings.Count(res.stdout, "\n") != 2 {
		t.Errorf("stdout:\n%s", res.stdout)
	}
	if again := runCLI("", "pin", dir); again.code != 0 || !strings.Contains(again.stdout, "images unchanged: 2 pinned") {
		t.Errorf("second run: exit %d, stdout %q, stderr %q", again.code, again.stdout, again.stderr)
	}
	if check := runCLI("", "pin", "--check", dir); check.code != 0 || check.stderr != "" {
		t.Errorf("--check after pinning: exit %d, stderr %q", check.code, check.stderr)
	}
	rendered := runCLI("", "render", dir)
	if rendered.code != 0 || strings.Count(rendered.stdout, "image: "+pinned) != 2 || !strings.Contains(rendered.stdout, "image: auto") {
		t.Errorf("render after pinning: exit %d, %s\n%s", rendered.code, rendered.stderr, rendered.stdout)
	}

	// The tag moves: pinned images stay, unless --update.
	d2 := pushImage(t, host+"/istio/proxyv2:1.28.0")
	if res := runCLI("", "pin", dir); res.code != 0 || !strings.Contains(res.stdout, "unchanged") {
		t.Errorf("without --update: exit %d, %q", res.code, res.stdout)
	}
	if res := runCLI("", "pin", "--update", dir); res.code != 0 || strings.Count(res.stdout, "@"+d2.String()) != 2 {
		t.Errorf("--update: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	got, _ = os.ReadFile(file)
	if string(got) != strings.ReplaceAll(src, host+"/istio/proxyv2:1.28.0", host+"/istio/proxyv2:1.28.0@"+d2.String()) {
		t.Errorf("after --update:\n%s", got)
	}
}

// TestPinFailsWritingNothing: a tag the registry does not have fails the
// run with the gateway's position, and no file changes, not even the ones
// whose images did resolve.
func TestPinFailsWritingNothing(t *testing.T) {
	host := newTestRegistry(t)
	pushImage(t, host+"/istio/proxyv2:1.28.0")
	good := strings.ReplaceAll(pinGateways, "REGISTRY", host)
	missing := `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: canary, namespace: istio-canary}
spec: {image: ` + host + `/istio/proxyv2:9.9.9}
`
	dir := writeFiles(t, map[string]string{"a.yaml": good, "b.yaml": missing})
	res := runCLI("", "pin", dir)
	if res.code != 1 || !strings.Contains(res.stderr, "b.yaml:4: error: IngressGateway istio-canary/canary: spec.image: resolving "+host+"/istio/proxyv2:9.9.9") ||
		!strings.Contains(res.stderr, "no file written") || res.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for f, want := range map[string]string{"a.yaml": good, "b.yaml": missing} {
		if got, _ := os.ReadFile(filepath.Join(dir, f)); string(got) != want {
			t.Errorf("%s changed:\n%s", f, got)
		}
	}

	if res := runCLI("", "pin", "-"); res.code != 2 || !strings.Contains(res.stderr, "not stdin") {
		t.Errorf("stdin: exit %d, %q", res.code, res.stderr)
	}
	invalid := writeFiles(t, map[string]string{"g.yaml": strings.Replace(missing, "spec: {", "spec: {imag: x, ", 1)})
	if res := runCLI("", "pin", invalid); res.code != 1 || !strings.Contains(res.stderr, "imag") {
		t.Errorf("invalid gateway: exit %d, %q", res.code, res.stderr)
	}
}
