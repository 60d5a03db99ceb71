package render

import (
	"strings"
	"testing"
)

func TestCanonicalQuantity(t *testing.T) {
	// The API server's canonical forms (apimachinery resource.Quantity.String).
	for in, want := range map[string]string{
		"2000m": "2", "1500m": "1500m", "100m": "100m", "0.5": "500m", "1": "1", "0": "0", "0m": "0",
		"2048Mi": "2Gi", "1024Mi": "1Gi", "1536Mi": "1536Mi", "1.5Gi": "1536Mi", "128Mi": "128Mi", "0.5Ki": "512",
		"1000Ki": "1000Ki", "1000": "1k", "1500": "1500", "1000k": "1M", "2.5G": "2500M", "1M": "1M",
		"1e3": "1e3", "12e6": "12e6", "1.5e3": "1500", "0.0000000001": "1n", "1.0001": "1000100u", "+5": "5",
		"0.1Ki": "102400m",
	} {
		got, err := canonicalQuantity(in)
		if err != nil || got != want {
			t.Errorf("canonicalQuantity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.2.3", "5Mb", "Mi", "1 Gi", "-"} {
		if _, err := canonicalQuantity(bad); err == nil {
			t.Errorf("canonicalQuantity(%q) accepted", bad)
		}
	}
}

func TestDeploymentQuantitiesAreCanonical(t *testing.T) {
	res := mustRender(t, `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: gw, namespace: gw}
spec:
  resources: {requests: {cpu: "0.5", memory: 1024Mi}, limits: {cpu: 2000m, memory: 2048Mi}}
`+app("a", "one", "one.example.com"), Options{})
	deploy := yamlOf(t, object(t, res, "Deployment", "gw", "gw"))
	for _, want := range []string{"cpu: 500m", "memory: 1Gi", "cpu: \"2\"", "memory: 2Gi"} {
		if !strings.Contains(deploy, want) {
			t.Errorf("Deployment lacks %q:\n%s", want, deploy)
		}
	}
}
