package istio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/edgegate/edgegate/tests/istio/analyze"
	"istio.io/istio/pkg/config/analysis/diag"
)

// Parity with Istio's analyzers over the policy corpus
// (tests/policy-corpus/cases/<name>/, each a small set of hand-written
// manifests): for every message Istio raises with one of the codes below,
// `edgegate check` must report a finding of the matching check, at any
// severity, on the same object.
//
// Istio sees each case the way `istioctl analyze` sees a cluster holding it:
// the case's Kubernetes and Istio objects, the control plane
// (testdata/fixtures/control-plane.yaml), and one Pod synthesized from each
// Deployment of the case (see synthesizePods), no default resources.

// parityCodes maps each Istio code under parity to the edgegate check that
// must answer it. IST0101 is told apart by what it did not find (its first
// parameter): see ist0101Checks.
var parityCodes = map[string]string{
	"IST0145": "EG001", // conflicting gateways
	"IST0162": "EG003", // Gateway port not on the workload's Service
	"IST0132": "EG005", // VirtualService host not in its Gateway's hosts
	"IST0138": "EG016", // one certificate on several Gateways of a workload
	"IST0101": "",      // referenced resource not found
	"IST0109": "EG017", // several mesh VirtualServices for one host
	"IST0140": "EG018", // an ingress route beside a subset split
	"IST0149": "EG019", // a JWT claim route without RequestAuthentication
	"IST0150": "EG020", // ExternalName Service port names
}

// exactMirrors are the checks that mirror an Istio analyzer to the letter:
// besides answering each of its messages, each of their findings must be
// answered by a message of that code on the same object.
var exactMirrors = map[string]string{
	"EG016": "IST0138", // gateway.CertificateAnalyzer
}

// ist0101Checks maps the reference type of an IST0101 message ("Referenced
// <type> not found: ...") to the check that answers it.
var ist0101Checks = map[string]map[string]string{
	"Gateway": {
		"selector":       "EG002", // gateway.IngressGatewayPortAnalyzer, ConflictingGatewayAnalyzer, SecretAnalyzer
		"credentialName": "EG011", // gateway.SecretAnalyzer
	},
	"VirtualService": {
		"gateway":     "EG004", // virtualservice.GatewayAnalyzer
		"host":        "EG006", // virtualservice.DestinationHostAnalyzer
		"mirror host": "EG006",
		"host:port":   "EG006",
	},
}

// corpusDir is the policy corpus in the repository.
func corpusDir() string { return filepath.Join(repoRoot, "tests", "policy-corpus", "cases") }

