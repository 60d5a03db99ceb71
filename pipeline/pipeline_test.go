package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

const appYAML = `apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.example.com]
  routes: [{prefix: /, to: web:80}]
`

// dir writes files (name → content) into a fresh directory.
func dir(t *testing.T, files map[string]string) string {
	t.Helper()
	d := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func policyObject(t *testing.T, spec string) *manifest.Object {
	t.Helper()
	objs, diags := manifest.Reader{}.Read([]string{dir(t, map[string]string{"policy.yaml": `apiVersion: edgegate.dev/v1alpha1
kind: EdgegatePolicy
metadata: {name: p}
spec: ` + spec + "\n"})})
	if diags.HasErrors() || len(objs) != 1 {
		t.Fatalf("reading the policy: %v", diags)
	}
	return objs[0]
}

func TestConfigureSettingsOverThePolicy(t *testing.T) {
	obj := policyObject(t, `{failOn: warning, namespace: from-policy, locked: true}`)
	cfg, spec, diags := Configure(obj, Settings{})
	if len(diags) > 0 || cfg.Policy.FailOn != manifest.Warning || cfg.Namespace != "from-policy" || !cfg.Locked || spec.Namespace != "from-policy" {
		t.Errorf("policy alone: %+v, %v", cfg, diags)
	}
	cfg, _, diags = Configure(obj, Settings{Namespace: "from-flag", FailOn: "info"})
	if len(diags) > 0 || cfg.Policy.FailOn != manifest.Info || cfg.Namespace != "from-flag" || !cfg.Locked {
		t.Errorf("settings on top: %+v, %v", cfg, diags)
	}
	cfg, _, diags = Configure(nil, Settings{FailOn: "loud"})
	if !diags.HasErrors() || !strings.Contains(diags[0].Message, `--fail-on must be error, warning or info, not "loud"`) || cfg.Policy.FailOn != manifest.Error {
		t.Errorf("bad --fail-on: %+v, %v", cfg, diags)
	}
	if cfg := DefaultConfig(); cfg.Policy.FailOn != manifest.Error || cfg.Locked || cfg.Namespace != "" {
		t.Errorf("DefaultConfig() = %+v", cfg)
	}
}

func TestReportShownHidesInfosUnlessTheyFail(t *testing.T) {
	diags := manifest.Diagnostics{{Severity: manifest.Info, Message: "i"}, {Severity: manifest.Warning, Message: "w"}}
	if got := (Report{Diagnostics: diags, FailOn: manifest.Error}).Shown(); len(got) != 1 || got[0].Message != "w" {
		t.Errorf("failOn error shows %v", got)
	}
	r := Report{Diagnostics: diags, FailOn: manifest.Info}
	if got := r.Shown(); len(got) != 2 || !r.Failed() {
		t.Errorf("failOn info shows %v, failed %v", got, r.Failed())
	}
	if (Report{Diagnostics: diags, FailOn: manifest.Error}).Failed() {
		t.Error("a warning failed a run failing on errors")
	}
}

func TestRenderPrintsAppliedObjectsOnly(t *testing.T) {
	d := dir(t, map[string]string{"app.yaml": appYAML})
	out, err := (&Runner{Paths: []string{d}}).Render()
	if err != nil {
		t.Fatalf("Render: %v (%v)", err, out.Diagnostics)
	}
	var kinds []string
	for _, o := range out.Objects {
		if o.Group() == "edgegate.dev" || o.IsLocalConfig() {
			t.Errorf("%s is printed", o.Ref)
		}
		kinds = append(kinds, o.Kind)
	}
	if got := strings.Join(kinds, " "); !strings.Contains(got, "Gateway") || !strings.Contains(got, "VirtualService") || !strings.Contains(got, "Deployment") {
		t.Errorf("rendered %s", got)
	}
}

func TestRenderFailures(t *testing.T) {
	// An invalid intent fails the render, under the run's failOn.
	d := dir(t, map[string]string{"app.yaml": strings.Replace(appYAML, "web:80", "web", 1)})
	out, err := (&Runner{Paths: []string{d}, Settings: Settings{FailOn: "info"}}).Render()
	if !errors.Is(err, ErrFailed) || out.Objects != nil || !out.Diagnostics.HasErrors() {
		t.Fatalf("Render = %v, %v", err, out.Diagnostics)
	}
	if out.FailOn != manifest.Info {
		t.Errorf("FailOn = %q; the configuration was read, so the run's failOn applies", out.FailOn)
	}

	// An unreadable input stops the run before the configuration is read.
	out, err = (&Runner{Paths: []string{filepath.Join(d, "missing")}, Settings: Settings{FailOn: "info"}}).Render()
	if !errors.Is(err, ErrFailed) || out.FailOn != manifest.Error || out.Result != nil {
		t.Errorf("unreadable input: %v, failOn %q, result %v", err, out.FailOn, out.Result)
	}
}

func TestConfigFileMustHoldOnePolicy(t *testing.T) {
	d := dir(t, map[string]string{"app.yaml": appYAML})
	out, err := (&Runner{Paths: []string{d}, ConfigFile: filepath.Join(d, "app.yaml")}).Render()
	if !errors.Is(err, ErrFailed) || len(out.Diagnostics) != 1 || out.Diagnostics[0].Message != "--config must name a file holding one EdgegatePolicy" {
		t.Errorf("Render = %v, %v", err, out.Diagnostics)
	}
}

func TestCheckReportsWhetherOrNotItFails(t *testing.T) {
	d := dir(t, map[string]string{"app.yaml": appYAML})
	rep, err := (&Runner{Paths: []string{d}}).Check()
	if err != nil {
		t.Fatalf("Check: %v (%v)", err, rep.Diagnostics)
	}
	rep, err = (&Runner{Paths: []string{d}, Settings: Settings{FailOn: "info"}}).Check()
	if len(rep.Diagnostics) > 0 && !errors.Is(err, ErrFailed) {
		t.Errorf("infos with failOn info: %v", err)
	}
	bad := dir(t, map[string]string{"app.yaml": strings.Replace(appYAML, "prefix: /", "prefix: nope", 1)})
	rep, err = (&Runner{Paths: []string{bad}}).Check()
	if !errors.Is(err, ErrFailed) || !rep.Diagnostics.HasErrors() {
		t.Errorf("invalid intent: %v, %v", err, rep.Diagnostics)
	}
}

func TestLockWritesOnlyWhatChanged(t *testing.T) {
	d := dir(t, map[string]string{"app.yaml": appYAML})
	r := &Runner{Paths: []string{d}}
	out, err := r.Lock()
	if err != nil {
		t.Fatalf("Lock: %v (%v)", err, out.Diagnostics)
	}
	if out.File != filepath.Join(d, "hostbindings.yaml") || len(out.Changes) == 0 || !strings.HasPrefix(out.Changes[0], "+") {
		t.Fatalf("first lock: %s, %q", out.File, out.Changes)
	}
	written, err := os.ReadFile(out.File)
	if err != nil || !strings.Contains(string(written), "kind: HostBindings") {
		t.Fatalf("lock file: %v\n%s", err, written)
	}
	out, err = r.Lock()
	if err != nil || len(out.Changes) != 0 {
		t.Errorf("second lock: %v, %q", err, out.Changes)
	}
}

func TestLockFile(t *testing.T) {
	d := dir(t, map[string]string{"app.yaml": appYAML})
	if _, err := (&Runner{Paths: []string{"-"}, Stdin: strings.NewReader(appYAML)}).Lock(); err == nil || !strings.Contains(err.Error(), "--bindings FILE") {
		t.Errorf("stdin without --bindings: %v", err)
	}
	named := filepath.Join(t.TempDir(), "lock.yaml")
	out, err := (&Runner{Paths: []string{d}, Bindings: named}).Lock()
	if err != nil || out.File != named {
		t.Errorf("--bindings of a file not there yet: %v, %s", err, out.File)
	}
	if _, err := (&Runner{Paths: []string{d}, Bindings: filepath.Join(d, "app.yaml")}).Lock(); err == nil || !strings.Contains(err.Error(), "give the lock its own file") {
		t.Errorf("lock in the intent's file: %v", err)
	}
}

func TestPackRefusesPlainSecretsAndEmptyArtifacts(t *testing.T) {
	if _, err := Pack(nil, PackOptions{}); !errors.Is(err, ErrEmptyArtifact) {
		t.Errorf("empty: %v", err)
	}
	if _, err := Pack(nil, PackOptions{AllowEmpty: true}); err != nil {
		t.Errorf("empty, allowed: %v", err)
	}
	objs, _ := manifest.Reader{}.Read([]string{dir(t, map[string]string{"s.yaml": `apiVersion: v1
kind: Secret
metadata: {name: s, namespace: shop}
stringData: {password: hunter2}
`})})
	var secrets *SecretsError
	if _, err := Pack(objs, PackOptions{}); !errors.As(err, &secrets) || !secrets.Diagnostics.HasErrors() {
		t.Errorf("plain Secret: %v", err)
	}
	packed, err := Pack(objs, PackOptions{AllowSecrets: true})
	if err != nil || packed.Layout.Len() != 1 {
		t.Errorf("plain Secret, allowed: %v", err)
	}
}

func TestArtifactMetadata(t *testing.T) {
	dir := t.TempDir() // no Git work tree: only the settings and the environment count
	source, revision := "https://user:token@example.com/org/repo.git", "main@sha1:abc"
	for _, c := range []struct {
		name        string
		src         MetadataSources
		created     int64
		source, rev string
		warnings    int
		err         string
	}{
		{name: "nothing set: the epoch", src: MetadataSources{Paths: []string{dir}}},
		{name: "created wins over the environment", src: MetadataSources{Paths: []string{dir}, Created: "2025-01-31T12:00:00Z", SourceDateEpoch: "7"}, created: 1738324800},
		{name: "SOURCE_DATE_EPOCH", src: MetadataSources{Paths: []string{dir}, SourceDateEpoch: "7"}, created: 7},
		{name: "source cleaned, revision as given", src: MetadataSources{Paths: []string{dir}, Source: &source, Revision: &revision}, source: "https://example.com/org/repo.git", rev: revision},
		{name: "a bad created time", src: MetadataSources{Created: "yesterday"}, err: "--created"},
		{name: "a bad epoch", src: MetadataSources{SourceDateEpoch: "x"}, err: "SOURCE_DATE_EPOCH"},
	} {
		t.Run(c.name, func(t *testing.T) {
			meta, warnings, err := ArtifactMetadata(c.src)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one naming %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if meta.Created.Unix() != c.created || meta.Source != c.source || meta.Revision != c.rev || len(warnings) != c.warnings {
				t.Errorf("got %v %q %q %v", meta.Created.Unix(), meta.Source, meta.Revision, warnings)
			}
		})
	}
}
