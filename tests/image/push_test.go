package image

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/edgegate/edgegate/tests/testutil"
)

// TestMakeImagePush runs `make image-push` against a real docker-registry
// (Debian's, on a free loopback port, stopped by PID): the registry serves
// the index the tests built from the same commit, version and time (same
// digest), with both platforms; podman pulls this machine's image from it
// and runs it.
func TestMakeImagePush(t *testing.T) {
	reg, err := testutil.StartRegistry()
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Stop()
	ref := reg.Host + "/edgegate/edgegate:" + builtOpts.Version
	cmd := exec.Command("make", "--no-print-directory", "image-push", "IMAGE="+ref, "VERSION="+builtOpts.Version,
		"REVISION="+builtOpts.Revision, "SOURCE_DATE_EPOCH=1767225600")
	cmd.Dir = testutil.Root
	res := testutil.RunCmd(t, cmd)
	if res.Code != 0 {
		t.Fatalf("make image-push: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	want, _ := builtIndex.Digest()
	if !strings.Contains(res.Stdout, want.String()) {
		t.Errorf("make image-push printed %q, want the digest %s", res.Stdout, want)
	}
	got, err := crane.Digest(ref)
	if err != nil || got != want.String() {
		t.Fatalf("the registry serves %s (%v), want %s", got, err, want)
	}
	raw, err := crane.Manifest(ref)
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	m, err := v1.ParseIndexManifest(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Manifests {
		platforms = append(platforms, d.Platform.String())
	}
	if strings.Join(platforms, " ") != "linux/amd64 linux/arm64" {
		t.Errorf("the pushed index lists %v", platforms)
	}
	if pull := eng.run(t, nil, "pull", "--tls-verify=false", "-q", ref); pull.Code != 0 {
		t.Fatalf("podman pull: exit %d\n%s", pull.Code, pull.Stderr)
	}
	defer eng.run(t, nil, "rmi", ref)
	// What README tells users to check after a pull.
	inspect := eng.run(t, nil, "image", "inspect", "--format", "{{.Digest}} {{range .RepoDigests}}{{.}} {{end}}", ref)
	t.Logf("index %s; podman image inspect: %s", want, inspect.Stdout)
	if !strings.Contains(inspect.Stdout, reg.Host+"/edgegate/edgegate@"+want.String()) {
		t.Errorf("podman's RepoDigests lack the index digest %s: %s", want, inspect.Stdout)
	}
	run := eng.run(t, nil, "run", "--rm", "--network", "none", "--read-only", ref, "version")
	if run.Code != 0 || strings.TrimSpace(run.Stdout) != "edgegate "+builtOpts.Version {
		t.Errorf("the pulled image: exit %d, %q\n%s", run.Code, run.Stdout, run.Stderr)
	}
}
