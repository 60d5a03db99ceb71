package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readme returns README.md of the repository.
func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// copyTree copies the directory src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

var layoutBlock = regexp.MustCompile("(?s)```sh\n(cd examples/teams\n.*?)```")

// TestREADMELayouts runs README's commands for both layouts exactly as
// written, taken from README itself so that they cannot drift, in a copy of
// examples/teams: every command succeeds without a warning, the committed
// lock is up to date and no run changes it, the platform's render puts every
// team's app on the platform's gateway, and a team's render alone gives
// exactly the team's objects of the platform's render. Then the team adds a
// host and runs README's lock command again: only its records change.
func TestREADMELayouts(t *testing.T) {
	m := layoutBlock.FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README has no ```sh block starting with `cd examples/teams`")
	}
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples"), filepath.Join(root, "examples"))
	lockFile := filepath.Join(root, "examples", "teams", "platform", "hostbindings.yaml")
	committed, err := os.ReadFile(lockFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)

	var platform, team string
	var lockCommand []string
	ran := map[string]int{}
	for _, line := range strings.Split(m[1], "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		args := strings.Fields(line)
		switch {
		case args[0] == "cd" && len(args) == 2:
			t.Chdir(filepath.Join(root, args[1]))
			continue
		case args[0] != "edgegate":
			t.Fatalf("README runs %q, which is not edgegate", line)
		}
		res := runCLI("", args[1:]...)
		if res.code != 0 || res.stderr != "" {
			t.Fatalf("%s: exit %d, stderr:\n%s", line, res.code, res.stderr)
		}
		ran[args[1]]++
		switch {
		case args[1] == "lock":
			if res.stdout != "platform/hostbindings.yaml: bindings unchanged\n" {
				t.Errorf("%s: the committed lock is not up to date:\n%s", line, res.stdout)
			}
			if !strings.Contains(line, "--prune") {
				lockCommand = args[1:]
			}
		case args[1] == "render" && strings.Contains(line, "--bindings"):
			team = res.stdout
		case args[1] == "render":
			platform = res.stdout
		}
		if now, _ := os.ReadFile(lockFile); string(now) != string(committed) {
			t.Fatalf("%s changed the lock:\n%s", line, now)
		}
	}
	if ran["lock"] != 2 || ran["render"] != 2 || lockCommand == nil {
		t.Fatalf("README's layouts ran %v; want both layouts' lock and render", ran)
	}
	for _, app := range []string{"shop", "blog", "api"} {
		if !strings.Contains(platform, "kind: Gateway\nmetadata:\n  name: "+app+"\n") {
			t.Errorf("the platform's render has no Gateway %s", app)
		}
	}
	if strings.Contains(platform, "istio-ingress") || strings.Count(platform, "istio: ingressgateway") != 3 {
		t.Errorf("the platform's render does not put every app on the platform's gateway:\n%s", platform)
	}
	docs := strings.Split(strings.TrimPrefix(team, "---\n"), "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("the team's render has %d objects, want its Gateway and VirtualService:\n%s", len(docs), team)
	}
	for _, doc := range docs {
		if !strings.Contains(doc, "  namespace: shop\n") || !strings.Contains(platform, doc) {
			t.Errorf("the team's render differs from the platform's for:\n%s", doc)
		}
	}

	// A new host of the shop team, recorded with README's command.
	shop := filepath.Join("teams", "shop", "shop.yaml")
	data, err := os.ReadFile(shop)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shop, []byte(strings.Replace(string(data), `hosts: ["shop.example.com"]`, `hosts: ["shop.example.com", "store.example.com"]`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runCLI("", lockCommand...)
	want := "platform/hostbindings.yaml:\n" +
		"+ istio-system/ingressgateway 80/HTTP store.example.com → shop/shop\n" +
		"+ istio-system/ingressgateway 443/HTTPS store.example.com → shop/shop\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("the team's new host: exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", res.code, res.stdout, want, res.stderr)
	}
	now, _ := os.ReadFile(lockFile)
	for _, record := range []string{"'*.example.com': api/api", "blog.example.com: blog/blog"} {
		if !strings.Contains(string(now), record) {
			t.Errorf("the team's lock dropped %q:\n%s", record, now)
		}
	}
}

// TestREADMELockTranscript runs README's `$ edgegate lock` transcript on
// its example without a lock and compares the output line for line.
func TestREADMELockTranscript(t *testing.T) {
	m := regexp.MustCompile("(?s)```\n\\$ edgegate (lock [^\n]*)\n(.*?)```").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README has no `$ edgegate lock` transcript")
	}
	args := strings.Fields(m[1])
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", args[len(args)-1]), filepath.Join(root, args[len(args)-1]))
	if err := os.Remove(filepath.Join(root, args[len(args)-1], "hostbindings.yaml")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	res := runCLI("", args...)
	if res.code != 0 || res.stdout != m[2] {
		t.Errorf("edgegate %s: exit %d, stdout:\n%s\nREADME says:\n%s\nstderr:\n%s", m[1], res.code, res.stdout, m[2], res.stderr)
	}
}

// TestLockSaysWhatItDid: lock's first line says whether the file changed,
// and never "unchanged" for a file that does not exist or whose bytes it
// rewrote.
func TestLockSaysWhatItDid(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	app := "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: shop, namespace: shop}\nspec:\n  hosts: [shop.example.com]\n  routes: [{to: web:80}]\n"
	if err := os.MkdirAll("apps", 0o755); err != nil {
		t.Fatal(err)
	}
	if res := runCLI("", "lock", "--bindings", "lock.yaml", "apps"); res.code != 0 || res.stdout != "lock.yaml: no bindings to record, not written\n" {
		t.Errorf("nothing to record: exit %d, %q, %q", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat("lock.yaml"); err == nil {
		t.Errorf("an empty lock file was created")
	}
	if err := os.WriteFile("apps/shop.yaml", []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "lock.yaml:\n+ HostBindings istio-ingress/edge\n+ istio-ingress/edge 80/HTTP shop.example.com → shop/shop\n"
	if res := runCLI("", "lock", "--bindings", "lock.yaml", "apps"); res.code != 0 || res.stdout != want {
		t.Errorf("first lock: exit %d, %q, want %q; stderr %q", res.code, res.stdout, want, res.stderr)
	}
	if res := runCLI("", "lock", "--bindings", "lock.yaml", "apps"); res.stdout != "lock.yaml: bindings unchanged\n" {
		t.Errorf("second lock: %q", res.stdout)
	}
	written, _ := os.ReadFile("lock.yaml")
	if err := os.WriteFile("lock.yaml", append([]byte("# edited by hand\n"), written...), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := runCLI("", "lock", "--bindings", "lock.yaml", "apps"); res.stdout != "lock.yaml: rewritten, no binding changed\n" {
		t.Errorf("a lock edited by hand: %q", res.stdout)
	}
	if now, _ := os.ReadFile("lock.yaml"); string(now) != string(written) {
		t.Errorf("the lock was not rewritten:\n%s", now)
	}
	// The app leaves: its record stays until --prune, which prints it.
	if err := os.Remove("apps/shop.yaml"); err != nil {
		t.Fatal(err)
	}
	if res := runCLI("", "lock", "--bindings", "lock.yaml", "apps"); res.stdout != "lock.yaml: bindings unchanged\n" {
		t.Errorf("lock without the app: %q", res.stdout)
	}
	want = "lock.yaml:\n- HostBindings istio-ingress/edge\n- istio-ingress/edge 80/HTTP shop.example.com → shop/shop\n"
	if res := runCLI("", "lock", "--prune", "--bindings", "lock.yaml", "apps"); res.code != 0 || res.stdout != want {
		t.Errorf("prune: exit %d, %q, want %q", res.code, res.stdout, want)
	}
}