// egFinding is one element of `edgegate check -o json`.
type egFinding struct {
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Resource *struct {
		Kind      string `json:"kind"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"resource"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// object names the finding's object the way Istio's messages name theirs:
// "Kind namespace/name".
func (f egFinding) object() string {
	if f.Resource == nil {
		return ""
	}
	if f.Resource.Namespace == "" {
		return f.Resource.Kind + " " + f.Resource.Name
	}
	return f.Resource.Kind + " " + f.Resource.Namespace + "/" + f.Resource.Name
}

// checkCase runs `edgegate check -o json <dir>`: exit 0 (no error) or 1
// (errors), and a JSON list of findings.
func checkCase(t *testing.T, dir string) []egFinding {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, edgegateBin, "check", "-o", "json", dir)
	cmd.Dir = repoRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exitErr, ok := err.(*exec.ExitError); err != nil && !(ok && exitErr.ExitCode() == 1) {
		t.Fatalf("edgegate check -o json %s: %v\nstderr:\n%s", dir, err, stderr.String())
	}
	var findings []egFinding
	if err := json.Unmarshal(stdout.Bytes(), &findings); err != nil {
		t.Fatalf("edgegate check -o json %s: %v\n%s", dir, err, stdout.String())
	}
	return findings
}

// caseObjects reads the objects of a corpus case that a cluster would hold:
// those of Kubernetes' and Istio's own API groups (edgegate's intents and the
// case's expectations are neither).
func caseObjects(t *testing.T, name, dir string) []object {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (filepath.Ext(path) == ".yaml" || filepath.Ext(path) == ".yml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var out []object
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, f)
		objs, err := parseObjects(rel, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if !clusterGroups[o.Group()] {
				t.Logf("case %s: %s (%s) is not an object Istio's analyzers read; left out", name, o.key(), o.APIVersion)
				continue
			}
			if o.Kind == "Secret" && o.Group() == "" {
				o = fillSecret(t, o)
			}
			out = append(out, o)
		}
	}
	return out
}

// loadCase assembles a corpus case's cluster: its objects, the control plane
// (unless the case holds an object of the same key), and the pods of its
// Deployments.
func loadCase(t *testing.T, name, dir string) *world {
	t.Helper()
	w := &world{example: name, podOf: map[string]*corev1.Pod{}}
	w.rendered = caseObjects(t, name, dir)
	own := map[string]bool{}
	for _, o := range w.rendered {
		own[o.APIVersion+" "+o.key()] = true
	}
	path := filepath.Join("testdata", "fixtures", "control-plane.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fixtures, err := parseObjects(path, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range fixtures {
		if !own[o.APIVersion+" "+o.key()] {
			w.fixtures = append(w.fixtures, o)
		}
	}
	w.synthesizePods(t)
	return w
}

// analyzeOffline runs Istio's analyzers as `istioctl analyze
// --use-kube=false --all-namespaces <files>` does (analyze.Options'
// FilesOnly): default resources added, and the files read without the kinds
// a file-only run leaves out (Pods, Services, Secrets, Namespaces, Nodes), so
// every analyzer needing them is skipped.
func analyzeOffline(t *testing.T, objs []object) []diag.Message {
	t.Helper()
	res, err := analyze.Run(sourcesOf(objs), analyze.Options{FilesOnly: true})
	if err != nil {
		t.Fatalf("offline %v", err)
	}
	for _, name := range []string{"gateway.ConflictingGatewayAnalyzer", "gateway.IngressGatewayPortAnalyzer", "virtualservice.DestinationHostAnalyzer"} {
		if !slices.Contains(res.SkippedAnalyzers, name) {
			t.Errorf("offline, analyzer %s was not skipped: the run is not what istioctl analyze --use-kube=false does", name)
		}
	}
	return res.Messages
}

// knownMiss is a parity miss reported as a gap of a check
// (testdata/parity/known-misses.yaml). While it misses, the test logs it
// instead of failing; once edgegate answers it, the test fails until the
// entry is removed.
type knownMiss struct {
	Case     string `json:"case"`
	Code     string `json:"code"`
	Resource string `json:"resource"`
	Check    string `json:"check"`
	Reason   string `json:"reason"`
}

func (k knownMiss) key() string { return k.Case + "|" + k.Code + "|" + k.Resource + "|" + k.Check }

func loadKnownMisses(t *testing.T) map[string]knownMiss {
	t.Helper()
	path := filepath.Join("testdata", "parity", "known-misses.yaml")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var list []knownMiss
	if err := yaml.UnmarshalStrict(data, &list); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]knownMiss{}
	for _, k := range list {
		if k.Case == "" || k.Code == "" || k.Resource == "" || k.Check == "" || strings.TrimSpace(k.Reason) == "" {
			t.Fatalf("%s: every entry needs case, code, resource, check and reason: %+v", path, k)
		}
		out[k.key()] = k
	}
	return out
}

// parityRow is one Istio message under parity and edgegate's answer.
type parityRow struct {
	Case, Code, Resource, Detail, Check string
	Answer                              string // "EG003 error spec.servers[0].port.number", or "MISSING"
	Known                               *knownMiss
}

// offlineGap is an object edgegate reports an error on while Istio's
// offline analyzers report nothing about it.
type offlineGap struct {
	Case, Resource string
	Checks         []string
}

// TestParity runs Istio's analyzers and edgegate's gate over every case of
// the policy corpus; see the comment at the top of this file. With -v it
// prints every Istio message under parity next to edgegate's finding, and
// the objects edgegate reports errors on that `istioctl analyze
// --use-kube=false` says nothing about.
func TestParity(t *testing.T) {
	names := subdirs(t, corpusDir())
	known := loadKnownMisses(t)
	var (
		mu   sync.Mutex
		rows []parityRow
		gaps []offlineGap
	)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(corpusDir(), name)
			findings := checkCase(t, dir)
			w := loadCase(t, name, dir)
			msgs := analyzeCluster(t, w.all())
			offline := analyzeOffline(t, w.rendered)
			for _, m := range msgs {
				t.Logf("istio: %s", m.String())
			}
			for _, m := range offline {
				t.Logf("istio offline: %s", m.String())
			}
			for _, f := range findings {
				t.Logf("edgegate: %s %s %s %s: %s", f.Check, f.Severity, f.object(), f.Field, f.Message)
			}
			caseRows := parityOf(t, name, msgs, findings, known)
			caseGaps := offlineGaps(name, offline, confirmed(t, dir, findings))
			mu.Lock()
			rows = append(rows, caseRows...)
			gaps = append(gaps, caseGaps...)
			mu.Unlock()
		})
	}
	// Known misses that no longer happen.
	missed := map[string]bool{}
	for _, r := range rows {
		if r.Known != nil {
			missed[r.Known.key()] = true
		}
	}
	for _, k := range known {
		if !missed[k.key()] {
			t.Errorf("testdata/parity/known-misses.yaml: %s %s on %s (case %s) is no longer a miss: remove the entry", k.Code, k.Check, k.Resource, k.Case)
		}
	}
	logParityTable(t, rows)
	logOfflineGaps(t, gaps)
}

