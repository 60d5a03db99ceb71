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
