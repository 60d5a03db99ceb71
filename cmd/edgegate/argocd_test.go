package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestArgoCDRenderArgs(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string // the arguments, or the error
	}{
		{map[string]string{}, "-- ."},
		{map[string]string{"ARGOCD_ENV_LOCKED": "true", "ARGOCD_APP_NAMESPACE": "shop"}, "--locked --namespace shop -- ."},
		{map[string]string{"ARGOCD_ENV_LOCKED": "true", "PARAM_LOCKED": "false"}, "-- ."},
		{map[string]string{"ARGOCD_ENV_FAIL_ON": "warning"}, "--fail-on warning -- ."},
		{map[string]string{"ARGOCD_ENV_FAIL_ON": "warning", "PARAM_FAIL_ON": "info"}, "--fail-on info -- ."},
		{map[string]string{"PARAM_BINDINGS": "../lock.yaml", "PARAM_INPUTS_0": "../gw.yaml", "PARAM_INPUTS_1": "-x", "PARAM_INPUTS_3": "skipped"},
			"--bindings ../lock.yaml -- . ../gw.yaml -x"},
		{map[string]string{"ARGOCD_ENV_ALLOW_EMPTY": "true"}, "--allow-empty -- ."},
		{map[string]string{"ARGOCD_ENV_ALLOW_EMPTY": "true", "PARAM_ALLOW_EMPTY": "false"}, "-- ."},
		{map[string]string{"PARAM_ALLOW_EMPTY": "1"}, `error: parameter allow-empty must be true or false, not "1"`},
		{map[string]string{"PARAM_LOCKED": "yes"}, `error: parameter locked must be true or false, not "yes"`},
		{map[string]string{"ARGOCD_ENV_FAIL_ON": "fatal"}, `error: parameter fail-on must be error, warning or info, not "fatal"`},
	} {
		args, err := argocdRenderArgs(func(k string) string { return c.env[k] },
			func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
		got := strings.Join(args, " ")
		if err != nil {
			got = fmt.Sprintf("error: %v", err)
		}
		if got != c.want {
			t.Errorf("%v: %q, want %q", c.env, got, c.want)
		}
	}
}

func TestArgoCDUsage(t *testing.T) {
	for _, args := range [][]string{{"argocd"}, {"argocd", "frob"}, {"argocd", "discover", "extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 2 || stdout.Len() > 0 || !strings.Contains(stderr.String(), "Usage: edgegate argocd") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout.String(), stderr.String())
		}
	}
}

// An app with nothing to apply fails generate (Argo CD would prune
// everything) unless the Application allows it.
func TestArgoCDGenerateEmpty(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, c := range []struct {
		allowEmpty string
		wantCode   int
	}{{"", 1}, {"true", 0}} {
		t.Setenv("ARGOCD_ENV_ALLOW_EMPTY", c.allowEmpty)
		var stdout, stderr bytes.Buffer
		code := run([]string{"argocd", "generate"}, strings.NewReader(""), &stdout, &stderr)
		if code != c.wantCode || stdout.Len() > 0 {
			t.Errorf("ALLOW_EMPTY=%q: exit %d (want %d), stdout %q, stderr %q", c.allowEmpty, code, c.wantCode, stdout.String(), stderr.String())
		}
		if c.wantCode != 0 && !strings.Contains(stderr.String(), "allow-empty") {
			t.Errorf("ALLOW_EMPTY unset: the error does not say how to allow it: %q", stderr.String())
		}
	}
}
