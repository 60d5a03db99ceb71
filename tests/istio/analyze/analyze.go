// Package analyze runs all of Istio's analyzers offline over Kubernetes YAML,
// for tests/istio's tests and for tools outside the test binary:
// tests/istio/cmd/istio-analyze, which `make bench` times against `edgegate
// check`. It reads objects (ParseObjects), synthesizes the gateway Pods the
// analyzers need for their gateway checks from the Deployments, with the
// injection Istio's webhooks would apply (SynthesizePods, SynthesizePod), and
// runs the analyzers (analyzers.AllCombined()) the way `istioctl analyze`
// does over a cluster, or over files (Load, Run, Options).
package analyze

import (
	"bufio"
	"bytes"
	"cmp"
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

// Group is the object's API group ("" for the core group).
func (o Object) Group() string {
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

// ParseObjects splits a YAML stream into objects, skipping empty documents
// (nothing but comments). Without kinds, every other document must have a
// kind. With kinds, only documents of those kinds are kept, and only those
// that mention one of them ("kind: X") are decoded, which is much faster on
// large streams.
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
		if head.Kind == "" {
			if len(kinds) > 0 || len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue // not asked for, or empty
			}
			return nil, fmt.Errorf("%s: a document without kind:\n%s", source, doc)
		}
		if len(kinds) > 0 && !slices.Contains(kinds, head.Kind) {
			continue // not asked for
		}
		out = append(out, Object{
			APIVersion: head.APIVersion, Kind: head.Kind,
			Name: head.Metadata.Name, Namespace: head.Metadata.Namespace,
			YAML: bytes.TrimSpace(doc),
		})
	}
}

