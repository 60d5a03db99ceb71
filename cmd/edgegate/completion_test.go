package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var updateCompletion = flag.Bool("update", false, "rewrite testdata/completion.* from 'edgegate completion'")

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"completion", shell}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("completion %s: exit %d: %s", shell, code, stderr.String())
	}
	return stdout.String()
}

// TestCompletionGolden keeps each script as a human read it: a change to a
// flag shows up here as a diff of the scripts.
func TestCompletionGolden(t *testing.T) {
	for _, shell := range shells {
		script := completionScript(t, shell)
		golden := filepath.Join("testdata", "completion."+shell)
		if *updateCompletion {
			if err := os.WriteFile(golden, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test ./cmd/edgegate -run TestCompletionGolden -update)", err)
		}
		if script != string(want) {
			t.Errorf("edgegate completion %s differs from %s: run with -update and read the diff", shell, golden)
		}
	}
}

func TestCompletionUsage(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 2 || stdout.Len() > 0 || !strings.Contains(stderr.String(), "Usage: edgegate completion") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a usage error", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestCompletionBash sources the script in a real bash and completes words
// the way bash's programmable completion calls the function (COMP_WORDS,
// COMP_CWORD, bash's own split at "=").
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "edgegate.bash")
	if err := os.WriteFile(script, []byte(completionScript(t, "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	for _, p := range []string{"apps/shop/shop.yaml", "gateways.yaml", "lock.yml", "notes.txt"} {
		if err := os.MkdirAll(filepath.Join(work, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, p), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	complete := func(words ...string) []string {
		t.Helper()
		// The last word is the one being completed.
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "\n_edgegate\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				got = append(got, l)
			}
		}
		slices.Sort(got)
		return got
	}
	for _, c := range []struct {
		words []string
		want  []string // exactly, sorted
	}{
		{[]string{"edgegate", "re"}, []string{"render"}},
		{[]string{"edgegate", "c"}, []string{"check", "completion"}},
		{[]string{"edgegate", "check", "-o", ""}, []string{"json", "sarif", "text"}},
		{[]string{"edgegate", "check", "--output", "s"}, []string{"sarif"}},
		{[]string{"edgegate", "check", "--output", "=", ""}, []string{"json", "sarif", "text"}},
		{[]string{"edgegate", "render", "--fail-on", "w"}, []string{"warning"}},
		{[]string{"edgegate", "lock", "--fail-on", "=", "i"}, []string{"info"}},
		{[]string{"edgegate", "pin", "--fail-on", "="}, []string{"error", "info", "warning"}},
		{[]string{"edgegate", "render", "--lo"}, []string{"--locked"}},
		{[]string{"edgegate", "check", "--l"}, []string{"--list"}},
		{[]string{"edgegate", "check", "--lo"}, nil}, // check has no --locked
		{[]string{"edgegate", "render", "--namespace", ""}, nil},
		// Paths: directories and YAML files.
		{[]string{"edgegate", "render", ""}, []string{"apps", "gateways.yaml", "lock.yml"}},
		{[]string{"edgegate", "check", "apps/"}, []string{"apps/shop"}},
		{[]string{"edgegate", "render", "--bindings", "l"}, []string{"lock.yml"}},
		{[]string{"edgegate", "render", "--config", "=", "g"}, []string{"gateways.yaml"}},
		{[]string{"edgegate", "lock", "--namespace", "shop", "g"}, []string{"gateways.yaml"}},
		// push: the artifact first, then paths; a flag's value is not an argument.
		{[]string{"edgegate", "push", ""}, nil},
		{[]string{"edgegate", "push", "--timeout", "1m", ""}, nil},
		{[]string{"edgegate", "push", "oci://registry/app:v1", "g"}, []string{"gateways.yaml"}},
		{[]string{"edgegate", "flux-wiring", "oci://registry/app:v1", "a"}, []string{"apps"}},
		{[]string{"edgegate", "completion", ""}, []string{"bash", "fish", "zsh"}},
		{[]string{"edgegate", "completion", "bash", ""}, nil},
		{[]string{"edgegate", "help", "p"}, []string{"pin", "push"}},
		{[]string{"edgegate", "fn", ""}, nil},
	} {
		if got := complete(c.words...); !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.words, got, c.want)
		}
	}

	// Every flag of every command completes, and nothing else.
	for _, c := range completionCommands() {
		var want []string
		for _, f := range c.flags {
			want = append(want, "--"+f.Name)
		}
		slices.Sort(want)
		if got := complete("edgegate", c.name, "--"); !slices.Equal(got, want) && !(len(want) == 0 && got == nil) {
			t.Errorf("edgegate %s --: got %q, want %q", c.name, got, want)
		}
	}

	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", "source "+script+"\ncomplete -p edgegate")
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "complete -F _edgegate edgegate" {
		t.Errorf("complete -p edgegate: %v %q", err, out)
	}
}

// TestCompletionFish completes with fish's own engine (complete -C) where
// fish is installed.
func TestCompletionFish(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("no fish: the script is checked against its golden file only")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "edgegate.fish")
	if err := os.WriteFile(script, []byte(completionScript(t, "fish")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(fish, "--no-execute", script).CombinedOutput(); err != nil {
		t.Fatalf("fish --no-execute: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "gateways.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		line string
		want []string
	}{
		{"edgegate re", []string{"render"}},
		{"edgegate check -o ", []string{"json", "sarif", "text"}},
		{"edgegate render --fail-on ", []string{"error", "info", "warning"}},
		{"edgegate render --lo", []string{"--locked"}},
		{"edgegate render ga", []string{"gateways.yaml"}},
		{"edgegate completion ", []string{"bash", "fish", "zsh"}},
	} {
		cmd := exec.Command(fish, "--no-config", "-c", "source "+script+"; complete -C '"+c.line+"'")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if word, _, _ := strings.Cut(l, "\t"); word != "" {
				got = append(got, word)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.line, got, c.want)
		}
	}
}

// TestCompletionZsh checks the script's syntax and that it registers
// edgegate's completion, where zsh is installed.
func TestCompletionZsh(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("no zsh: the script is checked against its golden file only")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "_edgegate")
	if err := os.WriteFile(script, []byte(completionScript(t, "zsh")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(zsh, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	cmd := exec.Command(zsh, "-f", "-c", "autoload -U compinit && compinit -u -d "+filepath.Join(dir, "zcompdump")+" && source "+script+" && print -r -- $_comps[edgegate]")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "_edgegate" {
		t.Errorf("zsh registration: %v %q", err, out)
	}
}
