// Package analyze runs all of Istio's analyzers offline over Kubernetes YAML
// the way tests/istio's analyzer test does (analyzers.AllCombined(), Pods and
// Services included, no default resources), for tools outside the test
// binary: tests/istio/cmd/istio-analyze, which `make bench` times against
// `edgegate check`.
//
// The analyzers need the gateway Pods to run their gateway checks; Pods
// synthesizes them from the Deployments, with the injection Istio's webhooks
// would apply (see SynthesizePods). The test files keep their own copy of this
// setup; this package duplicates the minimal part of it.
package analyze

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	klabels "k8s.io/apimachinery/pkg/labels"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/diag"
	"istio.io/istio/pkg/config/analysis/local"
	istiolog "istio.io/istio/pkg/log"
)

// PodInputs are the kinds SynthesizePods reads.
var PodInputs = []string{"Deployment", "Namespace", "MutatingWebhookConfiguration"}

// ProxyImage is what Istio's injector puts in place of `image: auto`.
const ProxyImage = "docker.io/istio/proxyv2:1.31.0"

// Object is one Kubernetes object of a YAML stream, kept as written.
type Object struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	YAML       []byte
}

func (o Object) group() string {
	if g, _, ok := strings.Cut(o.APIVersion, "/"); ok {
		return g
	}
	return ""
}

// Source is a named YAML stream, e.g. a file.
type Source struct {
	Name string
	Data []byte
}

// ParseObjects splits a YAML stream into objects, skipping empty documents.
// With kinds, only documents that mention one of them ("kind: X") are decoded
// and kept, which is much faster on large streams.
func ParseObjects(source string, data []byte, kinds ...string) ([]Object, error) {
	var marks [][]byte
	for _, k := range kinds {
		marks = append(marks, []byte(k))
	}
	r := kubeyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []Object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		if len(marks) > 0 && !mentionsAny(doc, marks) {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		if head.Kind == "" || len(kinds) > 0 && !slices.Contains(kinds, head.Kind) {
			continue // empty, comments only, or not asked for
		}
		out = append(out, Object{
			APIVersion: head.APIVersion, Kind: head.Kind,
			Name: head.Metadata.Name, Namespace: head.Metadata.Namespace,
			YAML: bytes.TrimSpace(doc),
		})
	}
}

func mentionsAny(doc []byte, marks [][]byte) bool {
	for _, m := range marks {
		if bytes.Contains(doc, m) {
			return true
		}
	}
	return false
}

// SynthesizePods makes the Pod each Deployment among objs would run once the
// cluster's injection webhook has seen it: the template's labels, annotations
// and containers; `image: auto` becomes the proxy image, with the labels and
// annotations Istio's gateway injection sets, when one of the Istio webhooks
// among objs selects the pod (namespace labels and pod labels, as the API
// server evaluates them). Each pod gets its own IP and is Running and Ready.
// It returns the pods as one YAML stream, and their number. objs needs the
// Deployments, Namespaces and MutatingWebhookConfigurations (see PodInputs).
func SynthesizePods(objs []Object) ([]byte, int, error) {
	webhooks, err := istioWebhooks(objs)
	if err != nil {
		return nil, 0, err
	}
	nsLabels := map[string]map[string]string{}
	for _, o := range objs {
		if o.Kind == "Namespace" && o.group() == "" {
			var n corev1.Namespace
			if err := yaml.Unmarshal(o.YAML, &n); err != nil {
				return nil, 0, fmt.Errorf("Namespace %s: %v", o.Name, err)
			}
			nsLabels[o.Name] = n.Labels
		}
	}
	var docs [][]byte
	for _, o := range objs {
		if o.Kind != "Deployment" || o.group() != "apps" {
			continue
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal(o.YAML, &d); err != nil {
			return nil, 0, fmt.Errorf("Deployment %s/%s: %v", o.Namespace, o.Name, err)
		}
		n := len(docs) + 10
		ip := fmt.Sprintf("10.244.%d.%d", n/250, n%250+1)
		pod := &corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{
				Name:        d.Name + "-synthesized",
				Namespace:   d.Namespace,
				Labels:      copyMap(d.Spec.Template.Labels),
				Annotations: copyMap(d.Spec.Template.Annotations),
			},
			Spec: *d.Spec.Template.Spec.DeepCopy(),
			Status: corev1.PodStatus{
				Phase:      corev1.PodRunning,
				PodIP:      ip,
				PodIPs:     []corev1.PodIP{{IP: ip}},
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			},
		}
		labels := copyMap(nsLabels[d.Namespace])
		setDefault(labels, "kubernetes.io/metadata.name", d.Namespace) // the API server sets it
		if injector := injectedBy(webhooks, labels, pod.Labels); injector != "" {
			inject(pod, injector)
		}
		b, err := yaml.Marshal(pod)
		if err != nil {
			return nil, 0, err
		}
		docs = append(docs, bytes.TrimSpace(b))
	}
	return append(bytes.Join(docs, []byte("\n---\n")), '\n'), len(docs), nil
}

