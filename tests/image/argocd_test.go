package image

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/tests/argocd/cmpserver"
	"github.com/edgegate/edgegate/tests/testutil"
)

// cmpRoot is where the sidecar sees the checkout, as argocd-cmp-server
// unpacks it (/tmp/_cmp_server/<id>).
const cmpRoot = "/tmp/_cmp_server/edgegate-test"

// imageServer is the CMP sidecar of examples/argocd/argocd/Kustomization
// run with podman: the edgegate image as user 999 (Argo CD's CMP contract;
// tests/argocd checks the component says so), no network, a read-only root
// file system with its own /tmp, no capabilities, the checkout repo mounted
// where the CMP server unpacks it; each command runs in the app's directory
// with the environment the CMP server gives it, on top of the image's own.
func imageServer(t *testing.T, plugin cmpserver.Plugin, repo string) *cmpserver.Server {
	t.Helper()
	if err := os.Chmod(repo, 0o755); err != nil { // a t.TempDir is 0700; user 999 must enter it
		t.Fatal(err)
	}
	img, err := imageFor(t, builtIndex, runtimeArch())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return &cmpserver.Server{
		Plugin:  plugin,
		Sidecar: cfg.Config.Env,
		Start: func(ctx context.Context, argv []string, dir string, env []string) (*exec.Cmd, error) {
			rel, err := filepath.Rel(repo, dir)
			if err != nil || strings.HasPrefix(rel, "..") {
				return nil, fmt.Errorf("%s is outside the checkout %s", dir, repo)
			}
			args := []string{"run", "--rm", "--network", "none", "--read-only", "--user", "999",
				"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
				"-v", repo + ":" + cmpRoot + ":ro", "-w", path.Join(cmpRoot, filepath.ToSlash(rel))}
			for _, kv := range env {
				args = append(args, "-e", kv)
			}
			args = append(args, "--entrypoint", argv[0], Tag)
			return exec.CommandContext(ctx, eng.podman, append(args, argv[1:]...)...), nil
		},
	}
}

// TestArgoCDPluginInTheImage runs discover, init and generate for each
// Application of examples/argocd inside the image: discover takes each
// app's directory and not the plugin's own, and generate prints byte for
// byte what the same commands print on this machine.
func TestArgoCDPluginInTheImage(t *testing.T) {
	plugin, _ := cmpserver.LoadPlugin(t)
	host := cmpserver.NewHostServer(t, plugin)
	repo := cmpserver.Checkout(t)
	sidecar := imageServer(t, plugin, repo)
	for _, app := range cmpserver.LoadApplications(t) {
		t.Run(app.Metadata.Name, func(t *testing.T) {
			appPath := filepath.Join(repo, filepath.FromSlash(app.Spec.Source.Path))
			env := cmpserver.BuildEnv(t, app)
			ok, res := sidecar.MatchRepository(t, appPath, env)
			if !ok {
				t.Fatalf("discover in the image does not match %s: %v, stdout %q, stderr %s", app.Spec.Source.Path, res.Err, res.Stdout, res.Stderr)
			}
			got, objs := sidecar.GenerateManifest(t, appPath, env)
			if got.Err != nil {
				t.Fatalf("generate in the image: %v\n%s", got.Err, got.Stderr)
			}
			if len(objs) == 0 || got.Stderr != "" {
				t.Fatalf("generate in the image printed %d objects, stderr:\n%s", len(objs), got.Stderr)
			}
			cmpserver.AssertApplicable(t, objs)
			want, _ := host.GenerateManifest(t, appPath, env)
			if want.Err != nil || got.Raw != want.Raw {
				t.Errorf("the image and this machine generate different streams (%v):\n--- here\n%s\n--- image\n%s", want.Err, want.Raw, got.Raw)
			}
		})
	}
	app := cmpserver.Application{}
	app.Metadata.Name = "discover"
	ok, res := sidecar.MatchRepository(t, filepath.Join(repo, "examples", "argocd", "argocd"), cmpserver.BuildEnv(t, app))
	if ok || res.Err != nil {
		t.Errorf("discover in the image takes the plugin's own directory, or fails: %v, %q, %s", res.Err, res.Stdout, res.Stderr)
	}
}

// teamApp is the team layout's Application (with bindings and inputs).
func teamApp(t *testing.T) cmpserver.Application {
	t.Helper()
	for _, app := range cmpserver.LoadApplications(t) {
		if app.Spec.Source.Plugin != nil && len(app.Spec.Source.Plugin.Parameters) > 1 {
			return app
		}
	}
	t.Fatal("no Application of the team layout in applications.yaml")
	return cmpserver.Application{}
}

// TestArgoCDEnvironmentInTheImage: Argo CD's variables reach edgegate in the
// image: ARGOCD_APP_NAMESPACE fills in an intent without a namespace,
// ARGOCD_ENV_FAIL_ON (the Application's plugin env) fails on an info, and a
// bad intent fails generate with the reason on stderr and nothing on stdout.
func TestArgoCDEnvironmentInTheImage(t *testing.T) {
	plugin, _ := cmpserver.LoadPlugin(t)
	base := teamApp(t)
	appFile := func(repo string) string {
		return filepath.Join(repo, filepath.FromSlash(base.Spec.Source.Path), "helloworld.yaml")
	}
	t.Run("namespace from the Application", func(t *testing.T) {
		repo := cmpserver.Checkout(t)
		testutil.ReplaceIn(t, appFile(repo), "  namespace: sample\n", "")
		app := base
		app.Spec.Destination.Namespace = "sample"
		res, objs := imageServer(t, plugin, repo).GenerateManifest(t, filepath.Dir(appFile(repo)), cmpserver.BuildEnv(t, app))
		if res.Err != nil || len(objs) == 0 {
			t.Fatalf("generate: %v, %d objects\n%s", res.Err, len(objs), res.Stderr)
		}
		for _, o := range objs {
			if o.Namespace != "sample" {
				t.Errorf("%s is not in the Application's namespace sample", o.Ref)
			}
		}
	})
	t.Run("plugin env FAIL_ON=info", func(t *testing.T) {
		repo := cmpserver.Checkout(t)
		plug := *base.Spec.Source.Plugin
		plug.Env = append(plug.Env, cmpserver.EnvVar{Name: "FAIL_ON", Value: "info"})
		app := base
		app.Spec.Source.Plugin = &plug
		res, _ := imageServer(t, plugin, repo).GenerateManifest(t, filepath.Dir(appFile(repo)), cmpserver.BuildEnv(t, app))
		if res.Err == nil || res.Raw != "" || !strings.Contains(res.Stderr, "info: VirtualService sample/helloworld") {
			t.Errorf("generate with ARGOCD_ENV_FAIL_ON=info: %v, stdout %q, stderr:\n%s", res.Err, res.Raw, res.Stderr)
		}
	})
	t.Run("bad intent", func(t *testing.T) {
		repo := cmpserver.Checkout(t)
		testutil.ReplaceIn(t, appFile(repo), "to: helloworld:5000", "to: helloworld")
		res, _ := imageServer(t, plugin, repo).GenerateManifest(t, filepath.Dir(appFile(repo)), cmpserver.BuildEnv(t, base))
		const reason = `helloworld.yaml:14: error: AppIntent sample/helloworld: spec.routes[0].to: "helloworld" is not "service[.namespace]:port"`
		if res.Err == nil || res.Raw != "" || !strings.Contains(res.Stderr, reason) {
			t.Errorf("generate of a bad intent: %v, stdout %q, stderr (want %q):\n%s", res.Err, res.Raw, reason, res.Stderr)
		}
	})
}
