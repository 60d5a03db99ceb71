package artifact

import (
	"bytes"
	"net/url"
	"os/exec"
	"regexp"
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
	// RemoteDropped is true when the origin URL was there but could not be
	// cleaned of credentials for certain: Remote is then empty.
	RemoteDropped bool
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
		var ok bool
		info.Remote, ok = withoutCredentials(u)
		info.RemoteDropped = !ok
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

// withoutCredentials drops the user information, query and fragment of a
// remote URL: CI systems often put a token there
// (https://gitlab-ci-token:TOKEN@host/..., ?private_token=...), and the
// source annotation is readable by everyone who can pull the artifact. It
// reads every form git accepts, including those url.Parse refuses (a
// password holding "#", "%zz" or a space): everything up to the last "@"
// of the address is dropped. scp-like addresses (git@host:org/repo) keep a
// plain user name, which is no secret. ok is false when what is left is
// still not a URL edgegate can vouch for: the caller then leaves the
// annotation out.
func withoutCredentials(remote string) (clean string, ok bool) {
	remote = strings.TrimSpace(remote)
	if remote == "" {
		return "", true
	}
	if u, err := url.Parse(remote); err == nil && u.Scheme != "" && u.Host != "" && u.Opaque == "" {
		u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
		return u.String(), true
	}
	if scheme, rest, found := strings.Cut(remote, "://"); found {
		if !strings.ContainsAny(rest, "@?#") {
			return remote, true // nothing to hide (file:///srv/git/repo)
		}
		if i := strings.LastIndexByte(rest, '@'); i >= 0 {
			rest = rest[i+1:]
		}
		rest, _, _ = strings.Cut(rest, "?")
		rest, _, _ = strings.Cut(rest, "#")
		clean = scheme + "://" + rest
		if u, err := url.Parse(clean); err == nil && u.Host != "" && u.User == nil {
			return clean, true
		}
		return "", false
	}
	// scp-like: [user@]host:path; a local path has no ":" before its first "/".
	colon, slash := strings.IndexByte(remote, ':'), strings.IndexByte(remote, '/')
	if colon < 0 || (slash >= 0 && slash < colon) {
		if strings.ContainsAny(remote, "@?#") {
			return "", false
		}
		return remote, true
	}
	user, address := "", remote
	if at := strings.LastIndexByte(remote, '@'); at >= 0 {
		user, address = remote[:at], remote[at+1:]
	}
	address, _, _ = strings.Cut(address, "?")
	address, _, _ = strings.Cut(address, "#")
	if host, _, _ := strings.Cut(address, ":"); host == "" || strings.ContainsAny(host, " /") {
		return "", false
	}
	if plainUser.MatchString(user) {
		return user + "@" + address, true
	}
	return address, true
}

// plainUser is a user name with no secret in it: an SSH user such as git.
var plainUser = regexp.MustCompile(`^(git|[a-z_][a-z0-9_-]{0,31})$`)

// RedactURL is raw with any user information replaced by "REDACTED", for
// messages: a URL given with credentials must never be echoed with them.
// A digest (@sha256:...) is not user information and is kept.
func RedactURL(raw string) string {
	prefix, rest := "", raw
	if scheme, r, ok := strings.Cut(raw, "://"); ok {
		prefix, rest = scheme+"://", r
	}
	body, digest := rest, ""
	if i := strings.LastIndexByte(rest, '@'); i >= 0 && digestRef.MatchString(rest[i+1:]) {
		body, digest = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(body, '@'); i >= 0 {
		body = "REDACTED@" + body[i+1:]
	}
	return prefix + body + digest
}

var digestRef = regexp.MustCompile(`^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)

// SourceURL cleans a --source URL as the origin URL is cleaned: CI systems
// pass URLs with tokens in them ($CI_REPOSITORY_URL). ok is false when it
// cannot be cleaned for certain, and the annotation is to be left out.
func SourceURL(raw string) (string, bool) { return withoutCredentials(raw) }
