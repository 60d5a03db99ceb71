package istio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	klabels "k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pilot/test/xdstest"
)

// TestExplainAgreesWithPilot asks `edgegate explain` and pilot's simulation
// the same questions, for every example, every scenario and every corpus
// case `edgegate render` accepts, on every gateway workload of each: every
// host the Gateways and VirtualServices name (a wildcard's subdomains and
// its bare domain too) and a host nobody names, on every port of the
// gateway's Service and one it lacks, over plain HTTP and TLS, with the SNI
// of another server's host, on every path a route names and the paths
// beside it (/apiary beside /api, /api/x, a longer exact path), with and
// without the headers a route matches. The questions come from the
// rendered objects, so a new example is covered without a line here. Both
// must agree on the outcome (route, redirect, no-listener, no-filter-chain,
// no-route), the destinations with their weights, and a redirect's Location.
func TestExplainAgreesWithPilot(t *testing.T) {
	type input struct{ name, dir, fixtures string }
	var inputs []input
	for _, e := range examples(t) {
		inputs = append(inputs, input{"examples/" + e, filepath.Join("examples", e), e + ".yaml"})
	}
	scenarios, err := filepath.Abs(filepath.Join("testdata", "scenarios"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subdirs(t, scenarios) {
		inputs = append(inputs, input{"scenarios/" + s, filepath.Join(scenarios, s), s + ".yaml"})
	}
	corpus := filepath.Join(repoRoot, "tests", "policy-corpus", "cases")
	for _, c := range subdirs(t, corpus) {
		inputs = append(inputs, input{"corpus/" + c, filepath.Join(corpus, c), ""})
	}
	total, renderable := 0, 0
	for _, in := range inputs {
		if _, ok := tryRender(in.dir); !ok {
			t.Logf("%s: edgegate render refuses it; nothing to explain", in.name)
			continue
		}
		renderable++
		t.Run(in.name, func(t *testing.T) {
			total += explainAgrees(t, in.name, in.dir, in.fixtures)
		})
	}
	t.Logf("%d inputs render; %d questions asked of explain and of pilot's simulation", renderable, total)
	if renderable < 20 {
		t.Errorf("only %d inputs render: the proof covers too little", renderable)
	}
}

// tryRender runs `edgegate render dir`: its output, and whether it succeeded.
func tryRender(dir string) ([]byte, bool) {
	cmd := exec.Command(edgegateBin, "render", dir)
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	return out, err == nil && len(bytes.TrimSpace(out)) > 0
}

// explainAgrees proves one input; it returns the number of questions asked.
func explainAgrees(t *testing.T, name, dir, fixtures string) int {
	w := loadWorldFixtures(t, name, dir, fixtures)
	// As pilot's fake reads a config string, but with the cluster's domain
	// set, as istiod sets it: a short destination host then resolves to
	// name.namespace.svc.cluster.local, as in a cluster (the fake alone
	// leaves name.namespace).
	configs, _, err := crd.ParseInputs(w.istioConfig())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range configs {
		c := &configs[i]
		if c.Namespace == "" {
			c.Namespace = "default"
		}
		c.Domain = "cluster.local"
		c.CreationTimestamp = now
	}
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		Configs:                configs,
		KubernetesObjectString: w.kubeObjects(),
	})
	gws := explainGateways(t, w, dir)
	if len(gws) == 0 {
		t.Logf("%s: no gateway workload with one Service in front; nothing to ask", name)
		return 0
	}
	asked := 0
	for _, eg := range gws {
		g := &gateway{w: w, pod: eg.pod, svc: eg.svc}
		g.sim = simulation.NewSimulation(t, s, s.SetupProxy(proxyFor(eg.pod)))
		g.routes = xdstest.ExtractRouteConfigurations(g.sim.Routes)
		g.clusters = xdstest.ExtractClusters(g.sim.Clusters)
		calls := questions(w, eg.pod, eg.svc)
		answers := askExplain(t, dir, eg.flag, calls)
		for i, c := range calls {
			got := g.do(t, c)
			ans := answers[i]
			if ans == nil {
				continue // askExplain reported it
			}
			if diff := agree(got, ans); diff != "" {
				t.Errorf("%s, gateway %s: %s: %s\n  pilot:   %s\n  explain: %s %s %v %s (%s)", name, eg.flag, c, diff, got, ans.Outcome, ans.Reason, clusterNames(ans), ans.Redirect, ans.Detail)
			}
		}
		asked += len(calls)
		t.Logf("gateway %s (pod %s/%s): %d questions", eg.flag, eg.pod.Namespace, eg.pod.Name, len(calls))
	}
	return asked
}

