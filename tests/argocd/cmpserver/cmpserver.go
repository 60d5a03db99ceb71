// Package cmpserver runs examples/argocd's plugin against Argo CD's Config
// Management Plugin contract (CMP v2, sidecar), for tests/argocd (on this
// machine) and tests/image (inside the edgegate image). Argo CD's own CMP
// server does not build here, so Server does what it does (argo-cd cmpserver/plugin and
// reposerver/repository): read plugin.yaml, run discover's find.command in
// the app's directory of a checkout of the whole repository (a match is
// exit 0 with output), then init and generate there with the environment
// the repo-server sends (build env, ARGOCD_ENV_* from the Application's
// plugin env, ARGOCD_APP_PARAMETERS and PARAM_*; empty values dropped) on
// top of the sidecar's own, and split generate's stdout into objects. The
// real edgegate binary is on PATH, as in the sidecar image.
package cmpserver

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

// Plugin is plugin.yaml, as Argo CD's cmpserver/plugin reads it.
type Plugin struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Version  string  `yaml:"version"`
		Init     Command `yaml:"init"`
		Generate Command `yaml:"generate"`
		Discover struct {
			FileName string `yaml:"fileName"`
			Find     struct {
				Command []string `yaml:"command"`
				Args    []string `yaml:"args"`
				Glob    string   `yaml:"glob"`
			} `yaml:"find"`
		} `yaml:"discover"`
		Parameters struct {
			Static  []StaticParameter `yaml:"static"`
			Dynamic Command           `yaml:"dynamic"`
		} `yaml:"parameters"`
		AllowConcurrency bool `yaml:"allowConcurrency"`
		LockRepo         bool `yaml:"lockRepo"`
		PreserveFileMode bool `yaml:"preserveFileMode"`
	} `yaml:"spec"`
}

type Command struct {
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
}

type StaticParameter struct {
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

// Name is what an Application's spec.source.plugin.name must say.
func (p Plugin) Name() string {
	if p.Spec.Version != "" {
		return p.Metadata.Name + "-" + p.Spec.Version
	}
	return p.Metadata.Name
}

// validate is Argo CD's ValidatePluginConfig.
func (p Plugin) validate() error {
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

// Application is the part of an Argo CD Application the repo-server uses.
type Application struct {
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
			Plugin         *PluginSource `yaml:"plugin"`
		} `yaml:"source"`
		Destination struct {
			Server    string `yaml:"server"`
			Name      string `yaml:"name"`
			Namespace string `yaml:"namespace"`
		} `yaml:"destination"`
	} `yaml:"spec"`
}

// PluginSource is an Application's spec.source.plugin.
type PluginSource struct {
	Name       string      `yaml:"name"`
	Env        []EnvVar    `yaml:"env"`
	Parameters []Parameter `yaml:"parameters"`
}

type EnvVar struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// Parameter is an ApplicationSourcePluginParameter; its JSON is what
// ARGOCD_APP_PARAMETERS holds.
type Parameter struct {
	Name   string            `yaml:"name" json:"name,omitempty"`
	String *string           `yaml:"string" json:"string,omitempty"`
	Map    map[string]string `yaml:"map" json:"map,omitempty"`
	Array  []string          `yaml:"array" json:"array,omitempty"`
}

// Revision is the commit the checkout is at.
const Revision = "8f3d2c1b9a7e6d5c4b3a29180f7e6d5c4b3a2918"

