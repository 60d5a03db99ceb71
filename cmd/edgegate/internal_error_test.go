package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest/fastyaml"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A bug in fastyaml (a panic, forced here through its test hooks) is
// reported by every command as an error at the input's position saying it is
// a bug to report: exit 1, never a crash, nothing on stdout but for check,
// whose report of its input's errors is its output.
func TestFastyamlPanicIsReported(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cm.yaml")
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: boom\n  namespace: default\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	resourceList := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: boom\n"
	const bug = "this is a bug in edgegate, please report it at " + fastyaml.ReportURL

	parseHook := func(data string, offset int) {
		if strings.HasSuffix(data[:offset], "boom") {
			panic("forced bug")
		}
	}
	emitHook := func(n *yaml.Node) {
		if n.Value == "boom" {
			panic("forced bug")
		}
	}
	for _, tc := range []struct {
		name   string
		parse  bool // force the panic in Parse, else in Emit
		stdin  string
		args   []string
		stderr string
	}{
		{"render/parse", true, "", []string{"render", dir}, file + ":4: error: internal error in edgegate's YAML parser while reading line 4, column 13 (byte offset 53): forced bug; " + bug},
		{"check/parse", true, "", []string{"check", dir}, file + ":4: error: internal error in edgegate's YAML parser"},
		{"render/stdin", true, src, []string{"render", "-"}, "-:4: error: internal error in edgegate's YAML parser"},
		{"fn/parse", true, resourceList, []string{"fn"}, "edgegate: error: invalid ResourceList: stdin:7: internal error in edgegate's YAML parser while reading line 7"},
		{"render/emit", false, "", []string{"render", dir}, ": error: ConfigMap default/boom: internal error in edgegate's YAML writer while writing the node at"},
		{"fn/emit", false, resourceList, []string{"fn"}, "internal error in edgegate's YAML writer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.parse {
				fastyaml.ParseHook = parseHook
			} else {
				fastyaml.EmitHook = emitHook
			}
			res := runCLI(tc.stdin, tc.args...)
			fastyaml.ParseHook, fastyaml.EmitHook = nil, nil
			if tc.args[0] == "check" {
				res.stdout, res.stderr = "", res.stdout+res.stderr
			}
			if res.code != 1 || res.stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit 1 and nothing on stdout", res.code, res.stdout)
			}
			if !strings.Contains(res.stderr, tc.stderr) || !strings.Contains(res.stderr, bug) {
				t.Errorf("stderr:\n%s\nwant it to hold %q and %q", res.stderr, tc.stderr, bug)
			}
		})
	}
}
