package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, c := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "false")}, "0123456789ab"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("0123456789abcdef0123", "true")}, "0123456789ab-dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
	} {
		if got := versionFrom(&c.info); got != c.want {
			t.Errorf("versionFrom(%+v) = %q, want %q", c.info, got, c.want)
		}
	}
}

func TestUsageErrorsAndHelp(t *testing.T) {
	for _, c := range []struct {
		args   []string
		code   int
		stdout string // a fragment; "" means empty
		stderr string
	}{
		{[]string{"render", "--frob"}, 2, "", "edgegate render: error: unknown flag: --frob"},
		{[]string{"render", "--locked=maybe"}, 2, "", `invalid argument "maybe"`},
		{[]string{"check", "-o"}, 2, "", "flag needs an argument"},
		{[]string{"check", "-o", "xml"}, 2, "", "--output must be text, json or sarif"},
		{[]string{"lock", "--fail-on", "bogus"}, 2, "", `must be error, warning or info, not "bogus"`},
		{[]string{"render", "--fail-on", "bogus"}, 2, "", `must be error, warning or info, not "bogus"`},
		{[]string{"render", "--help"}, 0, "Usage: edgegate render", ""},
		{[]string{"render", "-h"}, 0, "Usage: edgegate render", ""},
		{[]string{"help", "lock"}, 0, "Usage: edgegate lock", ""},
		{[]string{"help", "frob"}, 2, "", `unknown command "frob"`},
		{[]string{"--help"}, 0, "Usage:", ""},
		{[]string{"explain", "../../examples/catch-all"}, 2, "", "the last argument must be the URL"},
		{[]string{"explain"}, 2, "", "give the URL to explain"},
		{[]string{"explain", "-o", "yaml", "http://x.example.com/"}, 2, "", "--output must be text or json"},
		{[]string{"explain", "--header", "novalue", "http://x.example.com/"}, 2, "", "want NAME=VALUE"},
		{[]string{"help", "explain"}, 0, "Usage: edgegate explain", ""},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, strings.NewReader(""), &stdout, &stderr)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d", c.args, code, c.code)
		}
		if c.stdout == "" && stdout.Len() > 0 || !strings.Contains(stdout.String(), c.stdout) {
			t.Errorf("%v: stdout %q, want %q", c.args, stdout.String(), c.stdout)
		}
		if c.stderr == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("%v: stderr %q, want %q", c.args, stderr.String(), c.stderr)
		}
		if c.code == 2 && !strings.Contains(stderr.String(), "Usage:") {
			t.Errorf("%v: a usage error without the usage:\n%s", c.args, stderr.String())
		}
	}
}

func TestExplain(t *testing.T) {
	for _, c := range []struct {
		args   []string
		code   int
		stdout string // a fragment; "" means empty
		stderr string
	}{
		{[]string{"explain", "../../examples/catch-all", "https://acme.example.com/x"}, 0,
			"https://acme.example.com/x goes to tenant-router.tenants.svc.cluster.local:8080.", ""},
		{[]string{"explain", "../../examples/catch-all", "-o", "json", "--sni", "shop.example.com", "https://acme.example.com/x"}, 0,
			`"outcome": "no-route"`, ""},
		{[]string{"explain", "../../examples/catch-all", "--gateway", "istio-ingress/nope", "http://a.example.com/"}, 1,
			"", `edgegate explain: error: --gateway "istio-ingress/nope": no such gateway`},
		{[]string{"explain", "../../examples/nonexistent", "http://a.example.com/"}, 1, "", "nonexistent"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, strings.NewReader(""), &stdout, &stderr)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (stderr %s)", c.args, code, c.code, stderr.String())
		}
		if c.stdout == "" && stdout.Len() > 0 || !strings.Contains(stdout.String(), c.stdout) {
			t.Errorf("%v: stdout %q, want %q", c.args, stdout.String(), c.stdout)
		}
		if c.stderr != "" && !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("%v: stderr %q, want %q", c.args, stderr.String(), c.stderr)
		}
	}
}
