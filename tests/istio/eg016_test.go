package istio

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/tests/istio/analyze"
)

// TestEG016MatchesIST0138 is the differential test of EG016
// (duplicate-certificate): seeded random sets of two to four Gateways, drawn
// from selectors that are equal, nested, disjoint and empty and from tls
// settings that name one credential, another, the same or other certificate
// files, or no certificate at all, go through Istio's own analyzers and
// through `edgegate check -o json`. Istio's IST0138 messages and EG016's
// findings must name the same pairs (reported Gateway, other Gateway).
func TestEG016MatchesIST0138(t *testing.T) {
	selectors := []string{"{}", "{istio: public}", "{istio: public, tier: web}", "{istio: internal}", "{tier: web}"}
	tlsSettings := []string{
		"{mode: SIMPLE, credentialName: wildcard}",
		"{mode: MUTUAL, credentialName: wildcard}",
		"{mode: SIMPLE, credentialName: other}",
		"{mode: SIMPLE, credentialName: kubernetes://wildcard}", // another string: Istio compares names as written
		"{mode: SIMPLE, serverCertificate: /etc/certs/a.pem, privateKey: /etc/certs/a.key}",
		"{mode: SIMPLE, serverCertificate: /etc/certs/a.pem, privateKey: /etc/certs/b.key}",
		"{mode: SIMPLE, serverCertificate: /etc/certs/a.pem}",
		"{httpsRedirect: true}",
		"", // no tls
	}
	namespaces := []string{"shop", "blog", "istio-ingress"}
	rng := rand.New(rand.NewPCG(16, 138))
	root := t.TempDir()
	const cases = 300
	agreed, fired := 0, 0
	for i := range cases {
		var b strings.Builder
		n := 2 + rng.IntN(3)
		for g := range n {
			ns := namespaces[rng.IntN(len(namespaces))]
			fmt.Fprintf(&b, "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw%d, namespace: %s}\nspec:\n  selector: %s\n  servers:\n", g, ns, selectors[rng.IntN(len(selectors))])
			for s := range 1 + rng.IntN(2) {
				tls := tlsSettings[rng.IntN(len(tlsSettings))]
				proto := "HTTPS"
				if tls == "" || strings.Contains(tls, "httpsRedirect") {
					proto = "HTTP"
				}
				fmt.Fprintf(&b, "  - port: {number: %d, name: p%d, protocol: %s}\n    hosts: [\"gw%d-%d.example.com\"]\n", 443+s, s, proto, g, s)
				if tls != "" {
					fmt.Fprintf(&b, "    tls: %s\n", tls)
				}
			}
		}
		dir := filepath.Join(root, fmt.Sprintf("case-%03d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "gateways.yaml"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		istio := ist0138Pairs(t, b.String())
		edgegate := eg016Pairs(t, dir)
		if len(istio) > 0 {
			fired++
		}
		if !slices.Equal(istio, edgegate) {
			t.Errorf("case %d: Istio's IST0138 pairs %v, EG016's %v, on:\n%s", i, istio, edgegate, b.String())
			continue
		}
		agreed++
	}
	if fired < cases/5 || fired > cases*4/5 {
		t.Errorf("IST0138 fired on %d of %d cases: the cases do not test both ways", fired, cases)
	}
	t.Logf("EG016 and IST0138 agree on %d of %d random Gateway sets (%d with duplicates)", agreed, cases, fired)
}

// ist0138Pairs are the "reported other" pairs of Istio's IST0138 messages.
func ist0138Pairs(t *testing.T, data string) []string {
	t.Helper()
	res, err := analyze.Run([]analyze.Source{{Name: "gateways.yaml", Data: []byte(data)}}, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range res.Messages {
		if m.Type.Code() != "IST0138" || len(m.Parameters) == 0 {
			continue
		}
		names, _ := m.Parameters[0].([]string)
		if len(names) != 2 {
			t.Fatalf("IST0138 with parameters %v", m.Parameters)
		}
		out = append(out, names[0]+" → "+names[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

var eg016Other = regexp.MustCompile(`is also presented by Gateway (\S+) `)

// eg016Pairs are the "reported other" pairs of EG016's findings.
func eg016Pairs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range checkCase(t, dir) {
		if f.Check != "EG016" || f.Resource == nil {
			continue
		}
		m := eg016Other.FindStringSubmatch(f.Message)
		if m == nil {
			t.Fatalf("EG016 finding names no other Gateway: %s", f.Message)
		}
		out = append(out, f.Resource.Namespace+"/"+f.Resource.Name+" → "+m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}
