package model

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/podlabels"
	"github.com/edgegate/edgegate/render"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Index holds every object of interest, decoded once, with the lookups the
// checks need: by key, and workloads by label, so resolving a selector costs
// the size of its smallest label's posting list, not a scan.
type Index struct {
	Objects         []*manifest.Object
	Gateways        []*Gateway
	VirtualServices []*VirtualService
	Workloads       []*Workload
	Services        []*Service
	IngressGateways []*DeclaredGateway
	AppIntents      []*DeclaredApp
	// AssumedIngress is Istio's default ingress gateway when the input
	// declares no gateway workload (see assumeDefaultIngress), else nil.
	AssumedIngress *Workload

	gatewaysByKey  []*Gateway          // Gateways sorted by key, for checks that report in that order
	gatewayByKey   map[string]*Gateway // namespace/name
	serviceByKey   map[string]*Service // namespace/name
	secretByKey    map[string]*Secret  // namespace/name
	namespaceByKey map[string]*Namespace
	workloads      LabelIndex[*Workload]

	knownChecks       map[string]bool // the IDs a suppression may name
	suppressions      map[*manifest.Object]map[string]bool
	suppressionErrors manifest.Diagnostics
	inputErrors       manifest.Diagnostics // integers the API server reads and the index does not
	grants            grants
}

// DeclaredGateway is an IngressGateway of the input.
type DeclaredGateway struct {
	Obj  *manifest.Object
	Spec v1alpha1.IngressGatewaySpec
}

// DeclaredApp is an AppIntent of the input.
type DeclaredApp struct {
	Obj  *manifest.Object
	Spec v1alpha1.AppIntentSpec
}

// NewIndex decodes objs and builds the lookups. Objects decode on every
// core, each on its own; the lookups are then filled in input order, so the
// index never depends on which core decoded what.
func NewIndex(objs []*manifest.Object, checkIDs []string) *Index {
	known := make(map[string]bool, len(checkIDs))
	for _, id := range checkIDs {
		known[id] = true
	}
	idx := &Index{
		knownChecks:    known,
		Objects:        objs,
		gatewayByKey:   map[string]*Gateway{},
		serviceByKey:   map[string]*Service{},
		secretByKey:    map[string]*Secret{},
		namespaceByKey: map[string]*Namespace{},
		suppressions:   map[*manifest.Object]map[string]bool{},
	}
	decoded := make([]any, len(objs))
	suppress := make([]string, len(objs))
	manifest.Parallel(len(objs), func(i int) {
		decoded[i] = decodeIndexed(objs[i])
		suppress[i] = objs[i].Annotation(SuppressAnnotation)
	})
	for i, o := range objs {
		if suppress[i] != "" {
			idx.parseSuppressions(o, suppress[i])
		}
		idx.insert(o, decoded[i])
	}
	idx.assumeDefaultIngress()
	for _, w := range idx.Workloads {
		idx.workloads.Add(w, w.Pods)
	}
	for _, s := range idx.Services {
		if len(s.Spec.Selector) == 0 {
			continue
		}
		for _, w := range idx.Carrying(s.Spec.Selector) {
			if w.Namespace == s.Obj.Namespace {
				w.Services = append(w.Services, s)
			}
		}
	}
	for _, g := range idx.Gateways {
		g.Workloads = idx.Reaching(g.Spec.Selector)
	}
	idx.gatewaysByKey = SortByObjectKey(idx.Gateways, func(g *Gateway) *manifest.Object { return g.Obj })
	return idx
}

// GatewaysByKey returns the Gateways in key order, for stable output.
func (idx *Index) GatewaysByKey() []*Gateway { return idx.gatewaysByKey }

