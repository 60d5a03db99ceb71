// Package security runs the corpus of hostile inputs of issue 13 ("No host
// takeover, no leaks") through the real binary: render, check, lock (on a
// copy), push (to an in-process registry) and the KRM function. Each case is
// a directory of files a team could write, and a want.txt. Every mode must
// exit non-zero, never panic, name the file, object and field in its
// message, and print no objects: nothing on stdout for render, lock and
// push, no objects in check's report, no items from the function; a failed
// lock writes nothing, a failed push pushes nothing.
//
// want.txt holds one expected message fragment per line ("cli: " or "fn: "
// for one side only; the function's fragments drop ":LINE" after a file
// name, since a ResourceList carries files but not lines). Lines starting
// with '#' are comments or directives:
//
//	# modes: render check lock push fn   the modes the case runs in (default all)
//	# args: <flags>                      extra flags for render, check, lock and push
//	# code: N                            the exit code of render, check and push (default 1)
//	# lock: ok                           lock succeeds (the case is about another mode)
//	# target: oci://HOST/...             push's target; HOST is the test registry
//	# fn-args: <flags>                   flags for edgegate fn
//	# fn-stdin: <file>                   the ResourceList sent to the function, as is
//	# fn-config: <file>                  the functionConfig of the ResourceList built
//	# symlink: <name> -> <target>        made in the copy; OUTSIDE in target is a
//	                                     directory beside the copy, holding
//	                                     kubeconfig (with the token s3cr3t-token)
//	# dangling: <name> -> <target>       a link to OUTSIDE/<target>, which does not exist
//	# fifo: <name>                       a named pipe made in the copy
//	# socket: <name>                     a Unix socket made in the copy
//	# not: <fragment>                    appears in no output of any mode
package security

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/tests/testutil"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// minCases keeps the corpus from shrinking unnoticed.
const minCases = 30

var allModes = []string{"render", "check", "lock", "push", "fn", "explain"}

type spec struct {
	modes    []string
	args     []string
	code     int
	lockOK   bool
	target   string
	fnStdin  string
	fnArgs   []string
	fnConfig string
	links    [][2]string // name, target with OUTSIDE
	dangling [][2]string
	fifos    []string
	sockets  []string
	not      []string
	cli, fn  []string
}

// objectLine starts a printed object.
var objectLine = regexp.MustCompile(`(?m)^(- )?apiVersion: `)

func readSpec(t *testing.T, dir string) spec {
	t.Helper()
	w := testutil.ReadWant(t, dir)
	s := spec{modes: allModes, code: 1, cli: w.CLI, fn: w.Fn}
	for _, d := range w.Directives {
		key, value, l := d.Key, d.Value, d.Key+": "+d.Value
		link := func() [2]string {
			from, to, ok := strings.Cut(value, "->")
			if !ok {
				t.Fatalf("want.txt: %q is not NAME -> TARGET", l)
			}
			return [2]string{strings.TrimSpace(from), strings.TrimSpace(to)}
		}
		switch key {
		case "modes":
			s.modes = strings.Fields(value)
		case "args":
			s.args = strings.Fields(value)
		case "code":
			s.code, _ = strconv.Atoi(value)
		case "lock":
			s.lockOK = value == "ok"
		case "target":
			s.target = value
		case "fn-args":
			s.fnArgs = strings.Fields(value)
		case "fn-stdin":
			s.fnStdin = value
		case "fn-config":
			s.fnConfig = value
		case "symlink":
			s.links = append(s.links, link())
		case "dangling":
			s.dangling = append(s.dangling, link())
		case "fifo":
			s.fifos = append(s.fifos, value)
		case "socket":
			s.sockets = append(s.sockets, value)
		case "not":
			s.not = append(s.not, value)
		}
	}
	return s
}

func TestCorpusSize(t *testing.T) {
	if n := len(testutil.Subdirs(t, "cases")); n < minCases {
		t.Errorf("%d security cases, want at least %d", n, minCases)
	}
}

// secretToken is in the file outside the tree that links point at: it must
// never show in any output.
const secretToken = "s3cr3t-token"

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: https://prod.example.com}
users:
- name: admin
  user: {token: ` + secretToken + `}
