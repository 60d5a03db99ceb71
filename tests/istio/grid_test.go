package istio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"text/template"
	"time"

	"sigs.k8s.io/yaml"

	"istio.io/istio/pkg/config/analysis"
	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/diag"
	"istio.io/istio/pkg/config/analysis/local"
)

// Parity with Istio's own analyzer test grid: `testGrid` in
// pkg/config/analysis/analyzers/analyzers_test.go of the istio.io/istio
// module this module requires, read where the Go module cache holds it
// (nothing of it is copied into the repository). Each grid entry names input
// files under analyzers/testdata/ and the messages (code, resource) Istio's
// own test expects on them. For every expected message in a code edgegate's
// catalog says a check mirrors, `edgegate check -o json <the entry's files>`
// must report a finding of that check, at any severity, on the same object,
// in two runs:
//
//   - given: exactly the entry's files, as a user would run edgegate on them;
//   - default-ingress: the files plus the Pod and Service of Istio's default
//     ingress gateway that Istio's harness adds to every entry
//     (local.AddDefaultResources: `istio: ingressgateway` in istio-system,
//     Service ports 80, 443, 31400, 15443), generated from the template in the
//     istio.io/istio module.
//
// A message edgegate deliberately answers otherwise is listed, with the
// reason, in testdata/grid/differences.yaml; a listed difference that no
// longer happens fails the test until it is removed. The test prints the
// recall per code and run.

// gridRuns are the two runs of every entry.
var gridRuns = []string{"given", "default-ingress"}

// gridEntry is one element of Istio's testGrid, as its source says.
type gridEntry struct {
	Name             string
	InputFiles       []string
	MeshConfigFile   string
	MeshNetworksFile string
	Analyzer         string // the Go expression, e.g. &gateway.SecretAnalyzer{}
	Expected         []gridMessage
}

// gridMessage is one expected message: the msg package's variable name, its
// code, and the resource's friendly name ("Kind namespace/name").
type gridMessage struct {
	Var, Code, Resource string
}

// messageCodes maps each variable of Istio's msg package
// (pkg/config/analysis/msg/messages.gen.go: `X = diag.NewMessageType(level,
// "IST0145", ...)`) to its code.
func messageCodes(t *testing.T, istioDir string) map[string]string {
	t.Helper()
	path := filepath.Join(istioDir, "pkg", "config", "analysis", "msg", "messages.gen.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || len(spec.Values) != 1 {
			return true
		}
		call, ok := spec.Values[0].(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "NewMessageType" {
			return true
		}
		if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			codes[spec.Names[0].Name], _ = strconv.Unquote(lit.Value)
		}
		return true
	})
	if len(codes) < 50 {
		t.Fatalf("%s: only %d message types found: has the file's form changed?", path, len(codes))
	}
	return codes
}

// readGrid parses testGrid out of analyzers_test.go.
func readGrid(t *testing.T, istioDir string) []gridEntry {
	t.Helper()
	codes := messageCodes(t, istioDir)
	path := filepath.Join(istioDir, "pkg", "config", "analysis", "analyzers", "analyzers_test.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var grid *ast.CompositeLit
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) == 1 && vs.Names[0].Name == "testGrid" && len(vs.Values) == 1 {
				grid, _ = vs.Values[0].(*ast.CompositeLit)
			}
		}
	}
	if grid == nil {
		t.Fatalf("%s: no `var testGrid = []testCase{...}`", path)
	}
	str := func(e ast.Expr) string {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Fatalf("%s: %s is not a string literal", path, fset.Position(e.Pos()))
		}
		s, _ := strconv.Unquote(lit.Value)
		return s
	}
	var out []gridEntry
	for _, el := range grid.Elts {
		lit, ok := el.(*ast.CompositeLit)
		if !ok {
			t.Fatalf("%s: %s: a testGrid element that is not a literal", path, fset.Position(el.Pos()))
		}
		var e gridEntry
		for _, fe := range lit.Elts {
			kv, ok := fe.(*ast.KeyValueExpr)
			if !ok {
				t.Fatalf("%s: %s: a testCase field without its name", path, fset.Position(fe.Pos()))
			}
			switch kv.Key.(*ast.Ident).Name {
			case "name":
				e.Name = str(kv.Value)
			case "inputFiles":
				for _, f := range kv.Value.(*ast.CompositeLit).Elts {
					e.InputFiles = append(e.InputFiles, str(f))
				}
			case "meshConfigFile":
				e.MeshConfigFile = str(kv.Value)
			case "meshNetworksFile":
				e.MeshNetworksFile = str(kv.Value)
			case "analyzer":
				var b bytes.Buffer
				_ = printer.Fprint(&b, fset, kv.Value)
				e.Analyzer = b.String()
			case "expected":
				for _, m := range kv.Value.(*ast.CompositeLit).Elts {
					pair := m.(*ast.CompositeLit)
					if len(pair.Elts) != 2 {
						t.Fatalf("%s: %s: an expected message that is not {msg.X, \"resource\"}", path, fset.Position(m.Pos()))
					}
					sel := pair.Elts[0].(*ast.SelectorExpr)
					code, ok := codes[sel.Sel.Name]
					if !ok {
						t.Fatalf("%s: %s: msg.%s is not in messages.gen.go", path, fset.Position(m.Pos()), sel.Sel.Name)
					}
					e.Expected = append(e.Expected, gridMessage{Var: sel.Sel.Name, Code: code, Resource: str(pair.Elts[1])})
				}
			}
		}
		out = append(out, e)
	}
	return out
}

