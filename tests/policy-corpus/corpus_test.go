// Package policycorpus runs the policy gate, as users run it, over a corpus of
// small hand-written manifest sets (cases/<name>/) and compares its findings
// with the case's expect.yaml. See README.md for the format.
package policycorpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/policy"
	"github.com/edgegate/edgegate/tests/testutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Expectations is a case's expect.yaml. It is written as an object
// (local-config, of a group nothing applies) because `edgegate check <dir>`
// reads every YAML file of the directory, this one included, and must find an
// object there.
type Expectations struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	// Description says what the case is and why these findings are right.
	Description string `yaml:"description"`
	// Seed names the scenario of the seed field report the case reproduces.
	Seed string `yaml:"seed,omitempty"`
	// KnownGap marks a case whose findings are what the gate should report
	// and does not yet, for a reason reported to the check's owner. While
	// the output differs the case is skipped with the difference; once it
	// matches, the case fails until the mark is removed.
	KnownGap string `yaml:"knownGap,omitempty"`
	// Findings is the exact set of warnings and errors `edgegate check`
	// reports; infos may be listed (then they must be reported) or left out.
	Findings []Expected `yaml:"findings"`
}

// Expected is one finding.
type Expected struct {
	ID       string `yaml:"id"`
	Object   string `yaml:"object"` // "Kind namespace/name", or "Kind name" when cluster-scoped
	Field    string `yaml:"field"`
	Severity string `yaml:"severity"`
	// Message, when set, must be a substring of the finding's message.
	Message string `yaml:"message,omitempty"`
}

func (e Expected) key() string { return findingKey(e.ID, e.Object, e.Field, e.Severity) }

func findingKey(id, object, field, severity string) string {
	return fmt.Sprintf("%s %s %s (%s)", id, object, field, severity)
}

// Finding is one element of `edgegate check -o json`.
type Finding struct{ policy.Finding }

func (f Finding) key() string { return findingKey(f.Check, f.Object(), f.Field, f.Severity) }

func (f Finding) String() string {
	return fmt.Sprintf("%s\n      %s:%d: %s", f.key(), filepath.Base(f.File), f.Line, f.Message)
}

const (
	expectFile       = "expect.yaml"
	expectAPIVersion = "policycorpus.edgegate.dev/v1"
	expectKind       = "Expectations"
	casesDir         = "cases"
	minCases         = 40
)

var (
	severities = map[string]bool{"error": true, "warning": true, "info": true}
	checkID    = regexp.MustCompile(`^EG\d{3}$`)
)

// The scenarios of the seed field report (REFERENCE.md §1); each must be
// reproduced by at least one case (expect.yaml `seed:`).
var seedScenarios = map[string]string{
	"port-7070":                   "Gateway port 7070 is not served by the gateway pod",
	"port-9090":                   "Gateway port 9090 is not served by the gateway pod",
	"port-8080":                   "Gateway port 8080 (the container port) works, as does 80 through the Service",
	"second-gateway-shared-label": "a second ingress gateway without its own istio label",
	"second-gateway-own-label":    "the second ingress gateway with its own istio label (the fix)",
	"kia0301":                     "bookinfo twice on * port 8080 in default and test (KIA0301)",
	"kia0301-fix":                 "the seed's fixes for KIA0301: another gateway, another container port",
	"hosts":                       "hosts: one gateway serving mybookinfo.com and myhelloworld.com",
	"404-without-host":            "a Gateway restricted to mybookinfo.com answers 404 without the Host header",
	"egress-for-ingress":          "the egress gateway used for ingress",
	"vs-without-gateways":         "a VirtualService without gateways binds to mesh only",
}

