package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

var created = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// newRegistry starts go-containerregistry's in-process registry and returns
// its host:port (a loopback address: plain HTTP).
func newRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func readTarball(t *testing.T, tgz []byte) ([]*tar.Header, map[string]string) {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() || gz.Comment != "" {
		t.Errorf("gzip header carries name %q, time %v, comment %q", gz.Name, gz.ModTime, gz.Comment)
	}
	tr := tar.NewReader(gz)
	var hdrs []*tar.Header
	content := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		hdrs = append(hdrs, h)
		content[h.Name] = string(data)
	}
	return hdrs, content
}

func TestTarballIsReproducible(t *testing.T) {
	files := []File{
		{Name: "gateways/"},
		{Name: "apps/apps.yaml", Data: []byte("kind: B\n")},
		{Name: "gateways/gateways.yaml", Data: []byte("kind: A\n")},
	}
	a, err := Tarball(files)
	if err != nil {
		t.Fatal(err)
	}
	reversed := []File{files[2], files[1], files[0]}
	b, err := Tarball(reversed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the order of the files changes the tarball")
	}
	hdrs, content := readTarball(t, a)
	var names []string
	for _, h := range hdrs {
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || h.ModTime.Unix() != 0 {
			t.Errorf("%s: uid %d gid %d uname %q gname %q mtime %v", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
		want := int64(0o644)
		if h.Typeflag == tar.TypeDir {
			want = 0o755
		}
		if h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
	}
	if got := strings.Join(names, " "); got != "apps/ apps/apps.yaml gateways/ gateways/gateways.yaml" {
		t.Errorf("entries %s", got)
	}
	if content["gateways/gateways.yaml"] != "kind: A\n" {
		t.Errorf("content %q", content["gateways/gateways.yaml"])
	}
}

func TestTarballRejectsBadNames(t *testing.T) {
	for _, name := range []string{"/etc/passwd", "../x", "a/../../x", "a//b", ""} {
		if _, err := Tarball([]File{{Name: name, Data: []byte("x")}}); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	if _, err := Tarball([]File{{Name: "a", Data: []byte("x")}, {Name: "a/b", Data: []byte("y")}}); err == nil {
		t.Error("a file and a directory of the same name accepted")
	}
}

func TestBuildIsFluxsFormat(t *testing.T) {
	meta := Metadata{Created: created, Source: "https://example.com/platform.git", Revision: "main@sha1:0123456789abcdef0123456789abcdef01234567"}
	files := []File{{Name: "apps/"}, {Name: "gateways/gateways.yaml", Data: []byte("kind: A\n")}}
	img, err := Build(files, meta)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != "application/vnd.oci.image.manifest.v1+json" || m.Config.MediaType != "application/vnd.cncf.flux.config.v1+json" {
		t.Errorf("media types %s, config %s", m.MediaType, m.Config.MediaType)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != "application/vnd.cncf.flux.content.v1.tar+gzip" {
		t.Fatalf("layers %+v", m.Layers)
	}
	want := map[string]string{
		"org.opencontainers.image.created":  "2025-03-04T05:06:07Z",
		"org.opencontainers.image.source":   meta.Source,
		"org.opencontainers.image.revision": meta.Revision,
	}
	if len(m.Annotations) != len(want) {
		t.Errorf("annotations %v", m.Annotations)
	}
	for k, v := range want {
		if m.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, m.Annotations[k], v)
		}
	}
	var cfg struct {
		Created time.Time `json:"created"`
	}
	raw, _ := img.RawConfigFile()
	if err := json.Unmarshal(raw, &cfg); err != nil || !cfg.Created.Equal(created) {
		t.Errorf("config %s: created %v (%v)", raw, cfg.Created, err)
	}
	layer, _ := img.Layers()
	rc, _ := layer[0].Compressed()
	tgz, _ := io.ReadAll(rc)
	_, content := readTarball(t, tgz)
	if content["gateways/gateways.yaml"] != "kind: A\n" {
		t.Errorf("layer content %v", content)
	}

	d1, _ := img.Digest()
	again, _ := Build(files, meta)
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("same input, digests %s and %s", d1, d2)
	}
	meta.Created = created.Add(time.Second)
	later, _ := Build(files, meta)
	if d3, _ := later.Digest(); d3 == d1 {
		t.Error("another created time gives the same digest")
	}
}

func readExample(t *testing.T, name string) []*manifest.Object {
	t.Helper()
	objs, diags := manifest.Reader{}.Read([]string{filepath.Join("..", "examples", name)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	res := render.Render(objs, render.Options{})
	if res.Diagnostics.HasErrors() {
		t.Fatal(res.Diagnostics)
	}
	var out []*manifest.Object
	for _, o := range res.Model.Passthrough {
		if !o.IsLocalConfig() {
			out = append(out, o)
		}
	}
	out = append(out, res.Objects...)
	manifest.Sort(out)
	return out
}

func TestSplit(t *testing.T) {
	objs := readExample(t, "dedicated-gateway")
	l := Split(objs)
	if l.Len() != len(objs) {
		t.Fatalf("split %d objects into %d", len(objs), l.Len())
	}
	for _, o := range l.Gateways {
		if o.Group() == "networking.istio.io" || !o.IsManaged() {
			t.Errorf("gateways/ holds %s", o.Ref)
		}
	}
	for _, o := range l.Apps {
		if o.Group() != "networking.istio.io" {
			t.Errorf("apps/ holds %s", o.Ref)
		}
	}
	var deployments []string
	for _, r := range l.Deployments() {
		deployments = append(deployments, r.Namespace+"/"+r.Name)
	}
	if got := strings.Join(deployments, " "); got != "istio-ingress/public payments-ingress/payments" {
		t.Errorf("deployments %s", got)
	}

	// A hand-written Namespace of a gateway goes with the gateway; other
	// hand-written objects go with the apps.
	extra, _ := manifest.Parse([]byte(`apiVersion: v1
kind: Namespace
metadata: {name: istio-ingress}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: istio-ingress}
`), "extra.yaml")
	l = Split(append(extra, objs...))
	where := map[string]string{}
	for _, o := range l.Gateways {
		where[o.Ref.String()] = GatewaysDir
	}
	for _, o := range l.Apps {
		where[o.Ref.String()] = AppsDir
	}
	for ref, dir := range map[string]string{"Namespace istio-ingress": GatewaysDir, "Namespace shop": AppsDir, "ConfigMap istio-ingress/c": AppsDir} {
		if where[ref] != dir {
			t.Errorf("%s in %q, want %s", ref, where[ref], dir)
		}
	}

	files, err := Split(objs).Files()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "gateways/ gateways/gateways.yaml apps/ apps/apps.yaml" {
		t.Errorf("files %s", got)
	}
	files, _ = Layout{}.Files()
	if len(files) != 2 || files[0].Name != "gateways/" || files[1].Name != "apps/" {
		t.Errorf("an empty layout has files %v: both directories must exist", files)
	}
}

// TestSplitGatewayAPI: the Gateway API's routing (Gateway, HTTPRoute,
// ReferenceGrant) goes with the apps, applied once the gateways' own objects
// (the namespace, the parameters Istio deploys the workload with) are in.
func TestSplitGatewayAPI(t *testing.T) {
	managed := "labels: {app.kubernetes.io/managed-by: edgegate}"
	objs, d := manifest.Parse([]byte(`apiVersion: v1
kind: Namespace
metadata: {name: istio-ingress, `+managed+`}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: edge-gateway-parameters, namespace: istio-ingress, `+managed+`}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: istio-ingress, `+managed+`}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: shop, `+managed+`}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: shop-shop, namespace: shared, `+managed+`}
`), "gapi.yaml")
	if d.HasErrors() {
		t.Fatal(d)
	}
	l := Split(objs)
	var gateways, apps []string
	for _, o := range l.Gateways {
		gateways = append(gateways, o.Kind)
	}
	for _, o := range l.Apps {
		apps = append(apps, o.Kind)
	}
	if got := strings.Join(gateways, " "); got != "Namespace ConfigMap" {
		t.Errorf("gateways/ holds %s", got)
	}
	if got := strings.Join(apps, " "); got != "Gateway HTTPRoute ReferenceGrant" {
		t.Errorf("apps/ holds %s", got)
	}
}

func TestCheckSecrets(t *testing.T) {
	enc := "ENC[AES256_GCM,data:eA==,iv:aXY=,tag:dGFn,type:str]"
	secret := func(name, rest string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + ", namespace: istio-ingress}\n" + rest + "---\n"
	}
	objs, _ := manifest.Parse([]byte(
		secret("plain", "stringData: {tls.crt: x}\n")+
			secret("encrypted", "data: {tls.crt: '"+enc+"', tls.key: '"+enc+"'}\nsops: {mac: '"+enc+"', version: 3.9.0}\n")+
			secret("no-data", "sops: {mac: '"+enc+"'}\n")+
			secret("empty-sops", "data: {tls.crt: '"+enc+"'}\nsops: {}\n")+
			secret("null-sops", "data: {tls.crt: '"+enc+"'}\nsops:\n")+
			secret("no-mac", "data: {tls.crt: '"+enc+"'}\nsops: {version: 3.9.0}\n")+
			secret("fake-mac", "data: {tls.crt: '"+enc+"'}\nsops: {mac: yes}\n")+
			secret("partial", "data: {tls.crt: '"+enc+"', tls.key: c2VjcmV0}\nsops: {mac: '"+enc+"'}\n")+
			secret("partial-string", "stringData: {tls.key: secret}\nsops: {mac: '"+enc+"'}\n")+
			secret("short-enc", "data: {tls.key: 'ENC[AES256_GCM,data:abc]'}\nsops: {mac: '"+enc+"'}\n")+
			"apiVersion: example.com/v1\nkind: Secret\nmetadata: {name: not-core}\n"), "secrets.yaml")
	diags := CheckSecrets(objs)
	got := map[string]string{}
	for _, d := range diags {
		got[d.Ref.Name] = d.Field
		if strings.Contains(d.String(), "secret\n") || strings.Contains(d.String(), "c2VjcmV0") {
			t.Errorf("message shows the value: %s", d)
		}
	}
	want := map[string]string{
		"plain": "", "empty-sops": "sops.mac", "null-sops": "sops.mac", "no-mac": "sops.mac", "fake-mac": "sops.mac",
		"partial": "data.tls.key", "partial-string": "stringData.tls.key", "short-enc": "data.tls.key",
	}
	if len(got) != len(want) || !diags.HasErrors() {
		t.Errorf("refused %v, want %v", got, want)
	}
	for name, field := range want {
		if f, ok := got[name]; !ok || f != field {
			t.Errorf("Secret %s: refused at %q (%v), want %q", name, f, ok, field)
		}
	}
	if s := diags[0].String(); !strings.HasPrefix(s, "secrets.yaml:1: error: Secret istio-ingress/plain: ") || !strings.Contains(s, "SOPS") {
		t.Errorf("message %q", s)
	}
}

func TestParseTarget(t *testing.T) {
	var r Registry
	for url, want := range map[string]string{
		"oci://ghcr.io/acme/ingress:main":       "ghcr.io/acme/ingress:main",
		"oci://127.0.0.1:5000/ingress:v1.2.3":   "127.0.0.1:5000/ingress:v1.2.3",
		"oci://registry.example.com/a/b/c:prod": "registry.example.com/a/b/c:prod",
	} {
		tag, err := r.ParseTarget(url)
		if err != nil || tag.String() != want {
			t.Errorf("%s: %v, %v", url, tag, err)
		}
	}
	for _, url := range []string{
		"ghcr.io/acme/ingress:main", "oci://ghcr.io/acme/ingress", "oci://127.0.0.1:5000/ingress",
		"oci://ghcr.io/acme/ingress@sha256:" + strings.Repeat("0", 64), "oci://ghcr.io/Acme/ingress:main", "oci://ingress:main",
		"oci://ghcr.io/a/../../y:main", "oci://ghcr.io/a/./y:main", "oci://ghcr.io//y:main", "oci://ghcr.io/a/.hidden:main",
		"oci://ghcr.io/a-/y:main", "oci://ghcr.io/a..b/y:main",
		"oci://user:s3cr3t@ghcr.io/a/y:main", "oci://s3cr3t@ghcr.io/a/y:main",
	} {
		tag, err := r.ParseTarget(url)
		if err == nil {
			t.Errorf("%s accepted as %v", url, tag)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: the message shows the credentials: %v", url, err)
		}
	}
}

func TestPushAndResolve(t *testing.T) {
	host := newRegistry(t)
	var r Registry
	tag, err := r.ParseTarget("oci://" + host + "/platform/ingress:main")
	if err != nil {
		t.Fatal(err)
	}
	img, err := Build([]File{{Name: "apps/apps.yaml", Data: []byte("kind: A\n")}}, Metadata{Created: created})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	digest, err := r.Push(ctx, tag, img)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if digest.DigestStr() != want.String() || digest.Context().String() != host+"/platform/ingress" {
		t.Errorf("push returned %s, want the digest %s", digest, want)
	}
	got, err := remote.Image(tag)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := got.Digest(); d != want {
		t.Errorf("registry serves %s, pushed %s", d, want)
	}
	resolved, err := r.Resolve(ctx, tag.String())
	if err != nil || resolved != want {
		t.Errorf("resolve: %s, %v", resolved, err)
	}
	if _, err := r.Resolve(ctx, host+"/platform/ingress:missing"); err == nil {
		t.Error("resolving a missing tag succeeded")
	}

	// A push to an unreachable registry fails within the context's time.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	deadTag, _ := r.ParseTarget("oci://" + dead + "/x:y")
	if _, err := r.Push(ctx, deadTag, img); err == nil {
		t.Error("push to a closed port succeeded")
	}
}

func TestResolveMultiPlatformIndex(t *testing.T) {
	host := newRegistry(t)
	idx, err := random.Index(64, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host + "/istio/proxyv2:1.28.0")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	want, _ := idx.Digest()
	got, err := Registry{}.Resolve(context.Background(), ref.String())
	if err != nil || got != want {
		t.Errorf("resolved %s (%v), want the index digest %s", got, err, want)
	}
}

func TestPinHelpers(t *testing.T) {
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}
	for image, want := range map[string]string{
		"docker.io/istio/proxyv2:1.28.0":                                   "docker.io/istio/proxyv2:1.28.0@" + h.String(),
		"docker.io/istio/proxyv2:1.28.0@sha256:" + strings.Repeat("b", 64): "docker.io/istio/proxyv2:1.28.0@" + h.String(),
		"127.0.0.1:5000/proxyv2":                                           "127.0.0.1:5000/proxyv2@" + h.String(),
	} {
		if got := WithDigest(image, h); got != want {
			t.Errorf("WithDigest(%s) = %s", image, got)
		}
	}
	for image, want := range map[string]bool{
		"127.0.0.1:5000/proxyv2": false, "127.0.0.1:5000/proxyv2:1.0": true,
		"proxyv2@sha256:" + strings.Repeat("b", 64): false, "a/b:1@sha256:" + strings.Repeat("b", 64): true,
	} {
		if HasTag(image) != want {
			t.Errorf("HasTag(%s) != %v", image, want)
		}
	}
}

func TestReplaceScalars(t *testing.T) {
	src := "# the platform's gateways\napiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: a, namespace: n}\nspec:\n  image: reg/p:1   # keep this comment\n---\napiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: b, namespace: n}\nspec: {note: \"äé\", image: \"reg/p:2\", default: true}\n---\napiVersion: v1\nkind: X\nspec:\n  image: 'reg/ä:3'\n"
	objs, diags := manifest.Parse([]byte(src), "g.yaml")
	if diags.HasErrors() || len(objs) != 3 {
		t.Fatal(diags)
	}
	var edits []Edit
	for i, o := range objs {
		edits = append(edits, Edit{Node: o.Field("spec", "image"), Value: o.Field("spec", "image").Value + "@sha256:" + strings.Repeat(string(rune('a'+i)), 4)})
	}
	got, err := ReplaceScalars([]byte(src), edits)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		"reg/p:1   #", "reg/p:1@sha256:aaaa   #",
		`"reg/p:2"`, `"reg/p:2@sha256:bbbb"`,
		`'reg/ä:3'`, `'reg/ä:3@sha256:cccc'`,
	).Replace(src)
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	block, _ := manifest.Parse([]byte("apiVersion: v1\nkind: X\nspec:\n  image: >-\n    reg/p:1\n"), "b.yaml")
	if _, err := ReplaceScalars([]byte("apiVersion: v1\nkind: X\nspec:\n  image: >-\n    reg/p:1\n"), []Edit{{Node: block[0].Field("spec", "image"), Value: "x"}}); err == nil {
		t.Error("a block scalar was rewritten")
	}
	// The file changed since it was read: refuse rather than corrupt it.
	if _, err := ReplaceScalars([]byte(strings.Replace(src, "reg/p:1", "reg/q:1", 1)), edits[:1]); err == nil {
		t.Error("a scalar that is not at its position was rewritten")
	}
}

func TestGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	outside := t.TempDir()
	if g := Git(outside); g.Commit != "" || g.Revision() != "" {
		t.Errorf("outside a repository: %+v", g)
	}
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null",
			"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com",
			"GIT_AUTHOR_DATE=2024-02-03T04:05:06+02:00", "GIT_COMMITTER_DATE=2024-02-03T04:05:06+02:00")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q", "-b", "main")
	if g := Git(dir); g.Commit != "" {
		t.Errorf("no commit yet: %+v", g)
	}
	run("remote", "add", "origin", "https://gitlab-ci-token:s3cr3t@gitlab.example.com/platform/ingress.git")
	run("commit", "-q", "--allow-empty", "-m", "first")
	g := Git(dir)
	if len(g.Commit) != 40 || !g.Time.Equal(time.Date(2024, 2, 3, 2, 5, 6, 0, time.UTC)) || g.Branch != "main" {
		t.Errorf("git info %+v", g)
	}
	if g.Revision() != "main@sha1:"+g.Commit {
		t.Errorf("revision %s", g.Revision())
	}
	if g.Remote != "https://gitlab.example.com/platform/ingress.git" {
		t.Errorf("remote %q: credentials must not reach the artifact", g.Remote)
	}
	run("checkout", "-q", "--detach")
	if g := Git(dir); g.Revision() != "sha1:"+g.Commit {
		t.Errorf("detached revision %s", g.Revision())
	}
}