// loadWorldFixtures is loadWorld with the example's fixture file, or with the
// control plane alone for a corpus case (which carries its own Services).
func loadWorldFixtures(t *testing.T, name, dir, fixtures string) *world {
	t.Helper()
	if fixtures != "" {
		return loadWorld(t, strings.TrimSuffix(fixtures, ".yaml"), dir)
	}
	w := &world{example: name, podOf: map[string]*corev1.Pod{}}
	rendered, err := parseObjects("rendered", render(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rendered {
		if clusterGroups[o.Group()] {
			w.rendered = append(w.rendered, o)
		}
	}
	path := filepath.Join("testdata", "fixtures", "control-plane.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := parseObjects(path, data)
	if err != nil {
		t.Fatal(err)
	}
	w.fixtures = objs
	w.synthesizePods(t)
	return w
}

// explainGateway is one gateway workload to ask about: its pod, the one
// Service in front of it, and the --gateway that names it to explain.
type explainGateway struct {
	pod  *corev1.Pod
	svc  *corev1.Service
	flag string
}

// explainGateways finds the gateway workloads of a world: the pods some
// Gateway selects, with exactly one Service in front of them (the load
// balancer a client dials). A pod edgegate rendered is named by its
// Deployment (the IngressGateway); a fixture pod of an existing gateway by
// the IngressGateway that declares it; a pod of the input by itself.
func explainGateways(t *testing.T, w *world, dir string) []explainGateway {
	t.Helper()
	var selectors []map[string]string
	for _, o := range w.all() {
		if o.Kind == "Gateway" && o.isIstio() {
			var g struct {
				Spec struct {
					Selector map[string]string `json:"selector"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(o.YAML, &g); err == nil {
				selectors = append(selectors, g.Spec.Selector)
			}
		}
	}
	selected := func(p *corev1.Pod) bool {
		for _, s := range selectors {
			if klabels.SelectorFromSet(s).Matches(klabels.Set(p.Labels)) {
				return true
			}
		}
		return false
	}
	declared := existingGateways(t, dir)
	var out []explainGateway
	seen := map[string]bool{}
	for _, o := range w.all() {
		if o.Kind != "Pod" || o.Group() != "" {
			continue
		}
		var p corev1.Pod
		o.decode(t, &p)
		if !selected(&p) || seen[p.Namespace+"/"+p.Name] {
			continue
		}
		seen[p.Namespace+"/"+p.Name] = true
		svcs := w.servicesOf(t, &p)
		if len(svcs) != 1 {
			t.Logf("pod %s/%s: %d Services in front of it; not asked", p.Namespace, p.Name, len(svcs))
			continue
		}
		flag := ""
		switch {
		case o.Source == "synthesized":
			for key, pod := range w.podOf {
				if pod.Name == p.Name && pod.Namespace == p.Namespace {
					flag = key
				}
			}
		case o.Source == "rendered":
			flag = p.Namespace + "/" + p.Name
		default:
			for _, d := range declared {
				if d.namespace == p.Namespace && klabels.SelectorFromSet(d.selector).Matches(klabels.Set(p.Labels)) {
					flag = d.namespace + "/" + d.name
				}
			}
		}
		if flag == "" {
			t.Logf("pod %s/%s (%s): no gateway of the input names it; not asked", p.Namespace, p.Name, o.Source)
			continue
		}
		out = append(out, explainGateway{pod: &p, svc: svcs[0], flag: flag})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].flag < out[j].flag })
	return out
}

type declaredGateway struct {
	namespace, name string
	selector        map[string]string
}

// existingGateways reads the existing IngressGateways among an input's files.
func existingGateways(t *testing.T, dir string) []declaredGateway {
	t.Helper()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(repoRoot, dir)
	}
	var out []declaredGateway
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		objs, err := parseObjects(path, data)
		if err != nil {
			return nil
		}
		for _, o := range objs {
			if o.Kind != "IngressGateway" {
				continue
			}
			var g struct {
				Spec struct {
					Existing bool              `json:"existing"`
					Selector map[string]string `json:"selector"`
				} `json:"spec"`
			}
			if yaml.Unmarshal(o.YAML, &g) == nil && g.Spec.Existing {
				out = append(out, declaredGateway{o.Namespace, o.Name, g.Spec.Selector})
			}
		}
		return nil
	})
	return out
}

// questions generates the calls to ask about one gateway pod from the
// world's Gateways, VirtualServices and the Service in front of the pod.
func questions(w *world, pod *corev1.Pod, svc *corev1.Service) []call {
	hosts := map[string]bool{"nobody-names-this.example.net": true}
	addHost := func(h string) {
		if _, bare, ok := strings.Cut(h, "/"); ok {
			h = bare
		}
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		switch {
		case h == "*" || h == "":
			hosts["anything.example.org"] = true
		case strings.HasPrefix(h, "*."):
			hosts["a"+h[1:]] = true
			hosts["b.c"+h[1:]] = true
			hosts[h[2:]] = true // the bare domain is not under the wildcard
		case !strings.Contains(h, "."):
			// a short VirtualService host names a Service, not a Host header
		default:
			hosts[h] = true
			hosts["www."+h] = true
		}
	}
	type pathSet struct {
		paths   map[string]bool
		headers []map[string]string
	}
	ps := pathSet{paths: map[string]bool{"/": true, "/nothing/routes/here": true}}
	for _, o := range w.all() {
		if !o.isIstio() {
			continue
		}
		switch o.Kind {
		case "Gateway":
			var g struct {
				Spec struct {
					Servers []struct {
						Hosts []string `json:"hosts"`
					} `json:"servers"`
				} `json:"spec"`
			}
			if yaml.Unmarshal(o.YAML, &g) == nil {
				for _, s := range g.Spec.Servers {
					for _, h := range s.Hosts {
						addHost(h)
					}
				}
			}
		case "VirtualService":
			var vs struct {
				Spec struct {
					Hosts []string `json:"hosts"`
					HTTP  []struct {
						Match []struct {
							URI     map[string]string            `json:"uri"`
							Headers map[string]map[string]string `json:"headers"`
						} `json:"match"`
					} `json:"http"`
				} `json:"spec"`
			}
			if yaml.Unmarshal(o.YAML, &vs) != nil {
				continue
			}
			for _, h := range vs.Spec.Hosts {
				addHost(h)
			}
			for _, r := range vs.Spec.HTTP {
				for _, m := range r.Match {
					if p := m.URI["exact"]; p != "" {
						ps.paths[p] = true
						ps.paths[p+"x"] = true
						ps.paths[p+"/"] = true
					}
					if p := m.URI["prefix"]; p != "" {
						base := strings.TrimSuffix(p, "/")
						ps.paths[p] = true
						ps.paths[base+"/x/y"] = true
						if base != "" {
							ps.paths[base] = true
							ps.paths[base+"ary"] = true // /apiary beside /api
						}
					}
					if len(m.Headers) > 0 {
						hs := map[string]string{}
						for k, sm := range m.Headers {
							if v := sm["exact"]; v != "" {
								hs[k] = v
							} else if v := sm["prefix"]; v != "" {
								hs[k] = v + "z"
							}
						}
						if len(hs) > 0 {
							ps.headers = append(ps.headers, hs)
						}
					}
				}
			}
		}
	}
	var ports []int
	free := 1
	for _, p := range svc.Spec.Ports {
		ports = append(ports, int(p.Port))
		free = max(free, int(p.Port)+1)
	}
	ports = append(ports, free) // a port the Service lacks
	sortedHosts := make([]string, 0, len(hosts))
	for h := range hosts {
		sortedHosts = append(sortedHosts, h)
	}
	sort.Strings(sortedHosts)
	paths := make([]string, 0, len(ps.paths))
	for p := range ps.paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	var calls []call
	seen := map[string]bool{}
	add := func(c call) {
		c.Name = c.String()
		if !seen[c.Name] {
			seen[c.Name] = true
			calls = append(calls, c)
		}
	}
	for _, port := range ports {
		for _, tls := range []bool{false, true} {
			for i, h := range sortedHosts {
				add(call{Host: h, Port: port, TLS: tls})
				if tls {
					// SNI != Host: the connection of the next host reused.
					add(call{Host: h, Port: port, TLS: true, SNI: sortedHosts[(i+1)%len(sortedHosts)]})
				}
			}
		}
	}
	// Paths and headers on every named host, on the Service's own ports.
	for _, port := range ports[:len(ports)-1] {
		for _, tls := range []bool{false, true} {
			for _, h := range sortedHosts {
				if strings.HasPrefix(h, "nobody-") || strings.HasPrefix(h, "www.") || strings.HasPrefix(h, "b.c.") {
					continue
				}
				for _, p := range paths {
					add(call{Host: h, Port: port, TLS: tls, Path: p})
				}
				for _, hs := range ps.headers {
					for _, p := range paths {
						add(call{Host: h, Port: port, TLS: tls, Path: p, Headers: hs})
					}
				}
			}
		}
	}
	return calls
}

// answer is the part of explain's JSON the proof compares.
type answer struct {
	Outcome      string `json:"outcome"`
	Reason       string `json:"reason"`
	Detail       string `json:"detail"`
	Redirect     string `json:"redirect"`
	Destinations []struct {
		Host   string `json:"host"`
		Port   int    `json:"port"`
		Subset string `json:"subset"`
		Weight int    `json:"weight"`
	} `json:"destinations"`
	DirectResponse int `json:"directResponse"`
}

func clusterNames(a *answer) []string {
	var out []string
	for _, d := range a.Destinations {
		out = append(out, fmt.Sprintf("outbound|%d|%s|%s=%d", d.Port, d.Subset, d.Host, d.Weight))
	}
	sort.Strings(out)
	return out
}

// askExplain runs `edgegate explain -o json` for every call, a few at a
// time.
func askExplain(t *testing.T, dir, gateway string, calls []call) []*answer {
	t.Helper()
	out := make([]*answer, len(calls))
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(calls) {
					return
				}
				c := calls[i]
				args := []string{"explain", dir, fmt.Sprintf("%s://%s:%d%s", c.scheme(), c.Host, c.Port, c.path()), "-o", "json", "--gateway", gateway}
				if c.TLS && c.SNI != "" {
					args = append(args, "--sni", c.SNI)
				}
				for k, v := range c.Headers {
					args = append(args, "--header", k+"="+v)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				cmd := exec.CommandContext(ctx, edgegateBin, args...)
				cmd.Dir = repoRoot
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				cancel()
				var a answer
				if err == nil {
					err = json.Unmarshal(stdout.Bytes(), &a)
				}
				if err != nil {
					t.Errorf("edgegate %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
					continue
				}
				out[i] = &a
			}
		}()
	}
	wg.Wait()
	return out
}

// agree compares pilot's outcome of a call with explain's answer, and says
// how they differ ("" when they agree).
func agree(got outcome, a *answer) string {
	simOutcome := ""
	r := got.result
	switch {
	case got.noServicePort, errors.Is(r.Error, simulation.ErrNoListener):
		simOutcome = "no-listener"
	case errors.Is(r.Error, simulation.ErrNoFilterChain), errors.Is(r.Error, simulation.ErrMultipleFilterChain),
		errors.Is(r.Error, simulation.ErrTLSError), errors.Is(r.Error, simulation.ErrMTLSError), errors.Is(r.Error, simulation.ErrProtocolError):
		simOutcome = "no-filter-chain"
	case errors.Is(r.Error, simulation.ErrNoVirtualHost), errors.Is(r.Error, simulation.ErrNoRoute):
		simOutcome = "no-route"
	case errors.Is(r.Error, simulation.ErrTLSRedirect):
		simOutcome = "redirect"
	case r.Error != nil:
		simOutcome = "error " + r.Error.Error()
	case got.route != nil && got.route.GetRedirect() != nil:
		simOutcome = "redirect"
	case got.route != nil:
		simOutcome = "route"
	default:
		simOutcome = "no-route"
	}
	if simOutcome != a.Outcome {
		return fmt.Sprintf("outcome: pilot %s, explain %s", simOutcome, a.Outcome)
	}
	switch simOutcome {
	case "redirect":
		if got.location != "" && got.location != a.Redirect {
			return fmt.Sprintf("Location: pilot %s, explain %s", got.location, a.Redirect)
		}
	case "route":
		if dr := got.route.GetDirectResponse(); dr != nil {
			if int(dr.GetStatus()) != a.DirectResponse {
				return fmt.Sprintf("direct response: pilot %d, explain %d", dr.GetStatus(), a.DirectResponse)
			}
			return ""
		}
		var want []string
		if c := got.route.GetRoute().GetCluster(); c != "" {
			want = []string{c + "=100"}
		}
		for _, wc := range got.route.GetRoute().GetWeightedClusters().GetClusters() {
			want = append(want, fmt.Sprintf("%s=%d", wc.GetName(), wc.GetWeight().GetValue()))
		}
		sort.Strings(want)
		if fmt.Sprint(want) != fmt.Sprint(clusterNames(a)) {
			return fmt.Sprintf("destinations: pilot %v, explain %v", want, clusterNames(a))
		}
	}
	return ""
}