// decodeIndexed decodes the parts of o the checks read, into the type the
// index keeps for its kind; nil for kinds no check reads.
func decodeIndexed(o *manifest.Object) any {
	switch o.Group() + "/" + o.Kind {
	case render.IstioNetworkingGroup + "/Gateway":
		g := &Gateway{Obj: o}
		g.notInteger = notIntegers(manifest.DecodeLenient(o, o.Node, "", g))
		g.canonicalNames()
		return g
	case render.IstioNetworkingGroup + "/VirtualService":
		vs := &VirtualService{Obj: o}
		vs.notInteger = notIntegers(manifest.DecodeLenient(o, o.Node, "", vs))
		vs.canonicalNames()
		return vs
	case "apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet":
		return decodeWorkload(o, "spec.template.metadata", "spec.template.spec")
	case "/Pod":
		return decodeWorkload(o, "metadata", "spec")
	case "/Service":
		s := &Service{Obj: o}
		s.notInteger = notIntegers(manifest.DecodeLenient(o, o.Node, "", s))
		return s
	case "/Secret":
		s := &Secret{Obj: o, Type: manifest.ScalarValue(o.Field("type")), Keys: map[string]bool{}}
		for _, field := range []string{"data", "stringData"} {
			if m := o.Field(field); m != nil {
				for i := 0; i+1 < len(m.Content); i += 2 {
					s.Keys[m.Content[i].Value] = true
				}
			}
		}
		return s
	case "/Namespace":
		ns := &Namespace{Obj: o}
		DecodeAt(o, o.Field("metadata", "labels"), "metadata.labels", &ns.Labels)
		return ns
	case v1alpha1.Group + "/" + v1alpha1.KindIngressGateway:
		g := &DeclaredGateway{Obj: o}
		DecodeAt(o, o.Field("spec"), "spec", &g.Spec)
		return g
	case v1alpha1.Group + "/" + v1alpha1.KindAppIntent:
		a := &DeclaredApp{Obj: o}
		DecodeAt(o, o.Field("spec"), "spec", &a.Spec)
		for i, h := range a.Spec.Hosts {
			// Validation refuses other spellings; ownership still compares
			// what pilot would serve.
			a.Spec.Hosts[i] = hostname.Canonical(h)
		}
		return a
	}
	return nil
}

// insert adds what decodeIndexed made of o to the lookups.
func (idx *Index) insert(o *manifest.Object, decoded any) {
	key := o.Namespace + "/" + o.Name
	switch v := decoded.(type) {
	case *Gateway:
		idx.inputErrors = append(idx.inputErrors, v.notInteger...)
		idx.Gateways = append(idx.Gateways, v)
		idx.gatewayByKey[key] = v
	case *VirtualService:
		idx.inputErrors = append(idx.inputErrors, v.notInteger...)
		idx.VirtualServices = append(idx.VirtualServices, v)
	case *Workload:
		idx.Workloads = append(idx.Workloads, v)
	case *Service:
		idx.inputErrors = append(idx.inputErrors, v.notInteger...)
		idx.Services = append(idx.Services, v)
		idx.serviceByKey[key] = v
	case *Secret:
		idx.secretByKey[key] = v
	case *Namespace:
		idx.namespaceByKey[o.Name] = v
	case *DeclaredGateway:
		idx.IngressGateways = append(idx.IngressGateways, v)
		if v.Spec.Existing && len(v.Spec.Selector) > 0 {
			idx.addExternalWorkload(v)
		}
	case *DeclaredApp:
		idx.AppIntents = append(idx.AppIntents, v)
	}
}

func decodeWorkload(o *manifest.Object, metaPath, specPath string) *Workload {
	w := &Workload{Obj: o, Namespace: o.Namespace}
	meta := o.Field(strings.Split(metaPath, ".")...)
	DecodeAt(o, manifest.Lookup(meta, "labels"), metaPath+".labels", &w.Labels)
	DecodeAt(o, manifest.Lookup(meta, "annotations"), metaPath+".annotations", &w.Annotations)
	DecodeAt(o, o.Field(strings.Split(specPath, ".")...), specPath, &w.Pod)
	w.Pod.Path = specPath
	w.Pods = podlabels.Running(o.Kind, o.Name, w.Labels, podlabels.GatewayInjected(w.Labels, w.Annotations))
	return w
}

// DecodeAt decodes n leniently into v when n is present.
func DecodeAt(o *manifest.Object, n *yaml.Node, path string, v any) {
	if n != nil {
		manifest.DecodeLenient(o, n, path, v)
	}
}

// addExternalWorkload stands in for the pods of an existing gateway: labelled
// with its selector, listening on its Service's targetPorts, behind that Service.
func (idx *Index) addExternalWorkload(g *DeclaredGateway) {
	w := &Workload{Obj: g.Obj, Namespace: g.Obj.Namespace, Labels: g.Spec.Selector, External: true,
		Pods: podlabels.Declared(g.Spec.Selector)}
	c := Container{Name: "istio-proxy"}
	svc := &Service{Obj: g.Obj}
	svc.Spec.Selector = g.Spec.Selector
	for _, sp := range g.Spec.ServicePorts {
		target := sp.TargetPort
		if target == 0 {
			target = sp.Port
		}
		c.Ports = append(c.Ports, struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
			Protocol      string `yaml:"protocol"`
		}{Name: sp.Name, ContainerPort: target, Protocol: "TCP"})
		svc.Spec.Ports = append(svc.Spec.Ports, ServicePort{Name: sp.Name, Port: sp.Port, TargetPort: IntOrString{Int: target}})
	}
	w.Pod.Containers = []Container{c}
	w.Services = []*Service{svc}
	idx.Workloads = append(idx.Workloads, w)
}

