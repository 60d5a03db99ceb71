package policy

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	last := ""
	for _, c := range Catalog() {
		m := c.Meta()
		if !strings.HasPrefix(m.ID, "EG") || len(m.ID) != 5 || seen[m.ID] {
			t.Errorf("bad or duplicate ID %q", m.ID)
		}
		if m.ID <= last {
			t.Errorf("the catalog is not sorted by ID: %s after %s", m.ID, last)
		}
		last = m.ID
		seen[m.ID] = true
		if m.Name == "" || m.Description == "" || m.Severity == "" {
			t.Errorf("%s lacks metadata: %+v", m.ID, m)
		}
	}
}

func TestSuppression(t *testing.T) {
	gateway := func(ns, name, selector string) string {
		return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  selector: {" + selector + "}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [\"*\"]\n---\n"
	}
	input := `apiVersion: apps/v1
kind: Deployment
metadata: {name: edge, namespace: istio-ingress}
spec:
  selector: {matchLabels: {istio: edge}}
  template:
    metadata: {labels: {istio: edge}}
    spec:
      containers:
      - name: istio-proxy
        image: auto
        ports: [{containerPort: 80}, {containerPort: 8080}]
---
` + gateway("default", "a", "istio: edge") +
		strings.Replace(gateway("test", "b", "istio: edge"), "namespace: test}", "namespace: test, annotations: {edgegate.dev/suppress: 'EG001: migrating this week'}}", 1) +
		strings.Replace(gateway("x", "c", "istio: none"), "namespace: x}", "namespace: x, annotations: {edgegate.dev/suppress: 'EG001'}}", 1)
	objs, _ := manifest.Parse([]byte(input), "in.yaml")
	diags := Run(objs, Config{})
	all := diags.Error()
	// EG001 protects default/a's claim: test/b's suppression of the
	// conflict with another namespace does not count, and says so.
	if !strings.Contains(all, "Gateway test/b: spec.servers[0].hosts[0]") {
		t.Errorf("a suppression of another namespace's conflict silenced it:\n%s", all)
	}
	if !strings.Contains(all, "Gateway test/b: metadata.annotations.edgegate.dev/suppress: the suppression of EG001 (conflicting-gateways) does not count") {
		t.Errorf("the ungranted suppression is not reported:\n%s", all)
	}
	if !strings.Contains(all, "Gateway default/a: spec.servers[0].hosts[0]") {
		t.Errorf("unsuppressed side not reported:\n%s", all)
	}
	if !strings.Contains(all, `"EG001" is not a suppression`) {
		t.Errorf("a suppression without a reason is not an error:\n%s", all)
	}
	d := Run(objs, Config{Severity: map[string]manifest.Severity{"EG001": Off}})
	var eg001 []string
	for _, x := range d {
		if x.ID == "EG001" {
			eg001 = append(eg001, x.String())
		}
	}
	if len(eg001) != 1 || !strings.Contains(eg001[0], "info: check EG001 (conflicting-gateways) is turned off by the configuration") {
		t.Errorf("EG001 turned off reports other than the one info about it:\n%s", strings.Join(eg001, "\n"))
	}
}
