package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckReadsGatewayAPIObjects: the gate has no Gateway API checks yet,
// but `edgegate check` must read such objects, hand-written and hostile or
// rendered, without failing or crashing.
func TestCheckReadsGatewayAPIObjects(t *testing.T) {
	hostile := `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: x, namespace: shop}
spec:
  parentRefs: "nope"
  hostnames: [1, {a: b}]
  rules: {matches: 3}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g, namespace: istio-ingress}
spec:
  listeners: [{name: a, port: "eighty", protocol: HTTP, hostname: ["x"]}]
  gatewayClassName: {}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: r, namespace: shop}
spec: []
`
	rendered, err := os.ReadFile(filepath.Join("..", "..", "tests", "golden", "testdata", "gateway-api", "two-namespaces.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, input := range map[string]string{"hostile": hostile, "rendered": string(rendered)} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"check", "-"}, strings.NewReader(input), &stdout, &stderr)
		if code != 0 || strings.Contains(stderr.String(), "internal error") {
			t.Errorf("%s: check exit %d:\n%s", name, code, stderr.String())
		}
	}
	// And --api is refused when misspelt, before anything is read.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"render", "--api", "gateway", "."}, nil, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), `must be istio or gateway-api, not "gateway"`) || stdout.Len() > 0 {
		t.Errorf("render --api gateway: exit %d, stdout %q, stderr:\n%s", code, stdout.String(), stderr.String())
	}
}