`

// prepare copies the case to a temporary tree, with a directory OUTSIDE
// beside it, and makes the links, pipes and sockets the case asks for.
func prepare(t *testing.T, src string, s spec) (tree, outside string) {
	t.Helper()
	base := t.TempDir()
	tree, outside = filepath.Join(base, "tree"), filepath.Join(base, "outside")
	testutil.CopyDir(t, src, tree)
	os.Remove(filepath.Join(tree, "want.txt"))
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "kubeconfig"), []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	mk := func(l [2]string) {
		target := strings.ReplaceAll(l[1], "OUTSIDE", outside)
		path := filepath.Join(tree, l[0])
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range s.links {
		mk(l)
	}
	for _, l := range s.dangling {
		mk(l)
	}
	for _, f := range s.fifos {
		if err := syscall.Mkfifo(filepath.Join(tree, f), 0o644); err != nil {
			t.Skipf("no named pipes here: %v", err)
		}
	}
	for _, f := range s.sockets {
		l, err := net.Listen("unix", filepath.Join(tree, f))
		if err != nil {
			t.Skipf("no Unix sockets here: %v", err)
		}
		t.Cleanup(func() { l.Close() })
	}
	return tree, outside
}

const timeout = 30 * time.Second

func run(t *testing.T, dir string, stdin []byte, args ...string) testutil.Result {
	t.Helper()
	return testutil.RunTimeout(t, timeout, dir, stdin, args...)
}

func TestCorpus(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, cname := range testutil.Subdirs(t, "cases") {
		t.Run(cname, func(t *testing.T) {
			src, _ := filepath.Abs(filepath.Join("cases", cname))
			s := readSpec(t, src)
			for _, mode := range s.modes {
				t.Run(mode, func(t *testing.T) {
					tree, outside := prepare(t, src, s)
					before := testutil.Snapshot(t, outside)
					switch mode {
					case "render", "check":
						res := run(t, tree, nil, append(append([]string{mode}, s.args...), ".")...)
						expect(t, s, res, s.code, s.cli, mode == "check")
					case "explain":
						// The question is no matter: explain reads and renders as render does.
						res := run(t, tree, nil, append(append([]string{"explain"}, s.args...), ".", "http://probe.example.com/")...)
						expect(t, s, res, s.code, s.cli, false)
					case "lock":
						treeBefore := snapshot(t, tree)
						res := run(t, tree, nil, append(append([]string{"lock"}, s.args...), ".")...)
						if s.lockOK && res.Code == 0 {
							break
						}
						expect(t, s, res, 1, s.cli, false)
						if after := snapshot(t, tree); !maps(treeBefore, after) {
							t.Errorf("a failed lock wrote to the tree")
						}
					case "push":
						target := "oci://HOST/security/" + cname + ":main"
						if s.target != "" {
							target = s.target
						}
						target = strings.ReplaceAll(target, "HOST", host)
						res := run(t, tree, nil, append(append([]string{"push", target}, s.args...), ".")...)
						expect(t, s, res, s.code, s.cli, false)
						if ref, err := name.ParseReference(strings.TrimPrefix(target, "oci://"), name.Insecure); err == nil {
							if _, err := remote.Head(ref); err == nil {
								t.Errorf("%s was pushed", target)
							}
						}
					case "fn":
						res := run(t, tree, resourceList(t, tree, s), append([]string{"fn"}, s.fnArgs...)...)
						expect(t, s, res, 1, s.fn, false)
						if strings.Contains(res.Stdout, "\n- apiVersion:") || (res.Stdout != "" && !strings.Contains(res.Stdout, "items: []")) {
							t.Errorf("the function returned items on failure:\n%s", res.Stdout)
						}
					default:
						t.Fatalf("unknown mode %q", mode)
					}
					if after := testutil.Snapshot(t, outside); !maps(before, after) {
						t.Errorf("%s wrote outside the tree", mode)
					}
				})
			}
		})
	}
}

// expect checks one run: its exit code, no panic, the expected fragments
// in its messages (stderr, and check's report on stdout), nothing shown
// that must not be, and no objects on stdout.
func expect(t *testing.T, s spec, res testutil.Result, code int, want []string, report bool) {
	t.Helper()
	if res.Code != code {
		t.Errorf("exit code %d, want %d\nstderr:\n%s", res.Code, code, res.Stderr)
	}
	out := res.Stderr
	if report {
		out += res.Stdout
		if objectLine.MatchString(res.Stdout) {
			t.Errorf("check printed objects:\n%s", res.Stdout)
		}
	} else if res.Stdout != "" && !strings.HasPrefix(res.Stdout, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n") {
		t.Errorf("printed on stdout:\n%s", res.Stdout)
	}
	if strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") || strings.Contains(out, "internal error") {
		t.Errorf("panicked:\n%s", out)
	}
	for _, n := range append(slices.Clone(s.not), secretToken) {
		if strings.Contains(res.Stderr, n) || strings.Contains(res.Stdout, n) {
			t.Errorf("output shows %q:\nstderr:\n%s\nstdout:\n%s", n, res.Stderr, res.Stdout)
		}
	}
	if len(want) == 0 {
		t.Errorf("want.txt expects no message for this mode")
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks\n  %s\ngot\n  %s", w, strings.ReplaceAll(strings.TrimSpace(out), "\n", "\n  "))
		}
	}
}

// resourceList is the ResourceList kpt would send for the tree: each
// document of each file an item as written (Lists, duplicate keys and
// aliases kept: kpt does not judge them), annotated with its path and index.
func resourceList(t *testing.T, tree string, s spec) []byte {
	t.Helper()
	if s.fnStdin != "" {
		data, err := os.ReadFile(filepath.Join(tree, s.fnStdin))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	items := &yaml.Node{Kind: yaml.SequenceNode}
	for _, rel := range testutil.YAMLFiles(t, tree) {
		data, err := os.ReadFile(filepath.Join(tree, rel))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			var doc yaml.Node
			if err := dec.Decode(&doc); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			if len(doc.Content) == 0 || manifest.IsNull(doc.Content[0]) {
				continue
			}
			o := manifest.NewObject(doc.Content[0], manifest.Position{})
			o.SetAnnotation(manifest.PathAnnotation, rel)
			o.SetAnnotation(manifest.IndexAnnotation, fmt.Sprint(i))
			items.Content = append(items.Content, o.Node)
		}
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("apiVersion"), str("config.kubernetes.io/v1"), str("kind"), str("ResourceList"), str("items"), items,
	}}
	if s.fnConfig != "" {
		data, err := os.ReadFile(filepath.Join(tree, s.fnConfig))
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		root.Content = append(root.Content, str("functionConfig"), doc.Content[0])
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(root); err != nil {
		t.Fatal(err)
	}
	enc.Close()
	return buf.Bytes()
}

// snapshot is testutil.Snapshot of the regular files of a tree (its links,
// pipes and sockets are the case's, and reading them would block or leave it).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		data, _ := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(data)
		return nil
	})
	return files
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestPushSourceCredentials pushes from Git work trees whose origin URL
// (or --source) carries a token in each form a hostile tester found, and
// reads the pushed manifest: the source annotation never holds the token.
func TestPushSourceCredentials(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	intent, err := os.ReadFile(filepath.Join("cases", "push-target-dotdot", "shop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		origin, source, want string
	}{
		{"https://gitlab-ci-token:" + secretToken + "@gitlab.example.com/p/i.git", "", "https://gitlab.example.com/p/i.git"},
		{"https://user:pa#" + secretToken + "@gitlab.example.com/p/i.git", "", "https://gitlab.example.com/p/i.git"},
		{"https://user:p%zz" + secretToken + "@gitlab.example.com/p/i.git", "", "https://gitlab.example.com/p/i.git"},
		{"https://user:pa " + secretToken + "@gitlab.example.com/p/i.git", "", "https://gitlab.example.com/p/i.git"},
		{"user:" + secretToken + "@gitlab.example.com:p/i.git", "", "gitlab.example.com:p/i.git"},
		{"https://gitlab.example.com/p/i.git?private_token=" + secretToken, "", "https://gitlab.example.com/p/i.git"},
		{"git@github.com:acme/ingress.git", "", "git@github.com:acme/ingress.git"},
		{"", "https://gitlab-ci-token:" + secretToken + "@gitlab.example.com/p/i.git", "https://gitlab.example.com/p/i.git"},
		{"", "https://gitlab.example.com/p/i.git?private_token=" + secretToken, "https://gitlab.example.com/p/i.git"},
	} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "shop.yaml"), intent, 0o644); err != nil {
				t.Fatal(err)
			}
			git := func(args ...string) {
				cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			git("init", "-q", "-b", "main")
			git("add", ".")
			git("commit", "-q", "-m", "first")
			if tc.origin != "" {
				git("config", "remote.origin.url", tc.origin)
			}
			target := host + "/security/source-" + strconv.Itoa(i) + ":main"
			args := []string{"push", "oci://" + target, "."}
			if tc.source != "" {
				args = append(args, "--source", tc.source)
			}
			res := run(t, dir, nil, args...)
			if res.Code != 0 {
				t.Fatalf("exit %d:\n%s", res.Code, res.Stderr)
			}
			if strings.Contains(res.Stdout+res.Stderr, secretToken) {
				t.Errorf("output shows the token:\n%s\n%s", res.Stdout, res.Stderr)
			}
			ref, err := name.ParseReference(target, name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			desc, err := remote.Get(ref)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(desc.Manifest), secretToken) {
				t.Errorf("the manifest holds the token:\n%s", desc.Manifest)
			}
			if !strings.Contains(string(desc.Manifest), `"org.opencontainers.image.source":"`+tc.want+`"`) {
				t.Errorf("source annotation is not %q:\n%s", tc.want, desc.Manifest)
			}
		})
	}
}