// defaultIngress is what local.AddDefaultResources adds to every grid entry:
// Istio's default ingress gateway Pod and Service, from the template in
// pkg/config/analysis/local/defaults.go (defaultIstioIngressGateway), with
// the namespace and Service name Istio's harness and mesh config default to.
func defaultIngress(t *testing.T, istioDir string) []byte {
	t.Helper()
	path := filepath.Join(istioDir, "pkg", "config", "analysis", "local", "defaults.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if ok && len(vs.Names) == 1 && vs.Names[0].Name == "defaultIstioIngressGateway" && len(vs.Values) == 1 {
			if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
				tmpl, _ = strconv.Unquote(lit.Value)
			}
		}
		return true
	})
	if tmpl == "" {
		t.Fatalf("%s: no const defaultIstioIngressGateway", path)
	}
	var b bytes.Buffer
	if err := template.Must(template.New("ingress").Parse(tmpl)).Execute(&b, map[string]string{
		"namespace": "istio-system", "ingressService": "istio-ingressgateway",
	}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gridDifference is an expected message edgegate deliberately does not
// answer with the mirroring check (testdata/grid/differences.yaml).
type gridDifference struct {
	Entry    string `json:"entry"`
	Code     string `json:"code"`
	Resource string `json:"resource"`
	Check    string `json:"check"`
	// Run is "given", "default-ingress" or empty for both.
	Run    string `json:"run,omitempty"`
	Reason string `json:"reason"`
}

func (d gridDifference) key(run string) string {
	return d.Entry + "|" + d.Code + "|" + d.Resource + "|" + d.Check + "|" + run
}

func loadGridDifferences(t *testing.T) map[string]gridDifference {
	t.Helper()
	path := filepath.Join("testdata", "grid", "differences.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var list []gridDifference
	if err := yaml.UnmarshalStrict(data, &list); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]gridDifference{}
	for _, d := range list {
		if d.Entry == "" || d.Code == "" || d.Resource == "" || d.Check == "" || strings.TrimSpace(d.Reason) == "" {
			t.Fatalf("%s: every entry needs entry, code, resource, check and reason: %+v", path, d)
		}
		runs := gridRuns
		if d.Run != "" {
			if !slices.Contains(gridRuns, d.Run) {
				t.Fatalf("%s: run %q: want one of %v, or none for both", path, d.Run, gridRuns)
			}
			runs = []string{d.Run}
		}
		for _, r := range runs {
			out[d.key(r)] = d
		}
	}
	return out
}

// mirroringChecks maps each Istio code of the catalog's mirrors to the
// checks that mirror it, as the built CLI publishes the catalog: every check
// is a rule of `edgegate check -o sarif`, tagged with the codes it mirrors.
func mirroringChecks(t *testing.T) map[string][]string {
	t.Helper()
	empty := t.TempDir()
	cmd := exec.Command(edgegateBin, "check", "-o", "sarif", empty)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("edgegate check -o sarif %s: %v\n%s", empty, err, stderr.String())
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string `json:"id"`
						Properties struct {
							Tags []string `json:"tags"`
						} `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("edgegate check -o sarif: %v\n%s", err, out)
	}
	codes := map[string][]string{}
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		for _, code := range r.Properties.Tags {
			if strings.HasPrefix(code, "IST") {
				codes[code] = append(codes[code], r.ID)
			}
		}
	}
	if len(codes) == 0 {
		t.Fatalf("edgegate check -o sarif: no rule mirrors an Istio code\n%s", out)
	}
	return codes
}

// analyzeGridEntry runs all of Istio's analyzers over an entry the way the
// grid's harness runs its one analyzer (setupAnalyzerForCase): the entry's
// mesh config, its files as test sources, and the default resources. It
// gives the parameters of the expected messages (the grid names only code
// and resource), which tell apart the references an IST0101 did not find.
func analyzeGridEntry(t *testing.T, testdataParent string, e gridEntry) []diag.Message {
	t.Helper()
	// The entry's own analyzer, when the grid names it as a value
	// (&gateway.SecretAnalyzer{}), as the grid runs it; all of them
	// otherwise (a constructor call), whose messages are then matched by
	// code and resource.
	var analyzer analysis.CombinedAnalyzer = analyzers.AllCombined()
	want := "*" + strings.TrimSuffix(strings.TrimPrefix(e.Analyzer, "&"), "{}")
	for _, a := range analyzers.All() {
		if fmt.Sprintf("%T", a) == want {
			analyzer = analysis.Combine("grid", a)
			break
		}
	}
	sa := local.NewSourceAnalyzer(analyzer, "", "istio-system", nil)
	if e.MeshConfigFile != "" {
		if err := sa.AddFileKubeMeshConfig(filepath.Join(testdataParent, e.MeshConfigFile)); err != nil {
			t.Fatal(err)
		}
	}
	if e.MeshNetworksFile != "" {
		if err := sa.AddFileKubeMeshNetworks(filepath.Join(testdataParent, e.MeshNetworksFile)); err != nil {
			t.Fatal(err)
		}
	}
	var files []local.ReaderSource
	for _, name := range e.InputFiles {
		f, err := os.Open(filepath.Join(testdataParent, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, local.ReaderSource{Name: name, Reader: f})
	}
	if err := sa.AddTestReaderKubeSource(files); err != nil {
		t.Fatal(err)
	}
	if err := sa.AddDefaultResources(); err != nil {
		t.Fatal(err)
	}
	cancel := make(chan struct{})
	defer close(cancel)
	res, err := sa.Analyze(cancel)
	if err != nil {
		t.Fatal(err)
	}
	return res.Messages
}

// checkFiles runs `edgegate check -o json <paths>`: exit 0 (no error) or 1
// (errors), and a JSON list of findings.
func checkFiles(t *testing.T, paths []string) []egFinding {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, edgegateBin, append([]string{"check", "-o", "json"}, paths...)...)
	cmd.Dir = repoRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exitErr, ok := err.(*exec.ExitError); err != nil && !(ok && exitErr.ExitCode() == 1) {
		t.Fatalf("edgegate check -o json %s: %v\nstderr:\n%s", strings.Join(paths, " "), err, stderr.String())
	}
	var findings []egFinding
	if err := json.Unmarshal(stdout.Bytes(), &findings); err != nil {
		t.Fatalf("edgegate check -o json %s: %v\n%s", strings.Join(paths, " "), err, stdout.String())
	}
	return findings
}

// gridRow is one expected message under parity in one run, and edgegate's
// answer.
type gridRow struct {
	Entry, Run, Code, Resource, Detail, Check string
	Answer                                    string // "EG003 error spec.servers[0].port.number", "MISSING", "DIFFERENCE"
}

// TestIstioAnalyzerGrid: see the comment at the top of this file. With -v it
// logs every expected message under parity and edgegate's answer in each run.
func TestIstioAnalyzerGrid(t *testing.T) {
	istioDir, err := istioModuleDir()
	if err != nil || istioDir == "" {
		t.Fatalf("the istio.io/istio module's directory (go mod download istio.io/istio?): %q %v", istioDir, err)
	}
	analyzersDir := filepath.Join(istioDir, "pkg", "config", "analysis", "analyzers")
	grid := readGrid(t, istioDir)
	mirrors := mirroringChecks(t)
	differences := loadGridDifferences(t)
	ingressFile := filepath.Join(t.TempDir(), "istio-default-ingress.yaml")
	if err := os.WriteFile(ingressFile, defaultIngress(t, istioDir), 0o600); err != nil {
		t.Fatal(err)
	}

	var rows []gridRow
	used := map[string]bool{}
	entries := 0
	for i, e := range grid {
		var under []gridMessage
		for _, m := range e.Expected {
			if len(mirrors[m.Code]) > 0 {
				under = append(under, m)
			}
		}
		if len(under) == 0 {
			continue
		}
		entries++
		// Entries share names ("externalControlPlaneMissingWebhooks"
		// twice): the index tells them apart.
		id := fmt.Sprintf("%03d %s", i, e.Name)
		t.Run(id, func(t *testing.T) {
			msgs := analyzeGridEntry(t, analyzersDir, e)
			var files []string
			for _, f := range e.InputFiles {
				files = append(files, filepath.Join(analyzersDir, f))
			}
			for _, run := range gridRuns {
				paths := files
				if run == "default-ingress" {
					paths = append(slices.Clone(files), ingressFile)
				}
				findings := checkFiles(t, paths)
				byObject := map[string][]egFinding{}
				for _, f := range findings {
					byObject[f.object()] = append(byObject[f.object()], f)
					t.Logf("%s: edgegate: %s %s %s %s: %s", run, f.Check, f.Severity, f.object(), f.Field, f.Message)
				}
				// A resource expected twice with one code (two IST0101
				// on one VirtualService) is one row per distinct
				// message Istio gives.
				seen := map[string]bool{}
				for _, m := range under {
					for _, r := range gridRowsOf(t, e, m, msgs, mirrors) {
						r.Entry, r.Run = e.Name, run
						key := r.Code + "|" + r.Resource + "|" + r.Detail
						if seen[key] {
							continue
						}
						seen[key] = true
						if r.Check == "" {
							// An IST0101 about a reference no check
							// of edgegate follows (a Sidecar's
							// workloads, a DestinationRule subset).
							r.Check = "none"
						}
						r.Answer = "MISSING"
						for _, f := range byObject[r.Resource] {
							if f.Check == r.Check {
								r.Answer = fmt.Sprintf("%s %s %s", f.Check, f.Severity, f.Field)
								break
							}
						}
						dk := gridDifference{Entry: e.Name, Code: r.Code, Resource: r.Resource, Check: r.Check}.key(run)
						d, isDifference := differences[dk]
						switch {
						case r.Answer != "MISSING" && isDifference:
							t.Errorf("%s: testdata/grid/differences.yaml lists %s %s on %s, which edgegate now answers (%s): remove the entry", run, r.Code, r.Check, r.Resource, r.Answer)
						case r.Answer == "MISSING" && isDifference:
							used[dk] = true
							r.Answer = "DIFFERENCE"
							t.Logf("%s: documented difference: Istio %s on %s, no %s finding: %s", run, r.Code, r.Resource, r.Check, d.Reason)
						case r.Check == "none" && !isDifference:
							t.Errorf("%s run: Istio's grid expects %s (%s %s) on %s, and no check of edgegate follows that reference: mirror it, or list it in testdata/grid/differences.yaml (check: none) with the reason",
								run, r.Code, m.Var, r.Detail, r.Resource)
						case r.Answer == "MISSING":
							var said []string
							for _, f := range byObject[r.Resource] {
								said = append(said, fmt.Sprintf("%s %s %s: %s", f.Check, f.Severity, f.Field, f.Message))
							}
							if len(said) == 0 {
								said = []string{"nothing"}
							}
							t.Errorf("%s run: Istio's grid expects %s (%s %s) on %s; edgegate reports no %s finding there; it says:\n    %s",
								run, r.Code, m.Var, r.Detail, r.Resource, r.Check, strings.Join(said, "\n    "))
						}
						rows = append(rows, r)
					}
				}
			}
		})
	}
	if !t.Failed() {
		for k, d := range differences {
			if !used[k] {
				t.Errorf("testdata/grid/differences.yaml: %s %s on %s (entry %q) is no longer a difference in some run: remove or narrow the entry", d.Code, d.Check, d.Resource, d.Entry)
			}
		}
	}
	logGridTable(t, rows, mirrors, entries)
}

// gridRowsOf gives the rows of one expected message: its check, and for
// IST0101 the reference it did not find, read from Istio's message (one row
// per distinct reference).
func gridRowsOf(t *testing.T, e gridEntry, m gridMessage, msgs []diag.Message, mirrors map[string][]string) []gridRow {
	t.Helper()
	var found []diag.Message
	for _, im := range msgs {
		if im.Type.Code() == m.Code && resourceOf(im) == m.Resource {
			found = append(found, im)
		}
	}
	if len(found) == 0 {
		t.Fatalf("grid entry %q expects %s (%s) on %s, but Istio's analyzers, run as the grid runs them, do not raise it", e.Name, m.Code, m.Var, m.Resource)
	}
	if m.Code != "IST0101" {
		checks := mirrors[m.Code]
		if len(checks) != 1 {
			t.Fatalf("%s is mirrored by %v: say which answers it", m.Code, checks)
		}
		return []gridRow{{Code: m.Code, Resource: m.Resource, Check: checks[0]}}
	}
	var rows []gridRow
	kind, _, _ := strings.Cut(m.Resource, " ")
	for _, im := range found {
		var ref string
		if len(im.Parameters) > 0 {
			ref, _ = im.Parameters[0].(string)
		}
		detail := ref
		if len(im.Parameters) > 1 {
			detail = fmt.Sprintf("%s %v", ref, im.Parameters[1])
		}
		// An IST0101 about a reference edgegate does not follow (a
		// Sidecar's workload, an AuthorizationPolicy's namespace, a
		// DestinationRule subset): Check stays empty.
		rows = append(rows, gridRow{Code: m.Code, Resource: m.Resource, Detail: detail, Check: ist0101Checks[kind][ref]})
	}
	return rows
}

// tally counts one code's expected messages in one run.
type tally struct{ total, matched, differences int }

// recall is the share of the messages edgegate does not deliberately leave
// out that the mirroring check answers.
func (t *tally) recall() string {
	if t.total == t.differences {
		return "-"
	}
	return fmt.Sprintf("%.0f %%", 100*float64(t.matched)/float64(t.total-t.differences))
}

// covered is the share answered or listed as a documented difference.
func (t *tally) covered() string {
	return fmt.Sprintf("%.0f %%", 100*float64(t.matched+t.differences)/float64(t.total))
}

func logGridTable(t *testing.T, rows []gridRow, mirrors map[string][]string, entries int) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTRY\tRUN\tISTIO\tRESOURCE\tEDGEGATE")
	byCode := map[string]map[string]*tally{}
	for _, r := range rows {
		code := r.Code
		if r.Code == "IST0101" {
			code += " (" + r.Detail + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Entry, r.Run, code, r.Resource, r.Answer)
		if byCode[r.Code] == nil {
			byCode[r.Code] = map[string]*tally{}
		}
		tl := byCode[r.Code][r.Run]
		if tl == nil {
			tl = &tally{}
			byCode[r.Code][r.Run] = tl
		}
		tl.total++
		switch r.Answer {
		case "MISSING":
		case "DIFFERENCE":
			tl.differences++
		default:
			tl.matched++
		}
	}
	tw.Flush()
	var s strings.Builder
	sw := tabwriter.NewWriter(&s, 0, 4, 2, ' ', 0)
	fmt.Fprintln(sw, "CODE\tCHECK\tRUN\tEXPECTED\tMATCHED\tDOCUMENTED\tRECALL\tMATCHED OR DOCUMENTED")
	sum := map[string]*tally{}
	for _, code := range slices.Sorted(maps.Keys(byCode)) {
		for _, run := range gridRuns {
			tl := byCode[code][run]
			if tl == nil {
				continue
			}
			if sum[run] == nil {
				sum[run] = &tally{}
			}
			sum[run].total += tl.total
			sum[run].matched += tl.matched
			sum[run].differences += tl.differences
			fmt.Fprintf(sw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", code, strings.Join(mirrors[code], ","), run, tl.total, tl.matched, tl.differences, tl.recall(), tl.covered())
		}
	}
	for _, run := range gridRuns {
		if tl := sum[run]; tl != nil {
			fmt.Fprintf(sw, "all\t\t%s\t%d\t%d\t%d\t%s\t%s\n", run, tl.total, tl.matched, tl.differences, tl.recall(), tl.covered())
		}
	}
	sw.Flush()
	t.Logf("Istio's analyzer grid: %d entries expect a message in a code edgegate mirrors\n%s\nrecall per code (matched: the mirroring check on the same object; documented: a difference in testdata/grid/differences.yaml; recall: matched of those not documented):\n%s",
		entries, b.String(), s.String())
}
