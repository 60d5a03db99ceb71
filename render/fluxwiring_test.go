package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

func testWiring() FluxWiring {
	return FluxWiring{
		Name: "edgegate", Namespace: "flux-system",
		URL: "oci://ghcr.io/acme/ingress", Tag: "production",
		Interval: "5m", Timeout: "3m",
		SecretRef: "ghcr-pull", Provider: "generic",
		LayerMediaType: "application/vnd.cncf.flux.content.v1.tar+gzip",
		GatewaysPath:   "./gateways", AppsPath: "./apps",
		Deployments: []manifest.Ref{
			{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "istio-ingress", Name: "public"},
			{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "payments-ingress", Name: "payments"},
		},
	}
}

func TestRenderFluxWiring(t *testing.T) {
	objs, err := RenderFluxWiring(testWiring())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := manifest.WriteStream(&buf, objs); err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: edgegate
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.io/acme/ingress
  ref:
    tag: production
  layerSelector:
    mediaType: application/vnd.cncf.flux.content.v1.tar+gzip
    operation: extract
  provider: generic
  secretRef:
    name: ghcr-pull
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: edgegate-gateways
  namespace: flux-system
spec:
  interval: 5m
  timeout: 3m
  sourceRef:
    kind: OCIRepository
    name: edgegate
  path: ./gateways
  prune: true
  healthChecks:
  - apiVersion: apps/v1
    kind: Deployment
    name: public
    namespace: istio-ingress
  - apiVersion: apps/v1
    kind: Deployment
    name: payments
    namespace: payments-ingress
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: edgegate-apps
  namespace: flux-system
spec:
  dependsOn:
  - name: edgegate-gateways
  interval: 5m
  timeout: 3m
  sourceRef:
    kind: OCIRepository
    name: edgegate
  path: ./apps
  prune: true
`
	if buf.String() != want {
		t.Errorf("got\n%s", buf.String())
	}
	for _, o := range objs {
		if o.IsManaged() {
			t.Errorf("%s carries the managed-by label: a render would replace it", o.Ref)
		}
	}
}

// Strings that read as other YAML types stay strings.
func TestRenderFluxWiringQuotes(t *testing.T) {
	w := testWiring()
	w.Tag = "1.10"
	w.Insecure = true
	objs, err := RenderFluxWiring(w)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_ = manifest.WriteStream(&buf, objs[:1])
	if !strings.Contains(buf.String(), `tag: "1.10"`) || !strings.Contains(buf.String(), "insecure: true") {
		t.Errorf("got\n%s", buf.String())
	}
}

func TestFluxWiringValidate(t *testing.T) {
	for name, mutate := range map[string]func(*FluxWiring){
		"name":      func(w *FluxWiring) { w.Name = "Edge_gate" },
		"long name": func(w *FluxWiring) { w.Name = strings.Repeat("a", 60) },
		"namespace": func(w *FluxWiring) { w.Namespace = "" },
		"url":       func(w *FluxWiring) { w.URL = "ghcr.io/acme/ingress" },
		"digest":    func(w *FluxWiring) { w.URL = "oci://ghcr.io/acme/ingress@sha256:00" },
		"tag":       func(w *FluxWiring) { w.Tag = "" },
		"interval":  func(w *FluxWiring) { w.Interval = "5 minutes" },
		"timeout":   func(w *FluxWiring) { w.Timeout = "-1s" },
		"provider":  func(w *FluxWiring) { w.Provider = "oracle" },
		"secret":    func(w *FluxWiring) { w.SecretRef = "Pull" },
	} {
		w := testWiring()
		mutate(&w)
		if _, err := RenderFluxWiring(w); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