// loadExpectations reads and validates cases/<name>/expect.yaml.
func loadExpectations(t *testing.T, name string) Expectations {
	t.Helper()
	path := filepath.Join(casesDir, name, expectFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("case %s: %v", name, err)
	}
	var exp Expectations
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&exp); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	switch {
	case exp.APIVersion != expectAPIVersion || exp.Kind != expectKind:
		t.Fatalf("%s: want apiVersion %s, kind %s", path, expectAPIVersion, expectKind)
	case exp.Metadata.Name != name:
		t.Fatalf("%s: metadata.name is %q, want the case's name %q", path, exp.Metadata.Name, name)
	case exp.Metadata.Annotations["config.kubernetes.io/local-config"] != "true":
		t.Fatalf("%s: want the annotation config.kubernetes.io/local-config: \"true\"", path)
	case strings.TrimSpace(exp.Description) == "":
		t.Fatalf("%s: say what the case is in description", path)
	case exp.Seed != "" && seedScenarios[exp.Seed] == "":
		t.Fatalf("%s: unknown seed scenario %q", path, exp.Seed)
	}
	seen := map[string]bool{}
	for i, f := range exp.Findings {
		switch {
		case !checkID.MatchString(f.ID):
			t.Fatalf("%s: findings[%d]: id %q is not a check ID", path, i, f.ID)
		case f.Object == "" || !severities[f.Severity]:
			t.Fatalf("%s: findings[%d]: want object and severity (error, warning or info)", path, i)
		case seen[f.key()]:
			t.Fatalf("%s: findings[%d]: %s is listed twice", path, i, f.key())
		}
		seen[f.key()] = true
	}
	return exp
}

// check runs `edgegate check -o json <case dir>` and decodes its findings.
func check(t *testing.T, dir string) ([]Finding, testutil.Result) {
	t.Helper()
	res := testutil.Run(t, testutil.Root, nil, "check", "-o", "json", dir)
	var findings []Finding
	if err := json.Unmarshal([]byte(res.Stdout), &findings); err != nil {
		t.Fatalf("edgegate check -o json %s: exit %d, stdout is not a JSON list of findings (%v):\n%s\nstderr:\n%s",
			dir, res.Code, err, res.Stdout, res.Stderr)
	}
	return findings, res
}

// TestCorpus runs the gate over every case and compares its findings with
// expect.yaml: every expected finding reported, no other warning or error.
func TestCorpus(t *testing.T) {
	testutil.Binary(t) // build once, before the parallel subtests
	for _, name := range testutil.Subdirs(t, casesDir) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			exp := loadExpectations(t, name)
			dir, err := filepath.Abs(filepath.Join(casesDir, name))
			if err != nil {
				t.Fatal(err)
			}
			findings, res := check(t, dir)
			if res.Stderr != "" {
				t.Errorf("stderr is not empty:\n%s", res.Stderr)
			}
			diff := compare(exp, findings)
			switch {
			case diff != "" && exp.KnownGap != "":
				t.Skipf("KNOWN GAP (%s):\n%s", strings.TrimSpace(exp.KnownGap), diff)
			case diff != "":
				t.Error(diff)
			case exp.KnownGap != "":
				t.Errorf("the gate now reports what %s/%s/%s expects: remove knownGap", casesDir, name, expectFile)
			}
			for _, f := range findings {
				t.Logf("%s", f)
			}
			wantCode := 0
			for _, f := range findings {
				if f.Severity == "error" {
					wantCode = 1
				}
			}
			if res.Code != wantCode {
				t.Errorf("exit code %d, want %d", res.Code, wantCode)
			}
		})
	}
}

// compare describes how findings differ from exp, or returns "".
func compare(exp Expectations, findings []Finding) string {
	got := map[string][]Finding{}
	for _, f := range findings {
		got[f.key()] = append(got[f.key()], f)
	}
	var missing, wrongMessage, extra, unlisted []string
	want := map[string]bool{}
	for _, e := range exp.Findings {
		want[e.key()] = true
		fs, ok := got[e.key()]
		if !ok {
			missing = append(missing, e.key())
			continue
		}
		if e.Message != "" {
			found := false
			for _, f := range fs {
				found = found || strings.Contains(f.Message, e.Message)
			}
			if !found {
				wrongMessage = append(wrongMessage, fmt.Sprintf("%s: no message contains %q; got:\n      %s", e.key(), e.Message, fs[0].Message))
			}
		}
	}
	for _, f := range findings {
		switch {
		case want[f.key()]:
		case f.Check == "":
			extra = append(extra, "an input error, not a check's finding: "+f.String())
		case f.Severity == "info":
			unlisted = append(unlisted, f.String())
		default:
			extra = append(extra, f.String())
		}
	}
	if len(missing)+len(wrongMessage)+len(extra) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "findings differ from %s/%s/%s (%s)\n", casesDir, exp.Metadata.Name, expectFile, strings.TrimSpace(firstLine(exp.Description)))
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "  %s:\n", title)
		for _, l := range lines {
			fmt.Fprintf(&b, "    - %s\n", l)
		}
	}
	section("expected, not reported", missing)
	section("reported with another message", wrongMessage)
	section("reported, not expected", extra)
	section("infos reported (not compared)", unlisted)
	return b.String()
}

