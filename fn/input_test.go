package fn

import (
	"bytes"
	"strings"
	"testing"

	"strconv"
)

func TestConfigFromKinds(t *testing.T) {
	for _, tc := range []struct{ fc, want string }{
		{"{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {mode: check}}", ""},
		{"{apiVersion: edgegate.dev/v1alpha1, kind: EdgegatePolicy, metadata: {name: p}, spec: {mode: check}}", ""},
		{"{}", ""},
		{"{apiVersion: v1, kind: ConfigMapp, metadata: {name: c}, data: {mode: check}}", `functionConfig: error: ConfigMapp c: kind: the function configuration is a ConfigMapp (apiVersion "v1"), which edgegate does not read: it reads an EdgegatePolicy (edgegate.dev/v1alpha1) or a ConfigMap (v1)`},
		{"{apiVersion: example.com/v1, kind: EdgegatePolicy, metadata: {name: p}, spec: {mode: check}}", `the function configuration is a EdgegatePolicy (apiVersion "example.com/v1")`},
		{"{apiVersion: example.com/v1, kind: ConfigMap, metadata: {name: c}, data: {mode: check}}", "the function configuration is a ConfigMap"},
		{"{metadata: {name: c}, data: {mode: check}}", "the function configuration is a object with no kind"},
	} {
		rl, err := ReadResourceList(strings.NewReader("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: "+tc.fc+"\n"), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		cfg, diags := ConfigFrom(rl.FunctionConfig)
		if tc.want == "" {
			if diags.HasErrors() {
				t.Errorf("%s: %v", tc.fc, diags)
			}
			continue
		}
		if !strings.Contains(diags.Error(), tc.want) || !diags.HasErrors() {
			t.Errorf("%s:\n got %v\nwant %s", tc.fc, diags.Error(), tc.want)
		}
		if cfg.Mode != ModeRender {
			t.Errorf("%s: mode %s", tc.fc, cfg.Mode)
		}
	}
}

func TestResourceListItems(t *testing.T) {
	head := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
	ann := "annotations: {internal.config.kubernetes.io/path: l.yaml, internal.config.kubernetes.io/index: '3'}"
	for _, tc := range []struct{ name, items, want, err string }{
		{"List unwrapped", "- {apiVersion: v1, kind: List, metadata: {" + ann + "}, items: [{apiVersion: v1, kind: Secret, metadata: {name: s}}, {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}]}\n", "l.yaml#3 Secret s, l.yaml#3 ConfigMap c", ""},
		{"SecretList unwrapped", "- {apiVersion: v1, kind: SecretList, items: [{apiVersion: v1, kind: Secret, metadata: {name: s}}]}\n", "#0 Secret s", ""},
		{"plain items", "- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n", "#0 Secret s", ""},
		{"duplicate key", "- {apiVersion: v1, kind: Secret, metadata: {name: s, name: t, " + ann + "}}\n", "", "l.yaml: error: Secret s: metadata.name: duplicate key: kubectl would read the last value"},
		{"duplicate in a List item", "- {apiVersion: v1, kind: List, metadata: {" + ann + "}, items: [{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: a, namespace: b}}]}\n", "", "l.yaml: error: Secret a/s: metadata.namespace: duplicate key"},
		{"aliased items", "- &o {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: b}}\n" + strings.Repeat("- *o\n", 300000), "", "ConfigMap c: YAML aliases expand to more than 1048576 nodes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rl, err := ReadResourceList(strings.NewReader(head+tc.items), 64<<20)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %s", err, tc.err)
				}
				var stdout, stderr bytes.Buffer
				if code := Run(strings.NewReader(head+tc.items), &stdout, &stderr, 64<<20); code != 1 || !strings.Contains(stdout.String(), "items: []") || !strings.Contains(stdout.String(), "severity: error") {
					t.Errorf("Run: exit %d, stdout:\n%s", code, stdout.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range rl.Items {
				got = append(got, o.Pos.File+"#"+itoa(o.Pos.Index)+" "+o.Ref.String())
			}
			if strings.Join(got, ", ") != tc.want {
				t.Errorf("items %v, want %s", got, tc.want)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A check returns the items as they came: a List stays a List.
func TestCheckKeepsLists(t *testing.T) {
	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: n}}]}\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: f}, data: {mode: check}}\n"
	var stdout, stderr bytes.Buffer
	if code := Run(strings.NewReader(in), &stdout, &stderr, 1<<20); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "kind: List") {
		t.Errorf("the List was not returned as it came:\n%s", stdout.String())
	}
}
