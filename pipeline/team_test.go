package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
)

// teamTree is a platform directory (two gateways) and two teams' apps, one
// on each gateway, in the layout README's second layout describes.
func teamTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"platform/gateways.yaml": `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: public, namespace: istio-ingress}
spec: {default: true}
---
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: internal, namespace: istio-ingress}
spec: {}
`,
		"apps/shop/shop.yaml": appYAML,
		"apps/blog/blog.yaml": `apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: blog, namespace: blog}
spec:
  gateway: internal
  hosts: ["*"]
  routes: [{to: blog:80}]
`,
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func mustLock(t *testing.T, r *Runner) *Locked {
	t.Helper()
	out, err := r.Lock()
	if err != nil {
		t.Fatalf("Lock %v: %v (%v)", r.Paths, err, out.Diagnostics)
	}
	return out
}

// TestALockIsMergedNeverTruncated: a team locking its own app keeps every
// record of the apps and gateways it does not see; only --prune removes
// them, and every change is reported.
func TestALockIsMergedNeverTruncated(t *testing.T) {
	root := teamTree(t)
	p := func(rel string) string { return filepath.Join(root, rel) }
	lockFile := p("platform/hostbindings.yaml")
	everything := &Runner{Paths: []string{p("apps"), p("platform/gateways.yaml")}, Bindings: lockFile}
	out := mustLock(t, everything)
	if want := []string{
		"+ HostBindings istio-ingress/internal",
		"+ istio-ingress/internal 80/HTTP * → blog/blog",
		"+ HostBindings istio-ingress/public",
		"+ istio-ingress/public 80/HTTP shop.example.com → shop/shop",
	}; !slices.Equal(out.Changes, want) || out.Existed || !out.Written {
		t.Fatalf("first lock: changes %q (existed %v, written %v), want %q", out.Changes, out.Existed, out.Written, want)
	}
	full, _ := os.ReadFile(lockFile)

	// The team's run: its app and the platform's files, nothing else.
	team := &Runner{Paths: []string{p("apps/shop"), p("platform/gateways.yaml")}, Bindings: lockFile}
	out = mustLock(t, team)
	if len(out.Changes) != 0 || out.Written || !out.Existed {
		t.Errorf("a team's lock changed the lock: %q (written %v)", out.Changes, out.Written)
	}
	if now, _ := os.ReadFile(lockFile); string(now) != string(full) {
		t.Errorf("a team's lock rewrote the platform's lock:\n%s\nwas:\n%s", now, full)
	}

	// A run that declares only the team's gateway keeps the other gateway's
	// lock byte for byte (it comes first in the file, after the modeline).
	public := p("public.yaml")
	if err := os.WriteFile(public, []byte("apiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: public, namespace: istio-ingress}\nspec: {default: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = mustLock(t, &Runner{Paths: []string{p("apps/shop"), public}, Bindings: lockFile})
	if len(out.Changes) != 0 || out.Written {
		t.Errorf("a run without the other gateway changed the lock: %q (written %v)", out.Changes, out.Written)
	}
	if now, _ := os.ReadFile(lockFile); string(now) != string(full) {
		t.Errorf("a run without the other gateway rewrote the lock:\n%s\nwas:\n%s", now, full)
	}

	// Even without the gateway of the other team's app in the run.
	alone := &Runner{Paths: []string{p("apps/shop")}, Bindings: lockFile}
	if _, err := alone.Lock(); err == nil {
		t.Errorf("locking an app recorded on an undeclared gateway succeeded")
	}
	if now, _ := os.ReadFile(lockFile); string(now) != string(full) {
		t.Errorf("a failed lock touched the lock file")
	}

	// A change of the team's app is reported as a move: - then +.
	shop := p("apps/shop/shop.yaml")
	if err := os.WriteFile(shop, []byte(strings.Replace(appYAML, "shop.example.com", "store.example.com", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out = mustLock(t, team)
	if want := []string{
		"- istio-ingress/public 80/HTTP shop.example.com → shop/shop",
		"+ istio-ingress/public 80/HTTP store.example.com → shop/shop",
	}; !slices.Equal(out.Changes, want) {
		t.Errorf("changed host: %q, want %q", out.Changes, want)
	}
	if now, _ := os.ReadFile(lockFile); !strings.Contains(string(now), "'*': blog/blog") {
		t.Errorf("the other gateway's records are gone:\n%s", now)
	}

	// Pruning over the team's app alone removes the rest, and says so.
	prune := *team
	prune.Prune = true
	out = mustLock(t, &prune)
	if want := []string{
		"- HostBindings istio-ingress/internal",
		"- istio-ingress/internal 80/HTTP * → blog/blog",
	}; !slices.Equal(out.Changes, want) {
		t.Errorf("prune: %q, want %q", out.Changes, want)
	}
	if now, _ := os.ReadFile(lockFile); strings.Contains(string(now), "blog") {
		t.Errorf("prune kept the records:\n%s", now)
	}
}

// TestATeamsLockKeepsOtherAppsHosts: the records of apps the run does not
// see hold their hosts: a team cannot take another app's host, nor its
// wildcard's port, by locking alone.
func TestATeamsLockKeepsOtherAppsHosts(t *testing.T) {
	root := teamTree(t)
	p := func(rel string) string { return filepath.Join(root, rel) }
	lockFile := p("platform/hostbindings.yaml")
	mustLock(t, &Runner{Paths: []string{p("apps"), p("platform/gateways.yaml")}, Bindings: lockFile})
	full, _ := os.ReadFile(lockFile)

	// Another team claims shop.example.com, with shop/shop not in its run.
	thief := filepath.Join(root, "apps/thief")
	if err := os.MkdirAll(thief, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(thief, "thief.yaml"), []byte(strings.Replace(appYAML, "namespace: shop", "namespace: thief", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := (&Runner{Paths: []string{thief, p("platform/gateways.yaml")}, Bindings: lockFile}).Lock()
	if !errors.Is(err, ErrFailed) || !strings.Contains(out.Diagnostics.Error(), `host "shop.example.com" on gateway istio-ingress/public belongs to app shop/shop`) {
		t.Errorf("a team took over a recorded host: %v\n%v", err, out.Diagnostics)
	}
	// A second catch-all on the internal gateway steers around the recorded one.
	blog2 := strings.NewReplacer("name: blog, namespace: blog", "name: wiki, namespace: wiki").Replace(mustRead(t, p("apps/blog/blog.yaml")))
	if err := os.WriteFile(filepath.Join(thief, "thief.yaml"), []byte(blog2), 0o644); err != nil {
		t.Fatal(err)
	}
	out = mustLock(t, &Runner{Paths: []string{thief, p("platform/gateways.yaml")}, Bindings: lockFile})
	if want := []string{"+ istio-ingress/internal 8080/HTTP * → wiki/wiki"}; !slices.Equal(out.Changes, want) {
		t.Errorf("second catch-all: %q, want %q", out.Changes, want)
	}
	if now := mustRead(t, lockFile); !strings.Contains(now, "'*': blog/blog") || !strings.Contains(now, "shop.example.com: shop/shop") {
		t.Errorf("records lost:\n%s\nwas:\n%s", now, full)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestATeamRendersWithThePlatformsFiles: with the platform's lock and
// gateway file, a team's render lands on the gateway the lock records;
// without the gateway file it fails naming it (never the built-in
// gateway), and --locked's advice names the command that records the app
// in the platform's lock.
func TestATeamRendersWithThePlatformsFiles(t *testing.T) {
	root := teamTree(t)
	p := func(rel string) string { return filepath.Join(root, rel) }
	lockFile := p("platform/hostbindings.yaml")
	mustLock(t, &Runner{Paths: []string{p("apps/blog"), p("platform/gateways.yaml")}, Bindings: lockFile})

	out, err := (&Runner{Paths: []string{p("apps/blog"), p("platform/gateways.yaml")}, Bindings: lockFile, Settings: Settings{Locked: true}}).Render()
	if err != nil {
		t.Fatalf("team render: %v\n%v", err, out.Diagnostics)
	}
	for _, o := range out.Objects {
		if o.Kind == "Gateway" && o.Name == "blog" {
			if sel, _ := manifest.EncodeDocument(o.Node); !strings.Contains(string(sel), "istio: internal") {
				t.Errorf("blog's Gateway selects another gateway:\n%s", sel)
			}
		}
		if o.Namespace == "istio-ingress" && strings.Contains(o.Name, "edge") {
			t.Errorf("the built-in gateway is rendered: %s", o.Ref)
		}
	}

	// Without the platform's gateway file: an error naming the gateway,
	// whether the app names it or the lock records the app on it.
	out, err = (&Runner{Paths: []string{p("apps/blog")}, Bindings: lockFile}).Render()
	if !errors.Is(err, ErrFailed) || !strings.Contains(out.Diagnostics.Error(), `unknown gateway "internal" (none is declared; the built-in gateway is istio-ingress/edge; the HostBindings lock (`+lockFile+":2) records it: add the file declaring its IngressGateway to the inputs)") {
		t.Errorf("team render without the gateway: %v\n%v", err, out.Diagnostics)
	}
	mustLock(t, &Runner{Paths: []string{p("apps/shop"), p("platform/gateways.yaml")}, Bindings: lockFile})
	out, err = (&Runner{Paths: []string{p("apps/shop")}, Bindings: lockFile}).Render()
	if !errors.Is(err, ErrFailed) || !strings.Contains(out.Diagnostics.Error(), "records this app on gateway istio-ingress/public, which no IngressGateway of this render declares") {
		t.Errorf("team render without the gateway: %v\n%v", err, out.Diagnostics)
	}

	// An app the lock does not record yet: --locked names the lock command
	// over the same inputs.
	if err := os.WriteFile(p("apps/shop/shop.yaml"), []byte(strings.Replace(appYAML, "shop.example.com", "store.example.com", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	team := &Runner{Paths: []string{p("apps/shop"), p("platform/gateways.yaml")}, Bindings: lockFile, Settings: Settings{Locked: true}}
	out, err = team.Render()
	want := "run `edgegate lock --bindings " + lockFile + " " + p("apps/shop") + " " + p("platform/gateways.yaml") + "` and commit the lock"
	if !errors.Is(err, ErrFailed) || !strings.Contains(out.Diagnostics.Error(), want) {
		t.Errorf("--locked advice: %v\n%v\nwant %q", err, out.Diagnostics, want)
	}
}

// TestCheckJudgesIntentsAsRenderDoes: check over intents reports every
// finding render does, with the same IDs on the same objects.
func TestCheckJudgesIntentsAsRenderDoes(t *testing.T) {
	d := dir(t, map[string]string{
		"app.yaml": appYAML,
		"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports: [{port: 8080, name: http}]\n",
	})
	r := &Runner{Paths: []string{d}}
	rendered, rerr := r.Render()
	checked, cerr := r.Check()
	if !errors.Is(rerr, ErrFailed) || !errors.Is(cerr, ErrFailed) {
		t.Fatalf("render: %v, check: %v; both must fail (EG006: no port 80)\nrender: %v\ncheck: %v", rerr, cerr, rendered.Diagnostics, checked.Diagnostics)
	}
	key := func(ds manifest.Diagnostics) []string {
		var out []string
		for _, d := range ds {
			out = append(out, string(d.Severity)+" "+d.ID+" "+d.Ref.String()+" "+d.Field)
		}
		slices.Sort(out)
		return out
	}
	if got, want := key(checked.Diagnostics), key(rendered.Diagnostics); !slices.Equal(got, want) {
		t.Errorf("check reports\n%s\nrender reports\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.ContainsFunc(checked.Diagnostics, func(d manifest.Diagnostic) bool { return d.ID == "EG006" && d.Severity == manifest.Error }) {
		t.Errorf("check has no EG006 error: %v", checked.Diagnostics)
	}
}

// TestAnEmptyRenderFails: nothing to apply is an error unless AllowEmpty;
// a lock among the inputs or an earlier output alone are nothing to apply.
func TestAnEmptyRenderFails(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"no files":            {},
		"only a lock":         {"hostbindings.yaml": "apiVersion: edgegate.dev/v1alpha1\nkind: HostBindings\nmetadata: {name: edge, namespace: istio-ingress}\nspec: {gateway: istio-ingress/edge}\n"},
		"only earlier output": {"out.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: edge\n  namespace: istio-ingress\n  labels: {app.kubernetes.io/managed-by: edgegate}\n"},
		"only local config":   {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: {config.kubernetes.io/local-config: \"true\"}\n"},
	} {
		t.Run(name, func(t *testing.T) {
			d := dir(t, files)
			out, err := (&Runner{Paths: []string{d}}).Render()
			if !errors.Is(err, ErrFailed) || out.Objects != nil || !strings.Contains(out.Diagnostics.Error(), "nothing to apply") {
				t.Errorf("Render = %v, %v", err, out.Diagnostics)
			}
			out, err = (&Runner{Paths: []string{d}, Settings: Settings{AllowEmpty: true}}).Render()
			if err != nil || len(out.Objects) != 0 {
				t.Errorf("AllowEmpty: %v, %v", err, out.Diagnostics)
			}
		})
	}
	// allowEmpty counts in the caller's policy only.
	if cfg, _, diags := Configure(policyObject(t, `{allowEmpty: true}`), Settings{PolicyGiven: true}); !cfg.AllowEmpty || len(diags) > 0 {
		t.Errorf("--config's allowEmpty: %+v, %v", cfg, diags)
	}
	if cfg, _, diags := Configure(policyObject(t, `{allowEmpty: true}`), Settings{PolicyInGatewayNamespace: true}); cfg.AllowEmpty || !strings.Contains(diags.Error(), "spec.allowEmpty: counts only in the policy given with --config") {
		t.Errorf("an input's allowEmpty: %+v, %v", cfg, diags)
	}
}
