package fn

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/render"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// hostVocabulary is small so generated apps overlap often: equal hosts,
// wildcards covering hosts and each other, and hosts that merely share a suffix.
var hostVocabulary = []string{"*", "*.a.com", "x.a.com", "a.com", "*.b.a.com", "y.b.a.com", "c.org", "*.org", "xa.com"}

// generate turns fuzz bytes into a set of intents: up to two gateways with
// small port pools (so pools run out), apps with hosts from hostVocabulary,
// TLS with and without redirect, and sometimes a hand-written Gateway, whose
// host is spelt otherwise when spelled (in capitals, or with a trailing dot:
// the same host to pilot).
func generate(data []byte, spelled bool) string {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := int(data[0])
		data = data[1:]
		return b
	}
	var b strings.Builder
	gateways := next() % 3
	for g := 0; g < gateways; g++ {
		fmt.Fprintf(&b, "---\napiVersion: edgegate.dev/v1alpha1\nkind: IngressGateway\nmetadata: {name: gw%d, namespace: ingress%d}\nspec:\n  default: %v\n  ports: {http: [80, %d], https: [443, %d]}\n",
			g, g, g == 0, 8080+next()%3, 8443+next()%3)
	}
	apps := 1 + next()%6
	for a := 0; a < apps; a++ {
		var hosts []string
		seen := map[string]bool{}
		for h := 0; h < 1+next()%3; h++ {
			host := hostVocabulary[next()%len(hostVocabulary)]
			if !seen[host] {
				seen[host] = true
				hosts = append(hosts, fmt.Sprintf("%q", host))
			}
		}
		fmt.Fprintf(&b, "---\napiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: app%d, namespace: ns%d}\nspec:\n  hosts: [%s]\n", a, next()%3, strings.Join(hosts, ", "))
		if gateways > 1 && next()%2 == 1 {
			fmt.Fprintf(&b, "  gateway: gw%d\n", next()%gateways)
		}
		switch next() % 4 {
		case 1:
			b.WriteString("  tls: {credentialName: cert}\n")
		case 2:
			b.WriteString("  tls: {credentialName: cert, httpsRedirect: false}\n")
		case 3:
			if next()%2 == 1 {
				b.WriteString("  tls: {credentialName: other}\n")
			}
		}
		b.WriteString("  routes: [{prefix: /, to: web:80}]\n")
	}
	if next()%4 == 1 {
		selector := selectorVocabulary[next()%len(selectorVocabulary)]
		host := hostVocabulary[next()%len(hostVocabulary)]
		if how := next(); spelled {
			host = respell(host, how)
		}
		fmt.Fprintf(&b, "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: legacy, namespace: old}\nspec:\n  selector: {%s}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [%q]\n",
			selector, host)
	}
	// An app routing to another namespace, which every gateway may or may
	// not list in spec.allowedDestinationNamespaces.
	out := b.String()
	allowed := ""
	if next()%2 == 1 {
		allowed = "  allowedDestinationNamespaces: [ns1]\n"
	}
	out = strings.ReplaceAll(out, "  ports: {http:", allowed+"  ports: {http:")
	if next()%2 == 1 {
		out += fmt.Sprintf("---\napiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata: {name: cross, namespace: ns%d}\nspec:\n  hosts: [cross.example.com]\n  routes: [{to: %q}]\n",
			next()%3, []string{"web.ns1:80", "web.ns2:80", "kubernetes.default:443"}[next()%3])
	}
	return out
}

// respell writes h another way pilot reads as h: in capitals, with a
// trailing dot, or both ("*" has no other spelling).
func respell(h string, how int) string {
	if h == "*" {
		return h
	}
	switch how % 3 {
	case 0:
		return strings.ToUpper(h)
	case 1:
		return h + "."
	}
	return strings.ToUpper(h[:1]) + h[1:] + "."
}