// inject applies what Istio's gateway injection template changes in a pod
// that analyzers look at: the proxy image in place of auto, the canonical
// service labels and the revision annotation.
func inject(pod *corev1.Pod, webhook string) {
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if c.Name == "istio-proxy" && c.Image == "auto" {
			c.Image = ProxyImage
		}
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	setDefault(pod.Labels, "service.istio.io/canonical-name",
		firstNonEmpty(pod.Labels["app.kubernetes.io/name"], pod.Labels["app"], pod.Name))
	setDefault(pod.Labels, "service.istio.io/canonical-revision",
		firstNonEmpty(pod.Labels["app.kubernetes.io/version"], pod.Labels["version"], "latest"))
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	setDefault(pod.Annotations, "istio.io/rev", firstNonEmpty(pod.Labels["istio.io/rev"], "default"))
	pod.Annotations["sidecar.istio.io/status"] = fmt.Sprintf(`{"injectedBy":%q,"templates":[%q]}`,
		webhook, firstNonEmpty(pod.Annotations["inject.istio.io/templates"], "sidecar"))
}

type namedWebhook struct {
	config string
	admissionv1.MutatingWebhook
}

// istioWebhooks are the injection webhooks among objs (named *istio.io, as
// Istio's own analyzers recognise them).
func istioWebhooks(objs []Object) ([]namedWebhook, error) {
	var out []namedWebhook
	for _, o := range objs {
		if o.Kind != "MutatingWebhookConfiguration" {
			continue
		}
		var c admissionv1.MutatingWebhookConfiguration
		if err := yaml.Unmarshal(o.YAML, &c); err != nil {
			return nil, fmt.Errorf("MutatingWebhookConfiguration %s: %v", o.Name, err)
		}
		for _, wh := range c.Webhooks {
			if strings.HasSuffix(wh.Name, "istio.io") {
				out = append(out, namedWebhook{config: c.Name, MutatingWebhook: wh})
			}
		}
	}
	return out, nil
}

func injectedBy(webhooks []namedWebhook, nsLabels, podLabels map[string]string) string {
	for _, wh := range webhooks {
		if selects(wh.NamespaceSelector, nsLabels) && selects(wh.ObjectSelector, podLabels) {
			return wh.config + "/" + wh.Name
		}
	}
	return ""
}

func selects(s *metav1.LabelSelector, labels map[string]string) bool {
	if s == nil {
		return true
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	return err == nil && sel.Matches(klabels.Set(labels))
}

// Result is what one analysis found, and how long it took.
type Result struct {
	Messages          diag.Messages
	ExecutedAnalyzers []string
	SkippedAnalyzers  []string
	// Load is the time spent handing the sources to the analyzer (it parses
	// them), Analyze the time of the analysis itself.
	Load, Analyze time.Duration
}

// Analyzer holds loaded sources, ready to analyze.
type Analyzer struct {
	sa   *local.IstiodAnalyzer
	load time.Duration
}

// Load hands the sources to Istio's analyzer (all of them:
// analyzers.AllCombined()), which parses them, the way `istioctl analyze`
// reads files: Pods and Services included, no default resources added,
// istio-system as Istio's namespace.
func Load(sources []Source) (*Analyzer, error) {
	start := time.Now()
	sa := local.NewIstiodAnalyzer(analyzers.AllCombined(), "", "istio-system", nil)
	readers := make([]local.ReaderSource, 0, len(sources))
	for _, s := range sources {
		readers = append(readers, local.ReaderSource{Name: s.Name, Reader: bytes.NewReader(s.Data)})
	}
	if err := sa.AddTestReaderKubeSource(readers); err != nil {
		return nil, fmt.Errorf("analyzer sources: %v", err)
	}
	return &Analyzer{sa: sa, load: time.Since(start)}, nil
}

// Analyze runs the analyzers over what Load loaded.
func (a *Analyzer) Analyze() (*Result, error) {
	start := time.Now()
	cancel := make(chan struct{})
	defer close(cancel)
	res, err := a.sa.Analyze(cancel)
	if err != nil {
		return nil, fmt.Errorf("analyze: %v", err)
	}
	return &Result{
		Messages:          res.Messages,
		ExecutedAnalyzers: res.ExecutedAnalyzers,
		SkippedAnalyzers:  res.SkippedAnalyzers,
		Load:              a.load,
		Analyze:           time.Since(start),
	}, nil
}

// Run loads the sources and analyzes them.
func Run(sources []Source) (*Result, error) {
	a, err := Load(sources)
	if err != nil {
		return nil, err
	}
	return a.Analyze()
}

// SilenceLogs turns off every Istio log scope: their output is noise here.
func SilenceLogs() {
	opts := istiolog.DefaultOptions()
	opts.SetDefaultOutputLevel(istiolog.OverrideScopeName, istiolog.NoneLevel)
	_ = istiolog.Configure(opts)
	for _, s := range istiolog.Scopes() {
		s.SetOutputLevel(istiolog.NoneLevel)
		s.SetStackTraceLevel(istiolog.NoneLevel)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func setDefault(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