func TestWithoutCredentials(t *testing.T) {
	for _, tc := range []struct {
		remote, want string
		ok           bool
	}{
		{"git@github.com:acme/ingress.git", "git@github.com:acme/ingress.git", true},
		{"https://github.com/acme/ingress.git", "https://github.com/acme/ingress.git", true},
		{"https://gitlab-ci-token:s3cr3t@gitlab.example.com/p/i.git", "https://gitlab.example.com/p/i.git", true},
		{"https://ghp_s3cr3t@github.com/acme/ingress.git", "https://github.com/acme/ingress.git", true},
		{"https://user:pa#s3cr3t@host.example.com/p/i.git", "https://host.example.com/p/i.git", true},
		{"https://user:p%zzs3cr3t@host.example.com/p/i.git", "https://host.example.com/p/i.git", true},
		{"https://user:pa s3cr3t@host.example.com/p/i.git", "https://host.example.com/p/i.git", true},
		{"https://user:pa/s3cr3t@host.example.com/p/i.git", "https://host.example.com/p/i.git", true},
		{"https://host.example.com/p/i.git?private_token=s3cr3t", "https://host.example.com/p/i.git", true},
		{"https://host.example.com/p/i.git#s3cr3t", "https://host.example.com/p/i.git", true},
		{"user:s3cr3t@host.example.com:p/i.git", "host.example.com:p/i.git", true},
		{"ghp_S3cr3t@host.example.com:p/i.git", "host.example.com:p/i.git", true},
		{"ssh://git:s3cr3t@host.example.com/p/i.git", "ssh://host.example.com/p/i.git", true},
		{"/srv/git/ingress.git", "/srv/git/ingress.git", true},
		{"https://s3cr3t@", "", false},
		{"file:///s3cr3t@x", "file://x", true},
		{"file:///srv/git/ingress.git", "file:///srv/git/ingress.git", true},
	} {
		got, ok := withoutCredentials(tc.remote)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: got %q, %v; want %q, %v", tc.remote, got, ok, tc.want, tc.ok)
		}
		if strings.Contains(got, "s3cr3t") {
			t.Errorf("%q: credentials kept: %q", tc.remote, got)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for raw, want := range map[string]string{
		"oci://user:s3cr3t@ghcr.io/a/b:main":                  "oci://REDACTED@ghcr.io/a/b:main",
		"oci://ghcr.io/a/b:main":                              "oci://ghcr.io/a/b:main",
		"oci://ghcr.io/a/b@sha256:" + strings.Repeat("0", 64): "oci://ghcr.io/a/b@sha256:" + strings.Repeat("0", 64),
		"oci://u:p@ss@ghcr.io/a/b@sha256:00":                  "oci://REDACTED@ghcr.io/a/b@sha256:00",
	} {
		if got := RedactURL(raw); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
