// Package badinput runs every case of the bad-input corpus through the CLI
// and the KRM function. Each case is a directory of input files and a
// want.txt whose lines must each appear in stderr. Both paths must fail with
// exit 1, never panic and print no objects: Argo CD and kpt act on whatever
// is printed, and half an output is worse than none.
//
// want.txt holds one expected stderr fragment per line; the CLI's
// "file:line:" becomes "file:" for the function, since a ResourceList carries
// files but not lines. Lines starting with '#' are comments or directives:
//
//	# BUG: <what>              a known bug: the case is skipped (in both modes)
//	                           unless EDGEGATE_BADINPUT_BUGS=1
//	# BUG: fn: <what>          … skipped only for the KRM function (cli: likewise)
//	# args: <flags>            extra flags for `edgegate render` (before ".")
//	# fn-args: <args>          arguments for the function run (default: none,
//	                           i.e. plain `edgegate` with a ResourceList on stdin)
//	# fn-config: <file>        the case file sent as the ResourceList's functionConfig
//	# fn-stdout: empty         the function cannot read its input at all, so it
//	                           writes no ResourceList (instead of one with no items)
//	# fn-result: warning       the function fails on a warning result (failOn:
//	                           warning), not on an error result
//	# fn: skip: <why>          the case does not apply to the function
//	# not: <fragment>          must appear neither on stderr nor on stdout
//	                           (e.g. a Secret's key material)
//
// and a line "cli: <fragment>" or "fn: <fragment>" applies to one mode only.
// A case whose files do not parse (malformed YAML, a document that is not an
// object) is not sent to the function: kpt and kustomize reject the files
// before any function runs. TestResourceList covers the function's own reading.
package badinput

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/testutil"
)

// minCases keeps the corpus from shrinking unnoticed.
const minCases = 60

// spec is a parsed want.txt.
type spec struct {
	bug, bugCLI, bugFn string
	args, fnArgs       []string
	fnConfig           string
	fnStdoutEmpty      bool
	fnResult           string // the severity of the result that fails the function
	fnSkip             string
	not                []string
	cli, fn            []string // expected fragments per mode
}

func readSpec(t *testing.T, dir string) spec {
	t.Helper()
	w := testutil.ReadWant(t, dir)
	s := spec{fnResult: "error", cli: w.CLI, fn: w.Fn}
	for _, d := range w.Directives {
		switch d.Key {
		case "BUG":
			switch mode, what, _ := strings.Cut(d.Value, ":"); mode {
			case "fn":
				s.bugFn = strings.TrimSpace(what)
			case "cli":
				s.bugCLI = strings.TrimSpace(what)
			default:
				s.bug = d.Value
			}
		case "args":
			s.args = strings.Fields(d.Value)
		case "fn-args":
			s.fnArgs = strings.Fields(d.Value)
		case "fn-config":
			s.fnConfig = d.Value
		case "fn-result":
			s.fnResult = d.Value
		case "fn-stdout":
			s.fnStdoutEmpty = d.Value == "empty"
		case "fn":
			s.fnSkip = strings.TrimSpace(strings.TrimPrefix(d.Value, "skip:"))
		case "not":
			s.not = append(s.not, d.Value)
		}
	}
	return s
}

func TestCorpusSize(t *testing.T) {
	if n := len(testutil.Subdirs(t, "cases")); n < minCases {
		t.Errorf("%d bad-input cases, want at least %d", n, minCases)
	}
}

func TestCLI(t *testing.T) {
	for _, name := range testutil.Subdirs(t, "cases") {
		t.Run(name, func(t *testing.T) {
			dir, _ := filepath.Abs(filepath.Join("cases", name))
			s := readSpec(t, dir)
			skipBug(t, s.bug, s.bugCLI)
			if len(s.cli) == 0 {
				t.Fatal("want.txt has no line for the CLI")
			}
			args := append(append([]string{"render"}, s.args...), ".")
			res := run(t, dir, nil, args...)
			check(t, res, s.cli, s.not)
			if res.Stdout != "" {
				t.Errorf("printed objects on failure:\n%s", res.Stdout)
			}
		})
	}
}

// TestExplain feeds every case to `edgegate explain`, which reads and
// renders as render does: the same messages, no answer printed.
func TestExplain(t *testing.T) {
	for _, name := range testutil.Subdirs(t, "cases") {
		t.Run(name, func(t *testing.T) {
			dir, _ := filepath.Abs(filepath.Join("cases", name))
			s := readSpec(t, dir)
			skipBug(t, s.bug, s.bugCLI)
			args := append(append([]string{"explain"}, s.args...), ".", "http://probe.example.com/")
			res := run(t, dir, nil, args...)
			check(t, res, s.cli, s.not)
			if res.Stdout != "" {
				t.Errorf("printed an answer on failure:\n%s", res.Stdout)
			}
		})
	}
}

