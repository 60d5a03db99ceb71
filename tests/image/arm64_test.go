package image

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgegate/edgegate/tests/testutil"
)

// TestArm64Binary runs the arm64 image's binary, taken out of its layer,
// under qemu's user-mode emulator (Debian's qemu-user, installed when
// missing, without binfmt registration: nothing on the machine changes):
// it says its version and renders an example byte for byte as the amd64
// image's binary does. The arm64 image itself is not run as a container:
// these machines are amd64 and podman would need binfmt to run it.
func TestArm64Binary(t *testing.T) {
	start := time.Now()
	if err := testutil.AptInstall([]string{"qemu-aarch64"}, "qemu-user"); err != nil {
		t.Fatal(err)
	}
	t.Logf("qemu-user ready in %v", time.Since(start).Round(time.Millisecond))
	dir := t.TempDir()
	bins := map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := imageFor(t, builtIndex, arch)
		if err != nil {
			t.Fatal(err)
		}
		content, _ := files(t, img)
		bins[arch] = filepath.Join(dir, "edgegate-"+arch)
		if err := os.WriteFile(bins[arch], content["usr/local/bin/edgegate"], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run := func(arch string, args ...string) testutil.Result {
		t.Helper()
		var cmd *exec.Cmd
		if arch == "arm64" {
			cmd = exec.Command("qemu-aarch64", append([]string{bins[arch]}, args...)...)
		} else {
			cmd = exec.Command(bins[arch], args...)
		}
		cmd.Dir = testutil.Root
		return testutil.RunCmd(t, cmd)
	}
	if v := run("arm64", "version"); v.Code != 0 || v.Stdout != "edgegate "+builtOpts.Version+"\n" {
		t.Fatalf("arm64 edgegate version: exit %d, %q\n%s", v.Code, v.Stdout, v.Stderr)
	}
	for _, example := range []string{"examples/tls", "examples/catch-all"} {
		want, got := run("amd64", "render", example), run("arm64", "render", example)
		if want.Code != 0 || got.Code != 0 || got.Stdout != want.Stdout || got.Stderr != want.Stderr {
			t.Errorf("%s: amd64 exit %d, arm64 exit %d; outputs equal: %v\n%s", example, want.Code, got.Code, got.Stdout == want.Stdout, got.Stderr)
		}
	}
}