// Reaching returns the workloads a Gateway with selector may be applied to:
// those whose running pods it reaches by any of their labels, those the mesh
// and the controllers add included (podlabels.Pods.Reaches). An empty
// selector reaches every workload, as Istio applies a Gateway without one to
// every gateway.
func (idx *Index) Reaching(selector map[string]string) []*Workload {
	return idx.workloads.Reaching(selector)
}

// Carrying returns the workloads whose pods surely carry every label of
// selector (podlabels.Pods.Carries): what a Service selects, and what an
// IngressGateway's own selector names.
func (idx *Index) Carrying(selector map[string]string) []*Workload {
	return idx.workloads.Carrying(selector)
}

// LabelIndex finds the items whose pods a selector picks through one
// posting list per known key=value, one per key the cluster assigns, and the
// list of items known only in part, walking the shortest, so resolving a
// selector costs the size of that list, not a scan. An empty selector
// selects every item.
type LabelIndex[T any] struct {
	all        []T
	pods       []podlabels.Pods // pods of all[i]
	byLabel    map[string][]int // "key=value" → indexes into all
	byAssigned map[string][]int // key → indexes whose pods get it in the cluster
	open       []int            // indexes whose pods may carry labels beyond the known
}

func (x *LabelIndex[T]) Add(item T, pods podlabels.Pods) {
	if x.byLabel == nil {
		x.byLabel, x.byAssigned = map[string][]int{}, map[string][]int{}
	}
	i := len(x.all)
	x.all = append(x.all, item)
	x.pods = append(x.pods, pods)
	for k, v := range pods.Known() {
		x.byLabel[k+"="+v] = append(x.byLabel[k+"="+v], i)
	}
	for _, k := range pods.Assigned() {
		x.byAssigned[k] = append(x.byAssigned[k], i)
	}
	if pods.Open() {
		x.open = append(x.open, i)
	}
}

// Reaching returns the items whose pods selector reaches, in the order added.
func (x *LabelIndex[T]) Reaching(selector map[string]string) []T {
	if len(selector) == 0 {
		return x.all
	}
	var best [3][]int
	bestLen := -1
	for k, v := range selector {
		lists := [3][]int{x.byLabel[k+"="+v], x.byAssigned[k], x.open}
		n := len(lists[0]) + len(lists[1]) + len(lists[2])
		if bestLen < 0 || n < bestLen {
			best, bestLen = lists, n
		}
	}
	// Usually only the posting list of known labels holds any (most pods
	// have no assigned label the selector names, few are open): it is
	// sorted already and needs no copy.
	candidates := best[0]
	if len(best[1])+len(best[2]) > 0 {
		candidates = make([]int, 0, bestLen)
		for _, l := range best {
			candidates = append(candidates, l...)
		}
		slices.Sort(candidates)
	}
	var out []T
	for j, i := range candidates {
		if j > 0 && candidates[j-1] == i {
			continue
		}
		if x.pods[i].Reaches(selector) {
			out = append(out, x.all[i])
		}
	}
	return out
}

// Carrying returns the items whose pods surely carry every label of
// selector, in the order added.
func (x *LabelIndex[T]) Carrying(selector map[string]string) []T {
	if len(selector) == 0 {
		return x.all
	}
	var smallest []int
	first := true
	for k, v := range selector {
		list := x.byLabel[k+"="+v]
		if first || len(list) < len(smallest) {
			smallest, first = list, false
		}
	}
	var out []T
	for _, i := range smallest {
		if x.pods[i].Carries(selector) {
			out = append(out, x.all[i])
		}
	}
	return out
}

// Gateway returns the Gateway namespace/name.
func (idx *Index) Gateway(key string) *Gateway { return idx.gatewayByKey[key] }

// Service returns the Service namespace/name.
func (idx *Index) Service(key string) *Service { return idx.serviceByKey[key] }

// Secret returns the Secret namespace/name.
func (idx *Index) Secret(key string) *Secret { return idx.secretByKey[key] }

// Namespace returns the Namespace name.
func (idx *Index) Namespace(name string) *Namespace { return idx.namespaceByKey[name] }

// HasSecrets reports whether the input holds any Secret at all: only then can
// a missing one be called missing.
func (idx *Index) HasSecrets() bool { return len(idx.secretByKey) > 0 }

// DisableGatewayPortTranslationLabel on a gateway's Service turns pilot's
// translation of Gateway ports off for that Service: its presence, whatever
// the value (pilot/pkg/model/gateway.go).
const DisableGatewayPortTranslationLabel = "experimental.istio.io/disable-gateway-port-translation"

