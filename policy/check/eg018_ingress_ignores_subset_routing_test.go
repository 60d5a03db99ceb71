package check

import (
	"strings"
	"testing"
)

func TestIngressIgnoresSubsetRouting(t *testing.T) {
	ingress := func(dest string) string {
		return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bookinfo, namespace: bookinfo}\nspec:\n  hosts: [bookinfo.example.com]\n  gateways: [istio-system/public]\n  http:\n  - route: [{destination: {" + dest + "}}]\n---\n"
	}
	subsets := "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: bookinfo}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - {destination: {host: reviews, subset: v1}, weight: 90}\n    - {destination: {host: reviews, subset: v2}, weight: 10}\n---\n"
	runCases(t, "EG018", []checkCase{
		{name: "an ingress route without subset beside a mesh VirtualService splitting by subset",
			input: ingress("host: reviews") + subsets,
			want:  []string{`in.yaml:8: warning: VirtualService bookinfo/bookinfo: spec.http[0].route[0].destination.host: ingress traffic goes to every pod of "reviews": VirtualService bookinfo/reviews (in.yaml:10) routes that host to subsets, but a gateway applies only the VirtualServices bound to it, so those subsets never apply to requests from here (Istio: IST0140)`}},
		{name: "the same Service written in full",
			input: ingress("host: reviews.bookinfo.svc.cluster.local") + subsets,
			want:  []string{`spec.http[0].route[0].destination.host: ingress traffic goes to every pod of "reviews.bookinfo.svc.cluster.local"`}},

		{name: "the ingress route names a subset",
			input: ingress("host: reviews, subset: v1") + subsets},
		{name: "another namespace's reviews is another Service",
			input: ingress("host: reviews") + strings.Replace(subsets, "namespace: bookinfo", "namespace: other", 1)},
		{name: "a mesh VirtualService whose subsets route another host",
			input: ingress("host: reviews") + strings.Replace(subsets, "hosts: [reviews]", "hosts: [ratings]", 1)},
		{name: "no ingress route", input: subsets},
	})
}
