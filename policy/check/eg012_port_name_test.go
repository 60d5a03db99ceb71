package check

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestPortName(t *testing.T) {
	withPorts := func(ports string) string { return withService(ports, "") }
	productpage := `apiVersion: v1
kind: Service
metadata: {name: productpage, namespace: default}
spec:
  selector: {app: productpage}
  ports:
  - {name: web, port: 9080}
  - {name: admin, port: 9901}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bookinfo]
  http:
  - route: [{destination: {host: productpage.default.svc.cluster.local, port: {number: 9080}}}]
---
`
	cases := []checkCase{
		{name: "a gateway Service port named after nothing",
			input: withPorts("  - {name: status-port, port: 15021, targetPort: 15021, protocol: TCP}\n  - {name: web, port: 80, targetPort: 8080, protocol: TCP}\n"),
			want:  []string{`in.yaml:28: warning: Service istio-system/istio-ingressgateway: spec.ports[1].name: port name "web" (port 80) does not say its protocol: name it <protocol>[-suffix], e.g. http-web or tcp-web, or set appProtocol; it exposes a gateway workload, whose in-mesh clients pick the protocol from it, and Kiali reports KIA0601 [EG012]`}},
		{name: "an unnamed gateway Service port",
			input: withPorts("  - {port: 80, targetPort: 8080, protocol: TCP}\n"),
			want:  []string{`warning: Service istio-system/istio-ingressgateway: spec.ports[0].name: port 80 has no name, so Istio cannot tell its protocol`}},
		{name: "an appProtocol Istio does not know",
			input: withPorts("  - {name: http2, appProtocol: web, port: 80, targetPort: 8080, protocol: TCP}\n"),
			want:  []string{`warning: Service istio-system/istio-ingressgateway: spec.ports[0].appProtocol: appProtocol "web" (port 80) is not a protocol Istio knows`}},
		{name: "a Service an ingress route sends to (IST0118)",
			input: seedInstall + gateway("default", "bookinfo", "istio: ingressgateway", 80, "*") + productpage,
			want:  []string{`info: Service default/productpage: spec.ports[0].name: port name "web" (port 9080) does not say its protocol: name it <protocol>[-suffix], e.g. http-web or tcp-web, or set appProtocol; VirtualService default/bookinfo routes ingress traffic to it, and the gateway talks to it in the protocol the name says (Istio: IST0118) [EG012]`}},
		{name: "Gateway server names Kiali flags",
			input: seedInstall + strings.Replace(gateway("default", "web", "istio: ingressgateway", 80, "*"), "name: http,", "name: web,", 1) +
				strings.Replace(gateway("default", "h2", "istio: ingressgateway", 8080, "*"), "name: http,", "name: http2,", 1),
			want: []string{
				`info: Gateway default/web: spec.servers[0].port.name: port name "web" does not start with its protocol HTTP: Istio only needs a unique name, but Kiali reports KIA0601; name it http or http-80`,
				`info: Gateway default/h2: spec.servers[0].port.name: port name "http2" does not start with its protocol HTTP`,
			}},

		{name: "the seed's gateway Service: status-port, http2, https", input: seedInstall},
		{name: "appProtocol names the protocol",
			input: withPorts("  - {name: web, appProtocol: http, port: 80, targetPort: 8080, protocol: TCP}\n  - {name: h2c, appProtocol: kubernetes.io/h2c, port: 81, targetPort: 8080}\n")},
		{name: "UDP and Istio's well-known TCP ports",
			input: withPorts("  - {port: 53, targetPort: 8080, protocol: UDP}\n  - {name: smtp, port: 25, targetPort: 8080}\n")},
		{name: "an app Service no ingress route reaches: Istio's IST0118 too, every port",
			input: seedInstall + strings.Replace(productpage, "gateways: [bookinfo]", "gateways: [mesh]", 1),
			want: []string{
				`info: Service default/productpage: spec.ports[0].name: port name "web" (port 9080) does not say its protocol: name it <protocol>[-suffix], e.g. http-web or tcp-web, or set appProtocol; Istio then sniffs the protocol of every connection to it (Istio: IST0118) [EG012]`,
				`info: Service default/productpage: spec.ports[1].name: port name "admin" (port 9901) does not say its protocol`,
			}},
		{name: "Services in Kubernetes' own namespaces, Istio's own and ExternalName Services are left out, as Istio does",
			input: strings.Replace(productpage[:strings.Index(productpage, "---")+4], "namespace: default", "namespace: kube-system", 1) +
				strings.Replace(productpage[:strings.Index(productpage, "---")+4], "namespace: default}", "namespace: default, labels: {istio: pilot}}", 1) +
				"apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: default}\nspec:\n  type: ExternalName\n  externalName: example.com\n  ports: [{name: web, port: 80}]\n---\n"},
		{name: "a TCP Gateway server may have any name",
			input: seedInstall + strings.Replace(gateway("default", "db", "istio: ingressgateway", 8080, "*"), "name: http, protocol: HTTP", "name: postgres, protocol: TCP", 1)},
		{name: "edgegate's rendered gateway", input: rendered},
	}
	cases = append(cases, examples(t)...)
	runCases(t, "EG012", cases)
}

