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

// TestAnEmptyRenderFails: a ResourceList with nothing to apply (here only
// a lock) fails the function unless its configuration allows it, as an
// EdgegatePolicy or a ConfigMap; a ConfigMap's allowEmpty survives a policy
// among the items; in check mode nothing is applied, so nothing fails.
func TestAnEmptyRenderFails(t *testing.T) {
	const onlyALock = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: edgegate.dev/v1alpha1
  kind: HostBindings
  metadata: {name: edge, namespace: istio-ingress}
  spec: {gateway: istio-ingress/edge}
`
	for name, c := range map[string]struct {
		stdin string
		code  int
	}{
		"no configuration":                          {onlyALock, 1},
		"policy allowEmpty":                         {onlyALock + "functionConfig:\n  apiVersion: edgegate.dev/v1alpha1\n  kind: EdgegatePolicy\n  metadata: {name: p}\n  spec: {allowEmpty: true}\n", 0},
		"ConfigMap allowEmpty":                      {onlyALock + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {allowEmpty: \"true\"}\n", 0},
		"ConfigMap allowEmpty beside a policy item": {onlyALock + itemsPolicy + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {allowEmpty: \"true\"}\n", 0},
		"ConfigMap allowEmpty not a boolean":        {onlyALock + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {allowEmpty: \"sure\"}\n", 1},
		"check mode":                                {onlyALock + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {mode: check}\n", 0},
	} {
		t.Run(name, func(t *testing.T) {
			code, stderr := run(t, c.stdin)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, stderr)
			}
			if c.code == 1 && !strings.Contains(stderr, "nothing to apply") && !strings.Contains(stderr, "data.allowEmpty: must be true or false") {
				t.Errorf("stderr:\n%s", stderr)
			}
		})
	}
}

// TestTheLockOfAGatewayNotRenderedStays: the function keeps the lock of a
// gateway its items do not declare, as local configuration, so kpt neither
// drops it nor applies it.
func TestTheLockOfAGatewayNotRenderedStays(t *testing.T) {
	in := resourceList + `- apiVersion: edgegate.dev/v1alpha1
  kind: HostBindings
  metadata: {name: retired, namespace: istio-ingress}
  spec:
    gateway: istio-ingress/retired
    ports:
    - {port: 80, protocol: HTTP, hosts: {old.example.com: old/app}}
`
	var stdout, stderr bytes.Buffer
	if code := Run(strings.NewReader(in), &stdout, &stderr, manifest.DefaultMaxFileBytes); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	out := stdout.String()
	i := strings.Index(out, "name: retired")
	if i < 0 || !strings.Contains(out, "old.example.com: old/app") {
		t.Fatalf("the lock of istio-ingress/retired is gone:\n%s", out)
	}
	item := out[strings.LastIndex(out[:i], "- apiVersion"):]
	if end := strings.Index(item[1:], "\n- "); end > 0 {
		item = item[:end+1]
	}
	if !strings.Contains(item, `config.kubernetes.io/local-config: "true"`) {
		t.Errorf("the kept lock is not local configuration:\n%s", item)
	}
}

// TestConfigMapAPI: the ConfigMap's api renders every gateway in that API;
// a misspelt one is an error naming data.api, and nothing is returned.
func TestConfigMapAPI(t *testing.T) {
	const items = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: edgegate.dev/v1alpha1
  kind: AppIntent
  metadata: {name: shop, namespace: shop}
  spec:
    hosts: [shop.example.com]
    routes: [{prefix: /, to: web:80}]
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: c}
`
	cfg, diags := ConfigFrom(nil)
	if len(diags) > 0 || cfg.API != "" {
		t.Fatalf("defaults: %+v %v", cfg, diags)
	}
	var stdout, stderr bytes.Buffer
	if code := Run(strings.NewReader(items+"  data: {api: gateway-api}\n"), &stdout, &stderr, 1<<20); code != 0 || !strings.Contains(stdout.String(), "kind: HTTPRoute") || strings.Contains(stdout.String(), "kind: VirtualService") {
		t.Errorf("api gateway-api: exit %d, stderr:\n%s\nstdout:\n%s", code, stderr.String(), stdout.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := Run(strings.NewReader(items+"  data: {api: gatewayapi}\n"), &stdout, &stderr, 1<<20); code == 0 || !strings.Contains(stderr.String(), `data.api: must be istio or gateway-api, not "gatewayapi"`) || strings.Contains(stdout.String(), "kind: HTTPRoute") {
		t.Errorf("api gatewayapi: exit %d, stderr:\n%s", code, stderr.String())
	}
}
