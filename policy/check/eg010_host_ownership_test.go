package check

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// example is what the gate sees for one of edgegate's examples: its
// intents and lock, and the rendered output a human has read.
func example(t *testing.T, name string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", name, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("example %s: %v", name, err)
	}
	sort.Strings(files)
	files = append(files, filepath.Join("..", "..", "tests", "golden", "testdata", name+".yaml"))
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteString("\n---\n")
	}
	return b.String()
}

// publicGateway declares istio-ingress/public with host patterns.
func publicGateway(extra string) string {
	return `apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata: {name: public, namespace: istio-ingress}
spec:
  default: true
` + extra + "---\n"
}

const shopOwnership = `  hostOwnership:
    shop.example.com: [shop]
    "*.shop.example.com": [shop]
`

func ownedApp(ns, name string, hosts ...string) string {
	return "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  hosts: [" +
		strings.Join(quote(hosts), ", ") + "]\n  routes: [{to: web:80}]\n---\n"
}

const publicSelector = "istio: public, app.kubernetes.io/name: public"

// renderedGateway is a Gateway as edgegate renders it (managed-by label).
func renderedGateway(ns, name string, hosts ...string) string {
	return strings.Replace(gateway(ns, name, publicSelector, 80, hosts...), "namespace: "+ns+"}",
		"namespace: "+ns+", labels: {app.kubernetes.io/managed-by: edgegate}}", 1)
}

