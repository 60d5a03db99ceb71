package istio

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	corev1 "k8s.io/api/core/v1"
)

// TestSelectorTakeover proves the takeover class "selecting the workload by
// another label" (issue 13) against pilot: in examples/multi-host, namespace
// default owns mybookinfo.com on edgegate's gateway istio-ingress/public.
// Namespace evil writes a Gateway for that host whose selector names a label
// the gateway's pods carry only once running (one Istio's gateway injection
// adds, service.istio.io/canonical-name and -revision), and a VirtualService
// sending every path to its own Service. edgegate refuses the input (render exits
// non-zero naming evil's Gateway, and prints nothing); fed to pilot anyway,
// with the gateway pod as Istio's injector leaves it, the simulation sends
// default's host to evil's backend (the paths default does not route: pilot
// appends evil's routes to default's virtual host). A selector by a label the pods never carry
// gets no route to evil, so the proof is the label's, not the Gateway's.
func TestSelectorTakeover(t *testing.T) {
	const evilCluster = "outbound|80||collector.evil.svc.cluster.local"
	for _, tc := range []struct {
		name, selector string
		takesOver      bool
	}{
		{"by the canonical name Istio's injector adds", "service.istio.io/canonical-name: public", true},
		{"by the canonical revision Istio's injector adds", "service.istio.io/canonical-revision: latest", true},
		{"by a label the pods never carry (control)", "app: public", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attack := takeoverAttack(tc.selector)

			// edgegate refuses the input with the attack in it.
			dir := t.TempDir()
			copyExample(t, filepath.Join(repoRoot, "examples", "multi-host"), dir)
			if err := os.WriteFile(filepath.Join(dir, "evil.yaml"), []byte(attack), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, err := runEdgegate(t, "render", dir)
			if err == nil {
				t.Fatalf("edgegate render with evil's Gateway (selector {%s}) exits 0, want refused; stderr:\n%s", tc.selector, stderr)
			}
			if len(bytes.TrimSpace(stdout)) > 0 {
				t.Errorf("edgegate render refused the input but printed objects:\n%s", stdout)
			}
			if !strings.Contains(stderr, "evil/steal") {
				t.Errorf("edgegate render's refusal does not name Gateway evil/steal:\n%s", stderr)
			}
			t.Logf("edgegate refuses selector {%s}:\n%s", tc.selector, stderr)

			// So does lock, with the example's lock among the inputs and
			// with none yet (a fresh --bindings path): exit 1, nothing
			// printed, nothing written.
			lockPath := filepath.Join(dir, "hostbindings.yaml")
			before, err := os.ReadFile(lockPath)
			if err != nil {
				t.Fatal(err)
			}
			stdout, stderr, err = runEdgegate(t, "lock", dir)
			if code := exitCode(t, err); code != 1 || len(stdout) > 0 || !strings.Contains(stderr, "evil/steal") {
				t.Errorf("edgegate lock with evil's Gateway: exit %d (want 1), stdout %q, stderr (want evil/steal named):\n%s", code, stdout, stderr)
			}
			if after, err := os.ReadFile(lockPath); err != nil || !bytes.Equal(after, before) {
				t.Errorf("a refused edgegate lock changed the lock (%v):\n%s", err, after)
			}
			if err := os.Remove(lockPath); err != nil {
				t.Fatal(err)
			}
			fresh := filepath.Join(t.TempDir(), "hostbindings.yaml")
			stdout, stderr, err = runEdgegate(t, "lock", "--bindings", fresh, dir)
			if code := exitCode(t, err); code != 1 || len(stdout) > 0 || !strings.Contains(stderr, "evil/steal") {
				t.Errorf("edgegate lock --bindings (none yet) with evil's Gateway: exit %d (want 1), stdout %q, stderr (want evil/steal named):\n%s", code, stdout, stderr)
			}
			if fileExists(fresh) {
				t.Errorf("a refused edgegate lock wrote %s", fresh)
			}

			// pilot, given what edgegate refused.
			w := loadWorld(t, "multi-host", filepath.Join("examples", "multi-host"))
			extra, err := parseObjects("attack", []byte(attack))
			if err != nil {
				t.Fatal(err)
			}
			w.fixtures = append(w.fixtures, extra...)
			pod := w.podOf["istio-ingress/public"]
			if pod == nil {
				t.Fatal("examples/multi-host renders no Deployment istio-ingress/public")
			}
			t.Logf("gateway pod labels once injected: %v", pod.Labels)
			// Pilot appends evil's routes to default's virtual host
			// mybookinfo.com:80: every path default does not route (here
			// /account) goes to evil.
			got := simulateCall(t, w, pod, "mybookinfo.com", 80, "/account")
			t.Logf("mybookinfo.com/account → route %q cluster %q virtual host %q (error %v)",
				got.RouteMatched, got.ClusterMatched, got.VirtualHostMatched, got.Error)
			switch {
			case tc.takesOver && got.ClusterMatched != evilCluster:
				t.Errorf("pilot sends mybookinfo.com to %q, want evil's %s: the proof of the takeover is gone", got.ClusterMatched, evilCluster)
			case !tc.takesOver && got.ClusterMatched == evilCluster:
				t.Errorf("pilot sends mybookinfo.com to evil with selector {%s}, which the pods never carry", tc.selector)
			}
		})
	}
}

// takeoverAttack is namespace evil's Gateway (with selector, a YAML flow
// mapping's content) and VirtualService for mybookinfo.com, created before
// default's (pilot orders a host's VirtualServices by creation), and the
// Service they send it to.
func takeoverAttack(selector string) string {
	return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: steal, namespace: evil, creationTimestamp: "2020-01-01T00:00:00Z"}
spec:
  selector: {` + selector + `}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["mybookinfo.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: steal, namespace: evil, creationTimestamp: "2020-01-01T00:00:00Z"}
spec:
  hosts: ["mybookinfo.com"]
  gateways: [evil/steal]
  http: [{route: [{destination: {host: collector.evil.svc.cluster.local, port: {number: 80}}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: collector, namespace: evil}
spec:
  selector: {app: collector}
  ports: [{name: http, port: 80, targetPort: 8080}]
`
}

// simulateCall sends one plain-HTTP call through pilot's simulation of pod
// (port is the gateway Service's port).
func simulateCall(t *testing.T, w *world, pod *corev1.Pod, host string, port int, path string) simulation.Result {
	t.Helper()
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{ConfigString: w.istioConfig(), KubernetesObjectString: w.kubeObjects()})
	svcs := w.servicesOf(t, pod)
	if len(svcs) != 1 {
		t.Fatalf("want one Service selecting pod %s/%s, found %d", pod.Namespace, pod.Name, len(svcs))
	}
	podPort, ok := podPort(svcs[0], pod, port)
	if !ok {
		t.Fatalf("Service %s/%s has no port %d", svcs[0].Namespace, svcs[0].Name, port)
	}
	sim := simulation.NewSimulation(t, s, s.SetupProxy(proxyFor(pod)))
	return sim.Run(simulation.Call{Port: podPort, Path: path, Protocol: simulation.HTTP, HostHeader: host, CallMode: simulation.CallModeGateway})
}

// runEdgegate runs the CLI in the repository and returns its stdout, stderr
// and exit error.
func runEdgegate(t *testing.T, args ...string) (stdout []byte, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, edgegateBin, args...)
	cmd.Dir = repoRoot
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), errb.String(), err
}

// copyExample copies the YAML files of an example directory into dir.
func copyExample(t *testing.T, from, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(from, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("example %s: %v", from, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
