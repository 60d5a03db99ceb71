package policy

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/policies.md from docs/policies/*.md")

// TestPolicyDocs keeps docs/policies.md whole: one section per check of the
// catalog, taken from docs/policies/<ID>.md, after a table of every check.
// Run `go test ./policy -run TestPolicyDocs -update-docs` after editing a section.
func TestPolicyDocs(t *testing.T) {
	var b strings.Builder
	b.WriteString("# edgegate policy checks\n\n")
	b.WriteString("Every check edgegate's gate runs, on `edgegate render`, in the KRM function and alone as `edgegate check`.\n")
	b.WriteString("An `EdgegatePolicy` changes a check's severity (`spec.checks: {EG012: warning}`) or turns it off (`off`);\n")
	b.WriteString("the annotation `edgegate.dev/suppress: \"EG012: reason\"` silences a check for one object (a reason is required).\n")
	b.WriteString("A check turned off is reported as an info at the policy's field. The checks that protect other namespaces (EG001 for a\n")
	b.WriteString("conflict with another namespace's claim, EG010, EG011 about a certificate, EG016 for a certificate another namespace's Gateway\n")
	b.WriteString("presents too) are the platform's: only its policy may lower them, and a\n")
	b.WriteString("suppression of them counts only on the gateway namespace's objects or where its `spec.grants` allows (README, \"Suppressions\").\n")
	b.WriteString("This file is generated from `docs/policies/<ID>.md` by `go test ./policy -run TestPolicyDocs -update-docs`.\n\n")
	b.WriteString("| ID | name | severity | mirrors | what it catches |\n|---|---|---|---|---|\n")
	for _, c := range Catalog() {
		m := c.Meta()
		anchor := strings.ToLower(m.ID) + "-" + m.Name
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s | %s |\n", m.ID, anchor, m.Name, m.Severity, strings.Join(m.Mirrors, ", "), m.Description)
	}
	for _, c := range Catalog() {
		m := c.Meta()
		section, err := os.ReadFile(filepath.Join("..", "docs", "policies", m.ID+".md"))
		if err != nil {
			t.Errorf("%s has no documentation: %v", m.ID, err)
			continue
		}
		heading := fmt.Sprintf("## %s %s\n", m.ID, m.Name)
		if !strings.HasPrefix(string(section), heading) {
			t.Errorf("docs/policies/%s.md must start with %q", m.ID, heading)
		}
		for _, part := range []string{"### What it catches", "### Why it matters", "### Example"} {
			if !strings.Contains(string(section), part) {
				t.Errorf("docs/policies/%s.md lacks %q", m.ID, part)
			}
		}
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(string(section), "\n"))
		b.WriteString("\n")
	}
	path := filepath.Join("..", "docs", "policies.md")
	if *updateDocs {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil || string(have) != b.String() {
		t.Errorf("docs/policies.md is not up to date with docs/policies/*.md and the catalog: run go test ./policy -run TestPolicyDocs -update-docs")
	}
}