func ownedVS(ns, name, gw string, hosts ...string) string {
	return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  hosts: [" +
		strings.Join(quote(hosts), ", ") + "]\n  gateways: [" + gw + "]\n  http: [{route: [{destination: {host: web}}]}]\n---\n"
}

func lock(gw string, port int, hosts map[string]string) string {
	var b strings.Builder
	ns, name, _ := strings.Cut(gw, "/")
	b.WriteString("apiVersion: edgegate.dev/v1alpha1\nkind: HostBindings\nmetadata: {name: " + name + ", namespace: " + ns +
		", annotations: {config.kubernetes.io/local-config: \"true\"}}\nspec:\n  gateway: " + gw + "\n  ports:\n  - port: " + itoa(port) + "\n    protocol: HTTP\n    hosts:\n")
	for _, h := range slices.Sorted(maps.Keys(hosts)) {
		b.WriteString("      \"" + h + "\": " + hosts[h] + "\n")
	}
	b.WriteString("---\n")
	return b.String()
}

func TestHostOwnership(t *testing.T) {
	reserved := publicGateway(shopOwnership)
	cases := []checkCase{
		{name: "an AppIntent of another namespace claims a reserved host",
			input: reserved + ownedApp("shop", "web", "shop.example.com") + ownedApp("evil", "phish", "shop.example.com"),
			want:  []string{`AppIntent evil/phish: spec.hosts[0]: host "shop.example.com" on gateway istio-ingress/public is claimed by namespace evil, but spec.hostOwnership["shop.example.com"] of IngressGateway istio-ingress/public (in.yaml:6) reserves it to namespace(s) shop`}},
		{name: "a hand-written Gateway of another namespace claims a host below a reserved wildcard",
			input: reserved + gateway("evil", "gw", publicSelector, 8080, "./api.shop.example.com"),
			want:  []string{`Gateway evil/gw: spec.servers[0].hosts[0]: host "api.shop.example.com" on gateway istio-ingress/public is claimed by namespace evil (through "./", the Gateway's own namespace), but spec.hostOwnership["*.shop.example.com"]`}},
		{name: "a Gateway selecting the gateway by the canonical name Istio's injector gives its pods",
			input: reserved + gateway("evil", "gw", "service.istio.io/canonical-name: public", 8080, "./api.shop.example.com"),
			want:  []string{`Gateway evil/gw: spec.servers[0].hosts[0]: host "api.shop.example.com" on gateway istio-ingress/public is claimed by namespace evil (through "./", the Gateway's own namespace), but spec.hostOwnership["*.shop.example.com"]`}},
		{name: "a Gateway selecting the gateway by Kubernetes' pod-template-hash",
			input: reserved + gateway("evil", "gw", "pod-template-hash: 7c9d8b6f5", 8080, "./api.shop.example.com"),
			want:  []string{`Gateway evil/gw: spec.servers[0].hosts[0]: host "api.shop.example.com" on gateway istio-ingress/public is claimed by namespace evil (through "./", the Gateway's own namespace), but spec.hostOwnership["*.shop.example.com"]`}},
		{name: "scopeToNamespace: the ns/ prefix claims, not the Gateway's namespace",
			input: publicGateway("  scopeToNamespace: true\n"+shopOwnership) +
				renderedGateway("istio-ingress", "shop-web", "shop/shop.example.com") +
				renderedGateway("istio-ingress", "evil-phish", "evil/shop.example.com"),
			want: []string{`Gateway istio-ingress/evil-phish: spec.servers[0].hosts[0]: host "shop.example.com" on gateway istio-ingress/public is claimed by namespace evil (through the "evil/" prefix: only its VirtualServices attach)`}},
		{name: "a Gateway in the gateway's namespace with ./ serves that namespace, not the owner",
			input: reserved + gateway("istio-ingress", "shop", publicSelector, 80, "./shop.example.com"),
			want:  []string{`Gateway istio-ingress/shop: spec.servers[0].hosts[0]: host "shop.example.com" on gateway istio-ingress/public is claimed by namespace istio-ingress`}},
		{name: "an unscoped reserved host lets any namespace attach",
			input: reserved + gateway("shop", "web", publicSelector, 80, "shop.example.com"),
			want:  []string{`Gateway shop/web: spec.servers[0].hosts[0]: host "shop.example.com" on gateway istio-ingress/public: spec.hostOwnership["shop.example.com"] of IngressGateway istio-ingress/public (in.yaml:6) reserves it to namespace(s) shop, but this host has no namespace prefix, so VirtualServices of any namespace can attach to it and serve it: write "shop/shop.example.com"`}},
		{name: "a VirtualService attaching a reserved host to a shared unscoped Gateway",
			input: reserved + gateway("istio-ingress", "shared", publicSelector, 80, "*.example.com") +
				ownedVS("evil", "phish", "istio-ingress/shared", "shop.example.com") +
				ownedVS("blog", "blog", "istio-ingress/shared", "blog.example.com"),
			want: []string{
				`warning: Gateway istio-ingress/shared: spec.servers[0].hosts[0]: host "*.example.com" on gateway istio-ingress/public, claimed by any namespace, also covers "*.shop.example.com" (namespace(s) shop), "shop.example.com" (namespace(s) shop)`,
				`VirtualService evil/phish: spec.hosts[0]: host "shop.example.com" on gateway istio-ingress/public is claimed by namespace evil (attached to the unscoped hosts of Gateway istio-ingress/shared)`,
			}},
		{name: "the lock gives a concrete host to the app it records",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"shop.example.com": "shop/web"}) +
				ownedApp("shop", "web", "shop.example.com") + ownedApp("evil", "phish", "shop.example.com"),
			want: []string{`AppIntent evil/phish: spec.hosts[0]: host "shop.example.com" on gateway istio-ingress/public belongs to namespace shop: the HostBindings lock records it for app shop/web (in.yaml:15 spec.ports[0].hosts); namespace evil may not claim it`}},
		{name: "an unscoped Gateway host the lock gives to a namespace",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"shop.example.com": "shop/web"}) +
				gateway("istio-ingress", "shared", publicSelector, 8080, "shop.example.com") +
				ownedVS("shop", "web", "istio-ingress/shared", "shop.example.com"),
			want: []string{`warning: Gateway istio-ingress/shared: spec.servers[0].hosts[0]: host "shop.example.com" on gateway istio-ingress/public belongs to namespace shop (the HostBindings lock records it for app shop/web (in.yaml:15 spec.ports[0].hosts)), but this host has no namespace prefix, so VirtualServices of any namespace can attach to it and serve it: write "shop/shop.example.com"`}},
		{name: "without a lock record, two namespaces on one concrete host both fail",
			input: publicGateway("") + ownedApp("a", "one", "api.example.com") + gateway("b", "two", publicSelector, 8080, "./api.example.com"),
			want: []string{
				`AppIntent a/one: spec.hosts[0]: host "api.example.com" on gateway istio-ingress/public is also claimed by namespace b (Gateway b/two spec.servers[0].hosts[0] (in.yaml:`,
				`Gateway b/two: spec.servers[0].hosts[0]: host "api.example.com" on gateway istio-ingress/public is also claimed by namespace a (AppIntent a/one spec.hosts[0] (in.yaml:`,
			}},
		{name: "a catch-all on a gateway other namespaces hold hosts on",
			input: publicGateway("") + ownedApp("a", "all", "*") + ownedApp("b", "blog", "blog.example.com"),
			want:  []string{`warning: AppIntent a/all: spec.hosts[0]: host "*" claimed by namespace a on gateway istio-ingress/public, a gateway shared by several namespaces (namespace b holds "blog.example.com" there)`}},
		{name: "an unscoped catch-all on a shared gateway",
			input: edgeWorkload + gateway("istio-ingress", "shared", "istio: edge", 80, "*") + ownedVS("b", "blog", "istio-ingress/shared", "blog.example.com"),
			want:  []string{`warning: Gateway istio-ingress/shared: spec.servers[0].hosts[0]: host "*" without a namespace prefix on gateway workload Deployment istio-ingress/edge, a gateway shared by several namespaces (namespace b holds "blog.example.com" there)`}},
		{name: "a catch-all on a gateway with reserved hosts",
			input: reserved + ownedApp("a", "all", "*"),
			want:  []string{`warning: AppIntent a/all: spec.hosts[0]: host "*" claimed by namespace a on gateway istio-ingress/public, a gateway shared by several namespaces (spec.hostOwnership of IngressGateway istio-ingress/public reserves "*.shop.example.com" to namespace(s) shop)`}},

		// Spelling: pilot lowercases hosts and a trailing dot names the same
		// DNS name, so neither escapes the lock or hostOwnership.
		{name: "a Gateway spelling a locked host in capitals",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"shop.example.com": "shop/web"}) +
				ownedApp("shop", "web", "shop.example.com") + gateway("evil", "grab", publicSelector, 80, "./SHOP.example.com"),
			want: []string{`Gateway evil/grab: spec.servers[0].hosts[0]: host "SHOP.example.com" (shop.example.com to pilot, which compares hosts lowercased and without a trailing dot) on gateway istio-ingress/public belongs to namespace shop: the HostBindings lock records it for app shop/web`}},
		{name: "a trailing dot does not escape hostOwnership",
			input: reserved + gateway("evil", "grab", publicSelector, 80, "./Shop.Example.com."),
			want:  []string{`Gateway evil/grab: spec.servers[0].hosts[0]: host "Shop.Example.com." (shop.example.com to pilot, which compares hosts lowercased and without a trailing dot) on gateway istio-ingress/public is claimed by namespace evil (through "./", the Gateway's own namespace), but spec.hostOwnership["shop.example.com"]`}},
		{name: "a VirtualService spelling a reserved host in capitals on a shared unscoped Gateway",
			input: reserved + gateway("istio-ingress", "shared", publicSelector, 80, "*.example.com") +
				ownedVS("evil", "phish", "istio-ingress/shared", "SHOP.example.com"),
			want: []string{
				`warning: Gateway istio-ingress/shared: spec.servers[0].hosts[0]: host "*.example.com" on gateway istio-ingress/public, claimed by any namespace, also covers`,
				`VirtualService evil/phish: spec.hosts[0]: host "SHOP.example.com" (shop.example.com to pilot, which compares hosts lowercased and without a trailing dot) on gateway istio-ingress/public is claimed by namespace evil (attached to the unscoped hosts of Gateway istio-ingress/shared)`,
			}},
		{name: "a lock spelling the host otherwise still records its owner; the record spelt as pilot compares it speaks first",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"Shop.example.com.": "shop/web", "API.example.com": "evil/a", "api.example.com": "shop/api"}) +
				gateway("evil", "api", publicSelector, 80, "./api.example.com") +
				gateway("evil", "grab", publicSelector, 80, "./shop.example.com"),
			want: []string{
				`Gateway evil/api: spec.servers[0].hosts[0]: host "api.example.com" on gateway istio-ingress/public belongs to namespace shop: the HostBindings lock records it for app shop/api`,
				`Gateway evil/grab: spec.servers[0].hosts[0]: host "shop.example.com" on gateway istio-ingress/public belongs to namespace shop`,
			}},
		{name: "without a lock record, two spellings of one host are one host claimed twice",
			input: publicGateway("") + ownedApp("a", "one", "api.example.com") + gateway("b", "two", publicSelector, 8080, "./API.example.com."),
			want: []string{
				`AppIntent a/one: spec.hosts[0]: host "api.example.com" on gateway istio-ingress/public is also claimed by namespace b`,
				`Gateway b/two: spec.servers[0].hosts[0]: host "API.example.com." (api.example.com to pilot, which compares hosts lowercased and without a trailing dot) on gateway istio-ingress/public is also claimed by namespace a`,
			}},
		{name: "the owner's own spelling is its own host",
			input: reserved + gateway("shop", "web", publicSelector, 80, "./Shop.Example.com", "./API.shop.example.com.")},

		// Wildcards: a wildcard over hosts another namespace owns needs the
		// platform's consent, whoever holds it first.
		{name: "a wildcard locked first over a host the lock gives another namespace",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"*.example.com": "evil/wild", "shop.example.com": "shop/web"}) +
				ownedApp("shop", "web", "shop.example.com") + ownedApp("evil", "wild", "*.example.com"),
			want: []string{`AppIntent evil/wild: spec.hosts[0]: host "*.example.com" on gateway istio-ingress/public, claimed by namespace evil, covers hosts other namespaces own there: "shop.example.com" of namespace shop (the HostBindings lock records it for app shop/web (in.yaml:15 spec.ports[0].hosts)). Envoy gives each request to the most specific host, but a wildcard answers for those hosts on every port where their owners do not serve them`}},
		{name: "a wildcard over a locked host whose owner is not in this render",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"shop.example.com": "shop/web", "a.shop.example.com": "shop/api", "blog.example.com": "blog/blog", "z.example.com": "z/z"}) +
				gateway("evil", "wild", publicSelector, 80, "./*.EXAMPLE.com"),
			want: []string{`Gateway evil/wild: spec.servers[0].hosts[0]: host "*.EXAMPLE.com" (*.example.com to pilot, which compares hosts lowercased and without a trailing dot) on gateway istio-ingress/public, claimed by namespace evil (through "./", the Gateway's own namespace), covers hosts other namespaces own there: "a.shop.example.com" of namespace shop (the HostBindings lock records it for app shop/api (in.yaml:15 spec.ports[0].hosts)), "blog.example.com" of namespace blog (the HostBindings lock records it for app blog/blog (in.yaml:15 spec.ports[0].hosts)), "shop.example.com" of namespace shop (the HostBindings lock records it for app shop/web (in.yaml:15 spec.ports[0].hosts)), and 1 more. Envoy gives`}},
		{name: "a hand-written wildcard Gateway over hosts hostOwnership reserves",
			input: reserved + gateway("evil", "wild", publicSelector, 80, "./*.example.com"),
			want:  []string{`Gateway evil/wild: spec.servers[0].hosts[0]: host "*.example.com" on gateway istio-ingress/public, claimed by namespace evil (through "./", the Gateway's own namespace), covers hosts other namespaces own there: "*.shop.example.com" (spec.hostOwnership of IngressGateway istio-ingress/public (in.yaml:6) reserves it to namespace(s) shop), "shop.example.com" (`}},
		{name: "a catch-all over a locked host of another namespace stays a warning",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"blog.example.com": "blog/blog"}) + ownedApp("a", "all", "*"),
			want:  []string{`warning: AppIntent a/all: spec.hosts[0]: host "*" claimed by namespace a on gateway istio-ingress/public, a gateway shared by several namespaces (namespace blog holds "blog.example.com" there)`}},
		{name: "a wildcard the platform's hostOwnership gives its claimant: the reserved hosts below are a warning",
			input: publicGateway("  hostOwnership:\n    \"*.example.com\": [tenants]\n    shop.example.com: [shop]\n") + ownedApp("tenants", "t", "*.example.com"),
			want:  []string{`warning: AppIntent tenants/t: spec.hosts[0]: host "*.example.com" on gateway istio-ingress/public, claimed by namespace tenants, also covers hosts of other namespaces: "shop.example.com" (spec.hostOwnership of IngressGateway istio-ingress/public (in.yaml:6) reserves it to namespace(s) shop); spec.hostOwnership["*.example.com"] of IngressGateway istio-ingress/public (in.yaml:6) reserves it to namespace(s) tenants lets namespace tenants hold the wildcard`}},
		{name: "a wildcard over a host another namespace only claims, with no lock record yet: a warning",
			input: publicGateway("") + ownedApp("shop", "web", "shop.example.com") + ownedApp("evil", "wild", "*.example.com"),
			want:  []string{`warning: AppIntent evil/wild: spec.hosts[0]: host "*.example.com" claimed by namespace evil on gateway istio-ingress/public, a gateway shared by several namespaces (namespace shop holds "shop.example.com" there (AppIntent shop/web spec.hosts[0] (in.yaml:`}},
		{name: "a wildcard over its own namespace's locked hosts",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"*.example.com": "tenants/t", "a.example.com": "tenants/a"}) +
				ownedApp("tenants", "t", "*.example.com") + ownedApp("tenants", "a", "a.example.com")},
		{name: "a wildcard is not blamed for a host another namespace claims against the lock",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"*.example.com": "tenants/t", "a.example.com": "tenants/a"}) +
				ownedApp("tenants", "t", "*.example.com") + gateway("evil", "grab", publicSelector, 80, "./a.example.com"),
			want: []string{`Gateway evil/grab: spec.servers[0].hosts[0]: host "a.example.com" on gateway istio-ingress/public belongs to namespace tenants`}},
		{name: "a wildcard is not blamed for a host another namespace claims against hostOwnership",
			input: publicGateway("  hostOwnership:\n    \"*.example.com\": [tenants]\n") + ownedApp("tenants", "t", "*.example.com") + ownedApp("evil", "x", "x.example.com"),
			want:  []string{`AppIntent evil/x: spec.hosts[0]: host "x.example.com" on gateway istio-ingress/public is claimed by namespace evil, but spec.hostOwnership["*.example.com"]`}},
		{name: "a team's own IngressGateway with the platform's selector reserves nothing on the platform's workload",
			input: "apiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: edge, namespace: istio-ingress}\nspec: {existing: true, selector: {istio: edge}}\n---\n" +
				"apiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: mine, namespace: evil}\nspec:\n  existing: true\n  selector: {istio: edge}\n  hostOwnership: {\"*.example.com\": [evil]}\n---\n" +
				lock("istio-ingress/edge", 80, map[string]string{"shop.example.com": "good/shop"}) + gateway("evil", "wild", "istio: edge", 80, "./*.example.com"),
			want: []string{`Gateway evil/wild: spec.servers[0].hosts[0]: host "*.example.com" on gateway evil/mine, claimed by namespace evil (through "./", the Gateway's own namespace), covers hosts other namespaces own there: "shop.example.com" of namespace good`}},
		{name: "a wildcard that covers nobody else's host",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"shop.example.com": "shop/web"}) +
				ownedApp("tenants", "t", "*.tenants.example.com") + ownedApp("shop", "web", "shop.example.com")},

		{name: "edgegate's TLS example: intents, lock and rendered output",
			input: example(t, "tls")},
		{name: "edgegate's two-namespace example: each catch-all on a port of its own",
			input: example(t, "two-namespaces")},
		{name: "edgegate's dedicated-gateway example",
			input: example(t, "dedicated-gateway")},
		{name: "owners claim their reserved hosts, in scopeToNamespace mode too",
			input: publicGateway("  scopeToNamespace: true\n"+shopOwnership) + ownedApp("shop", "web", "shop.example.com", "api.shop.example.com") +
				renderedGateway("istio-ingress", "shop-web", "shop/shop.example.com", "shop/api.shop.example.com") +
				ownedVS("shop", "web", "istio-ingress/shop-web", "shop.example.com", "api.shop.example.com")},
		{name: "a rendered Gateway is judged through its AppIntent, and a matching lock is fine",
			input: publicGateway("") + lock("istio-ingress/public", 80, map[string]string{"shop.example.com": "shop/web"}) +
				ownedApp("shop", "web", "shop.example.com") + renderedGateway("shop", "web", "./shop.example.com")},
		{name: "the same host on two different gateway workloads",
			input: edgeWorkload + gateway("a", "one", "istio: edge", 80, "./api.example.com") + gateway("b", "two", "istio: other", 80, "./api.example.com")},
		{name: "an unscoped Gateway serving reserved hosts",
			input: reserved + gateway("istio-ingress", "shared", publicSelector, 80, "*/shop.example.com", "*/*.shop.example.com"),
			want: []string{
				`Gateway istio-ingress/shared: spec.servers[0].hosts[0]: host "shop.example.com" on gateway istio-ingress/public: spec.hostOwnership["shop.example.com"]`,
				`Gateway istio-ingress/shared: spec.servers[0].hosts[1]: host "*.shop.example.com" on gateway istio-ingress/public: spec.hostOwnership["*.shop.example.com"]`,
			}},
		{name: "the owner's VirtualService on a shared Gateway scoped to the owner",
			input: reserved + gateway("istio-ingress", "shared", publicSelector, 80, "shop/shop.example.com", "shop/*.shop.example.com") +
				ownedVS("shop", "web", "istio-ingress/shared", "shop.example.com", "api.shop.example.com")},
		{name: "namespaces sharing a catch-all-free gateway by distinct hosts",
			input: publicGateway("") + ownedApp("a", "one", "a.example.com") + ownedApp("b", "two", "b.example.com") +
				ownedVS("shop", "web", "mesh", "shop.example.com")},
	}
	runCases(t, "EG010", cases)
}