// BuildEnv is the environment the repo-server sends for an Application
// (reposerver/repository newEnv, getPluginEnvs, getPluginParamEnvs).
func BuildEnv(t testing.TB, app Application) []string {
	t.Helper()
	src := app.Spec.Source
	env := []string{
		"ARGOCD_APP_NAME=" + app.Metadata.Name,
		"ARGOCD_APP_NAMESPACE=" + app.Spec.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME=" + app.Spec.Project,
		"ARGOCD_APP_REVISION=" + Revision,
		"ARGOCD_APP_REVISION_SHORT=" + Revision[:7],
		"ARGOCD_APP_REVISION_SHORT_8=" + Revision[:8],
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
		params = []Parameter{}
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

// Server runs a plugin's commands as Argo CD's argocd-cmp-server does, in
// the sidecar: on this machine (NewHostServer) or in a container (a Start
// that runs podman).
type Server struct {
	Plugin Plugin
	// Sidecar is the sidecar container's own environment (os.Environ() in
	// the CMP server): edgegate on PATH.
	Sidecar []string
	// Start makes the command that runs argv in dir with env inside the
	// sidecar; nil runs it on this machine, resolving argv[0] on the
	// sidecar's PATH as the CMP server does.
	Start func(ctx context.Context, argv []string, dir string, env []string) (*exec.Cmd, error)
}

// NewHostServer is a sidecar on this machine with the edgegate binary built
// from this checkout on its PATH.
func NewHostServer(t testing.TB, plugin Plugin) *Server {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bin")
	testutil.InstallBinary(t, filepath.Join(bin, "edgegate"))
	return &Server{Plugin: plugin, Sidecar: []string{
		"PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + t.TempDir(),
	}}
}

// environ is the sidecar's environment plus the request's entries, without
// empty values (cmpserver/plugin environ).
func (s *Server) environ(entries []string) []string {
	env := append([]string{}, s.Sidecar...)
	for _, e := range entries {
		if name, value, _ := strings.Cut(e, "="); name != "" && value != "" {
			env = append(env, e)
		}
	}
	return env
}

// ExecTimeout is Argo CD's default for plugin commands (ARGOCD_EXEC_TIMEOUT).
const ExecTimeout = 90 * time.Second

// Result is one command's run.
type Result struct {
	// Stdout is as Argo CD keeps it (one trailing newline trimmed), Raw as printed.
	Stdout, Raw, Stderr string
	Err                 error
	Took                time.Duration
}

func (s *Server) run(t testing.TB, c Command, dir string, env []string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ExecTimeout)
	defer cancel()
	argv := append(append([]string{}, c.Command...), c.Args...)
	start := s.Start
	if start == nil {
		start = s.startHere
	}
	cmd, err := start(ctx, argv, dir, env)
	if err != nil {
		return Result{Err: err}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err = cmd.Run()
	return Result{Stdout: strings.TrimSuffix(stdout.String(), "\n"), Raw: stdout.String(), Stderr: stderr.String(), Err: err, Took: time.Since(began)}
}

// startHere runs argv on this machine. The CMP server resolves the command
// in its own environment, the sidecar's, whose PATH holds edgegate.
func (s *Server) startHere(ctx context.Context, argv []string, dir string, env []string) (*exec.Cmd, error) {
	name := argv[0]
	if !strings.Contains(name, "/") {
		path, err := s.lookPath(name)
		if err != nil {
			return nil, err
		}
		name = path
	}
	cmd := exec.CommandContext(ctx, name, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Dir, cmd.Env = dir, env
	return cmd, nil
}

// lookPath finds a command on the sidecar's PATH.
func (s *Server) lookPath(name string) (string, error) {
	for _, kv := range s.Sidecar {
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

// MatchRepository is discovery: does the plugin take the app at appPath?
func (s *Server) MatchRepository(t testing.TB, appPath string, entries []string) (bool, Result) {
	t.Helper()
	d := s.Plugin.Spec.Discover
	if d.FileName != "" || d.Find.Glob != "" {
		t.Fatal("plugin.yaml discovers by file name; edgegate's must look for kind: AppIntent with find.command")
	}
	res := s.run(t, Command{Command: d.Find.Command, Args: d.Find.Args}, appPath, s.environ(entries))
	return res.Err == nil && res.Stdout != "", res
}

// GenerateManifest runs init, then generate, and splits the output.
func (s *Server) GenerateManifest(t testing.TB, appPath string, entries []string) (Result, []*manifest.Object) {
	t.Helper()
	env := s.environ(entries)
	if len(s.Plugin.Spec.Init.Command) > 0 {
		if res := s.run(t, s.Plugin.Spec.Init, appPath, env); res.Err != nil {
			return res, nil
		}
	}
	res := s.run(t, s.Plugin.Spec.Generate, appPath, env)
	t.Logf("generate in %s: %v in %v; stderr:\n%s", appPath, res.Err, res.Took.Round(time.Millisecond), res.Stderr)
	if res.Err != nil {
		return res, nil
	}
	objs, diags := manifest.Parse([]byte(res.Stdout), "generate")
	if diags.HasErrors() {
		t.Fatalf("generate printed something that is not Kubernetes objects: %v", diags)
	}
	return res, objs
}

// LoadPlugin reads plugin.yaml out of the ConfigMap the sidecar mounts it
// from, strictly: a misspelt field would be silently ignored by Argo CD.
func LoadPlugin(t testing.TB) (Plugin, string) {
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
	var p Plugin
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

func LoadApplications(t testing.TB) []Application {
	t.Helper()
	path := filepath.Join(testutil.Root, "examples", "argocd", "argocd", "applications.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var apps []Application
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var app Application
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

// Checkout lays out a temporary copy of the repository's examples/argocd at
// the same path, as the repo-server sends it to the sidecar (the whole
// repository; the app's directory is a path inside it).
func Checkout(t testing.TB) string {
	t.Helper()
	repo := t.TempDir()
	testutil.CopyDir(t, filepath.Join(testutil.Root, "examples", "argocd"), filepath.Join(repo, "examples", "argocd"))
	return repo
}

// AssertApplicable: Argo CD applies every object generate prints, so none
// may be of a kind without a CRD in the cluster (edgegate.dev) or meant to
// stay local.
func AssertApplicable(t testing.TB, objs []*manifest.Object) {
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