// ResolvedPort is a Gateway server port resolved for one gateway workload.
type ResolvedPort struct {
	// Port is the listener Envoy opens on the workload's pods.
	Port int
	// Service and ServicePort name the Service port that translated the
	// Gateway port; Service is nil when the port is listened on as written.
	Service     *Service
	ServicePort ServicePort
}

// Via names the Service port that translated the port, as
// `Service ns/name port "http2"`, or "" when it was not translated.
func (p ResolvedPort) Via() string {
	if p.Service == nil {
		return ""
	}
	return p.Service.DescribePort(p.ServicePort)
}

// DescribePort names a port of s: `Service ns/name port "http2"`, or for the
// stand-in of an existing gateway `IngressGateway ns/name servicePort "http2"`.
func (s *Service) DescribePort(p ServicePort) string {
	if s.Obj.Kind != "Service" {
		return fmt.Sprintf("%s %s/%s servicePort %q", s.Obj.Kind, s.Obj.Namespace, s.Obj.Name, p.Name)
	}
	return fmt.Sprintf("Service %s/%s port %q", s.Obj.Namespace, s.Obj.Name, p.Name)
}

// ResolvePort translates a Gateway server port for a workload the way pilot
// does for a label-selected Gateway (resolvePorts in pilot/pkg/model/
// gateway.go): the first port of a Service selecting the workload whose
// number is port becomes that port's targetPort, a named targetPort resolved
// against the workload's containers as the endpoints are (a name no
// container declares yields no endpoint and is skipped); Services labelled
// experimental.istio.io/disable-gateway-port-translation are skipped; any
// other number is listened on as written. EG001 and EG003 both resolve
// listeners here, so they never disagree on which port a server opens.
func ResolvePort(w *Workload, port int) ResolvedPort {
	for _, s := range w.Services {
		if s.TranslationDisabled() {
			continue
		}
		for _, p := range s.Spec.Ports {
			if p.Port != port {
				continue
			}
			if t := p.Target(w); t != 0 {
				return ResolvedPort{Port: t, Service: s, ServicePort: p}
			}
		}
	}
	return ResolvedPort{Port: port}
}

// TranslationDisabled reports whether the Service opts out of pilot's Gateway
// port translation. Only a real Service can: the stand-in Service of an
// existing IngressGateway is its declared servicePorts.
func (s *Service) TranslationDisabled() bool {
	if s.Obj == nil || s.Obj.Kind != "Service" {
		return false
	}
	return manifest.Lookup(s.Obj.Field("metadata", "labels"), DisableGatewayPortTranslationLabel) != nil
}

var suppressionEntry = regexp.MustCompile(`^(EG\d{3})\s*:\s*(\S.*)$`)

// parseSuppressions reads the value of o's edgegate.dev/suppress
// annotation: "EG001: reason, EG012: reason".
func (idx *Index) parseSuppressions(o *manifest.Object, value string) {
	field := "metadata.annotations." + SuppressAnnotation
	known := idx.knownChecks
	ids := map[string]bool{}
	for _, entry := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		m := suppressionEntry.FindStringSubmatch(entry)
		switch {
		case m == nil:
			idx.suppressionErrors = append(idx.suppressionErrors, manifest.Errorf(o, field,
				"%q is not a suppression: write \"EG012: why this is fine\" (a reason is required)", entry))
		case !known[m[1]]:
			idx.suppressionErrors = append(idx.suppressionErrors, manifest.Errorf(o, field, "unknown check %s", m[1]))
		default:
			ids[m[1]] = true
		}
	}
	idx.suppressions[o] = ids
}

// SuppressionErrors are the malformed suppressions of the input, and the
// integer fields of Gateways, VirtualServices and Services written in a form
// the API server reads and the index would not (80.0): input errors, which
// no policy turns off.
func (idx *Index) SuppressionErrors() manifest.Diagnostics {
	return append(append(manifest.Diagnostics{}, idx.suppressionErrors...), idx.inputErrors...)
}

// notIntegers keeps the diagnostics of integer fields written as whole
// floats (manifest.NotIntegerTag) of a lenient decoding.
func notIntegers(diags manifest.Diagnostics) manifest.Diagnostics {
	var out manifest.Diagnostics
	for _, d := range diags {
		if d.Tags["input"] == manifest.NotIntegerTag {
			d.Tags = nil
			out = append(out, d)
		}
	}
	return out
}

func (idx *Index) suppressed(o *manifest.Object, id string) bool {
	return idx.suppressions[o][id]
}