// parityOf pairs every message under parity with edgegate's finding of the
// matching check on the same object, failing for each one without.
func parityOf(t *testing.T, name string, msgs []diag.Message, findings []egFinding, known map[string]knownMiss) []parityRow {
	t.Helper()
	byObject := map[string][]egFinding{}
	for _, f := range findings {
		byObject[f.object()] = append(byObject[f.object()], f)
	}
	seen := map[string]bool{}
	var rows []parityRow
	for _, m := range msgs {
		code := m.Type.Code()
		check, ok := parityCodes[code]
		if !ok {
			continue
		}
		res := resourceOf(m)
		kind, _, _ := strings.Cut(res, " ")
		detail := ""
		if code == "IST0101" {
			if len(m.Parameters) > 0 {
				detail, _ = m.Parameters[0].(string)
			}
			check = ist0101Checks[kind][detail]
			if check == "" {
				t.Errorf("case %s: IST0101 on %s for a %q has no matching check: %s", name, res, detail, m.String())
				continue
			}
			if len(m.Parameters) > 1 {
				detail = fmt.Sprintf("%s %v", detail, m.Parameters[1])
			}
		}
		// Several analyzers raise the same message (IST0101 for a selector
		// three times): one row each.
		key := code + "|" + res + "|" + detail
		if seen[key] {
			continue
		}
		seen[key] = true
		row := parityRow{Case: name, Code: code, Resource: res, Detail: detail, Check: check, Answer: "MISSING"}
		for _, f := range byObject[res] {
			if f.Check == check {
				row.Answer = fmt.Sprintf("%s %s %s", f.Check, f.Severity, f.Field)
				break
			}
		}
		if row.Answer == "MISSING" {
			k, isKnown := known[knownMiss{Case: name, Code: code, Resource: res, Check: check}.key()]
			var others []string
			for _, f := range byObject[res] {
				others = append(others, fmt.Sprintf("%s %s %s: %s", f.Check, f.Severity, f.Field, f.Message))
			}
			said := "nothing"
			if len(others) > 0 {
				said = "only:\n    " + strings.Join(others, "\n    ")
			}
			if isKnown {
				row.Known = &k
				t.Logf("KNOWN MISS (testdata/parity/known-misses.yaml): Istio %s on %s, no %s finding: %s", m.String(), res, check, k.Reason)
			} else {
				t.Errorf("parity miss: Istio reports %s\n  edgegate reports no %s finding on %s; it says %s", m.String(), check, res, said)
			}
		}
		rows = append(rows, row)
	}
	raised := map[string]bool{}
	for _, m := range msgs {
		raised[m.Type.Code()+"|"+resourceOf(m)] = true
	}
	for _, f := range findings {
		if code, ok := exactMirrors[f.Check]; ok && !raised[code+"|"+f.object()] {
			t.Errorf("parity miss: edgegate reports %s %s on %s (%s: %s), and Istio raises no %s there", f.Check, f.Severity, f.object(), f.Field, f.Message, code)
		}
	}
	return rows
}

