package argocd

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/tests/argocd/cmpserver"
	"github.com/edgegate/edgegate/tests/testutil"
)

// TestPluginConfig: plugin.yaml is one Argo CD accepts, discovers by
// content, renders with edgegate, and announces the parameters it reads.
func TestPluginConfig(t *testing.T) {
	p, _ := cmpserver.LoadPlugin(t)
	if p.APIVersion != "argoproj.io/v1alpha1" {
		t.Errorf("apiVersion %q, want argoproj.io/v1alpha1", p.APIVersion)
	}
	if len(p.Spec.Discover.Find.Command) == 0 || p.Spec.Discover.Find.Glob != "" || p.Spec.Discover.FileName != "" {
		t.Error("discover must use find.command: a glob or fileName matches file names, not kinds")
	}
	if script := strings.Join(append(p.Spec.Generate.Command, p.Spec.Generate.Args...), " "); !strings.Contains(script, "edgegate") {
		t.Errorf("generate does not run edgegate: %s", script)
	}
	announced := map[string]cmpserver.StaticParameter{}
	for _, sp := range p.Spec.Parameters.Static {
		if _, dup := announced[sp.Name]; dup || sp.Name == "" {
			t.Errorf("parameter %q is announced twice or has no name", sp.Name)
		}
		announced[sp.Name] = sp
	}
	for _, name := range []string{"locked", "fail-on", "bindings", "inputs"} {
		if _, ok := announced[name]; !ok {
			t.Errorf("parameter %s is not announced", name)
		}
	}
	if announced["inputs"].CollectionType != "array" {
		t.Error("parameter inputs must be announced as an array")
	}
}

// TestApplications: each Application names the plugin, sets only announced
// parameters, and points at a directory of this repository.
func TestApplications(t *testing.T) {
	p, _ := cmpserver.LoadPlugin(t)
	announced := map[string]cmpserver.StaticParameter{}
	for _, sp := range p.Spec.Parameters.Static {
		announced[sp.Name] = sp
	}
	apps := cmpserver.LoadApplications(t)
	if len(apps) != 2 {
		t.Fatalf("%d Applications, want one per layout", len(apps))
	}
	for _, app := range apps {
		src := app.Spec.Source
		if src.Plugin == nil || src.Plugin.Name != p.Name() {
			t.Errorf("Application %s does not name the plugin %q", app.Metadata.Name, p.Name())
			continue
		}
		if app.Metadata.Namespace != "argocd" || app.Spec.Project == "" || app.Spec.Destination.Server == "" || src.RepoURL == "" {
			t.Errorf("Application %s: namespace %q, project %q, destination server %q, repoURL %q", app.Metadata.Name,
				app.Metadata.Namespace, app.Spec.Project, app.Spec.Destination.Server, src.RepoURL)
		}
		if info, err := os.Stat(filepath.Join(testutil.Root, filepath.FromSlash(src.Path))); err != nil || !info.IsDir() {
			t.Errorf("Application %s: source path %s is not a directory of this repository", app.Metadata.Name, src.Path)
		}
		for _, param := range src.Plugin.Parameters {
			sp, ok := announced[param.Name]
			switch {
			case !ok:
				t.Errorf("Application %s sets parameter %s, which plugin.yaml does not announce", app.Metadata.Name, param.Name)
			case (sp.CollectionType == "array") != (param.Array != nil):
				t.Errorf("Application %s: parameter %s is announced as %q", app.Metadata.Name, param.Name, sp.CollectionType)
			}
		}
	}
}