// selectorVocabulary are hand-written Gateways' selectors: edgegate's istio
// label, and labels the mesh and Kubernetes add to the gateway's pods.
var selectorVocabulary = []string{"istio: edge", "istio: gw0", "istio: gw1", "service.istio.io/canonical-name: gw0",
	"service.istio.io/canonical-name: edge", "pod-template-hash: 5d8f7c9b6", "app: gw1"}

// FuzzPipeline renders generated intents through the KRM function. When
// rendering succeeds: no host is bound twice on one listener of a workload
// (overlaps through a wildcard are allowed: Envoy picks the most specific),
// one certificate is presented by one Gateway of a workload and one server
// per port (IST0138; istio/istio#13589), the policy gate finds no error, and
// running the function on its own output changes nothing. Spelling the
// hand-written Gateway's host otherwise changes neither whether the render
// fails nor the bindings it makes.
func FuzzPipeline(f *testing.F) {
	for _, seed := range []string{"", "\x00\x05\x00\x00", "\x02\x01\x02\x05\x03\x00\x01\x01\x01\x01\x01\x01\x01", "\x01\x00\x00\x04\x01\x00\x00\x00\x01\x00\x01\x00\x01\x00\x01"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		input := generate(data, false)
		sameBindingsSpeltOtherwise(t, input, generate(data, true))
		items, diags := manifest.Parse([]byte(input), "gen.yaml")
		if diags.HasErrors() {
			t.Fatalf("generator wrote invalid YAML: %v\n%s", diags, input)
		}
		out, diags := Process(items, Config{Mode: ModeRender})
		for _, d := range diags {
			if strings.Contains(d.Message, "internal error") {
				t.Fatalf("%s\n%s", d.Message, input)
			}
		}
		if diags.HasErrors() {
			if len(out) != 0 {
				t.Fatalf("failed render returned %d items", len(out))
			}
			return
		}
		checkUniqueBindings(t, input)
		checkDestinationNamespaces(t, input, out)
		checkOneServerPerCertificate(t, out, input)

		first := stream(t, out)
		again, d := manifest.Parse([]byte(first), "out.yaml")
		if d.HasErrors() {
			t.Fatalf("output does not parse: %v", d)
		}
		out2, diags := Process(again, Config{Mode: ModeRender})
		if diags.HasErrors() {
			t.Fatalf("re-rendering the output failed:\n%v\ninput:\n%s", diags, input)
		}
		if second := stream(t, out2); second != first {
			t.Fatalf("re-rendering the output changed it\ninput:\n%s\nfirst:\n%s\nsecond:\n%s", input, first, second)
		}
	})
}

