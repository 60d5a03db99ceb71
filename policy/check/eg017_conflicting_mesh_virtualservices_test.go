package check

import "testing"

// meshVS is a VirtualService of ns for hosts, with an optional extra spec line
// (gateways, exportTo).
func meshVS(ns, name, hosts, extra string) string {
	return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  hosts: " + hosts + "\n" + extra +
		"  http:\n  - route: [{destination: {host: reviews}}]\n---\n"
}

func TestConflictingMeshVirtualServices(t *testing.T) {
	runCases(t, "EG017", []checkCase{
		{name: "two mesh VirtualServices for one host, short and full names",
			input: meshVS("bookinfo", "reviews", "[reviews]", "") + meshVS("bookinfo", "canary", "[reviews.bookinfo.svc.cluster.local]", "  gateways: [mesh]\n"),
			want: []string{
				`in.yaml:3: error: VirtualService bookinfo/reviews: metadata.name: VirtualService applies to the mesh for host "reviews.bookinfo.svc.cluster.local", and so does VirtualService bookinfo/canary (in.yaml:9): sidecars use only one of them, which is undefined (Istio: IST0109)`,
				`error: VirtualService bookinfo/canary: metadata.name: VirtualService applies to the mesh for host "reviews.bookinfo.svc.cluster.local", and so does VirtualService bookinfo/reviews (in.yaml:1)`,
			}},
		{name: "one exported everywhere, one to its namespace, a wildcard covering the host",
			input: meshVS("a", "all", "[\"*.example.com\"]", "") + meshVS("b", "mine", "[shop.example.com]", "  exportTo: [\".\"]\n"),
			want:  []string{`VirtualService a/all: metadata.name: VirtualService applies to the mesh for host "shop.example.com", and so does VirtualService b/mine`, `VirtualService b/mine: metadata.name:`}},
		{name: "three for one host: each names the other two",
			input: meshVS("a", "one", "[x.example.com]", "") + meshVS("b", "two", "[x.example.com]", "") + meshVS("c", "three", "[x.example.com]", ""),
			want:  []string{`VirtualService a/one: metadata.name: VirtualService applies to the mesh for host "x.example.com", and so does VirtualService b/two (in.yaml:9), VirtualService c/three (in.yaml:17)`, `VirtualService b/two:`, `VirtualService c/three:`}},

		{name: "the same short name in two namespaces is two hosts",
			input: meshVS("a", "reviews", "[reviews]", "") + meshVS("b", "reviews", "[reviews]", "")},
		{name: "VirtualServices bound to Gateways only are EG007's",
			input: meshVS("a", "one", "[x.example.com]", "  gateways: [istio-system/public]\n") + meshVS("b", "two", "[x.example.com]", "  gateways: [istio-system/public]\n")},
		{name: "exported to different namespaces only",
			input: meshVS("a", "one", "[x.example.com]", "  exportTo: [\".\"]\n") + meshVS("b", "two", "[x.example.com]", "  exportTo: [\".\"]\n")},
		{name: "one host written twice in one VirtualService",
			input: meshVS("a", "one", "[x.example.com, X.example.com]", "")},
		{name: "edgegate's rendered output", input: rendered},
	})
}
