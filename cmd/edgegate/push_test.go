package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/artifact"
	"github.com/edgegate/edgegate/manifest"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const repoRoot = "../.."

func newTestRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(stdin string, args ...string) result {
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// artifactFiles pulls an artifact and returns its layer's files.
func artifactFiles(t *testing.T, ref string) (v1.Image, map[string]string) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers, %v", len(layers), err)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		files[h.Name] = string(data)
	}
	return img, files
}

// documents splits a YAML stream into its documents.
func documents(t *testing.T, stream string) []string {
	t.Helper()
	objs, diags := manifest.Parse([]byte(stream), "stream")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var docs []string
	for _, o := range objs {
		var buf bytes.Buffer
		if err := manifest.WriteStream(&buf, []*manifest.Object{o}); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, buf.String())
	}
	return docs
}

func examplesDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		dir := filepath.Join(repoRoot, "examples", e.Name())
		if e.IsDir() && runCLI("", "render", dir).code == 0 {
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) < 6 {
		t.Fatalf("found %d examples that render", len(dirs))
	}
	return dirs
}

// TestPushIsRenderOutput pushes every example and finds in the artifact
// exactly the documents 'edgegate render' prints, split into gateways/ and
// apps/ in render's order, with Flux's media types and annotations; a second
// push of the same input gives the same digest, and --dry-run computes it
// without pushing.
func TestPushIsRenderOutput(t *testing.T) {
	host := newTestRegistry(t)
	for _, dir := range examplesDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			url := "oci://" + host + "/examples/" + filepath.Base(dir) + ":main"
			args := []string{"push", url, dir, "--created", "2025-01-31T12:00:00Z", "--source", "https://example.com/platform.git", "--revision", "main@sha1:0123456789abcdef0123456789abcdef01234567"}
			dry := runCLI("", append(args, "--dry-run")...)
			if dry.code != 0 {
				t.Fatalf("dry run: exit %d: %s", dry.code, dry.stderr)
			}
			if _, err := remote.Head(mustRef(t, strings.TrimPrefix(url, "oci://"))); err == nil {
				t.Fatal("--dry-run pushed")
			}
			first := runCLI("", args...)
			if first.code != 0 {
				t.Fatalf("exit %d: %s", first.code, first.stderr)
			}
			digestRef := strings.TrimSpace(first.stdout)
			if !strings.HasPrefix(digestRef, host+"/examples/"+filepath.Base(dir)+"@sha256:") || digestRef != strings.TrimSpace(dry.stdout) {
				t.Errorf("push printed %q, dry run %q", first.stdout, dry.stdout)
			}
			second := runCLI("", args...)
			if second.code != 0 || second.stdout != first.stdout {
				t.Errorf("second push: exit %d, %q, want %q", second.code, second.stdout, first.stdout)
			}

			img, files := artifactFiles(t, digestRef)
			m, _ := img.Manifest()
			if m.MediaType != artifact.ManifestMediaType || m.Config.MediaType != artifact.ConfigMediaType || m.Layers[0].MediaType != artifact.ContentMediaType {
				t.Errorf("media types %s %s %s", m.MediaType, m.Config.MediaType, m.Layers[0].MediaType)
			}
			if m.Annotations[artifact.CreatedAnnotation] != "2025-01-31T12:00:00Z" || m.Annotations[artifact.SourceAnnotation] != "https://example.com/platform.git" ||
				m.Annotations[artifact.RevisionAnnotation] != "main@sha1:0123456789abcdef0123456789abcdef01234567" {
				t.Errorf("annotations %v", m.Annotations)
			}

			rendered := runCLI("", "render", dir)
			want := documents(t, rendered.stdout)
			index := map[string]int{}
			for i, d := range want {
				index[d] = i
			}
			var pushed []string
			for _, f := range []string{"gateways/gateways.yaml", "apps/apps.yaml"} {
				docs := documents(t, files[f])
				for i := 1; i < len(docs); i++ {
					if index[docs[i-1]] > index[docs[i]] {
						t.Errorf("%s is not in render's order", f)
					}
				}
				pushed = append(pushed, docs...)
			}
			if len(pushed) != len(want) {
				t.Fatalf("artifact holds %d documents, render prints %d", len(pushed), len(want))
			}
			seen := map[string]int{}
			for _, d := range want {
				seen[d]++
			}
			for _, d := range pushed {
				if seen[d] == 0 {
					t.Errorf("the artifact holds a document render does not print:\n%s", d)
				}
				seen[d]--
				for _, kind := range []string{"kind: AppIntent", "kind: IngressGateway", "kind: HostBindings"} {
					if strings.Contains(d, kind) {
						t.Errorf("the artifact holds %s", kind)
					}
				}
			}
			if _, ok := files["gateways/"]; !ok {
				t.Error("no gateways/ directory")
			}
			if _, ok := files["apps/"]; !ok {
				t.Error("no apps/ directory")
			}
		})
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// assertNotPushed checks the registry has no such tag.
func assertNotPushed(t *testing.T, ref string) {
	t.Helper()
	if _, err := remote.Head(mustRef(t, ref)); err == nil {
		t.Errorf("%s was pushed", ref)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const shopIntent = `apiVersion: edgegate.dev/v1alpha1
kind: AppIntent
metadata: {name: shop, namespace: shop}
spec:
  hosts: ["shop.example.com"]
  routes:
  - prefix: /
    to: storefront:80
`

func TestPushRefusesAndPushesNothing(t *testing.T) {
	host := newTestRegistry(t)
	plainSecret := `apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: istio-ingress}
type: kubernetes.io/tls
stringData: {tls.crt: x, tls.key: y}
`
	sopsSecret := `apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: istio-ingress}
type: kubernetes.io/tls
data:
  tls.crt: ENC[AES256_GCM,data:eA==,iv:aXY=,tag:dGFn,type:str]
  tls.key: ENC[AES256_GCM,data:eQ==,iv:aXY=,tag:dGFn,type:str]
sops:
  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]
  age:
  - recipient: age1example
    enc: x
  lastmodified: "2025-01-01T00:00:00Z"
  version: 3.9.0
`
	for _, tc := range []struct {
		name   string
		files  map[string]string
		flags  []string
		code   int
		stderr string
	}{
		{"bad intent", map[string]string{"shop.yaml": strings.Replace(shopIntent, "storefront:80", "storefront", 1)}, nil, 1, "shop.yaml:8: error: AppIntent shop/shop: spec.routes[0].to: "},
		{"plain secret", map[string]string{"shop.yaml": shopIntent, "cert.yaml": plainSecret}, nil, 1, "cert.yaml:1: error: Secret istio-ingress/shop-cert: a plain Secret"},
		{"sops secret", map[string]string{"shop.yaml": shopIntent, "cert.yaml": sopsSecret}, nil, 0, ""},
		{"allowed plain secret", map[string]string{"shop.yaml": shopIntent, "cert.yaml": plainSecret}, []string{"--allow-secrets"}, 0, ""},
		{"empty", map[string]string{"empty.yaml": "# nothing yet\n"}, nil, 1, "nothing to apply"},
		{"allowed empty", map[string]string{"empty.yaml": "# nothing yet\n"}, []string{"--allow-empty"}, 0, ""},
		{"bad created", map[string]string{"shop.yaml": shopIntent}, []string{"--created", "yesterday"}, 2, "--created \"yesterday\" is not an RFC 3339 time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			tag := host + "/refuse/" + strings.ReplaceAll(tc.name, " ", "-") + ":main"
			res := runCLI("", append([]string{"push", "oci://" + tag, dir}, tc.flags...)...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, tc.code, res.stderr)
			}
			if tc.code == 0 {
				if _, err := remote.Head(mustRef(t, tag)); err != nil {
					t.Errorf("not pushed: %v", err)
				}
				return
			}
			if !strings.Contains(res.stderr, tc.stderr) || res.stdout != "" {
				t.Errorf("stdout %q, stderr:\n%s\nwant it to contain %q", res.stdout, res.stderr, tc.stderr)
			}
			assertNotPushed(t, tag)
		})
	}

	for args, msg := range map[string]string{
		"push":                      "name the artifact",
		"push " + host + "/x:y":     "starts with oci://",
		"push oci://" + host + "/x": "name the tag",
		"push oci://" + host + "/x@sha256:" + strings.Repeat("0", 64): "push to a tag, not a digest",
	} {
		res := runCLI("", strings.Fields(args)...)
		if res.code != 2 || !strings.Contains(res.stderr, msg) {
			t.Errorf("%s: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}

	// An unreachable registry: a readable error, exit 1.
	srv := httptest.NewServer(nil)
	dead := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	res := runCLI("", "push", "oci://"+dead+"/x:y", filepath.Join(repoRoot, "examples", "bookinfo"), "--timeout", "10s")
	if res.code != 1 || !strings.Contains(res.stderr, "edgegate push: error: pushing to "+dead+"/x:y") {
		t.Errorf("unreachable registry: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestPushCreatedDefaults: --created, then $SOURCE_DATE_EPOCH, then the Git
// commit, then the Unix epoch; the same input outside Git always gives the
// same digest.
func TestPushCreatedDefaults(t *testing.T) {
	host := newTestRegistry(t)
	dir := writeFiles(t, map[string]string{"shop.yaml": shopIntent})
	tag := host + "/created/shop:main"
	annotations := func(extra ...string) map[string]string {
		t.Helper()
		res := runCLI("", append([]string{"push", "oci://" + tag, dir}, extra...)...)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		img, _ := artifactFiles(t, strings.TrimSpace(res.stdout))
		m, _ := img.Manifest()
		return m.Annotations
	}
	t.Setenv("SOURCE_DATE_EPOCH", "")
	a := annotations()
	if a[artifact.CreatedAnnotation] != "1970-01-01T00:00:00Z" || a[artifact.SourceAnnotation] != "" || a[artifact.RevisionAnnotation] != "" {
		t.Errorf("outside Git: %v", a)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	if a := annotations(); a[artifact.CreatedAnnotation] != "2023-11-14T22:13:20Z" {
		t.Errorf("SOURCE_DATE_EPOCH: %v", a)
	}
	if a := annotations("--created", "2025-01-31T13:00:00+01:00"); a[artifact.CreatedAnnotation] != "2025-01-31T12:00:00Z" {
		t.Errorf("--created: %v", a)
	}
}

// TestFluxWiringExample keeps examples/flux honest: its wiring is what
// 'edgegate flux-wiring' prints for its intents.
func TestFluxWiringExample(t *testing.T) {
	res := runCLI("", "flux-wiring", "oci://registry.example.com/platform/ingress:production", filepath.Join(repoRoot, "examples", "flux", "ingress"))
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", "flux", "clusters", "production", "edgegate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var body []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if len(body) == 0 && strings.HasPrefix(line, "#") {
			continue
		}
		body = append(body, line)
	}
	if strings.Join(body, "") != res.stdout {
		t.Errorf("examples/flux/clusters/production/edgegate.yaml is not what flux-wiring prints now:\n%s", res.stdout)
	}

	for args, msg := range map[string]string{
		"flux-wiring":                                  "name the artifact",
		"flux-wiring oci://ghcr.io/acme/ingress":       "name the tag",
		"flux-wiring oci://ghcr.io/a/b:c --name Bad_":  "name \"Bad_\"",
		"flux-wiring oci://ghcr.io/a/b:c --interval 5": "interval \"5\"",
	} {
		res := runCLI("", strings.Fields(args)...)
		if res.code != 2 || !strings.Contains(res.stderr, msg) || res.stdout != "" {
			t.Errorf("%s: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}
	bad := writeFiles(t, map[string]string{"shop.yaml": strings.Replace(shopIntent, "storefront:80", "storefront", 1)})
	if res := runCLI("", "flux-wiring", "oci://ghcr.io/a/b:c", bad); res.code != 1 || res.stdout != "" {
		t.Errorf("bad intent: exit %d, stdout %q", res.code, res.stdout)
	}
}

// TestPushGitDefaults: inside a Git work tree, the created time is HEAD's
// commit time, the revision <branch>@sha1:<commit>, and the source the origin
// URL without the token CI put there.
func TestPushGitDefaults(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "")
	host := newTestRegistry(t)
	dir := writeFiles(t, map[string]string{"shop.yaml": shopIntent})
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null",
			"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com",
			"GIT_AUTHOR_DATE=2024-06-01T10:00:00Z", "GIT_COMMITTER_DATE=2024-06-01T10:00:00Z")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q", "-b", "main")
	git("remote", "add", "origin", "https://ci:t0ken@git.example.com/platform/ingress.git")
	git("add", ".")
	git("commit", "-q", "-m", "shop")
	commit := git("rev-parse", "HEAD")

	res := runCLI("", "push", "oci://"+host+"/git/shop:main", dir)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	img, _ := artifactFiles(t, strings.TrimSpace(res.stdout))
	m, _ := img.Manifest()
	want := map[string]string{
		artifact.CreatedAnnotation:  "2024-06-01T10:00:00Z",
		artifact.SourceAnnotation:   "https://git.example.com/platform/ingress.git",
		artifact.RevisionAnnotation: "main@sha1:" + commit,
	}
	for k, v := range want {
		if m.Annotations[k] != v {
			t.Errorf("%s = %q, want %q", k, m.Annotations[k], v)
		}
	}
	// Flags win, even empty ones.
	res = runCLI("", "push", "oci://"+host+"/git/shop:flags", dir, "--source", "", "--revision", "v1.0.0@sha1:"+commit)
	img, _ = artifactFiles(t, strings.TrimSpace(res.stdout))
	m, _ = img.Manifest()
	if m.Annotations[artifact.SourceAnnotation] != "" || m.Annotations[artifact.RevisionAnnotation] != "v1.0.0@sha1:"+commit {
		t.Errorf("annotations %v", m.Annotations)
	}
}
