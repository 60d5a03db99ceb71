// Package argocd tests examples/argocd against Argo CD's Config Management
// Plugin contract (CMP v2, sidecar). Argo CD's own CMP server does not build
// here, so cmpServer below does what it does (argo-cd cmpserver/plugin and
// reposerver/repository): read plugin.yaml, run discover's find.command in
// the app's directory of a checkout of the whole repository (a match is
// exit 0 with output), then init and generate there with the environment
// the repo-server sends (build env, ARGOCD_ENV_* from the Application's
// plugin env, ARGOCD_APP_PARAMETERS and PARAM_*; empty values dropped) on
// top of the sidecar's own, and split generate's stdout into objects. The
// real edgegate binary is on PATH, as in the sidecar image.
package argocd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/testutil"
)

// pluginConfig is plugin.yaml, as Argo CD's cmpserver/plugin reads it.
type pluginConfig struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Version  string  `yaml:"version"`
		Init     command `yaml:"init"`
		Generate command `yaml:"generate"`
		Discover struct {
			FileName string `yaml:"fileName"`
			Find     struct {
				Command []string `yaml:"command"`
				Args    []string `yaml:"args"`
				Glob    string   `yaml:"glob"`
			} `yaml:"find"`
		} `yaml:"discover"`
		Parameters struct {
			Static  []staticParameter `yaml:"static"`
			Dynamic command           `yaml:"dynamic"`
		} `yaml:"parameters"`
		AllowConcurrency bool `yaml:"allowConcurrency"`
		LockRepo         bool `yaml:"lockRepo"`
		PreserveFileMode bool `yaml:"preserveFileMode"`
	} `yaml:"spec"`
}

type command struct {
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
}

type staticParameter struct {
	Name           string            `yaml:"name"`
	Title          string            `yaml:"title"`
	Tooltip        string            `yaml:"tooltip"`
	Required       bool              `yaml:"required"`
	ItemType       string            `yaml:"itemType"`
	CollectionType string            `yaml:"collectionType"`
	String         string            `yaml:"string"`
	Array          []string          `yaml:"array"`
	Map            map[string]string `yaml:"map"`
}

// name is what an Application's spec.source.plugin.name must say.
func (p pluginConfig) name() string {
	if p.Spec.Version != "" {
		return p.Metadata.Name + "-" + p.Spec.Version
	}
	return p.Metadata.Name
}

// validate is Argo CD's ValidatePluginConfig.
func (p pluginConfig) validate() error {
	switch {
	case p.Metadata.Name == "":
		return fmt.Errorf("metadata.name should be non-empty")
	case p.Kind != "ConfigManagementPlugin":
		return fmt.Errorf("kind should be ConfigManagementPlugin, found %s", p.Kind)
	case len(p.Spec.Generate.Command) == 0:
		return fmt.Errorf("spec.generate command should be non-empty")
	case p.Spec.Discover.Find.Glob == "" && len(p.Spec.Discover.Find.Command) == 0 && p.Spec.Discover.FileName == "":
		return fmt.Errorf("one of discover.find.command, discover.find.glob or discover.fileName should be non-empty")
	}
	return nil
}

// application is the part of an Argo CD Application the repo-server uses.
type application struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Spec struct {
		Project string `yaml:"project"`
		Source  struct {
			RepoURL        string        `yaml:"repoURL"`
			TargetRevision string        `yaml:"targetRevision"`
			Path           string        `yaml:"path"`
			Plugin         *pluginSource `yaml:"plugin"`
		} `yaml:"source"`
		Destination struct {
			Server    string `yaml:"server"`
			Name      string `yaml:"name"`
			Namespace string `yaml:"namespace"`
		} `yaml:"destination"`
	} `yaml:"spec"`
}

// pluginSource is an Application's spec.source.plugin.
type pluginSource struct {
	Name       string      `yaml:"name"`
	Env        []envVar    `yaml:"env"`
	Parameters []parameter `yaml:"parameters"`
}

type envVar struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// parameter is an ApplicationSourcePluginParameter; its JSON is what
// ARGOCD_APP_PARAMETERS holds.
type parameter struct {
	Name   string            `yaml:"name" json:"name,omitempty"`
	String *string           `yaml:"string" json:"string,omitempty"`
	Map    map[string]string `yaml:"map" json:"map,omitempty"`
	Array  []string          `yaml:"array" json:"array,omitempty"`
}

// revision is the commit the checkout is at.
const revision = "8f3d2c1b9a7e6d5c4b3a29180f7e6d5c4b3a2918"

