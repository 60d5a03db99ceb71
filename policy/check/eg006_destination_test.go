package check

import (
	"strings"
	"testing"
)

func destService(ns, name, annotations string, ports ...int) string {
	s := "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: " + ns
	if annotations != "" {
		s += ", annotations: {" + annotations + "}"
	}
	s += "}\nspec:\n  selector: {app: " + name + "}\n  ports:\n"
	for _, p := range ports {
		s += "  - {name: http-" + itoa(p) + ", port: " + itoa(p) + "}\n"
	}
	return s + "---\n"
}

// route is a VirtualService of namespace ns routing to each destination
// (host, or host:port), one rule each.
func route(ns string, dests ...string) string {
	spec := "  hosts: [web.example.com]\n  gateways: [istio-ingress/public]\n  http:\n"
	for i, d := range dests {
		spec += "  - match: [{uri: {prefix: /p" + itoa(i+1) + "}}]\n    route:\n    - destination: {" + d + "}\n"
	}
	return boundVS(ns, "web", spec)
}

func TestDestination(t *testing.T) {
	productpage := destService("bookinfo", "productpage", "", 9080)
	cases := []checkCase{
		{name: "a Service missing from a namespace whose Services are in the input",
			input: productpage + route("bookinfo", "host: productpage.bookinfo.svc.cluster.local, port: {number: 9080}", "host: reviews.bookinfo.svc.cluster.local, port: {number: 9080}"),
			want:  []string{`VirtualService bookinfo/web: spec.http[1].route[0].destination.host: host "reviews.bookinfo.svc.cluster.local" is not a Service: the input has no Service bookinfo/reviews (its Services of namespace bookinfo: productpage)`}},
		{name: "a short name is the VirtualService's namespace",
			input: productpage + route("bookinfo", "host: productpage, port: {number: 9080}", "host: details, port: {number: 9080}"),
			want:  []string{`VirtualService bookinfo/web: spec.http[1].route[0].destination.host: host "details" is not a Service: the input has no Service bookinfo/details`}},
		{name: "a short name for a Service of another namespace",
			input: productpage + route("web", "host: productpage, port: {number: 9080}"),
			want:  []string{`warning: VirtualService web/web: spec.http[0].route[0].destination.host: short host "productpage" means productpage.web.svc.cluster.local (the VirtualService's namespace), which is not in the input, but Service bookinfo/productpage is: if that is the one, write "productpage.bookinfo.svc.cluster.local"`}},
		{name: "name.namespace is not expanded by Istio",
			input: productpage + route("web", "host: productpage.bookinfo, port: {number: 9080}"),
			want:  []string{`VirtualService web/web: spec.http[0].route[0].destination.host: Istio uses host "productpage.bookinfo" as written and knows no such service: for Service bookinfo/productpage write "productpage.bookinfo.svc.cluster.local"`}},
		{name: "a port the Service does not have (IST0101 host:port)",
			input: productpage + route("bookinfo", "host: productpage, port: {number: 8080}"),
			want:  []string{`VirtualService bookinfo/web: spec.http[0].route[0].destination.port.number: Service bookinfo/productpage has no port 8080 (its ports are [9080]): the route answers 503`}},
		{name: "no port for a multi-port Service (IST0112)",
			input: destService("bookinfo", "ratings", "", 9080, 9090) + route("bookinfo", "host: ratings.bookinfo.svc.cluster.local"),
			want:  []string{`VirtualService bookinfo/web: spec.http[0].route[0].destination: Service bookinfo/ratings has several ports [9080 9090] and the destination names none: set port.number (IST0112)`}},
		{name: "mirrors, tcp and tls destinations",
			input: productpage + boundVS("bookinfo", "web", `  hosts: [web.example.com]
  gateways: [istio-ingress/public]
  http:
  - route:
    - destination: {host: productpage, port: {number: 9080}}
    mirror: {host: shadow}
    mirrors:
    - destination: {host: productpage, port: {number: 1}}
  tcp:
  - route:
    - destination: {host: db.bookinfo.svc.cluster.local, port: {number: 5432}}
  tls:
  - match: [{sniHosts: [web.example.com]}]
    route:
    - destination: {host: productpage, port: {number: 9443}}
`),
			want: []string{
				`spec.http[0].mirror.host: host "shadow" is not a Service`,
				`spec.http[0].mirrors[0].destination.port.number: Service bookinfo/productpage has no port 1`,
				`spec.tcp[0].route[0].destination.host: host "db.bookinfo.svc.cluster.local" is not a Service`,
				`spec.tls[0].route[0].destination.port.number: Service bookinfo/productpage has no port 9443`,
			}},
		{name: "a Service exported to its own namespace only is not visible elsewhere",
			input: destService("bookinfo", "private", `networking.istio.io/exportTo: "."`, 80) + route("web", "host: private.bookinfo.svc.cluster.local, port: {number: 80}"),
			want:  []string{`error: VirtualService web/web: spec.http[0].route[0].destination.host: host "private.bookinfo.svc.cluster.local" is declared by Service bookinfo/private, but its exportTo (annotation networking.istio.io/exportTo) makes it visible only in namespace bookinfo, not in web: Istio's routes there do not see it and answer 503 (IST0101)`}},
		{name: "a ServiceEntry exported to its own namespace only: an error naming exportTo (Istio's IST0101)",
			input: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext, namespace: other}\nspec:\n  exportTo: [\".\"]\n  hosts: [api.example.com]\n  ports: [{number: 443, name: https, protocol: HTTPS}]\n---\n" +
				route("web", "host: api.example.com, port: {number: 443}"),
			want: []string{`error: VirtualService web/web: spec.http[0].route[0].destination.host: host "api.example.com" is declared by ServiceEntry other/ext, but its exportTo (spec.exportTo) makes it visible only in namespace other, not in web`}},
		{name: "a VirtualService exported elsewhere is judged where it applies",
			input: destService("bookinfo", "private", `networking.istio.io/exportTo: "."`, 80) +
				strings.Replace(route("bookinfo", "host: private.bookinfo.svc.cluster.local, port: {number: 80}"), "spec:\n", "spec:\n  exportTo: [web]\n", 1),
			want: []string{`host "private.bookinfo.svc.cluster.local" is declared by Service bookinfo/private, but its exportTo (annotation networking.istio.io/exportTo) makes it visible only in namespace bookinfo, not in web (where the VirtualService's spec.exportTo applies it)`}},
		{name: "Services, ServiceEntries and exportTo as istioctl resolves them",
			input: productpage + destService("bookinfo", "private", `networking.istio.io/exportTo: "."`, 80) +
				`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: bookinfo}
spec:
  hosts: [legacy.bookinfo.svc.cluster.local, "*.partners.example.com"]
  ports: [{number: 443, name: https, protocol: HTTPS}]
---
` + route("bookinfo", "host: productpage, port: {number: 9080}", "host: private, port: {number: 80}",
				"host: legacy.bookinfo.svc.cluster.local, port: {number: 443}", "host: api.partners.example.com, port: {number: 443}",
				"host: productpage.bookinfo.svc.cluster.local")},
		{name: "no Service of that namespace in the input: an info per host, as Istio reports IST0101",
			input: productpage + route("shop", "host: cart.shop.svc.cluster.local, port: {number: 80}", "host: cart, port: {number: 80}",
				"host: api.example.com", "host: cart.shop, port: {number: 80}", "host: cart, port: {number: 8080}"),
			want: []string{
				`info: VirtualService shop/web: spec.http[0].route[0].destination.host: host "cart.shop.svc.cluster.local" is not checked: the input holds no Service of namespace shop, so the gate cannot tell whether Service shop/cart exists; Istio's analyzer, given only these files, reports it as not found (IST0101); put the namespace's Services in the input to have it checked [EG006]`,
				`info: VirtualService shop/web: spec.http[1].route[0].destination.host: host "cart" (cart.shop.svc.cluster.local) is not checked: the input holds no Service of namespace shop`,
				`info: VirtualService shop/web: spec.http[2].route[0].destination.host: host "api.example.com" is not checked: it is outside the cluster domain and no ServiceEntry of the input declares it, which is fine if one applied from elsewhere does; Istio's analyzer, given only these files, reports it as not found (IST0101) [EG006]`,
				`info: VirtualService shop/web: spec.http[3].route[0].destination.host: host "cart.shop" is not checked: it is outside the cluster domain`,
			}},
		{name: "the partial input of a team: no Service at all",
			input: route("default", "host: productpage, port: {number: 9080}"),
			want:  []string{`info: VirtualService default/web: spec.http[0].route[0].destination.host: host "productpage" (productpage.default.svc.cluster.local) is not checked: the input holds no Service of namespace default`}},
		{name: "resolved destinations have no info",
			input: productpage + route("bookinfo", "host: productpage, port: {number: 9080}"), infos: true},
	}
	runCases(t, "EG006", append(cases, goldenCases(t)...))
}