// TestEG012ReadPorts checks that reading Service ports from the nodes gives
// what the lenient decoder gives, or leaves the list to it.
func TestEG012ReadPorts(t *testing.T) {
	for _, doc := range []string{
		`[{name: http, port: 80}, {name: grpc-web, port: 8080, protocol: TCP, appProtocol: grpc}]`,
		`[{name: 80, port: "80", protocol: 6, appProtocol: 7}]`,
		`[{name: null, port: null, appProtocol: null}, null, 3, [a], {}]`,
		`[{name: a, name: b, port: 1, port: 2, appProtocol: x, appProtocol: y}]`,
		`[{port: 0x50, other: {deep: true}}, {port: 99999999999999999999}, {port: 1.5}]`,
		`[{appProtocol: {a: b}, protocol: [UDP]}]`,
		`{name: http}`, `null`, `"ports"`, `[]`,
		`[&p {name: http, port: 80}, *p]`,
		`[{name: &n http, port: 80}, {name: *n}]`,
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
			t.Fatal(err)
		}
		node := n.Content[0]
		var want []namedPort
		model.DecodeAt(manifest.NewObject(node, manifest.Position{}), node, "spec.ports", &want)
		got, ok := readPorts(nil, node)
		if !ok {
			if !strings.Contains(doc, "*") {
				t.Errorf("%s: left to the decoder", doc)
			}
			continue
		}
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s: read %+v, decoder %+v", doc, got, want)
		}
	}
}

// TestEG012MaxReadPorts checks maxReadPorts against the decoder's node
// budget: a list that long, each port with every field, decodes in full,
// and one port more does not, so a longer list is left to the decoder.
func TestEG012MaxReadPorts(t *testing.T) {
	var item yaml.Node
	if err := yaml.Unmarshal([]byte(`{name: http, port: 80, protocol: TCP, appProtocol: http}`), &item); err != nil {
		t.Fatal(err)
	}
	port := item.Content[0] // shared by every item: not an alias, and cheap
	list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	decode := func() []namedPort {
		var ports []namedPort
		model.DecodeAt(manifest.NewObject(list, manifest.Position{}), list, "spec.ports", &ports)
		return ports
	}
	list.Content = slices.Repeat([]*yaml.Node{port}, maxReadPorts)
	read, ok := readPorts(nil, list)
	if !ok {
		t.Fatal("a list of maxReadPorts ports is left to the decoder")
	}
	if decoded := decode(); !reflect.DeepEqual(read, decoded) {
		t.Error("a list of maxReadPorts ports is read otherwise than decoded")
	}
	list.Content = append(list.Content, port)
	if decoded := decode(); decoded[len(decoded)-1].AppProtocol != nil {
		t.Error("the decoder decodes a list of maxReadPorts+1 ports in full: the limit can be raised")
	}
	if _, ok := readPorts(nil, list); ok {
		t.Error("a list of maxReadPorts+1 ports is read")
	}
}
