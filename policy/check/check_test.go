package check

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
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

// runAll runs every check of the catalog over objs, as policy.Run does
// (which this package cannot import), one after another.
func runAll(objs []*manifest.Object) manifest.Diagnostics {
	checks := All()
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.Meta().ID
	}
	idx := model.NewIndex(objs, ids)
	out := append(manifest.Diagnostics(nil), idx.SuppressionErrors()...)
	for _, c := range checks {
		r := model.NewReporter(c.Meta(), c.Meta().Severity, idx)
		c.Run(idx, r)
		out = append(out, r.Diagnostics()...)
	}
	out.Sort()
	return out
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
			for _, diag := range runAll(objs) {
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