// confirmed keeps the findings the case's expect.yaml expects: the gate's
// findings a human has judged right (a case marked knownGap expects what
// the gate should report, so its false alarms are left out).
func confirmed(t *testing.T, dir string, findings []egFinding) []egFinding {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "expect.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Findings []struct {
			ID       string `json:"id"`
			Object   string `json:"object"`
			Field    string `json:"field"`
			Severity string `json:"severity"`
		} `json:"findings"`
	}
	if err := yaml.Unmarshal(data, &exp); err != nil {
		t.Fatalf("%s/expect.yaml: %v", dir, err)
	}
	want := map[string]bool{}
	for _, e := range exp.Findings {
		want[e.ID+"|"+e.Object+"|"+e.Field+"|"+e.Severity] = true
	}
	var out []egFinding
	for _, f := range findings {
		if want[f.Check+"|"+f.object()+"|"+f.Field+"|"+f.Severity] {
			out = append(out, f)
		}
	}
	return out
}

// offlineGaps lists the objects edgegate reports an error on and that
// Istio's offline analyzers say nothing about.
func offlineGaps(name string, offline []diag.Message, findings []egFinding) []offlineGap {
	said := map[string]bool{}
	for _, m := range offline {
		said[resourceOf(m)] = true
	}
	errs := map[string]map[string]bool{}
	for _, f := range findings {
		if f.Severity != "error" || f.object() == "" || said[f.object()] {
			continue
		}
		if errs[f.object()] == nil {
			errs[f.object()] = map[string]bool{}
		}
		errs[f.object()][f.Check] = true
	}
	var out []offlineGap
	for _, obj := range slices.Sorted(maps.Keys(errs)) {
		out = append(out, offlineGap{Case: name, Resource: obj, Checks: slices.Sorted(maps.Keys(errs[obj]))})
	}
	return out
}

func logParityTable(t *testing.T, rows []parityRow) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tISTIO\tRESOURCE\tEDGEGATE")
	byCode := map[string]int{}
	matched := 0
	for _, r := range rows {
		code := r.Code
		if r.Code == "IST0101" {
			code += " (" + r.Detail + ")"
		}
		answer := r.Answer
		if r.Known != nil {
			answer = "KNOWN MISS: no " + r.Check
		} else if r.Answer != "MISSING" {
			matched++
		}
		byCode[r.Code]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Case, code, r.Resource, answer)
	}
	tw.Flush()
	var counts []string
	for _, c := range slices.Sorted(maps.Keys(byCode)) {
		counts = append(counts, fmt.Sprintf("%s %d", c, byCode[c]))
	}
	t.Logf("Istio messages under parity and edgegate's findings:\n%s\n%d messages (%s), %d answered by the matching check on the same object",
		b.String(), len(rows), strings.Join(counts, ", "), matched)
}

func logOfflineGaps(t *testing.T, gaps []offlineGap) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tRESOURCE\tEDGEGATE ERRORS")
	byCheck := map[string][]string{}
	for _, g := range gaps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", g.Case, g.Resource, strings.Join(g.Checks, ", "))
		for _, c := range g.Checks {
			byCheck[c] = append(byCheck[c], g.Case)
		}
	}
	tw.Flush()
	var summary []string
	for _, c := range slices.Sorted(maps.Keys(byCheck)) {
		summary = append(summary, fmt.Sprintf("%s: %s", c, strings.Join(slices.Compact(byCheck[c]), ", ")))
	}
	t.Logf("errors edgegate reports on objects `istioctl analyze --use-kube=false` says nothing about:\n%s\nby check:\n  %s",
		b.String(), strings.Join(summary, "\n  "))
}
