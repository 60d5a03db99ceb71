package policy

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

// checkCase is one table entry: input objects and, for each finding the
// check must report, a fragment "Kind ns/name: field: message"; no fragments
// means the check must stay silent. Infos are compared only when a fragment
// is one ("info: ...") or infos is set, as the policy corpus does: a case
// without them says nothing about infos.
type checkCase struct {
	name  string
	input string
	want  []string
	infos bool
}

func runCases(t *testing.T, id string, cases []checkCase) {
	t.Helper()
	var fires, silent bool
	for _, tc := range cases {
		if len(tc.want) == 0 {
			silent = true
		} else {
			fires = true
		}
		t.Run(tc.name, func(t *testing.T) {
			objs, d := manifest.Parse([]byte(tc.input), "in.yaml")
			if d.HasErrors() {
				t.Fatal(d)
			}
			infos := tc.infos
			for _, w := range tc.want {
				infos = infos || strings.Contains(w, "info: ")
			}
			var got []string
			for _, diag := range Run(objs, Config{}) {
				if diag.ID == id && (infos || diag.Severity != manifest.Info) {
					got = append(got, diag.String())
				}
			}
			all := strings.Join(got, "\n")
			if len(tc.want) == 0 && len(got) > 0 {
				t.Errorf("%s fired:\n%s", id, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("%s findings lack %q; got:\n%s", id, w, all)
				}
			}
			if len(tc.want) > 0 && len(got) != len(tc.want) {
				t.Errorf("%s reported %d findings, want %d:\n%s", id, len(got), len(tc.want), all)
			}
		})
	}
	if !fires || !silent {
		t.Errorf("%s's table needs a case that fires and one that must not", id)
	}
}

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Catalog() {
		m := c.Meta()
		if !strings.HasPrefix(m.ID, "EG") || len(m.ID) != 5 || seen[m.ID] {
			t.Errorf("bad or duplicate ID %q", m.ID)
		}
		seen[m.ID] = true
		if m.Name == "" || m.Description == "" || m.Severity == "" {
			t.Errorf("%s lacks metadata: %+v", m.ID, m)
		}
	}
}

const edgeWorkload = `apiVersion: apps/v1
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
`

func gateway(ns, name, selector string, port int, hosts ...string) string {
	return "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  selector: {" + selector + "}\n  servers:\n  - port: {number: " + itoa(port) + ", name: http, protocol: HTTP}\n    hosts: [" + strings.Join(quote(hosts), ", ") + "]\n---\n"
}

func quote(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = `"` + v + `"`
	}
	return out
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestSuppression(t *testing.T) {
	input := edgeWorkload + gateway("default", "a", "istio: edge", 80, "*") +
		strings.Replace(gateway("test", "b", "istio: edge", 80, "*"), "namespace: test}", "namespace: test, annotations: {edgegate.dev/suppress: 'EG001: migrating this week'}}", 1) +
		strings.Replace(gateway("x", "c", "istio: none", 80, "*"), "namespace: x}", "namespace: x, annotations: {edgegate.dev/suppress: 'EG001'}}", 1)
	objs, _ := manifest.Parse([]byte(input), "in.yaml")
	diags := Run(objs, Config{})
	all := diags.Error()
	if strings.Contains(all, "Gateway test/b: spec.servers[0].hosts[0]") {
		t.Errorf("suppressed finding reported:\n%s", all)
	}
	if !strings.Contains(all, "Gateway default/a: spec.servers[0].hosts[0]") {
		t.Errorf("unsuppressed side not reported:\n%s", all)
	}
	if !strings.Contains(all, `"EG001" is not a suppression`) {
		t.Errorf("a suppression without a reason is not an error:\n%s", all)
	}
	if d := Run(objs, Config{Severity: map[string]manifest.Severity{"EG001": Off}}); strings.Contains(d.Error(), "[EG001]") {
		t.Errorf("EG001 turned off still reports:\n%s", d.Error())
	}
}
