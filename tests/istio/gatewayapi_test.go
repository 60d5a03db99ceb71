package istio

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pilot/test/xdstest"
)

// gatewayAPIExamples are the examples whose Gateway API render is proven
// here against their Istio render. The examples on an existing gateway
// (their pods are fixtures, not Istio's automated deployment), Argo CD's
// (one Gateway per render, see tests/e2e) and tls (refused) are not yet.
var gatewayAPIExamples = []string{"bookinfo", "multi-host", "two-namespaces", "shared-certificate", "dedicated-gateway", "kustomize", "kpt"}

// TestGatewayAPIMatchesIstio renders each example both ways and runs the
// same calls (every question explain's proof asks: hosts, ports, TLS and
// SNI other than Host, paths and the paths beside them, headers) through
// pilot's simulation of each: Istio's own Gateway API controller translates
// the Gateway and HTTPRoutes, on a pod labelled as Istio's automated
// deployment labels it, behind the Service it would create. Every call must
// end alike: the same error (no listener, no route...), the same clusters,
// the same redirect Location.
func TestGatewayAPIMatchesIstio(t *testing.T) {
	for _, example := range gatewayAPIExamples {
		t.Run(example, func(t *testing.T) {
			dir := filepath.Join("examples", example)
			wi := loadWorld(t, example, dir)
			si := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{ConfigString: wi.istioConfig(), KubernetesObjectString: wi.kubeObjects()})
			wg := gatewayAPIWorld(t, example, dir, wi)
			sg := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{KubernetesObjectString: wg.kube})
			asked := 0
			for key, pod := range wi.podOf {
				svcs := wi.servicesOf(t, pod)
				if len(svcs) != 1 {
					t.Fatalf("Deployment %s: %d Services", key, len(svcs))
				}
				gi := &gateway{w: wi, pod: pod, svc: svcs[0]}
				gi.sim = simulation.NewSimulation(t, si, si.SetupProxy(proxyFor(pod)))
				gi.routes = xdstest.ExtractRouteConfigurations(gi.sim.Routes)
				gi.clusters = xdstest.ExtractClusters(gi.sim.Clusters)
				kp, ks := wg.pods[key], wg.svcs[key]
				if kp == nil {
					t.Fatalf("the gateway-api render has no Gateway for Deployment %s", key)
				}
				gg := &gateway{w: wi, pod: kp, svc: ks}
				gg.sim = simulation.NewSimulation(t, sg, sg.SetupProxy(proxyFor(kp)))
				gg.routes = xdstest.ExtractRouteConfigurations(gg.sim.Routes)
				gg.clusters = xdstest.ExtractClusters(gg.sim.Clusters)
				for _, c := range questions(wi, pod, svcs[0]) {
					want, got := gi.do(t, c), gg.do(t, c)
					if a, b := endOf(want), endOf(got); a != b {
						t.Errorf("%s: %s\n  istio:       %s\n  gateway-api: %s\n  (%s\n   %s)", key, c, a, b, want, got)
					}
					asked++
				}
				if t.Failed() {
					t.Logf("gateway-api route configurations of %s:\n%s", key, strings.Join(xdstest.DumpList(t, gg.sim.Routes), "\n"))
				}
			}
			if asked == 0 {
				t.Fatalf("example %s: no call asked", example)
			}
			t.Logf("%d calls, same outcome in both APIs", asked)
		})
	}
}

// endOf is how a call ends, whatever the API: its error, the clusters it
// reaches, or the Location it is redirected to.
func endOf(o outcome) string {
	if o.noServicePort {
		return "no Service port"
	}
	if o.result.Error != nil {
		switch o.result.Error {
		case simulation.ErrNoVirtualHost, simulation.ErrNoRoute:
			// Envoy answers 404 either way; Istio's Gateway API output
			// keeps a catch-all virtual host with no route.
			return "404: no route"
		}
		return errorName(o.result.Error)
	}
	if o.route == nil {
		return "no route"
	}
	if o.route.GetRedirect() != nil {
		return fmt.Sprintf("redirect %s to %s", o.route.GetRedirect().GetResponseCode(), o.location)
	}
	return describeAction(o.route)
}