// buildEnv is the environment the repo-server sends for an Application
// (reposerver/repository newEnv, getPluginEnvs, getPluginParamEnvs).
func buildEnv(t *testing.T, app application) []string {
	t.Helper()
	src := app.Spec.Source
	env := []string{
		"ARGOCD_APP_NAME=" + app.Metadata.Name,
		"ARGOCD_APP_NAMESPACE=" + app.Spec.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME=" + app.Spec.Project,
		"ARGOCD_APP_REVISION=" + revision,
		"ARGOCD_APP_REVISION_SHORT=" + revision[:7],
		"ARGOCD_APP_REVISION_SHORT_8=" + revision[:8],
		"ARGOCD_APP_SOURCE_REPO_URL=" + src.RepoURL,
		"ARGOCD_APP_SOURCE_PATH=" + src.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION=" + src.TargetRevision,
		"KUBE_VERSION=1.33.4",
		"KUBE_API_VERSIONS=v1,apps/v1,autoscaling/v2,policy/v1,rbac.authorization.k8s.io/v1,networking.istio.io/v1,argoproj.io/v1alpha1",
	}
	if src.Plugin == nil {
		return env
	}
	build := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		build[k] = v
	}
	for _, e := range src.Plugin.Env {
		value := os.Expand(e.Value, func(s string) string {
			if s == "$" {
				return "$"
			}
			return build[s]
		})
		env = append(env, "ARGOCD_ENV_"+e.Name+"="+value)
	}
	params := src.Plugin.Parameters
	if params == nil {
		params = []parameter{}
	}
	js, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	env = append(env, "ARGOCD_APP_PARAMETERS="+string(js))
	for _, p := range params {
		base := "PARAM_" + escaped(p.Name)
		if p.String != nil {
			env = append(env, base+"="+*p.String)
		}
		for k, v := range p.Map {
			env = append(env, base+"_"+escaped(k)+"="+v)
		}
		for i, v := range p.Array {
			env = append(env, fmt.Sprintf("%s_%d=%s", base, i, v))
		}
	}
	return env
}

var invalidParamChar = regexp.MustCompile(`[^A-Z0-9_]`)

func escaped(name string) string {
	return invalidParamChar.ReplaceAllString(strings.ToUpper(name), "_")
}

// cmpServer runs a plugin's commands as Argo CD's argocd-cmp-server does.
type cmpServer struct {
	plugin pluginConfig
	// sidecar is the sidecar container's own environment (os.Environ() in
	// the CMP server): edgegate and a shell on PATH.
	sidecar []string
}

func newCMPServer(t *testing.T, plugin pluginConfig) *cmpServer {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bin")
	testutil.InstallBinary(t, filepath.Join(bin, "edgegate"))
	return &cmpServer{plugin: plugin, sidecar: []string{
		"PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + t.TempDir(),
	}}
}

// environ is the sidecar's environment plus the request's entries, without
// empty values (cmpserver/plugin environ).
func (s *cmpServer) environ(entries []string) []string {
	env := append([]string{}, s.sidecar...)
	for _, e := range entries {
		if name, value, _ := strings.Cut(e, "="); name != "" && value != "" {
			env = append(env, e)
		}
	}
	return env
}

// execTimeout is Argo CD's default for plugin commands (ARGOCD_EXEC_TIMEOUT).
const execTimeout = 90 * time.Second

type cmdResult struct {
	// stdout is as Argo CD keeps it (one trailing newline trimmed), raw as printed.
	stdout, raw, stderr string
	err                 error
	took                time.Duration
}

func (s *cmpServer) run(t *testing.T, c command, dir string, env []string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	// The CMP server resolves the command in its own environment, the
	// sidecar's, whose PATH holds edgegate.
	name := c.Command[0]
	if !strings.Contains(name, "/") {
		path, err := s.lookPath(name)
		if err != nil {
			return cmdResult{err: err}
		}
		name = path
	}
	cmd := exec.CommandContext(ctx, name, append(append([]string{}, c.Command[1:]...), c.Args...)...)
	cmd.Args[0] = c.Command[0]
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	return cmdResult{stdout: strings.TrimSuffix(stdout.String(), "\n"), raw: stdout.String(), stderr: stderr.String(), err: err, took: time.Since(start)}
}

