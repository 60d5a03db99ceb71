package manifest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFilesDeclaring(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("plain.yaml", "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\n")
	write("quoted.yml", "kind: \"AppIntent\"  # a comment\n")
	write("single.yaml", "kind: 'AppIntent'\r\n")
	write("second.yaml", "kind: ConfigMap\n---\nkind: AppIntent\n")
	write("nested/deep/app.yaml", "kind: AppIntent\n")
	write("indented.yaml", "data:\n  kind: AppIntent\n")
	write("prefix.yaml", "kind: AppIntentList\n")
	write("readme.md", "kind: AppIntent\n")
	write(".hidden/app.yaml", "kind: AppIntent\n")
	write("kustomization.yaml", "kind: AppIntent\n")
	write("long.yaml", "x: "+strings.Repeat("a", 1<<17)+"\nkind: AppIntent\n")
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "outside.yaml")); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range FilesDeclaring(dir, "AppIntent") {
		rel, _ := filepath.Rel(dir, f)
		got = append(got, filepath.ToSlash(rel))
	}
	want := []string{"long.yaml", "nested/deep/app.yaml", "plain.yaml", "quoted.yml", "second.yaml", "single.yaml"}
	if !slices.Equal(got, want) {
		t.Errorf("FilesDeclaring = %v, want %v", got, want)
	}
	if got := FilesDeclaring(filepath.Join(dir, "missing"), "AppIntent"); got != nil {
		t.Errorf("a missing directory: %v", got)
	}
}