func stream(t *testing.T, objs []*manifest.Object) string {
	t.Helper()
	var buf bytes.Buffer
	if err := manifest.WriteStream(&buf, objs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// checkUniqueBindings re-derives the bindings and checks every pair on each
// listener directly, independent of the allocator's index: no host twice.
// checkDestinationNamespaces: a rendered VirtualService routes only to its
// own namespace, or to ns1 when the gateways list it.
func checkDestinationNamespaces(t *testing.T, input string, out []*manifest.Object) {
	t.Helper()
	allowed := strings.Contains(input, "allowedDestinationNamespaces: [ns1]") && strings.Contains(input, "kind: IngressGateway")
	for _, o := range out {
		if o.Kind != "VirtualService" {
			continue
		}
		for _, host := range hostsIn(o.Node) {
			ns, ok := strings.CutSuffix(host, ".svc.cluster.local")
			if !ok {
				continue
			}
			_, ns, _ = strings.Cut(ns, ".")
			if ns != o.Namespace && !(allowed && ns == "ns1") {
				t.Fatalf("VirtualService %s/%s routes to namespace %s\n%s", o.Namespace, o.Name, ns, input)
			}
		}
	}
}

// hostsIn returns the values of every host key under n.
func hostsIn(n *yaml.Node) []string {
	var out []string
	if n == nil {
		return nil
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "host" && n.Content[i+1].Kind == yaml.ScalarNode {
				out = append(out, n.Content[i+1].Value)
			}
		}
	}
	for _, c := range n.Content {
		out = append(out, hostsIn(c)...)
	}
	return out
}

func checkUniqueBindings(t *testing.T, input string) {
	t.Helper()
	objs, _ := manifest.Parse([]byte(input), "gen.yaml")
	res := render.Render(objs, render.Options{})
	type listener struct {
		workload string
		target   int
	}
	held := map[listener][][2]string{} // host, app
	for _, c := range res.Model.Claims {
		l := listener{c.Workload.Key(), c.Listener.Target}
		held[l] = append(held[l], [2]string{c.Host, c.Obj.Key()})
	}
	for _, b := range res.Bindings {
		l := listener{b.Workload.Key(), b.Listener.Target}
		for _, h := range b.Hosts {
			for _, other := range held[l] {
				// Only the same host conflicts; an overlap through a wildcard
				// is Envoy's to resolve by specificity.
				if other[1] != b.App.Key() && hostname.Canonical(h) == hostname.Canonical(other[0]) {
					t.Fatalf("%s on %v is also held by %s\n%s", h, l, other[1], input)
				}
			}
		}
		for _, h := range b.Hosts {
			held[l] = append(held[l], [2]string{h, b.App.Key()})
		}
	}
}

// checkOneServerPerCertificate reads the rendered Gateways: a credentialName
// appears in one Gateway per selector, and in one server per port of it.
func checkOneServerPerCertificate(t *testing.T, out []*manifest.Object, input string) {
	t.Helper()
	gatewayOf := map[string]string{} // selector + credential → Gateway
	for _, o := range out {
		if o.Kind != "Gateway" {
			continue
		}
		selector := stream(t, []*manifest.Object{manifest.NewObject(o.Field("spec", "selector"), manifest.Position{})})
		servers := o.Field("spec", "servers")
		ports := map[string]bool{}
		for _, s := range servers.Content {
			cred := manifest.ScalarValue(manifest.Lookup(s, "tls", "credentialName"))
			if cred == "" {
				continue
			}
			key := selector + "\x00" + cred
			if g, ok := gatewayOf[key]; ok && g != o.Key() {
				t.Fatalf("credentialName %s is presented by Gateways %s and %s of one workload\n%s", cred, g, o.Key(), input)
			}
			gatewayOf[key] = o.Key()
			port := manifest.ScalarValue(manifest.Lookup(s, "port", "number"))
			if ports[cred+"\x00"+port] {
				t.Fatalf("Gateway %s presents %s in two servers of port %s\n%s", o.Key(), cred, port, input)
			}
			ports[cred+"\x00"+port] = true
		}
	}
}

// sameBindingsSpeltOtherwise renders input and its respelled twin: both
// fail or neither, with the same bindings.
func sameBindingsSpeltOtherwise(t *testing.T, input, spelled string) {
	t.Helper()
	if input == spelled {
		return
	}
	summary := func(src string) (string, bool) {
		objs, _ := manifest.Parse([]byte(src), "gen.yaml")
		_, diags := Process(objs, Config{Mode: ModeRender})
		res := render.Render(objs, render.Options{})
		var parts []string
		for _, b := range res.Bindings {
			parts = append(parts, fmt.Sprintf("%s %s/%d %v", b.App.Key(), b.Listener.Protocol, b.Listener.Port, b.Hosts))
		}
		return strings.Join(parts, "\n"), diags.HasErrors()
	}
	a, aFailed := summary(input)
	b, bFailed := summary(spelled)
	if aFailed != bFailed || a != b {
		t.Fatalf("the spelling of a hand-written host changed the render (failed %v → %v)\nbindings:\n%s\nspelt otherwise:\n%s\ninput:\n%s\nspelt otherwise:\n%s", aFailed, bFailed, a, b, input, spelled)
	}
}