// TestApplicationsSync runs discover, init and generate for each Application
// as the CMP server would: each app's stream holds only objects Argo CD can
// apply, and together the two layouts render exactly what edgegate renders
// for the whole example (less the Argo CD objects), each object once.
func TestApplicationsSync(t *testing.T) {
	p, _ := cmpserver.LoadPlugin(t)
	s := cmpserver.NewHostServer(t, p)
	repo := cmpserver.Checkout(t)
	union := map[string]map[string]any{}
	for _, app := range cmpserver.LoadApplications(t) {
		t.Run(app.Metadata.Name, func(t *testing.T) {
			appPath := filepath.Join(repo, filepath.FromSlash(app.Spec.Source.Path))
			env := cmpserver.BuildEnv(t, app)
			if ok, res := s.MatchRepository(t, appPath, env); !ok {
				t.Fatalf("discover does not match %s: %v, stdout %q, stderr %s", app.Spec.Source.Path, res.Err, res.Stdout, res.Stderr)
			}
			res, objs := s.GenerateManifest(t, appPath, env)
			if res.Err != nil {
				t.Fatalf("generate: %v\n%s", res.Err, res.Stderr)
			}
			if res.Stderr != "" {
				t.Errorf("generate wrote to stderr on a clean render:\n%s", res.Stderr)
			}
			if len(objs) == 0 {
				t.Fatal("generate printed no objects")
			}
			cmpserver.AssertApplicable(t, objs)
			for key, o := range testutil.Objects(t, []byte(res.Stdout), app.Metadata.Name) {
				if union[key] != nil {
					t.Errorf("%s is rendered by two Applications", key)
				}
				union[key] = o
				if ns := app.Spec.Destination.Namespace; ns != "" && o["metadata"].(map[string]any)["namespace"] != ns {
					t.Errorf("%s is outside the Application's namespace %s", key, ns)
				}
			}
		})
	}

	cli := testutil.Run(t, testutil.Root, nil, "render", "examples/argocd")
	if cli.Code != 0 {
		t.Fatalf("edgegate render examples/argocd: exit %d\n%s", cli.Code, cli.Stderr)
	}
	want := testutil.Objects(t, []byte(cli.Stdout), "edgegate render examples/argocd")
	argoDir := filepath.Join(testutil.Root, "examples", "argocd", "argocd")
	for _, f := range testutil.YAMLFiles(t, argoDir) {
		data, err := os.ReadFile(filepath.Join(argoDir, f))
		if err != nil {
			t.Fatal(err)
		}
		for key := range testutil.Objects(t, data, f) {
			delete(want, key)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if union[k] == nil {
			t.Errorf("%s: rendered for the whole example, by no Application", k)
		} else if !reflect.DeepEqual(want[k], union[k]) {
			t.Errorf("%s differs:\nedgegate render: %v\nApplication:     %v", k, want[k], union[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(union)) {
		if want[k] == nil {
			t.Errorf("%s: rendered by an Application, not for the whole example", k)
		}
	}
}

// TestDiscover: the plugin takes a directory only where a YAML file holds an
// AppIntent; Argo CD's match is exit 0 with output.
func TestDiscover(t *testing.T) {
	p, _ := cmpserver.LoadPlugin(t)
	s := cmpserver.NewHostServer(t, p)
	repo := cmpserver.Checkout(t)
	intent := "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: a, namespace: a}\nspec:\n  hosts: [a.example.com]\n  routes:\n  - to: a:80\n"
	write := func(rel, content string) {
		t.Helper()
		path := filepath.Join(repo, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("apps/plain/app.yaml", intent)
	write("apps/nested/sub/app.yml", strings.Replace(intent, "kind: AppIntent", `kind: "AppIntent"  # quoted`, 1))
	write("apps/multi/all.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"+intent)
	if err := os.MkdirAll(filepath.Join(repo, "apps", "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("apps/hidden/.old/app.yaml", intent)
	write("apps/hidden/README.md", intent)
	write("apps/other-kinds/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  app.yaml: |\n    kind: AppIntent\n")
	testutil.CopyDir(t, filepath.Join(repo, "examples", "argocd", "platform"), filepath.Join(repo, "apps", "gateway-only"))
	if err := os.Remove(filepath.Join(repo, "apps", "gateway-only", "bookinfo.yaml")); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]bool{
		"apps/plain":               true,
		"apps/nested":              true,
		"apps/multi":               true,
		"examples/argocd/platform": true,
		"apps/empty":               false,
		"apps/hidden":              false,
		"apps/other-kinds":         false,
		"apps/gateway-only":        false,
		"examples/argocd/argocd":   false, // the plugin's own ConfigMap quotes the pattern
	} {
		t.Run(dir, func(t *testing.T) {
			appPath := filepath.Join(repo, filepath.FromSlash(dir))
			app := cmpserver.Application{}
			app.Metadata.Name = "discover"
			app.Spec.Source.Path = dir
			got, res := s.MatchRepository(t, appPath, cmpserver.BuildEnv(t, app))
			if got != want {
				t.Errorf("discover matched %v, want %v (err %v, stdout %q, stderr %q)", got, want, res.Err, res.Stdout, res.Stderr)
			}
			if !want && res.Err != nil {
				t.Errorf("discover failed instead of answering no (Argo CD logs an error for every app): %v\n%s", res.Err, res.Stderr)
			}
		})
	}
}

// team returns the team layout's Application from applications.yaml.
func team(t *testing.T) cmpserver.Application {
	t.Helper()
	for _, app := range cmpserver.LoadApplications(t) {
		if app.Spec.Source.Plugin != nil && len(app.Spec.Source.Plugin.Parameters) > 1 {
			return app
		}
	}
	t.Fatal("no Application of the team layout (with bindings and inputs) in applications.yaml")
	return cmpserver.Application{}
}

func str(s string) *string { return &s }

// withParameter returns a copy of app with the parameter set (replaced or added).
func withParameter(app cmpserver.Application, p cmpserver.Parameter) cmpserver.Application {
	plugin := *app.Spec.Source.Plugin
	var params []cmpserver.Parameter
	for _, q := range plugin.Parameters {
		if q.Name != p.Name {
			params = append(params, q)
		}
	}
	plugin.Parameters = append(params, p)
	app.Spec.Source.Plugin = &plugin
	return app
}

func withEnv(app cmpserver.Application, name, value string) cmpserver.Application {
	plugin := *app.Spec.Source.Plugin
	plugin.Env = append(append([]cmpserver.EnvVar{}, plugin.Env...), cmpserver.EnvVar{Name: name, Value: value})
	app.Spec.Source.Plugin = &plugin
	return app
}

func withoutParameter(app cmpserver.Application, name string) cmpserver.Application {
	plugin := *app.Spec.Source.Plugin
	var params []cmpserver.Parameter
	for _, q := range plugin.Parameters {
		if q.Name != name {
			params = append(params, q)
		}
	}
	plugin.Parameters = params
	app.Spec.Source.Plugin = &plugin
	return app
}

// TestGenerate runs generate on variations of the team's app: parameters and
// plugin env reach edgegate, ARGOCD_APP_NAMESPACE fills in intents that name
// no namespace, and every failure is a non-zero exit with the reason on
// stderr and nothing at all on stdout (an empty stream with exit 0 would
// have Argo CD prune everything).
func TestGenerate(t *testing.T) {
	p, _ := cmpserver.LoadPlugin(t)
	s := cmpserver.NewHostServer(t, p)
	base := team(t)
	const appFile = "helloworld.yaml"
	cases := []struct {
		name string
		app  cmpserver.Application
		edit func(t *testing.T, appPath string)
		// ok: exit 0 with objects; otherwise the stderr substring expected.
		ok        bool
		stderr    string
		namespace string // every object's namespace, when ok
	}{
		{name: "as committed", app: base, ok: true, namespace: "sample"},
		{
			name: "bad intent", app: base,
			edit: func(t *testing.T, dir string) {
				testutil.ReplaceIn(t, filepath.Join(dir, appFile), "to: helloworld:5000", "to: helloworld")
			},
			stderr: "AppIntent sample/helloworld: spec.routes[0].to: ",
		},
		{
			name: "an app the platform's lock does not record", app: base,
			edit: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "shop.yaml"), "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: shop, namespace: sample}\nspec:\n  hosts: [shop.example.com]\n  routes:\n  - to: shop:8080\n")
			},
			stderr: "not in the HostBindings lock",
		},
		{
			// The team deleted its intent and left only local configuration
			// (or a wrong path): an empty stream would have Argo CD prune
			// the app's Gateway and VirtualService, so generate fails.
			name: "nothing to apply", app: base,
			edit: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, appFile)); err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(dir, "notes.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n  annotations: {config.kubernetes.io/local-config: \"true\"}\n")
			},
			stderr: "nothing to apply",
		},
		{
			name:   "locked is not a boolean",
			app:    withParameter(base, cmpserver.Parameter{Name: "locked", String: str("yes")}),
			stderr: `parameter locked must be true or false, not "yes"`,
		},
		{
			name:   "fail-on is not a severity",
			app:    withParameter(base, cmpserver.Parameter{Name: "fail-on", String: str("fatal")}),
			stderr: `must be error, warning or info, not "fatal"`,
		},
		{
			name:   "plugin env FAIL_ON=warning fails on a warning (no lock read)",
			app:    withEnv(withParameter(withoutParameter(base, "bindings"), cmpserver.Parameter{Name: "locked", String: str("false")}), "FAIL_ON", "warning"),
			stderr: "has no HostBindings lock",
		},
		{
			name: "a fail-on parameter wins over the plugin env",
			app: withParameter(withEnv(withParameter(withoutParameter(base, "bindings"), cmpserver.Parameter{Name: "locked", String: str("false")}), "FAIL_ON", "warning"),
				cmpserver.Parameter{Name: "fail-on", String: str("error")}),
			ok: true, stderr: "has no HostBindings lock", namespace: "sample",
		},
		{
			name: "intents without a namespace go to the destination namespace",
			app: func() cmpserver.Application {
				a := withParameter(withoutParameter(base, "bindings"), cmpserver.Parameter{Name: "locked", String: str("false")})
				a.Spec.Destination.Namespace = "shop"
				return a
			}(),
			edit: func(t *testing.T, dir string) {
				testutil.ReplaceIn(t, filepath.Join(dir, appFile), "  namespace: sample\n", "")
			},
			ok: true, stderr: "has no HostBindings lock", namespace: "shop",
		},
		{
			name: "no namespace anywhere",
			app: func() cmpserver.Application {
				a := base
				a.Spec.Destination.Namespace = ""
				return a
			}(),
			edit: func(t *testing.T, dir string) {
				testutil.ReplaceIn(t, filepath.Join(dir, appFile), "  namespace: sample\n", "")
			},
			stderr: "metadata.namespace: required",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repo := cmpserver.Checkout(t)
			appPath := filepath.Join(repo, filepath.FromSlash(c.app.Spec.Source.Path))
			if c.edit != nil {
				c.edit(t, appPath)
			}
			res, objs := s.GenerateManifest(t, appPath, cmpserver.BuildEnv(t, c.app))
			if c.stderr != "" && !strings.Contains(res.Stderr, c.stderr) {
				t.Errorf("stderr lacks %q:\n%s", c.stderr, res.Stderr)
			}
			if !c.ok {
				if res.Err == nil {
					t.Fatalf("generate exited 0, want a failure; stdout:\n%s", res.Raw)
				}
				if res.Raw != "" {
					t.Errorf("a failed generate printed to stdout:\n%s", res.Raw)
				}
				return
			}
			if res.Err != nil {
				t.Fatalf("generate: %v\n%s", res.Err, res.Stderr)
			}
			if len(objs) == 0 {
				t.Fatal("generate printed no objects")
			}
			cmpserver.AssertApplicable(t, objs)
			for _, o := range objs {
				if o.Namespace != c.namespace {
					t.Errorf("%s: namespace %q, want %q", o.Ref, o.Namespace, c.namespace)
				}
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