func TestFunction(t *testing.T) {
	for _, name := range testutil.Subdirs(t, "cases") {
		t.Run(name, func(t *testing.T) {
			dir, _ := filepath.Abs(filepath.Join("cases", name))
			s := readSpec(t, dir)
			skipBug(t, s.bug, s.bugFn)
			if s.fnSkip != "" {
				t.Skip(s.fnSkip)
			}
			if why := unparsable(t, dir); why != "" {
				t.Skipf("kpt and kustomize reject %s before the function runs", why)
			}
			if len(s.fn) == 0 {
				t.Fatal("want.txt has no line for the function")
			}
			fc := ""
			if s.fnConfig != "" {
				data, err := os.ReadFile(filepath.Join(dir, s.fnConfig))
				if err != nil {
					t.Fatal(err)
				}
				fc = string(data)
			}
			res := run(t, dir, testutil.ResourceList(t, dir, fc), s.fnArgs...)
			check(t, res, s.fn, s.not)
			checkNoItems(t, res, s.fnStdoutEmpty, s.fnResult)
		})
	}
}

// checkNoItems asserts the function's stdout is a ResourceList with no items
// and a result of the failing severity or, when it could not read its input,
// nothing at all.
func checkNoItems(t *testing.T, res testutil.Result, empty bool, severity string) {
	t.Helper()
	if empty {
		if res.Stdout != "" {
			t.Errorf("function wrote output though it could not read its input:\n%s", res.Stdout)
		}
		return
	}
	if strings.Contains(res.Stdout, "\n- apiVersion:") || !strings.Contains(res.Stdout, "items: []") {
		t.Errorf("function returned items on failure:\n%s", res.Stdout)
	}
	if !strings.Contains(res.Stdout, "severity: "+severity) {
		t.Errorf("no %s result:\n%s", severity, res.Stdout)
	}
}

// unparsable names the first file of dir that does not parse into objects.
func unparsable(t *testing.T, dir string) string {
	t.Helper()
	for _, rel := range testutil.YAMLFiles(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if _, diags := manifest.Parse(data, rel); diags.HasErrors() {
			return rel + " (" + diags[0].Message + ")"
		}
	}
	return ""
}

// TestLock runs `edgegate lock` over every case: it renders like render but
// writes the lock, so a failure must leave the case's files untouched (no half
// lock). Some cases are errors only at the policy gate or with render's flags,
// which lock does not run; for those lock may succeed.
func TestLock(t *testing.T) {
	for _, name := range testutil.Subdirs(t, "cases") {
		t.Run(name, func(t *testing.T) {
			src, _ := filepath.Abs(filepath.Join("cases", name))
			s := readSpec(t, src)
			skipBug(t, s.bug, s.bugCLI)
			dir := t.TempDir()
			testutil.CopyDir(t, src, dir)
			before := testutil.Snapshot(t, dir)
			res := run(t, dir, nil, "lock", "--bindings", "hostbindings.yaml", ".")
			if strings.Contains(res.Stderr, "panic") || strings.Contains(res.Stderr, "goroutine ") {
				t.Fatalf("panicked:\n%s", res.Stderr)
			}
			if res.Code == 0 {
				return
			}
			if res.Code != 1 {
				t.Errorf("exit code %d, want 0 or 1", res.Code)
			}
			if res.Stdout != "" {
				t.Errorf("printed changes on failure:\n%s", res.Stdout)
			}
			after := testutil.Snapshot(t, dir)
			for f, data := range after {
				if before[f] != data {
					t.Errorf("failed lock wrote %s:\n%s", f, data)
				}
			}
		})
	}
}

// runBugs runs the known-bug cases too (EDGEGATE_BADINPUT_BUGS=1): to check a
// fix, then delete the case's BUG line.
var runBugs = os.Getenv("EDGEGATE_BADINPUT_BUGS") != ""

func skipBug(t *testing.T, bugs ...string) {
	t.Helper()
	if runBugs {
		return
	}
	for _, b := range bugs {
		if b != "" {
			t.Skip("known bug: " + b)
		}
	}
}

func check(t *testing.T, res testutil.Result, want, not []string) {
	t.Helper()
	if res.Code != 1 {
		t.Errorf("exit code %d, want 1", res.Code)
	}
	if strings.Contains(res.Stderr, "panic") || strings.Contains(res.Stderr, "goroutine ") {
		t.Errorf("panicked:\n%s", res.Stderr)
	}
	if strings.Contains(res.Stderr, "internal error") {
		t.Errorf("internal error:\n%s", res.Stderr)
	}
	for _, n := range not {
		if strings.Contains(res.Stderr, n) || strings.Contains(res.Stdout, n) {
			t.Errorf("output shows %q:\nstderr:\n%s\nstdout:\n%s", n, res.Stderr, res.Stdout)
		}
	}
	for _, w := range want {
		if !strings.Contains(res.Stderr, w) {
			t.Errorf("stderr lacks\n  %s\ngot\n  %s", w, strings.ReplaceAll(strings.TrimSpace(res.Stderr), "\n", "\n  "))
		}
	}
}

// timeout bounds one run of edgegate: every case takes milliseconds, and a
// case that hangs (an alias or merge-key bomb that is not bounded) must fail,
// not stall the suite.
const timeout = 30 * time.Second

// run is testutil.Run with the corpus's timeout.
func run(t testing.TB, dir string, stdin []byte, args ...string) testutil.Result {
	t.Helper()
	return testutil.RunTimeout(t, timeout, dir, stdin, args...)
}