func firstLine(s string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	if sc.Scan() {
		return sc.Text()
	}
	return s
}

// catalog lists the check IDs of `edgegate check --list`.
func catalog(t *testing.T) []string {
	t.Helper()
	res := testutil.Run(t, testutil.Root, nil, "check", "--list")
	if res.Code != 0 {
		t.Fatalf("edgegate check --list: exit %d\n%s", res.Code, res.Stderr)
	}
	var ids []string
	for _, line := range strings.Split(res.Stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && checkID.MatchString(f[0]) {
			ids = append(ids, f[0])
		}
	}
	if len(ids) == 0 {
		t.Fatalf("edgegate check --list lists no check:\n%s", res.Stdout)
	}
	return ids
}

// TestCorpusCoverage holds the corpus to its brief: at least minCases cases,
// every seed scenario reproduced, and every check of the catalog both firing
// (a warning or error expected) in some case and silent in another.
func TestCorpusCoverage(t *testing.T) {
	names := testutil.Subdirs(t, casesDir)
	if len(names) < minCases {
		t.Errorf("%d cases, want at least %d", len(names), minCases)
	}
	fires := map[string][]string{}
	silent := map[string][]string{}
	seeds := map[string][]string{}
	ids := catalog(t)
	for _, name := range names {
		exp := loadExpectations(t, name)
		if exp.Seed != "" {
			seeds[exp.Seed] = append(seeds[exp.Seed], name)
		}
		if exp.KnownGap != "" {
			continue // its findings are not the gate's yet
		}
		fired := map[string]bool{}
		for _, f := range exp.Findings {
			if f.Severity != "info" {
				fired[f.ID] = true
			}
		}
		for _, id := range ids {
			if fired[id] {
				fires[id] = append(fires[id], name)
			} else {
				silent[id] = append(silent[id], name)
			}
		}
	}
	for _, id := range ids {
		if len(fires[id]) == 0 {
			t.Errorf("no case expects a warning or error of %s", id)
		}
		if len(silent[id]) == 0 {
			t.Errorf("every case expects %s: add one where it must stay silent", id)
		}
		t.Logf("%s fires in %d cases (%s)", id, len(fires[id]), strings.Join(fires[id], ", "))
	}
	for _, s := range slices.Sorted(maps.Keys(seedScenarios)) {
		if len(seeds[s]) == 0 {
			t.Errorf("no case reproduces the seed scenario %q (%s)", s, seedScenarios[s])
		}
	}
}

// TestExamplesPassTheGate renders every example and runs the gate alone over
// the output, as CI would on a rendered stream: `edgegate render examples/X |
// edgegate check -`. No finding may be an error.
func TestExamplesPassTheGate(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join(testutil.Root, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() || len(testutil.YAMLFiles(t, filepath.Join(testutil.Root, "examples", e.Name()))) == 0 {
			continue
		}
		n++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			rendered := testutil.Run(t, testutil.Root, nil, "render", filepath.Join("examples", name))
			if rendered.Code != 0 || strings.TrimSpace(rendered.Stdout) == "" {
				t.Fatalf("edgegate render examples/%s: exit %d, stderr:\n%s", name, rendered.Code, rendered.Stderr)
			}
			res := testutil.Run(t, testutil.Root, []byte(rendered.Stdout), "check", "-o", "json", "-")
			var findings []Finding
			if err := json.Unmarshal([]byte(res.Stdout), &findings); err != nil {
				t.Fatalf("edgegate check -o json -: exit %d, %v\n%s\nstderr:\n%s", res.Code, err, res.Stdout, res.Stderr)
			}
			for _, f := range findings {
				if f.Severity == "error" {
					t.Errorf("error on the rendered output of examples/%s: %s", name, f)
				} else {
					t.Logf("%s", f)
				}
			}
			if res.Code != 0 {
				t.Errorf("edgegate check - over the rendered output of examples/%s: exit %d, want 0\nstderr:\n%s", name, res.Code, res.Stderr)
			}
		})
	}
	if n == 0 {
		t.Fatal("no examples")
	}
}
