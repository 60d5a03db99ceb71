// Package testutil builds the edgegate binary once per test process and runs
// it the way users, kustomize and kpt do, so the project's end-to-end tests
// exercise the real command.
package testutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Root is the repository root.
var Root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// Binary returns the path of an edgegate binary built from this checkout.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "edgegate-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "edgegate")
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/edgegate")
		cmd.Dir = Root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// Result of one run of a command.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs edgegate with args in dir, feeding stdin.
func Run(t testing.TB, dir string, stdin []byte, args ...string) Result {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	return RunCmd(t, cmd)
}

// RunCmd runs cmd and returns its output and exit code; only a failure to
// start it fails the test.
func RunCmd(t testing.TB, cmd *exec.Cmd) Result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", filepath.Base(cmd.Path), err)
	}
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: code}
}

// RunTimeout is Run with a deadline: a run that does not finish within
// timeout (a hang on hostile input) fails the test.
func RunTimeout(t testing.TB, timeout time.Duration, dir string, stdin []byte, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	res := RunCmd(t, cmd)
	if ctx.Err() != nil {
		t.Fatalf("edgegate %s did not finish within %v", strings.Join(args, " "), timeout)
	}
	return res
}

// YAMLFiles lists the *.yaml and *.yml files under dir, relative to it, sorted.
func YAMLFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// ResourceList builds the ResourceList kpt would send for the files under
// dir: every object an item, annotated with its path and index in its file.
func ResourceList(t testing.TB, dir string, functionConfig string) []byte {
	t.Helper()
	items := &yaml.Node{Kind: yaml.SequenceNode}
	for _, rel := range YAMLFiles(t, dir) {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		objs, diags := manifest.Parse(data, rel)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", rel, diags)
		}
		for _, o := range objs {
			o.SetAnnotation(manifest.PathAnnotation, rel)
			o.SetAnnotation(manifest.IndexAnnotation, fmt.Sprint(o.Pos.Index))
			items.Content = append(items.Content, o.Node)
		}
	}
	var fc *yaml.Node
	if functionConfig != "" {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(functionConfig), &doc); err != nil {
			t.Fatal(err)
		}
		fc = doc.Content[0]
	}
	return encodeResourceList(t, items, fc)
}

func encodeResourceList(t testing.TB, items, functionConfig *yaml.Node) []byte {
	t.Helper()
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("apiVersion"), str("config.kubernetes.io/v1"), str("kind"), str("ResourceList"), str("items"), items,
	}}
	if functionConfig != nil {
		root.Content = append(root.Content, str("functionConfig"), functionConfig)
	}
	out, err := yaml.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FirstDifference shows the first line where got differs from want, with
// the lines of want before it.
func FirstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			end := min(len(w), i+1)
			lo := max(0, end-4)
			return fmt.Sprintf("line %d:\n  want: %q\n  got:  %q\n(context from line %d:\n  %s)", i+1, wl, gl, lo+1,
				strings.Join(w[lo:end], "\n  "))
		}
	}
	return "(equal)"
}
