package podlabels

import (
	"reflect"
	"testing"

	"github.com/edgegate/edgegate/api/v1alpha1"
)

func TestReaches(t *testing.T) {
	rendered := Rendered("public", &v1alpha1.IngressGatewaySpec{Labels: map[string]string{"team": "platform"}})
	canary := Rendered("payments", &v1alpha1.IngressGatewaySpec{Revision: "canary",
		Labels: map[string]string{"app.kubernetes.io/version": "v2"}})
	existing := Declared(map[string]string{"istio": "ingressgateway"})
	// A gateway of Istio's chart, written by hand: its template's labels.
	chart := Running("Deployment", "istio-ingressgateway", map[string]string{
		"app": "istio-ingressgateway", "istio": "ingressgateway", Inject: "true"}, true)
	// A pod dumped from a cluster: what it carries is written out.
	pod := Running("Pod", "istio-ingressgateway-5d8f7c9b6-x2x7k", map[string]string{
		"istio": "ingressgateway", "pod-template-hash": "5d8f7c9b6"}, false)
	app := Running("Deployment", "productpage", map[string]string{"app": "productpage"}, false)

	for _, tc := range []struct {
		name     string
		pods     Pods
		selector map[string]string
		reaches  bool
		carries  bool
	}{
		{"no selector reaches every gateway", rendered, nil, true, true},
		{"edgegate's own selector", rendered, Selector("public"), true, true},
		{"one label of the selector", rendered, map[string]string{"istio": "public"}, true, true},
		{"a label of spec.labels", rendered, map[string]string{"team": "platform"}, true, true},
		{"the injection label edgegate writes", rendered, map[string]string{Inject: "true"}, true, true},
		{"the canonical name Istio's injector adds", rendered, map[string]string{CanonicalName: "public"}, true, true},
		{"the canonical revision it defaults", rendered, map[string]string{CanonicalRevision: "latest"}, true, true},
		{"the canonical revision from app.kubernetes.io/version", canary, map[string]string{CanonicalRevision: "v2"}, true, true},
		{"the revision label", canary, map[string]string{Revision: "canary"}, true, true},
		{"another canonical name", rendered, map[string]string{CanonicalName: "other"}, false, false},
		{"Kubernetes' template hash, whatever its value", rendered, map[string]string{"pod-template-hash": "5d8f7c9b6"}, true, false},
		{"the mesh's network, whatever its value", rendered, map[string]string{Network: "net1"}, true, false},
		{"a label the pods do not carry", rendered, map[string]string{"app": "public"}, false, false},
		{"a hash next to a label the pods lack", rendered, map[string]string{"pod-template-hash": "x", "app": "public"}, false, false},
		{"a chart gateway's canonical name from its app label", chart, map[string]string{CanonicalName: "istio-ingressgateway"}, true, true},
		{"a pod's hash is written out", pod, map[string]string{"pod-template-hash": "5d8f7c9b6"}, true, true},
		{"another hash on that pod", pod, map[string]string{"pod-template-hash": "abc"}, false, false},
		{"a pod gets no hash from a controller", pod, map[string]string{"controller-revision-hash": "abc"}, false, false},
		{"no injected labels without the gateway template", app, map[string]string{CanonicalName: "productpage"}, false, false},
		{"an existing gateway by its declared selector", existing, map[string]string{"istio": "ingressgateway"}, true, true},
		{"an existing gateway with more labels than declared", existing, map[string]string{"istio": "ingressgateway", "app": "istio-ingressgateway"}, true, false},
		{"an existing gateway by the canonical name the mesh gives it", existing, map[string]string{CanonicalName: "istio-ingressgateway"}, true, false},
		{"an existing gateway by a label sharing nothing declared", existing, map[string]string{"app": "istio-ingressgateway"}, false, false},
		{"an existing gateway contradicted", existing, map[string]string{"istio": "other"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pods.Reaches(tc.selector); got != tc.reaches {
				t.Errorf("Reaches(%v) = %t, want %t (pods %+v)", tc.selector, got, tc.reaches, tc.pods)
			}
			if got := tc.pods.Carries(tc.selector); got != tc.carries {
				t.Errorf("Carries(%v) = %t, want %t (pods %+v)", tc.selector, got, tc.carries, tc.pods)
			}
		})
	}
}

func TestUnsure(t *testing.T) {
	existing := Declared(map[string]string{"istio": "ingressgateway"})
	got := existing.Unsure(map[string]string{"istio": "ingressgateway", "pod-template-hash": "x", "app": "a"})
	if want := []string{"app=a", "pod-template-hash=x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unsure = %v, want %v", got, want)
	}
}

func TestGatewayInjected(t *testing.T) {
	for _, tc := range []struct {
		labels, annotations map[string]string
		want                bool
	}{
		{nil, map[string]string{InjectTemplates: "gateway"}, true},
		{nil, map[string]string{InjectTemplates: "sidecar, gateway"}, true},
		{map[string]string{Inject: "false"}, map[string]string{InjectTemplates: "gateway"}, false},
		{nil, map[string]string{InjectTemplates: "sidecar"}, false},
		{nil, nil, false},
	} {
		if got := GatewayInjected(tc.labels, tc.annotations); got != tc.want {
			t.Errorf("GatewayInjected(%v, %v) = %t, want %t", tc.labels, tc.annotations, got, tc.want)
		}
	}
}

// The API refuses spec.labels that edgegate sets on gateway pods: it must
// know every one of them.
func TestTemplateLabelsAreReservedInTheAPI(t *testing.T) {
	for key := range Template("edge", &v1alpha1.IngressGatewaySpec{Revision: "canary"}) {
		if !v1alpha1.ReservedPodLabel(key) {
			t.Errorf("edgegate sets pod label %s, which spec.labels may override", key)
		}
	}
}