// lookPath finds a command on the sidecar's PATH.
func (s *cmpServer) lookPath(name string) (string, error) {
	for _, kv := range s.sidecar {
		if dirs, ok := strings.CutPrefix(kv, "PATH="); ok {
			for _, dir := range filepath.SplitList(dirs) {
				path := filepath.Join(dir, name)
				if info, err := os.Stat(path); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
					return path, nil
				}
			}
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in the sidecar's PATH", name)
}

// matchRepository is discovery: does the plugin take the app at appPath?
func (s *cmpServer) matchRepository(t *testing.T, appPath string, entries []string) (bool, cmdResult) {
	t.Helper()
	d := s.plugin.Spec.Discover
	if d.FileName != "" || d.Find.Glob != "" {
		t.Fatal("plugin.yaml discovers by file name; edgegate's must look for kind: AppIntent with find.command")
	}
	res := s.run(t, command{Command: d.Find.Command, Args: d.Find.Args}, appPath, s.environ(entries))
	return res.err == nil && res.stdout != "", res
}

// generateManifest runs init, then generate, and splits the output.
func (s *cmpServer) generateManifest(t *testing.T, appPath string, entries []string) (cmdResult, []*manifest.Object) {
	t.Helper()
	env := s.environ(entries)
	if len(s.plugin.Spec.Init.Command) > 0 {
		if res := s.run(t, s.plugin.Spec.Init, appPath, env); res.err != nil {
			return res, nil
		}
	}
	res := s.run(t, s.plugin.Spec.Generate, appPath, env)
	t.Logf("generate in %s: %v in %v; stderr:\n%s", appPath, res.err, res.took.Round(time.Millisecond), res.stderr)
	if res.err != nil {
		return res, nil
	}
	objs, diags := manifest.Parse([]byte(res.stdout), "generate")
	if diags.HasErrors() {
		t.Fatalf("generate printed something that is not Kubernetes objects: %v", diags)
	}
	return res, objs
}

// loadPlugin reads plugin.yaml out of the ConfigMap the sidecar mounts it
// from, strictly: a misspelt field would be silently ignored by Argo CD.
func loadPlugin(t *testing.T) (pluginConfig, string) {
	t.Helper()
	path := filepath.Join(testutil.Root, "examples", "argocd", "argocd", "cmp-plugin.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Kind     string            `yaml:"kind"`
		Metadata map[string]any    `yaml:"metadata"`
		Data     map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(data, &cm); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	text, ok := cm.Data["plugin.yaml"]
	if cm.Kind != "ConfigMap" || !ok {
		t.Fatalf("%s is not a ConfigMap with the key plugin.yaml", path)
	}
	var p pluginConfig
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s: plugin.yaml: %v", path, err)
	}
	if err := p.validate(); err != nil {
		t.Fatalf("%s: plugin.yaml: Argo CD would refuse it: %v", path, err)
	}
	return p, text
}

func loadApplications(t *testing.T) []application {
	t.Helper()
	path := filepath.Join(testutil.Root, "examples", "argocd", "argocd", "applications.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var apps []application
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var app application
		if err := dec.Decode(&app); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("%s: %v", path, err)
		}
		if app.Kind != "Application" || app.APIVersion != "argoproj.io/v1alpha1" {
			t.Fatalf("%s: a %s %s, want only argoproj.io/v1alpha1 Applications", path, app.APIVersion, app.Kind)
		}
		apps = append(apps, app)
	}
	return apps
}

// checkout lays out a temporary copy of the repository's examples/argocd at
// the same path, as the repo-server sends it to the sidecar (the whole
// repository; the app's directory is a path inside it).
func checkout(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	testutil.CopyDir(t, filepath.Join(testutil.Root, "examples", "argocd"), filepath.Join(repo, "examples", "argocd"))
	return repo
}

// assertApplicable: Argo CD applies every object generate prints, so none
// may be of a kind without a CRD in the cluster (edgegate.dev) or meant to
// stay local.
func assertApplicable(t *testing.T, objs []*manifest.Object) {
	t.Helper()
	for _, o := range objs {
		if o.APIVersion == "" || o.Kind == "" || o.Name == "" {
			t.Errorf("generate printed an object without apiVersion, kind or name: %s", o.Ref)
		}
		if o.Group() == "edgegate.dev" || o.Kind == "HostBindings" {
			t.Errorf("generate printed %s: Argo CD would fail the sync on a kind without a CRD", o.Ref)
		}
		if o.Annotation(manifest.LocalConfigAnnotation) != "" {
			t.Errorf("generate printed %s, marked local-config: Argo CD ignores the mark and applies it", o.Ref)
		}
	}
}
