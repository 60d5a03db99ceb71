package image

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/edgegate/edgegate/tests/image/imagebuild"
	"github.com/edgegate/edgegate/tests/testutil"
)

// Tag is the image as README names it, loaded into the tests' own podman
// store (nothing is pulled: these machines reach no public registry).
const Tag = "ghcr.io/edgegate/edgegate:dev"

// engine is the tests' podman: Debian's podman and runc (installed when
// missing), configured through CONTAINERS_CONF and CONTAINERS_STORAGE_CONF
// with an image store and run state of its own under a temporary folder, so
// no system file is changed and nothing outlives the tests.
type engine struct {
	podman string // the real binary
	dir    string
	shims  string // a folder with the podman and docker shims
	log    string // every shim call's arguments
}

var (
	eng *engine
	// builtIndex is the index the tests built with builtOpts; its image
	// for this machine is loaded as Tag.
	builtIndex v1.ImageIndex
	builtOpts  imagebuild.Options
	sourceDir  = filepath.Join("..", "..")
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	start := time.Now()
	if err := ensureInstalled(); err != nil {
		return 0, err
	}
	if err := testutil.EnsureRegistryInstalled(); err != nil {
		return 0, err
	}
	installed := time.Since(start)
	var err error
	eng, err = newEngine()
	if err != nil {
		return 0, err
	}
	defer eng.close()
	start = time.Now()
	if err := buildAndLoad(); err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "image tests: podman and runc ready in %v; image built and loaded in %v\n",
		installed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	code := m.Run()
	if left := eng.leftovers(); left != "" {
		fmt.Fprintf(os.Stderr, "containers left after the tests:\n%s", left)
		code = 1
	}
	return code, nil
}

// ensureInstalled installs Debian's podman and runc when either is missing
// (apt-get update first on a fresh machine). The packages start no service.
func ensureInstalled() error {
	return testutil.AptInstall([]string{"podman", "runc"}, "podman", "runc")
}

// shim stands in for podman (as kpt calls it) and for docker (as kustomize
// calls it): it records its arguments, adds --read-only to `run` (the root
// file system of a cluster's readOnlyRootFilesystem; neither tool asks for
// it), and runs the real podman.
const shim = `#!/bin/sh
{ for a in "$@"; do printf '%%s\n' "$a"; done; echo '----'; } >> %q
if [ "$1" = run ]; then
  shift
  exec %q run --read-only "$@"
fi
exec %q "$@"
`

func newEngine() (*engine, error) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "edgegate-podman-")
	if err != nil {
		return nil, err
	}
	e := &engine{podman: podman, dir: dir, shims: filepath.Join(dir, "bin"), log: filepath.Join(dir, "calls.log")}
	conf, err := os.ReadFile(filepath.Join("podman", "containers.conf"))
	if err != nil {
		return nil, err
	}
	storage := fmt.Sprintf("[storage]\ndriver = \"vfs\"\nrunroot = %q\ngraphroot = %q\n",
		filepath.Join(dir, "run"), filepath.Join(dir, "storage"))
	files := map[string]string{
		"containers.conf": string(conf),
		"storage.conf":    storage,
		"bin/podman":      fmt.Sprintf(shim, e.log, podman, podman),
		"bin/docker":      fmt.Sprintf(shim, e.log, podman, podman),
	}
	for f, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o755); err != nil {
			return nil, err
		}
	}
	// Every podman the tests start, directly or through kpt and kustomize,
	// reads these.
	os.Setenv("CONTAINERS_CONF", filepath.Join(dir, "containers.conf"))
	os.Setenv("CONTAINERS_STORAGE_CONF", filepath.Join(dir, "storage.conf"))
	return e, nil
}

// env is the process environment with the shims first on PATH.
func (e *engine) env(extra ...string) []string {
	env := []string{"PATH=" + e.shims + string(os.PathListSeparator) + os.Getenv("PATH")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// calls returns the shim calls recorded since the log was last cleared, and
// clears it.
func (e *engine) calls(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile(e.log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	os.Remove(e.log)
	var calls [][]string
	var cur []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "----" {
			calls = append(calls, cur)
			cur = nil
			continue
		}
		if line != "" {
			cur = append(cur, line)
		}
	}
	return calls
}

// run runs the real podman with args.
func (e *engine) run(t *testing.T, stdin []byte, args ...string) testutil.Result {
	t.Helper()
	cmd := exec.Command(e.podman, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	return testutil.RunCmd(t, cmd)
}

// leftovers lists containers still in the store.
func (e *engine) leftovers() string {
	out, err := exec.Command(e.podman, "ps", "-a", "--format", "{{.ID}} {{.Image}} {{.Status}}").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("podman ps -a: %v\n%s", err, out)
	}
	return string(out)
}

// close removes the store. podman keeps no process running after a
// --rm container exits; vfs has no mounts to undo.
func (e *engine) close() {
	exec.Command(e.podman, "rm", "-af").Run()
	os.RemoveAll(e.dir)
}

// testOptions are the options of the image the tests run: this checkout,
// a fixed creation time, version "test".
func testOptions(dir string) imagebuild.Options {
	return imagebuild.Options{
		SourceDir: sourceDir,
		Version:   "v0.0.0-test",
		Revision:  "0123456789abcdef0123456789abcdef01234567",
		Source:    imagebuild.DefaultSource,
		Created:   time.Unix(1767225600, 0).UTC(), // 2026-01-01
		Platforms: []string{"linux/amd64", "linux/arm64"},
		WorkDir:   dir,
	}
}

// buildAndLoad builds the index for the tests and loads this machine's
// image into the tests' podman as Tag.
func buildAndLoad() error {
	work, err := os.MkdirTemp("", "edgegate-image-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	builtOpts = testOptions(work)
	idx, err := imagebuild.Build(builtOpts)
	if err != nil {
		return err
	}
	builtIndex = idx
	m, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range m.Manifests {
		if d.Platform.Architecture != runtime.GOARCH {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return err
		}
		tag, err := name.NewTag(Tag)
		if err != nil {
			return err
		}
		tar := filepath.Join(work, "image.tar")
		if err := tarball.WriteToFile(tar, tag, img); err != nil {
			return err
		}
		if out, err := exec.Command(eng.podman, "load", "-i", tar).CombinedOutput(); err != nil {
			return fmt.Errorf("podman load: %v\n%s", err, out)
		}
		return nil
	}
	return fmt.Errorf("the index has no image for %s", runtime.GOARCH)
}