// kubeWorld is a gateway-api render in a cluster: the objects the fake
// Kubernetes client holds, and per Istio Deployment ("namespace/name") the
// pod and Service Istio's automated deployment makes for its Gateway.
type kubeWorld struct {
	kube string
	pods map[string]*corev1.Pod
	svcs map[string]*corev1.Service
}

func gatewayAPIWorld(t *testing.T, example, dir string, wi *world) *kubeWorld {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, edgegateBin, "render", "--api", "gateway-api", dir)
	cmd.Dir = repoRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("edgegate render --api gateway-api %s: %v\n%s", dir, err, stderr.String())
	}
	rendered, err := parseObjects("rendered", stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	kw := &kubeWorld{pods: map[string]*corev1.Pod{}, svcs: map[string]*corev1.Service{}}
	var objs []object
	for _, o := range rendered {
		if clusterGroups[o.Group()] || o.Group() == "gateway.networking.k8s.io" {
			objs = append(objs, o)
		}
	}
	objs = append(objs, objectOf(t, "synthesized", map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
		"metadata": map[string]any{"name": "istio"},
		"spec":     map[string]any{"controllerName": "istio.io/gateway-controller"},
	}))
	for _, o := range rendered {
		if o.Kind != "Gateway" || o.Group() != "gateway.networking.k8s.io" {
			continue
		}
		key := o.Namespace + "/" + o.Name
		ipod := wi.podOf[key]
		if ipod == nil {
			t.Fatalf("Gateway %s: the Istio render has no Deployment %s", key, key)
		}
		isvcs := wi.servicesOf(t, ipod)
		labels := map[string]string{"gateway.networking.k8s.io/gateway-name": o.Name, "service.istio.io/canonical-name": o.Name + "-istio"}
		pod := ipod.DeepCopy()
		pod.Name = o.Name + "-istio-0"
		pod.Labels = labels
		svc := isvcs[0].DeepCopy()
		svc.ObjectMeta = metav1.ObjectMeta{Name: o.Name + "-istio", Namespace: o.Namespace, Labels: map[string]string{"gateway.networking.k8s.io/gateway-name": o.Name}}
		svc.Spec.Selector = map[string]string{"gateway.networking.k8s.io/gateway-name": o.Name}
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
		kw.pods[key], kw.svcs[key] = pod, svc
		objs = append(objs, objectOf(t, "synthesized", pod), objectOf(t, "synthesized", svc))
	}
	for _, o := range wi.fixtures {
		if !o.isIstio() {
			objs = append(objs, o)
		}
	}
	// The API server labels every namespace with its name, which the
	// listeners' allowedRoutes select; the fake client does not.
	labelled := map[string]bool{}
	var kept []object
	for _, o := range objs {
		if o.Kind == "Namespace" && o.Group() == "" {
			var ns corev1.Namespace
			o.decode(t, &ns)
			if ns.Labels == nil {
				ns.Labels = map[string]string{}
			}
			ns.Labels["kubernetes.io/metadata.name"] = ns.Name
			ns.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
			labelled[ns.Name] = true
			o = objectOf(t, o.Source, &ns)
		}
		kept = append(kept, o)
	}
	for _, o := range objs {
		if ns := o.Namespace; ns != "" && !labelled[ns] {
			labelled[ns] = true
			kept = append(kept, objectOf(t, "synthesized", &corev1.Namespace{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
				ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kubernetes.io/metadata.name": ns}},
			}))
		}
	}
	objs = kept
	kw.kube = stream(objs, func(object) bool { return true })
	t.Logf("example %s: %d objects for the gateway-api cluster", example, len(objs))
	return kw
}
