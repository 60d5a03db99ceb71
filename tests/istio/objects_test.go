package istio

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	klabels "k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/edgegate/edgegate/tests/istio/analyze"
)

// generated marks a Secret stringData value the harness fills with a
// throwaway certificate (tls.crt, ca.crt) or key (tls.key).
const generated = "GENERATED"

// object is one Kubernetes object of a YAML stream, kept as written, and
// where it comes from.
type object struct {
	analyze.Object
	Source string // "rendered", a fixture file, or "synthesized"
}

// isIstio reports whether the object is Istio configuration (pilot's
// ConfigString) rather than a Kubernetes object (its kube registry).
func (o object) isIstio() bool { return strings.HasSuffix(o.Group(), "istio.io") }

func (o object) key() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// decode strictly decodes the object into a typed Kubernetes struct: a field
// the API server would not know fails the test.
func (o object) decode(t *testing.T, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(o.YAML, v); err != nil {
		t.Fatalf("%s (%s): %v", o.key(), o.Source, err)
	}
}

// parseObjects splits a YAML stream into objects: every document not empty
// (nothing but comments) must have a kind. A List (kind List or *List, with
// items, as `kubectl get -o yaml` writes it) stands for its items, nested
// Lists too: kubectl applies the items, never the List, so that is what the
// cluster (and pilot) gets.
func parseObjects(source string, data []byte) ([]object, error) {
	objs, err := analyze.ParseObjects(source, data)
	if err != nil {
		return nil, err
	}
	out := make([]object, 0, len(objs))
	for _, o := range objs {
		if !isList(o) {
			out = append(out, object{Object: o, Source: source})
			continue
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if err := yaml.Unmarshal(o.YAML, &list); err != nil {
			return nil, fmt.Errorf("%s: %s %s: %v", source, o.Kind, o.Name, err)
		}
		for i, item := range list.Items {
			b, err := yaml.Marshal(item)
			if err != nil {
				return nil, fmt.Errorf("%s: %s %s: items[%d]: %v", source, o.Kind, o.Name, i, err)
			}
			items, err := parseObjects(source, b)
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
	}
	return out, nil
}

// isList reports whether kubectl would unwrap the object: its kind is List
// or ends in List, and it has items.
func isList(o analyze.Object) bool {
	if o.Kind != "List" && !strings.HasSuffix(o.Kind, "List") {
		return false
	}
	var probe struct {
		Items *[]any `json:"items"`
	}
	return yaml.Unmarshal(o.YAML, &probe) == nil && probe.Items != nil
}

func objectOf(t *testing.T, source string, v any) object {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := parseObjects(source, b)
	if err != nil || len(objs) != 1 {
		t.Fatalf("re-reading %T: %v", v, err)
	}
	return objs[0]
}

// world is one example's cluster: what edgegate rendered, the fixtures, and
// the gateway pods synthesized from the rendered Deployments.
type world struct {
	example  string
	rendered []object
	fixtures []object
	pods     []object
	// podOf maps "namespace/name" of a rendered Deployment to its synthesized pod.
	podOf map[string]*corev1.Pod
}

func (w *world) all() []object {
	return append(append(append([]object{}, w.rendered...), w.fixtures...), w.pods...)
}

func (w *world) ofKind(kind string) []object {
	var out []object
	for _, o := range w.all() {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// stream joins objects into one YAML stream (documents separated by "\n---\n",
// which is what pilot's fake kube client splits on).
func stream(objs []object, keep func(object) bool) string {
	var docs []string
	for _, o := range objs {
		if keep(o) {
			docs = append(docs, string(o.YAML))
		}
	}
	return strings.Join(docs, "\n---\n") + "\n"
}

func (w *world) istioConfig() string {
	return stream(w.all(), func(o object) bool { return o.isIstio() })
}

func (w *world) kubeObjects() string {
	return stream(w.all(), func(o object) bool { return !o.isIstio() })
}

// loadWorld renders an example (dir: its input directory, relative to the
// repository or absolute) and assembles its cluster.
// clusterGroups are the API groups the simulated cluster knows.
var clusterGroups = map[string]bool{
	"": true, "apps": true, "policy": true, "autoscaling": true, "rbac.authorization.k8s.io": true,
	"networking.istio.io": true, "security.istio.io": true, "admissionregistration.k8s.io": true,
}

func loadWorld(t *testing.T, example, dir string) *world {
	t.Helper()
	w := &world{example: example, podOf: map[string]*corev1.Pod{}}
	var err error
	rendered, err := parseObjects("rendered", render(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rendered {
		// Examples wiring edgegate into Argo CD or Flux pass those tools'
		// objects through; they mean nothing to Istio and its fake cluster.
		if !clusterGroups[o.Group()] {
			t.Logf("example %s: %s (%s) is not Istio's or Kubernetes' own; left out", example, o.key(), o.APIVersion)
			continue
		}
		w.rendered = append(w.rendered, o)
	}
	for _, f := range []string{"control-plane.yaml", example + ".yaml"} {
		path := filepath.Join("testdata", "fixtures", f)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("fixtures of example %s: %v", example, err)
		}
		objs, err := parseObjects(path, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.Kind == "Secret" && o.Group() == "" {
				o = fillSecret(t, o)
			}
			w.fixtures = append(w.fixtures, o)
		}
	}
	w.synthesizePods(t)
	return w
}

// fillSecret replaces GENERATED stringData values with a fresh self-signed
// certificate and key, and folds stringData into data as the API server does
// (Istio's credential readers and analyzers only read data).
func fillSecret(t *testing.T, o object) object {
	t.Helper()
	var s corev1.Secret
	o.decode(t, &s)
	if len(s.StringData) == 0 {
		return o
	}
	certPEM, keyPEM := selfSignedCertificate(t, s.Name)
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		if v == generated {
			switch k {
			case corev1.TLSPrivateKeyKey:
				v = string(keyPEM)
			default:
				v = string(certPEM)
			}
		}
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
	return objectOf(t, o.Source, &s)
}

func selfSignedCertificate(t *testing.T, name string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"edgegate tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{name},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// synthesizePods makes the pod each rendered Deployment would run once the
// cluster's injection webhook has seen it (see analyze.SynthesizePod): with
// `image: auto` replaced by the proxy image when one of the cluster's Istio
// webhooks selects the pod; otherwise the image stays auto, as it would in a
// cluster where nothing injects.
func (w *world) synthesizePods(t *testing.T) {
	t.Helper()
	webhooks := w.istioWebhooks(t)
	for _, o := range w.rendered {
		if o.Kind != "Deployment" || o.Group() != "apps" {
			continue
		}
		var d appsv1.Deployment
		o.decode(t, &d)
		pod, injector := analyze.SynthesizePod(&d, len(w.pods), w.namespaceLabels(t, d.Namespace), webhooks)
		if injector == "" {
			t.Logf("no Istio injection webhook selects the pods of Deployment %s/%s: their image stays as written", d.Namespace, d.Name)
		}
		w.podOf[d.Namespace+"/"+d.Name] = pod
		w.pods = append(w.pods, objectOf(t, "synthesized", pod))
	}
}

// istioWebhooks are the cluster's Istio injection webhooks (see
// analyze.IstioWebhooks).
func (w *world) istioWebhooks(t *testing.T) []analyze.Webhook {
	t.Helper()
	var out []analyze.Webhook
	for _, o := range w.all() {
		if o.Kind != "MutatingWebhookConfiguration" {
			continue
		}
		var c admissionv1.MutatingWebhookConfiguration
		o.decode(t, &c)
		out = append(out, analyze.IstioWebhooks(&c)...)
	}
	return out
}

// namespaceLabels are the labels of namespace ns (see analyze.NamespaceLabels).
func (w *world) namespaceLabels(t *testing.T, ns string) map[string]string {
	t.Helper()
	for _, o := range w.all() {
		if o.Kind == "Namespace" && o.Group() == "" && o.Name == ns {
			var n corev1.Namespace
			o.decode(t, &n)
			return analyze.NamespaceLabels(ns, n.Labels)
		}
	}
	return analyze.NamespaceLabels(ns, nil)
}

// pod finds a pod (synthesized or from the fixtures) by "namespace/name".
func (w *world) pod(t *testing.T, key string) *corev1.Pod {
	t.Helper()
	for _, o := range w.all() {
		if o.Kind == "Pod" && o.Group() == "" && o.Namespace+"/"+o.Name == key {
			var p corev1.Pod
			o.decode(t, &p)
			return &p
		}
	}
	t.Fatalf("example %s has no pod %s (fixtures: testdata/fixtures/%s.yaml)", w.example, key, w.example)
	return nil
}

// servicesOf lists the Services that select a pod, as a load balancer in
// front of the gateway would find it.
func (w *world) servicesOf(t *testing.T, pod *corev1.Pod) []*corev1.Service {
	t.Helper()
	var out []*corev1.Service
	for _, o := range w.ofKind("Service") {
		if o.Group() != "" || o.Namespace != pod.Namespace {
			continue
		}
		var s corev1.Service
		o.decode(t, &s)
		if len(s.Spec.Selector) > 0 && klabels.SelectorFromSet(s.Spec.Selector).Matches(klabels.Set(pod.Labels)) {
			out = append(out, &s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// podPort translates a Service port to the pod port a connection to it lands
// on: the targetPort, by number or by container port name; no targetPort
// means the port itself.
func podPort(svc *corev1.Service, pod *corev1.Pod, port int) (int, bool) {
	for _, sp := range svc.Spec.Ports {
		if int(sp.Port) != port || (sp.Protocol != "" && sp.Protocol != corev1.ProtocolTCP) {
			continue
		}
		switch {
		case sp.TargetPort.IntValue() != 0:
			return sp.TargetPort.IntValue(), true
		case sp.TargetPort.StrVal != "":
			for _, c := range pod.Spec.Containers {
				for _, cp := range c.Ports {
					if cp.Name == sp.TargetPort.StrVal {
						return int(cp.ContainerPort), true
					}
				}
			}
			return 0, false
		default:
			return port, true
		}
	}
	return 0, false
}