// stripComments drops the document's comment lines.
func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.Bytes()
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
// cluster's injection webhook has seen it (see SynthesizePod), with the
// Istio webhooks and the Namespaces among objs. It returns the pods as one
// YAML stream, and their number. objs needs the Deployments, Namespaces and
// MutatingWebhookConfigurations (see PodInputs).
func SynthesizePods(objs []Object) ([]byte, int, error) {
	var webhooks []Webhook
	nsLabels := map[string]map[string]string{}
	for _, o := range objs {
		switch {
		case o.Kind == "MutatingWebhookConfiguration":
			var c admissionv1.MutatingWebhookConfiguration
			if err := yaml.Unmarshal(o.YAML, &c); err != nil {
				return nil, 0, fmt.Errorf("MutatingWebhookConfiguration %s: %v", o.Name, err)
			}
			webhooks = append(webhooks, IstioWebhooks(&c)...)
		case o.Kind == "Namespace" && o.Group() == "":
			var n corev1.Namespace
			if err := yaml.Unmarshal(o.YAML, &n); err != nil {
				return nil, 0, fmt.Errorf("Namespace %s: %v", o.Name, err)
			}
			nsLabels[o.Name] = n.Labels
		}
	}
	var docs [][]byte
	for _, o := range objs {
		if o.Kind != "Deployment" || o.Group() != "apps" {
			continue
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal(o.YAML, &d); err != nil {
			return nil, 0, fmt.Errorf("Deployment %s/%s: %v", o.Namespace, o.Name, err)
		}
		pod, _ := SynthesizePod(&d, len(docs), NamespaceLabels(d.Namespace, nsLabels[d.Namespace]), webhooks)
		b, err := yaml.Marshal(pod)
		if err != nil {
			return nil, 0, err
		}
		docs = append(docs, bytes.TrimSpace(b))
	}
	return append(bytes.Join(docs, []byte("\n---\n")), '\n'), len(docs), nil
}

// SynthesizePod makes the Pod a Deployment would run once the cluster's
// injection webhook has seen it: the template's labels, annotations and
// containers, Running and Ready with its own IP (i is the pod's index among
// those synthesized, from 0, and picks the IP). When one of webhooks selects
// the pod (nsLabels are its namespace's labels, see NamespaceLabels; the pod's
// are the template's, as the API server evaluates them), the pod is injected
// (see Inject) and injector names that webhook. Otherwise injector is "" and
// the image stays as written (auto), as in a cluster where nothing injects.
func SynthesizePod(d *appsv1.Deployment, i int, nsLabels map[string]string, webhooks []Webhook) (pod *corev1.Pod, injector string) {
	n := i + 10
	ip := fmt.Sprintf("10.244.%d.%d", n/250, n%250+1)
	pod = &corev1.Pod{
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
	if injector = InjectedBy(webhooks, nsLabels, pod.Labels); injector != "" {
		Inject(pod, injector)
	}
	return pod, injector
}

// NamespaceLabels are the labels of namespace name as the API server keeps
// them: labels (a copy; nil if the Namespace is not known) and
// kubernetes.io/metadata.name, which the API server sets.
func NamespaceLabels(name string, labels map[string]string) map[string]string {
	out := copyMap(labels)
	setDefault(out, "kubernetes.io/metadata.name", name)
	return out
}

// Inject applies what Istio's gateway injection template changes in a pod
// that analyzers and pilot look at: the proxy image in place of auto, the
// canonical service labels and the revision annotation. webhook names the
// injecting webhook (see InjectedBy).
func Inject(pod *corev1.Pod, webhook string) {
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
		cmp.Or(pod.Labels["app.kubernetes.io/name"], pod.Labels["app"], pod.Name))
	setDefault(pod.Labels, "service.istio.io/canonical-revision",
		cmp.Or(pod.Labels["app.kubernetes.io/version"], pod.Labels["version"], "latest"))
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	setDefault(pod.Annotations, "istio.io/rev", cmp.Or(pod.Labels["istio.io/rev"], "default"))
	pod.Annotations["sidecar.istio.io/status"] = fmt.Sprintf(`{"injectedBy":%q,"templates":[%q]}`,
		webhook, cmp.Or(pod.Annotations["inject.istio.io/templates"], "sidecar"))
}

// Webhook is one Istio injection webhook of a MutatingWebhookConfiguration.
type Webhook struct {
	Config string // the MutatingWebhookConfiguration's name
	admissionv1.MutatingWebhook
}

// IstioWebhooks are the injection webhooks of c that are Istio's (named
// *istio.io, as Istio's own analyzers recognise them).
func IstioWebhooks(c *admissionv1.MutatingWebhookConfiguration) []Webhook {
	var out []Webhook
	for _, wh := range c.Webhooks {
		if strings.HasSuffix(wh.Name, "istio.io") {
			out = append(out, Webhook{Config: c.Name, MutatingWebhook: wh})
		}
	}
	return out
}

// InjectedBy names the first of webhooks that selects a pod
// ("configuration/webhook"), or "": nsLabels are the labels of the pod's
// namespace (see NamespaceLabels), podLabels the pod's.
func InjectedBy(webhooks []Webhook, nsLabels, podLabels map[string]string) string {
	for _, wh := range webhooks {
		if selects(wh.NamespaceSelector, nsLabels) && selects(wh.ObjectSelector, podLabels) {
			return wh.Config + "/" + wh.Name
		}
	}
	return ""
}

// selects reports whether a webhook's label selector selects labels; no
// selector selects everything.
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

// Options say how the analyzer reads its sources. The zero value reads them
// as `istioctl analyze` sees a cluster holding them: every kind included
// (Pods and Services too), no default resources added.
type Options struct {
	// FilesOnly reads the sources as `istioctl analyze --use-kube=false
	// --all-namespaces <files>` does: Istio's default resources added, and
	// the files read without the kinds a file-only run leaves out (Pods,
	// Services, Secrets, Namespaces, Nodes), so every analyzer needing them
	// is skipped.
	FilesOnly bool
}

// Load hands the sources to Istio's analyzer (all of them:
// analyzers.AllCombined(), istio-system as Istio's namespace), which parses
// them, as opts says. Each source is read on its own: the analyzer keeps one
// content per source name.
func Load(sources []Source, opts Options) (*Analyzer, error) {
	start := time.Now()
	sa := local.NewIstiodAnalyzer(analyzers.AllCombined(), "", "istio-system", nil)
	addSources := sa.AddTestReaderKubeSource
	if opts.FilesOnly {
		if err := sa.AddDefaultResources(); err != nil {
			return nil, fmt.Errorf("default resources: %v", err)
		}
		addSources = sa.AddReaderKubeSource
	}
	readers := make([]local.ReaderSource, 0, len(sources))
	for _, s := range sources {
		readers = append(readers, local.ReaderSource{Name: s.Name, Reader: bytes.NewReader(s.Data)})
	}
	if err := addSources(readers); err != nil {
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

// Run loads the sources and analyzes them, as opts says.
func Run(sources []Source, opts Options) (*Result, error) {
	a, err := Load(sources, opts)
	if err != nil {
		return nil, err
	}
	return a.Analyze()
}

// SilenceLogs turns off every Istio log scope (pilot, kube controllers,
// analyzers): their output is noise here; failures are reported otherwise.
func SilenceLogs() {
	opts := istiolog.DefaultOptions()
	opts.SetDefaultOutputLevel(istiolog.OverrideScopeName, istiolog.NoneLevel)
	_ = istiolog.Configure(opts)
	for _, s := range istiolog.Scopes() {
		s.SetOutputLevel(istiolog.NoneLevel)
		s.SetStackTraceLevel(istiolog.NoneLevel)
	}
}

// copyMap copies m; the copy is never nil.
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
