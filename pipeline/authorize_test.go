package pipeline

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestWhosePolicyLowersProtectingChecks(t *testing.T) {
	const ingress = "apiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: edge, namespace: istio-ingress}\nspec: {}\n"
	policy := func(ns string) string {
		return "apiVersion: edgegate.dev/v1alpha1\nkind: EdgegatePolicy\nmetadata: {name: p, namespace: " + ns + "}\nspec:\n  checks: {EG010: \"off\"}\n"
	}
	for _, tc := range []struct {
		name   string
		files  map[string]string
		config string // --config, a file of files
		err    string // "" for none
	}{
		{"a team's policy among the inputs", map[string]string{"app.yaml": appYAML, "gw.yaml": ingress, "p.yaml": policy("shop")}, "", "spec.checks.EG010: EG010 (host-ownership) protects"},
		{"the policy of the gateway's namespace", map[string]string{"app.yaml": appYAML, "gw.yaml": ingress, "p.yaml": policy("istio-ingress")}, "", ""},
		{"a policy with no IngressGateway beside it", map[string]string{"app.yaml": appYAML, "p.yaml": policy("istio-ingress")}, "", "may not lower it to off"},
		{"a team's namespace given with --config", map[string]string{"app.yaml": appYAML, "p.txt": policy("shop")}, "p.txt", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := dir(t, tc.files)
			r := &Runner{Paths: []string{d}}
			if tc.config != "" {
				r.ConfigFile = filepath.Join(d, tc.config)
			}
			objs, diags := r.Read()
			cfg, _, d2 := r.Configure(objs)
			diags = append(diags, d2...)
			switch {
			case tc.err == "" && diags.HasErrors():
				t.Errorf("unexpected: %v", diags)
			case tc.err == "" && cfg.Policy.Severity["EG010"] != "off":
				t.Errorf("EG010 is %q, want off", cfg.Policy.Severity["EG010"])
			case tc.err != "" && !strings.Contains(diags.Error(), tc.err):
				t.Errorf("no %q in %v", tc.err, diags)
			}
		})
	}
}
