package istio

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pilot/test/xdstest"
)

// TestTakeovers proves, for each takeover class edgegate refuses, that the
// refusal matters: testdata/takeovers/<class>/ holds namespace good's
// intents (good/), what a hostile namespace evil writes (evil/), the lines
// edgegate must refuse their union with (refused.txt), and the calls
// (calls.yaml, in the examples' format) pilot's simulation must send to
// evil's backend in the cluster edgegate would have produced had it let the
// input through: good's rendered objects beside evil's hand-written ones,
// or, where evil writes intents, the render with the platform's consent
// (consent.yaml, given with --config).
func TestTakeovers(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "takeovers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, class := range subdirs(t, dir) {
		t.Run(class, func(t *testing.T) {
			base := filepath.Join(dir, class)
			good, evil := filepath.Join(base, "good"), filepath.Join(base, "evil")
			t.Run("refused", func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(base, "refused.txt"))
				if err != nil {
					t.Fatal(err)
				}
				for _, mode := range []string{"render", "check"} {
					out, stderr, err := runEdgegate(t, mode, good, evil)
					stdout, code := string(out), exitCode(t, err)
					if code != 1 {
						t.Errorf("edgegate %s good evil: exit %d, want 1\n%s", mode, code, stderr)
					}
					if mode == "render" && stdout != "" {
						t.Errorf("edgegate render good evil printed objects:\n%s", stdout)
					}
					for _, want := range strings.Split(strings.TrimSpace(string(data)), "\n") {
						if !strings.Contains(stderr+stdout, want) {
							t.Errorf("edgegate %s good evil: no\n  %s\nin\n  %s", mode, want, strings.ReplaceAll(stderr+stdout, "\n", "\n  "))
						}
					}
				}
			})
			t.Run("lock", func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(base, "refused.txt"))
				if err != nil {
					t.Fatal(err)
				}
				want := strings.Split(strings.TrimSpace(string(data)), "\n")
				// The lock good's render reads, given with --bindings; and
				// none (the first lock), where the allocator words the
				// refusal from good's side.
				testLockRefuses(t, good, evil, true, want)
				testLockRefuses(t, good, evil, false, nil)
			})
			w := takeoverWorld(t, "takeover-"+class, base, good, evil)
			exp := loadExpectations(t, filepath.Join("takeovers", class, "calls"))
			t.Run("routing", func(t *testing.T) { simulateCalls(t, w, exp) })
		})
	}
}

