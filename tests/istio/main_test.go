// Package istio proves edgegate's examples against Istio itself: for every
// directory under examples/ it runs the real edgegate CLI, feeds the rendered
// objects (plus the fixtures a cluster would hold) to pilot's xDS generation
// and simulation and to Istio's analyzers, and checks every call listed in
// testdata/<example>.yaml. See README.md.
package istio

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/tests/istio/analyze"
)

var (
	// repoRoot is the edgegate repository (module github.com/edgegate/edgegate).
	repoRoot string
	// edgegateBin is the CLI, built once per test binary.
	edgegateBin string
)

func TestMain(m *testing.M) {
	analyze.SilenceLogs()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if repoRoot, err = findRepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "tests/istio:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "edgegate-istio-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests/istio:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	edgegateBin = filepath.Join(dir, "edgegate")
	if err := buildCLI(edgegateBin); err != nil {
		fmt.Fprintln(os.Stderr, "tests/istio:", err)
		return 1
	}
	return m.Run()
}

// findRepoRoot walks up from the test's directory to the edgegate module.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/edgegate/edgegate\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no github.com/edgegate/edgegate module above %s", dir)
		}
	}
}

// buildCLI builds github.com/edgegate/edgegate/cmd/edgegate the way the
// repository builds it: in its own module, with the toolchain running the tests.
func buildCLI(out string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is needed to build the edgegate CLI: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "./cmd/edgegate")
	cmd.Dir = repoRoot
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/edgegate in %s: %v\n%s", repoRoot, err, stderr.String())
	}
	return nil
}

// render runs `edgegate render <dir>` in the repository (dir is relative to
// it, e.g. examples/bookinfo, or absolute) and returns its stdout, failing the
// test unless it exits 0 with a non-empty stream.
func render(t *testing.T, dir string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, edgegateBin, "render", dir)
	cmd.Dir = repoRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("edgegate render %s: stderr:\n%s", dir, s)
	}
	if err != nil {
		t.Fatalf("edgegate render %s: %v (want exit 0)", dir, err)
	}
	if len(bytes.TrimSpace(stdout.Bytes())) == 0 {
		t.Fatalf("edgegate render %s: exit 0 with an empty stream (want the rendered objects)", dir)
	}
	return stdout.Bytes()
}

// examples lists the directories under examples/.
func examples(t *testing.T) []string {
	t.Helper()
	return subdirs(t, filepath.Join(repoRoot, "examples"))
}

func subdirs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatalf("no directories under %s", dir)
	}
	return names
}
