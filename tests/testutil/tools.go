package testutil

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

// KustomizeVersion is the kustomize CLI the integration tests run: the newest
// that builds with Go 1.26 (v5.8.3 needs Go 1.27).
const KustomizeVersion = "v5.8.2"

var (
	kustomizeOnce sync.Once
	kustomizeBin  string
	kustomizeErr  error
)

// CacheDir is where tests keep tools they build, named by version:
// ${EDGEGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgegate}, as
// tests/e2e/build-assets.sh uses.
func CacheDir() (string, error) {
	if dir := os.Getenv("EDGEGATE_CACHE"); dir != "" {
		return dir, nil
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no cache folder: set EDGEGATE_CACHE (%v)", err)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "edgegate"), nil
}

// Kustomize returns the path of the kustomize CLI at KustomizeVersion. It is
// installed with `go install` from the Go module proxy into
// CacheDir()/kustomize-<version>/ the first time (about half a minute), so
// `go test` alone works on a fresh machine; later calls reuse it.
func Kustomize(t testing.TB) string {
	t.Helper()
	kustomizeOnce.Do(func() { kustomizeBin, kustomizeErr = installKustomize() })
	if kustomizeErr != nil {
		t.Fatal(kustomizeErr)
	}
	return kustomizeBin
}

func installKustomize() (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "kustomize-"+KustomizeVersion)
	bin := filepath.Join(dir, "kustomize")
	if kustomizeVersion(bin) == KustomizeVersion {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Test packages run in parallel processes: one installs, the others wait
	// for it and find the binary in place.
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if kustomizeVersion(bin) == KustomizeVersion {
		return bin, nil
	}
	// Install into a folder of our own and rename into place, so a binary
	// at bin is always whole.
	tmp, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "install", "sigs.k8s.io/kustomize/kustomize/v5@"+KustomizeVersion)
	cmd.Dir = tmp // outside any module
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install sigs.k8s.io/kustomize/kustomize/v5@%s: %v\n%s", KustomizeVersion, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, "kustomize"), bin); err != nil {
		return "", err
	}
	if v := kustomizeVersion(bin); v != KustomizeVersion {
		return "", fmt.Errorf("%s reports version %q, want %s", bin, v, KustomizeVersion)
	}
	return bin, nil
}

// kustomizeVersion is what `kustomize version` prints, "" when it cannot run.
func kustomizeVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// CopyDir copies the tree at src to dst (created), keeping file modes.
func CopyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return CopyFile(path, target, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// CopyFile copies one file, creating the folder it goes in.
func CopyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// InstallBinary copies the edgegate binary built from this checkout to dst
// (e.g. the bin/edgegate an example's exec path points at).
func InstallBinary(t testing.TB, dst string) {
	t.Helper()
	if err := CopyFile(Binary(t), dst, 0o755); err != nil {
		t.Fatal(err)
	}
}

// Snapshot reads every file under dir, by slash-separated relative path:
// compare two snapshots to see whether a tool wrote anything.
func Snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Exec runs name with args in dir and returns its output and exit code;
// only a failure to start it fails the test.
func Exec(t testing.TB, dir string, env []string, name string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	return RunCmd(t, cmd)
}

// Objects decodes a YAML stream into its objects, keyed by
// "apiVersion Kind namespace/name"; a document that is not an object, or the
// same key twice, fails the test.
func Objects(t testing.TB, stream []byte, source string) map[string]map[string]any {
	t.Helper()
	objs, diags := manifest.Parse(stream, source)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", source, diags)
	}
	out := map[string]map[string]any{}
	for _, o := range objs {
		key := ObjectKey(o)
		if out[key] != nil {
			t.Errorf("%s: %s appears twice", source, key)
		}
		var m map[string]any
		if err := o.Node.Decode(&m); err != nil {
			t.Fatalf("%s: %s: %v", source, key, err)
		}
		out[key] = m
	}
	return out
}

// ObjectKey names an object: "apiVersion Kind namespace/name".
func ObjectKey(o *manifest.Object) string {
	return fmt.Sprintf("%s %s %s/%s", o.APIVersion, o.Kind, o.Namespace, o.Name)
}

// ReplaceIn replaces the first old in the file at path with new; a file
// without old fails the test, which the change it makes no longer fits.
func ReplaceIn(t testing.TB, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q; update this test", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