// A VirtualService on a gateway of edgegate's may route only to its own
// namespace and those the IngressGateway lists in
// spec.allowedDestinationNamespaces, as render holds AppIntents to.
func TestDestinationCrossNamespace(t *testing.T) {
	edgeGW := gateway("evil", "gw", "istio: ingressgateway", 80, "evil.example.com")
	vs := func(gateways, rules string) string {
		return boundVS("evil", "web", "  hosts: [evil.example.com]\n  gateways: ["+gateways+"]\n  http:\n"+rules)
	}
	toAPI := "  - route: [{destination: {host: kubernetes.default.svc.cluster.local, port: {number: 443}}}]\n"
	mirrorIstiod := "  - route: [{destination: {host: web}}]\n    mirror: {host: istiod.istio-system.svc.cluster.local, port: {number: 15014}}\n"
	allowing := strings.Replace(existingDecl, "  existing: true\n", "  existing: true\n  allowedDestinationNamespaces: [default]\n", 1)
	runCases(t, "EG006", []checkCase{
		{name: "to the API server through edgegate's gateway",
			input: existingDecl + edgeGW + vs("evil/gw", toAPI),
			want:  []string{`VirtualService evil/web: spec.http[0].route[0].destination.host: destination "kubernetes.default.svc.cluster.local" is a Service of namespace default, not of evil: an app on gateway istio-system/ingressgateway (in.yaml:1) routes only to its own namespace and those its IngressGateway lists in spec.allowedDestinationNamespaces (it lists none)`}},
		{name: "a mirror to istiod's debug port",
			input: existingDecl + edgeGW + vs("evil/gw", mirrorIstiod),
			want:  []string{`VirtualService evil/web: spec.http[0].mirror.host: destination "istiod.istio-system.svc.cluster.local" is a Service of namespace istio-system, not of evil`}},
		{name: "a namespace the platform lists",
			input: allowing + edgeGW + vs("evil/gw", toAPI)},
		{name: "a namespace the platform lists does not open the others",
			input: allowing + edgeGW + vs("evil/gw", mirrorIstiod),
			want:  []string{`spec.http[0].mirror.host: destination "istiod.istio-system.svc.cluster.local" is a Service of namespace istio-system, not of evil: an app on gateway istio-system/ingressgateway (in.yaml:1) routes only to its own namespace and those its IngressGateway lists in spec.allowedDestinationNamespaces (it lists only default)`}},
		{name: "the mesh's sidecars are not the gateway",
			input: existingDecl + edgeGW + vs("mesh", toAPI)},
		{name: "a gateway edgegate does not declare sets no limit",
			input: seedInstall + edgeGW + vs("evil/gw", toAPI)},
		{name: "its own namespace's Service by its full name",
			input: existingDecl + edgeGW + vs("evil/gw", "  - route: [{destination: {host: web.evil.svc.cluster.local}}]\n")},
	})
}