// takeoverWorld is the cluster edgegate would have produced: see TestTakeovers.
func takeoverWorld(t *testing.T, name, base, good, evil string) *world {
	t.Helper()
	w := &world{example: name, podOf: map[string]*corev1.Pod{}}
	add := func(source string, data []byte) {
		objs, err := parseObjects(source, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if !isLocalConfig(t, o) {
				w.rendered = append(w.rendered, o)
			}
		}
	}
	if consent := filepath.Join(base, "consent.yaml"); fileExists(consent) {
		stdout, stderr, err := runEdgegate(t, "render", "--config", consent, good, evil)
		if err != nil {
			t.Fatalf("edgegate render --config consent.yaml good evil: %v\n%s", err, stderr)
		}
		add("rendered", stdout)
	} else {
		add("rendered", render(t, good))
		files, err := filepath.Glob(filepath.Join(evil, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no evil/*.yaml in %s: %v", base, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if name == "takeover-number" {
				data = asStored(t, f, data)
			}
			add(f, data)
		}
	}
	for _, f := range []string{"control-plane.yaml", name + ".yaml"} {
		path := filepath.Join("testdata", "fixtures", f)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := parseObjects(path, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.Kind == "Secret" && o.Group() == "" {
				o = fillSecret(t, o)
			}
			w.fixtures = append(w.fixtures, o)
		}
	}
	w.synthesizePods(t)
	return w
}

// simulateCalls sends each call through pilot's simulation of its gateway
// pod and checks where it lands, as testRouting does for the examples
// (without asking every VirtualService to be reached: the owner's are
// meant not to be).
func simulateCalls(t *testing.T, w *world, exp expectations) {
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		ConfigString:           w.istioConfig(),
		KubernetesObjectString: w.kubeObjects(),
	})
	for _, wc := range exp.Gateways {
		t.Run(wc.name(), func(t *testing.T) {
			pod := w.podOf[wc.Deployment]
			if pod == nil {
				t.Fatalf("%s renders no Deployment %s", w.example, wc.Deployment)
			}
			svcs := w.servicesOf(t, pod)
			if len(svcs) != 1 {
				t.Fatalf("want one Service selecting pod %s/%s, found %d", pod.Namespace, pod.Name, len(svcs))
			}
			g := &gateway{w: w, pod: pod, svc: svcs[0]}
			g.sim = simulation.NewSimulation(t, s, s.SetupProxy(proxyFor(pod)))
			g.routes = xdstest.ExtractRouteConfigurations(g.sim.Routes)
			g.clusters = xdstest.ExtractClusters(g.sim.Clusters)
			for _, c := range wc.Calls {
				t.Run(c.Name, func(t *testing.T) {
					got := g.do(t, c)
					t.Logf("%s → %s", c, got)
					for _, f := range g.check(t, c, got) {
						t.Error(f)
					}
				})
			}
			if t.Failed() {
				t.Logf("route configurations:\n%s", strings.Join(xdstest.DumpList(t, g.sim.Routes), "\n"))
			}
		})
	}
}

// exitCode is the exit code runEdgegate's error stands for.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("edgegate did not run: %v", err)
	return -1
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// isLocalConfig reports whether the object is marked
// config.kubernetes.io/local-config, as a team's EdgegatePolicy is: kustomize
// and kpt never apply it, so it is no part of the cluster pilot sees.
func isLocalConfig(t *testing.T, o object) bool {
	t.Helper()
	var head struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(o.YAML, &head); err != nil {
		t.Fatalf("%s (%s): %v", o.key(), o.Source, err)
	}
	return head.Metadata.Annotations["config.kubernetes.io/local-config"] == "true"
}

// asStored is evil's objects as the API server stores them, for the number
// class only: kubectl sends YAML as JSON, where 80.0 is the number 80, and
// the API server stores an integer field written as a whole number as that
// integer, so pilot watches port 80. (The fake discovery server's own YAML
// reader happens to read 80.0 as 80 too; the scenario should not rest on
// that.) The other classes keep what evil wrote byte for byte, so a harness
// rewrite cannot hide their takeover.
func asStored(t *testing.T, source string, data []byte) []byte {
	t.Helper()
	objs, err := parseObjects(source, data)
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]byte
	for _, o := range objs {
		var v map[string]any
		if err := yaml.Unmarshal(o.YAML, &v); err != nil {
			t.Fatalf("%s (%s): %v", o.key(), source, err)
		}
		b, err := yaml.Marshal(v) // JSON numbers: 80.0 is written 80
		if err != nil {
			t.Fatalf("%s (%s): %v", o.key(), source, err)
		}
		docs = append(docs, b)
	}
	return bytes.Join(docs, []byte("---\n"))
}

// testLockRefuses runs `edgegate lock --bindings LOCK good evil` over copies
// of good's intents (without its lock) and evil's files: with kept, LOCK
// starts as good's lock (good/hostbindings.yaml), else it does not exist.
// The lock must refuse (exit 1, nothing on stdout, LOCK as it was) with the
// messages of want, or, without want, naming evil's objects.
func testLockRefuses(t *testing.T, good, evil string, kept bool, want []string) {
	t.Helper()
	dir := t.TempDir()
	copyDir := func(from, to string) {
		if err := os.Mkdir(to, 0o755); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(from, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if filepath.Base(f) == "hostbindings.yaml" {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	g, e, lock := filepath.Join(dir, "good"), filepath.Join(dir, "evil"), filepath.Join(dir, "lock.yaml")
	copyDir(good, g)
	copyDir(evil, e)
	var before []byte
	if kept {
		var err error
		if before, err = os.ReadFile(filepath.Join(good, "hostbindings.yaml")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(lock, before, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stdout, stderr, err := runEdgegate(t, "lock", "--bindings", lock, g, e)
	what := map[bool]string{true: "with good's lock", false: "with no lock yet"}[kept]
	if code := exitCode(t, err); code != 1 {
		t.Errorf("edgegate lock good evil (%s): exit %d, want 1\n%s%s", what, code, stdout, stderr)
	}
	if len(stdout) > 0 {
		t.Errorf("edgegate lock good evil (%s) printed:\n%s", what, stdout)
	}
	after, err := os.ReadFile(lock)
	switch {
	case kept && (err != nil || !bytes.Equal(after, before)):
		t.Errorf("edgegate lock good evil (%s) changed the lock (%v):\n%s", what, err, after)
	case !kept && err == nil:
		t.Errorf("edgegate lock good evil (%s) wrote a lock:\n%s", what, after)
	}
	if len(want) == 0 {
		want = []string{" evil/"}
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("edgegate lock good evil (%s): no\n  %s\nin\n  %s", what, w, strings.ReplaceAll(stderr, "\n", "\n  "))
		}
	}
}
