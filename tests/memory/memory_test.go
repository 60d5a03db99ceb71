// Package memory runs edgegate in a real memory cgroup, the way an Argo CD
// sidecar or a kpt function container with a limit runs it: the collector
// tuning must read the container's limit and keep under it.
package memory

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/tests/bench/gen"
	"github.com/edgegate/edgegate/tests/testutil"
)

const (
	apps  = 5000
	limit = 400 << 20
)

// memoryCgroup makes a cgroup with a memory limit, v1 or v2, and returns
// the file a process joins it through; it skips where none can be made
// (not root, no memory controller).
func memoryCgroup(t *testing.T, bytes int64) string {
	t.Helper()
	name := fmt.Sprintf("edgegate-test-%d", os.Getpid())
	for _, c := range []struct{ parent, limitFile string }{
		{"/sys/fs/cgroup/memory", "memory.limit_in_bytes"}, // v1
		{"/sys/fs/cgroup", "memory.max"},                   // v2, unified at the root
	} {
		if _, err := os.Stat(filepath.Join(c.parent, "cgroup.procs")); err != nil {
			continue
		}
		if c.limitFile == "memory.max" {
			controllers, _ := os.ReadFile(filepath.Join(c.parent, "cgroup.subtree_control"))
			if !strings.Contains(string(controllers), "memory") {
				continue
			}
		}
		dir := filepath.Join(c.parent, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			continue
		}
		t.Cleanup(func() { os.Remove(dir) })
		if err := os.WriteFile(filepath.Join(dir, c.limitFile), []byte(fmt.Sprint(bytes)), 0o644); err != nil {
			t.Fatalf("setting the cgroup's limit: %v", err)
		}
		return filepath.Join(dir, "cgroup.procs")
	}
	t.Skip("no memory cgroup can be made here (needs root and a cgroup v1 memory hierarchy or cgroup v2 with the memory controller)")
	return ""
}

// runIn runs edgegate with env in the cgroup whose procs file is given.
func runIn(t *testing.T, procs string, env []string, args ...string) (stdout []byte, code int, stderr string) {
	t.Helper()
	// The shell joins the cgroup, then becomes edgegate, so every page
	// edgegate touches is charged to it.
	cmd := exec.Command("sh", append([]string{"-c", `echo $$ > "$0" && exec "$@"`, procs, testutil.Binary(t)}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code == -1 {
		code = 137 // killed by a signal: the OOM killer
	}
	return out.Bytes(), code, errOut.String()
}

func TestRenderWithinTheContainersLimit(t *testing.T) {
	procs := memoryCgroup(t, limit)
	dir := t.TempDir()
	repo := gen.Generate(gen.Options{Apps: apps, Gateways: 10, Seed: 1})
	for _, p := range repo.Paths() {
		path := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, repo[p], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// GOGC and GOMEMLIMIT would turn edgegate's own tuning off: clear them.
	env := []string{"GOGC=", "GOMEMLIMIT="}
	want := testutil.Run(t, ".", nil, "render", dir)
	if want.Code != 0 {
		t.Fatalf("render without a limit: exit %d: %s", want.Code, want.Stderr)
	}

	got, code, stderr := runIn(t, procs, env, "render", dir)
	if code != 0 {
		t.Fatalf("render of %d apps in a %d MiB cgroup: exit %d (137: killed for memory): %s", apps, limit>>20, code, lastLine(stderr))
	}
	if !bytes.Equal(got, []byte(want.Stdout)) {
		t.Errorf("render in the cgroup printed other objects than without a limit")
	}

	// The control: the fixed 950 MiB soft limit edgegate used to set, whatever
	// the container allowed, is killed here. Without it this test would pass
	// whether or not edgegate reads the cgroup.
	if _, code, _ := runIn(t, procs, []string{"GOGC=off", "GOMEMLIMIT=950MiB"}, "render", dir); code != 137 {
		t.Errorf("with a soft limit above the cgroup's, render exited %d, not 137: the test no longer shows that the limit matters (raise apps or lower limit)", code)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}
