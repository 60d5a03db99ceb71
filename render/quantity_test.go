package render

import (
	"strings"
	"testing"
)

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
