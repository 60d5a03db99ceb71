package artifact

import (
	"bytes"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// GitInfo is what the Git work tree holding the input says about it.
type GitInfo struct {
	// Commit is HEAD's full hash; empty when dir is in no repository (or git
	// is not installed).
	Commit string
	// Time is HEAD's commit time.
	Time time.Time
	// Branch is the checked-out branch; empty on a detached HEAD.
	Branch string
	// Remote is the URL of the "origin" remote, without any credentials.
	Remote string
}

// Git reads GitInfo for the work tree dir is in. It never fails: outside a
// repository, without git, or with no commit yet, it returns what it found.
func Git(dir string) GitInfo {
	var info GitInfo
	out, ok := git(dir, "log", "-1", "--format=%H %ct")
	if !ok {
		return info
	}
	hash, unix, _ := strings.Cut(out, " ")
	secs, err := strconv.ParseInt(unix, 10, 64)
	if err != nil {
		return info
	}
	info.Commit, info.Time = hash, time.Unix(secs, 0).UTC()
	if b, ok := git(dir, "symbolic-ref", "--quiet", "--short", "HEAD"); ok {
		info.Branch = b
	}
	if u, ok := git(dir, "config", "--get", "remote.origin.url"); ok {
		info.Remote = withoutCredentials(u)
	}
	return info
}

// Revision is Flux's form of a Git revision: <branch>@sha1:<commit>, or
// sha1:<commit> on a detached HEAD; empty outside a repository.
func (g GitInfo) Revision() string {
	if g.Commit == "" {
		return ""
	}
	if g.Branch == "" {
		return "sha1:" + g.Commit
	}
	return g.Branch + "@sha1:" + g.Commit
}

func git(dir string, args ...string) (string, bool) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		return "", false
	}
	out := strings.TrimSpace(stdout.String())
	return out, out != ""
}

// withoutCredentials drops the user information of a URL: CI systems often
// put a token there (https://gitlab-ci-token:TOKEN@host/...), and the
// source annotation is readable by everyone who can pull the artifact.
// scp-like addresses (git@host:org/repo) have only a user name, kept.
func withoutCredentials(remote string) string {
	u, err := url.Parse(remote)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User == nil {
		return remote
	}
	u.User = nil
	return u.String()
}
