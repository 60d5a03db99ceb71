package image

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/edgegate/edgegate/tests/testutil"
)

// TestRelease runs `make release` in a clone of this repository's commit
// tagged v9.9.9, pushing to a real docker-registry: the tag is the binary's
// version, the image's tag, its version label and what the image's binary
// says; the revision label is the commit. A dirty checkout and a commit past
// the tag are refused before anything is built.
func TestRelease(t *testing.T) {
	reg, err := testutil.StartRegistry()
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Stop()
	clone := filepath.Join(t.TempDir(), "edgegate")
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=release test", "-c", "user.email=release@example.com"}, args...)...)
		cmd.Dir = clone
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "clone", "--quiet", testutil.Root, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	git("tag", "v9.9.9")
	commit := git("rev-parse", "HEAD")
	repo := reg.Host + "/edgegate/edgegate"
	release := func() testutil.Result {
		t.Helper()
		cmd := exec.Command("make", "--no-print-directory", "release", "RELEASE_REPO="+repo)
		cmd.Dir = clone
		return testutil.RunCmd(t, cmd)
	}

	res := release()
	if res.Code != 0 {
		t.Fatalf("make release: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	out, err := exec.Command(filepath.Join(clone, "bin", "edgegate"), "version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "edgegate v9.9.9" {
		t.Errorf("bin/edgegate version: %q, %v", out, err)
	}
	ref := repo + ":v9.9.9"
	digest, err := crane.Digest(ref)
	if err != nil {
		t.Fatalf("the registry has no %s: %v", ref, err)
	}
	if !strings.Contains(res.Stdout, digest) {
		t.Errorf("make release printed no digest %s:\n%s", digest, res.Stdout)
	}
	cfg, err := crane.Config(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"org.opencontainers.image.version":"v9.9.9"`, `"org.opencontainers.image.revision":"` + commit + `"`} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("the image config lacks %s:\n%s", want, cfg)
		}
	}
	if pull := eng.run(t, nil, "pull", "--tls-verify=false", "-q", ref); pull.Code != 0 {
		t.Fatalf("podman pull: exit %d\n%s", pull.Code, pull.Stderr)
	}
	defer eng.run(t, nil, "rmi", ref)
	if run := eng.run(t, nil, "run", "--rm", "--network", "none", "--read-only", ref, "version"); strings.TrimSpace(run.Stdout) != "edgegate v9.9.9" {
		t.Errorf("the released image says %q (exit %d)\n%s", run.Stdout, run.Code, run.Stderr)
	}

	// Refusals: nothing is built or pushed.
	if err := os.WriteFile(filepath.Join(clone, "README.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := release(); res.Code == 0 || !strings.Contains(res.Stderr, "v9.9.9-dirty is not a clean checkout of a tag") {
		t.Errorf("make release of a dirty checkout: exit %d\n%s", res.Code, res.Stderr)
	}
	git("checkout", "--quiet", "README.md")
	git("commit", "--quiet", "--allow-empty", "-m", "past the tag")
	if res := release(); res.Code == 0 || !strings.Contains(res.Stderr, "is not a clean checkout of a tag") {
		t.Errorf("make release past the tag: exit %d\n%s", res.Code, res.Stderr)
	}
	if tags, err := crane.ListTags(repo); err != nil || strings.Join(tags, " ") != "v9.9.9" {
		t.Errorf("the registry lists %v (%v), want only v9.9.9", tags, err)
	}
}
