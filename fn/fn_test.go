package fn

import (
	"bytes"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

// An app with no lock: the render warns that its bindings may move.
const resourceList = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: edgegate.dev/v1alpha1
  kind: AppIntent
  metadata: {name: shop, namespace: shop}
  spec:
    hosts: [shop.example.com]
    routes: [{prefix: /, to: web:80}]
`

const itemsPolicy = `- apiVersion: edgegate.dev/v1alpha1
  kind: EdgegatePolicy
  metadata: {name: policy}
  spec: {namespace: shop}
`

const failOnWarningConfigMap = `functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: edgegate}
  data: {failOn: warning, mode: check}
`

func run(t *testing.T, stdin string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(strings.NewReader(stdin), &stdout, &stderr, manifest.DefaultMaxFileBytes)
	return code, stderr.String()
}

// A ConfigMap's failOn holds unless an EdgegatePolicy among the items
// configures the gate, which then sets failOn too (error, by default).
func TestConfigMapFailOnGivesWayToThePolicyAmongTheItems(t *testing.T) {
	if code, stderr := run(t, resourceList+failOnWarningConfigMap); code != 1 || !strings.Contains(stderr, "warning") {
		t.Errorf("ConfigMap failOn warning: exit %d, stderr:\n%s", code, stderr)
	}
	if code, stderr := run(t, resourceList+itemsPolicy+failOnWarningConfigMap); code != 0 {
		t.Errorf("with an EdgegatePolicy among the items: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestPolicyFunctionConfig(t *testing.T) {
	objs, diags := manifest.ParseDocuments([]byte(`apiVersion: edgegate.dev/v1alpha1
kind: EdgegatePolicy
metadata: {name: p}
spec: {mode: check, namespace: shop, locked: true, failOn: warning}
`), "fc.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cfg, diags := ConfigFrom(manifest.NewObject(objs[0].Content[0], manifest.Position{File: "fc.yaml"}))
	if len(diags) > 0 || cfg.Mode != ModeCheck || cfg.Namespace != "shop" || !cfg.Locked || cfg.Policy.FailOn != manifest.Warning {
		t.Errorf("ConfigFrom = %+v, %v", cfg, diags)
	}
}
