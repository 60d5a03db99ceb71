package check

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/manifest/k8sname"
	"github.com/edgegate/edgegate/policy/model"
	"github.com/edgegate/edgegate/policy/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kubernetesSchemaCheck applies the API server's own validation to the
// Kubernetes objects of the ingress path, so `edgegate check` refuses what
// kube-apiserver would refuse at apply time (halfway through a rollout,
// with the objects before it applied). Not the whole of Kubernetes'
// OpenAPI: the rules of k8s.io/kubernetes pkg/apis/*/validation that a
// gateway's objects run into, with the API server's messages:
//
//   - Service: type ClusterIP, NodePort, LoadBalancer or ExternalName;
//     ports required (unless headless or ExternalName); port 1..65535;
//     targetPort 1..65535 or a port name (IANA_SVC_NAME); nodePort
//     1..65535, only for NodePort and LoadBalancer, not repeated (and a
//     warning outside the default range 30000-32767); protocol TCP, UDP or
//     SCTP; names DNS-1123 labels, required when there are several ports,
//     unique; no port/protocol twice.
//   - Deployment, StatefulSet, DaemonSet, ReplicaSet (apps/v1): a
//     selector, not empty, with valid matchExpressions, that matches the
//     pod template's labels; replicas not negative.
//   - Pod templates (and Pods): at least one container; containers with a
//     unique DNS-1123 name and an image; container ports 1..65535, hostPort
//     0..65535, protocol TCP/UDP/SCTP, names IANA_SVC_NAME unique within
//     the container.
//   - HorizontalPodAutoscaler (autoscaling/v2, v1): scaleTargetRef kind and
//     name; minReplicas not negative, and 0 only with an Object or External
//     metric (the server's scale-to-zero rule); maxReplicas at least 1 and
//     at least minReplicas; each metric of a known type with its source
//     (and only it), resource targets with a utilization or a value.
//   - PodDisruptionBudget (policy/v1): minAvailable and maxUnavailable not
//     both, each a non-negative integer or a percentage up to 100%;
//     unhealthyPodEvictionPolicy IfHealthyBudget or AlwaysAllow.
//   - Labels of these objects, of their pod templates and selectors: the
//     server's label key and value syntax.
//
// A field of the wrong type (port: "80") is reported as such.
type kubernetesSchemaCheck struct{}

func (kubernetesSchemaCheck) Run(idx *model.Index, r *model.Reporter) {
	for _, o := range idx.Objects {
		k := objectCheck{r: r, o: o}
		switch o.Group() + "/" + o.Kind {
		case "/Service":
			k.labels(schema.Field(o.Node, "metadata", "labels"), "metadata.labels")
			k.service()
		case "apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet":
			if !strings.HasSuffix(o.APIVersion, "/v1") {
				continue
			}
			k.labels(schema.Field(o.Node, "metadata", "labels"), "metadata.labels")
			k.workload()
		case "/Pod":
			k.labels(schema.Field(o.Node, "metadata", "labels"), "metadata.labels")
			k.podSpec(schema.Field(o.Node, "spec"), "spec")
		case "autoscaling/HorizontalPodAutoscaler":
			k.labels(schema.Field(o.Node, "metadata", "labels"), "metadata.labels")
			k.hpa()
		case "policy/PodDisruptionBudget":
			k.labels(schema.Field(o.Node, "metadata", "labels"), "metadata.labels")
			k.pdb()
		}
	}
}

// objectCheck checks one object.
type objectCheck struct {
	r *model.Reporter
	o *manifest.Object
	// Set by item: fields are then named relative to item itemIndex of the
	// list at path itemList, and their paths written out only for a finding.
	itemList  string
	itemIndex int
}

// item is k for the fields of item i of the list at path list: every
// Service port is checked, and most have no finding, so building their
// paths up front would cost more than checking them.
func (k objectCheck) item(list string, i int) objectCheck {
	k.itemList, k.itemIndex = list, i
	return k
}

// path is the path of field, which is relative to k's item if it has one
// ("" for the item itself).
func (k objectCheck) path(field string) string {
	if k.itemList == "" {
		return field
	}
	p := k.itemList + "[" + strconv.Itoa(k.itemIndex) + "]"
	if field != "" {
		p += "." + field
	}
	return p
}

func (k objectCheck) report(field, format string, args ...any) {
	k.r.Report(k.o, k.path(field), format, args...)
}

// integer reads an integer field: its value and true, or false when it is
// absent, null, or (reported) not an integer.
func (k objectCheck) integer(n *yaml.Node, field string) (int64, bool) {
	if !schema.Present(n) {
		return 0, false
	}
	if v, ok := schema.Int(n); ok {
		return v, true
	}
	k.typeError(n, field, "an integer")
	return 0, false
}

// str reads a string field, reporting another type.
func (k objectCheck) str(n *yaml.Node, field string) (string, bool) {
	if !schema.Present(n) {
		return "", false
	}
	if v, ok := schema.String(n); ok {
		return v, true
	}
	k.typeError(n, field, "a string")
	return "", false
}

// list returns the items of a list field, reporting another type.
func (k objectCheck) list(n *yaml.Node, field string) []*yaml.Node {
	if !schema.Present(n) {
		return nil
	}
	if schema.TypeOf(n) != "array" {
		k.typeError(n, field, "a list")
		return nil
	}
	return schema.Elements(n)
}

// object reports a present field that is not a map.
func (k objectCheck) object(n *yaml.Node, field string) bool {
	if !schema.Present(n) {
		return false
	}
	if schema.TypeOf(n) != "object" {
		k.typeError(n, field, "a map")
		return false
	}
	return true
}

func (k objectCheck) typeError(n *yaml.Node, field, want string) {
	hint := ""
	if want == "an integer" && schema.TypeOf(n) == "string" {
		if _, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			hint = ": write it without quotes"
		}
	}
	k.report(field, "expected %s, got %s%s", want, schema.Describe(n), hint)
}

// intOrString reads an IntOrString field: an integer, or a string.
func (k objectCheck) intOrString(n *yaml.Node, field string) (i int64, s string, isInt, ok bool) {
	if !schema.Present(n) {
		return 0, "", false, false
	}
	if v, ok := schema.Int(n); ok {
		return v, "", true, true
	}
	if v, ok := schema.String(n); ok {
		return 0, v, false, true
	}
	k.typeError(n, field, "an integer or a string")
	return 0, "", false, false
}

// portRange reports a port outside 1..65535.
func (k objectCheck) portRange(port int64, field string) {
	if port < 1 || port > 65535 {
		k.report(field, "invalid value %d: must be between 1 and 65535, inclusive", port)
	}
}

var kubernetesProtocols = []string{"SCTP", "TCP", "UDP"}

func (k objectCheck) protocol(n *yaml.Node, field string) {
	if p, ok := k.str(n, field); ok {
		for _, known := range kubernetesProtocols {
			if p == known {
				return
			}
		}
		k.report(field, "unsupported value %q: supported values: \"SCTP\", \"TCP\", \"UDP\"%s", p, hint(p, kubernetesProtocols))
	}
}

// ---- Service ----

func (k objectCheck) service() {
	spec := schema.Field(k.o.Node, "spec")
	if !k.object(spec, "spec") {
		return
	}
	typ := "ClusterIP"
	if t, ok := k.str(schema.Field(spec, "type"), "spec.type"); ok {
		switch t {
		case "ClusterIP", "NodePort", "LoadBalancer", "ExternalName":
			typ = t
		default:
			k.report("spec.type", "unsupported value %q: supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"%s",
				t, hint(t, []string{"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}))
			typ = ""
		}
	}
	if sel := schema.Field(spec, "selector"); k.object(sel, "spec.selector") {
		k.labels(sel, "spec.selector")
	}
	clusterIP, _ := schema.String(schema.Field(spec, "clusterIP"))
	portsNode := schema.Field(spec, "ports")
	ports := k.list(portsNode, "spec.ports")
	if len(ports) == 0 && typ != "ExternalName" && clusterIP != "None" && (schema.TypeOf(portsNode) == "array" || !schema.Present(portsNode)) {
		article := ""
		if strings.TrimSpace(typ) != "" {
			article = typ + " "
		}
		k.report("spec.ports", "required value: a %sService needs at least one port", article)
	}
	if typ == "ExternalName" {
		if name, _ := schema.String(schema.Field(spec, "externalName")); name == "" {
			k.report("spec.externalName", "required value: an ExternalName Service needs externalName")
		}
	}
	names := map[string]int{}
	type portAndProtocol struct {
		port     int64
		protocol string
	}
	portProto := map[portAndProtocol]int{}
	nodePorts := map[int64]int{}
	for i, p := range ports {
		kp := k.item("spec.ports", i) // for the fields of the port
		if !kp.object(p, "") {
			continue
		}
		name, hasName := kp.str(schema.Field(p, "name"), "name")
		switch {
		case !hasName || name == "":
			if len(ports) > 1 {
				kp.report("name", "required value: every port of a Service with several ports needs a name")
			}
		default:
			if msg := k8sname.DNS1123Label(name); msg != "" {
				kp.report("name", "invalid value %q: %s", name, msg)
			}
			if first, dup := names[name]; dup {
				kp.report("name", "duplicate value %q: spec.ports[%d] has the same name", name, first)
			} else {
				names[name] = i
			}
		}
		portNode := schema.Field(p, "port")
		port, hasPort := kp.integer(portNode, "port")
		switch {
		case hasPort:
			kp.portRange(port, "port")
		case !schema.Present(portNode):
			kp.report("port", "required value")
		}
		protoNode := schema.Field(p, "protocol")
		kp.protocol(protoNode, "protocol")
		proto, _ := schema.String(protoNode)
		if proto == "" {
			proto = "TCP"
		}
		if hasPort {
			key := portAndProtocol{port, proto}
			if first, dup := portProto[key]; dup {
				kp.report("", "duplicate value: port %d/%s is spec.ports[%d] too", port, proto, first)
			} else {
				portProto[key] = i
			}
		}
		if ti, ts, isInt, ok := kp.intOrString(schema.Field(p, "targetPort"), "targetPort"); ok {
			switch {
			case isInt && ti != 0:
				kp.portRange(ti, "targetPort")
			case !isInt:
				if msg := k8sname.PortName(ts); msg != "" {
					kp.report("targetPort", "invalid value %q: %s", ts, msg)
				}
			}
		}
		if np, ok := kp.integer(schema.Field(p, "nodePort"), "nodePort"); ok && np != 0 {
			switch {
			case typ == "ClusterIP" || typ == "ExternalName":
				kp.report("nodePort", "forbidden: may not be used when `type` is '%s'", typ)
			case np < 1 || np > 65535:
				kp.portRange(np, "nodePort")
			default:
				if first, dup := nodePorts[np]; dup {
					kp.report("nodePort", "duplicate value %d: spec.ports[%d] has the same nodePort", np, first)
				} else {
					nodePorts[np] = i
				}
				if np < 30000 || np > 32767 {
					kp.r.Warn(kp.o, kp.path("nodePort"), "nodePort %d is outside the API server's default range 30000-32767 (--service-node-port-range): the API server rejects it unless the cluster's range includes it", np)
				}
			}
		}
	}
}

// ---- workloads ----

func (k objectCheck) workload() {
	spec := schema.Field(k.o.Node, "spec")
	if !k.object(spec, "spec") {
		return
	}
	kind := strings.ToLower(k.o.Kind)
	if n, ok := k.integer(schema.Field(spec, "replicas"), "spec.replicas"); ok && n < 0 {
		k.report("spec.replicas", "invalid value %d: must be greater than or equal to 0", n)
	}
	template := schema.Field(spec, "template")
	templateLabels := schema.Field(template, "metadata", "labels")
	if schema.Present(templateLabels) && k.object(templateLabels, "spec.template.metadata.labels") {
		k.labels(templateLabels, "spec.template.metadata.labels")
	}
	selector := schema.Field(spec, "selector")
	switch {
	case !schema.Present(selector):
		k.report("spec.selector", "required value: apps/v1 %ss select their pods explicitly; set selector.matchLabels to the pod template's labels", k.o.Kind)
	case k.object(selector, "spec.selector"):
		sel, ok := k.selector(selector, "spec.selector")
		switch {
		case !ok:
		case sel.empty():
			k.report("spec.selector", "invalid value: empty selector is invalid for %s", kind)
		case schema.Present(template) && !sel.matches(stringMap(templateLabels)):
			k.report("spec.template.metadata.labels", "invalid value %s: `selector` does not match template `labels`%s", showMap(stringMap(templateLabels)), sel.missing(stringMap(templateLabels)))
		}
	}
	if !schema.Present(template) {
		k.report("spec.template", "required value")
		return
	}
	if k.object(template, "spec.template") {
		k.podSpec(schema.Field(template, "spec"), "spec.template.spec")
	}
}

// labelSelector is a parsed LabelSelector.
type labelSelector struct {
	labels map[string]string
	exprs  []requirement
}

type requirement struct {
	key, op string
	values  []string
}

func (s labelSelector) empty() bool { return len(s.labels) == 0 && len(s.exprs) == 0 }

func (s labelSelector) matches(labels map[string]string) bool {
	for key, v := range s.labels {
		if have, ok := labels[key]; !ok || have != v {
			return false
		}
	}
	for _, e := range s.exprs {
		have, ok := labels[e.key]
		in := false
		for _, v := range e.values {
			if ok && have == v {
				in = true
			}
		}
		switch e.op {
		case "In":
			if !in {
				return false
			}
		case "NotIn":
			if in {
				return false
			}
		case "Exists":
			if !ok {
				return false
			}
		case "DoesNotExist":
			if ok {
				return false
			}
		}
	}
	return true
}

// missing names what the labels lack, for the message.
func (s labelSelector) missing(labels map[string]string) string {
	var parts []string
	for _, key := range slices.Sorted(maps.Keys(s.labels)) {
		have, ok := labels[key]
		switch {
		case !ok:
			parts = append(parts, fmt.Sprintf("no label %s (the selector wants %s=%s)", key, key, s.labels[key]))
		case have != s.labels[key]:
			parts = append(parts, fmt.Sprintf("%s=%s where the selector wants %s", key, have, s.labels[key]))
		}
	}
	if len(parts) == 0 {
		return ": the pod template's labels fail the selector's matchExpressions"
	}
	return ": the pod template has " + strings.Join(parts, ", ")
}

// selector parses and checks a LabelSelector; false when it is invalid.
func (k objectCheck) selector(n *yaml.Node, field string) (labelSelector, bool) {
	sel := labelSelector{labels: map[string]string{}}
	ok := true
	for _, kv := range schema.Fields(n) {
		switch kv.Key {
		case "matchLabels":
			if !schema.Present(kv.Value) {
				continue
			}
			if !k.object(kv.Value, field+".matchLabels") || !k.labels(kv.Value, field+".matchLabels") {
				ok = false
				continue
			}
			sel.labels = stringMap(kv.Value)
		case "matchExpressions":
			for i, e := range k.list(kv.Value, field+".matchExpressions") {
				ep := fmt.Sprintf("%s.matchExpressions[%d]", field, i)
				if !k.object(e, ep) {
					ok = false
					continue
				}
				key, _ := k.str(schema.Field(e, "key"), ep+".key")
				op, _ := k.str(schema.Field(e, "operator"), ep+".operator")
				var values []string
				for j, v := range k.list(schema.Field(e, "values"), ep+".values") {
					if s, good := k.str(v, fmt.Sprintf("%s.values[%d]", ep, j)); good {
						values = append(values, s)
					}
				}
				if key == "" {
					k.report(ep+".key", "required value")
					ok = false
				} else if msg := k8sname.QualifiedName(key); msg != "" {
					k.report(ep+".key", "invalid value %q: %s", key, msg)
					ok = false
				}
				switch op {
				case "In", "NotIn":
					if len(values) == 0 {
						k.report(ep+".values", "required value: must be specified when `operator` is 'In' or 'NotIn'")
						ok = false
					}
				case "Exists", "DoesNotExist":
					if len(values) > 0 {
						k.report(ep+".values", "forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
						ok = false
					}
				case "":
					k.report(ep+".operator", "required value")
					ok = false
				default:
					ops := []string{"In", "NotIn", "Exists", "DoesNotExist"}
					k.report(ep+".operator", "unsupported value %q: supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"%s", op, hint(op, ops))
					ok = false
				}
				sel.exprs = append(sel.exprs, requirement{key, op, values})
			}
		}
	}
	return sel, ok
}

// podSpec checks the containers of a pod spec at path.
func (k objectCheck) podSpec(spec *yaml.Node, path string) {
	if !schema.Present(spec) {
		k.report(path, "required value")
		return
	}
	if !k.object(spec, path) {
		return
	}
	containersNode := schema.Field(spec, "containers")
	containers := k.list(containersNode, path+".containers")
	if len(containers) == 0 && (schema.TypeOf(containersNode) == "array" || !schema.Present(containersNode)) {
		k.report(path+".containers", "required value: a pod needs at least one container")
	}
	names := map[string]string{}
	for _, list := range []string{"initContainers", "containers"} {
		items := containers
		if list == "initContainers" {
			items = k.list(schema.Field(spec, list), path+"."+list)
		}
		for i, c := range items {
			cp := fmt.Sprintf("%s.%s[%d]", path, list, i)
			if k.object(c, cp) {
				k.container(c, cp, names)
			}
		}
	}
}

func (k objectCheck) container(c *yaml.Node, cp string, names map[string]string) {
	name, _ := k.str(schema.Field(c, "name"), cp+".name")
	switch {
	case name == "":
		k.report(cp+".name", "required value")
	case k8sname.DNS1123Label(name) != "":
		k.report(cp+".name", "invalid value %q: %s", name, k8sname.DNS1123Label(name))
	case names[name] != "":
		k.report(cp+".name", "duplicate value %q: %s has the same name", name, names[name])
	default:
		names[name] = cp
	}
	if image, ok := k.str(schema.Field(c, "image"), cp+".image"); !ok || strings.TrimSpace(image) == "" {
		if ok || !schema.Present(schema.Field(c, "image")) {
			k.report(cp+".image", "required value")
		}
	}
	portNames := map[string]int{}
	for j, p := range k.list(schema.Field(c, "ports"), cp+".ports") {
		pp := fmt.Sprintf("%s.ports[%d]", cp, j)
		if !k.object(p, pp) {
			continue
		}
		portNode := schema.Field(p, "containerPort")
		if port, ok := k.integer(portNode, pp+".containerPort"); ok {
			k.portRange(port, pp+".containerPort")
		} else if !schema.Present(portNode) {
			k.report(pp+".containerPort", "required value")
		}
		if hp, ok := k.integer(schema.Field(p, "hostPort"), pp+".hostPort"); ok && hp != 0 {
			k.portRange(hp, pp+".hostPort")
		}
		k.protocol(schema.Field(p, "protocol"), pp+".protocol")
		if name, ok := k.str(schema.Field(p, "name"), pp+".name"); ok && name != "" {
			if msg := k8sname.PortName(name); msg != "" {
				k.report(pp+".name", "invalid value %q: %s", name, msg)
			} else if first, dup := portNames[name]; dup {
				k.report(pp+".name", "duplicate value %q: %s.ports[%d] has the same name", name, cp, first)
			} else {
				portNames[name] = j
			}
		}
	}
}

// ---- HorizontalPodAutoscaler ----

func (k objectCheck) hpa() {
	spec := schema.Field(k.o.Node, "spec")
	if !k.object(spec, "spec") {
		return
	}
	ref := schema.Field(spec, "scaleTargetRef")
	switch {
	case !schema.Present(ref):
		k.report("spec.scaleTargetRef", "required value")
	case k.object(ref, "spec.scaleTargetRef"):
		for _, f := range []string{"kind", "name"} {
			if v, _ := k.str(schema.Field(ref, f), "spec.scaleTargetRef."+f); v == "" {
				k.report("spec.scaleTargetRef."+f, "required value")
			} else if strings.ContainsAny(v, "/%") || v == "." || v == ".." {
				k.report("spec.scaleTargetRef."+f, "invalid value %q: may not contain '/' or '%%', nor be '.' or '..'", v)
			}
		}
	}
	minReplicas, hasMin := k.integer(schema.Field(spec, "minReplicas"), "spec.minReplicas")
	if !hasMin {
		minReplicas = 1
	}
	maxNode := schema.Field(spec, "maxReplicas")
	maxReplicas, hasMax := k.integer(maxNode, "spec.maxReplicas")
	switch {
	case hasMin && minReplicas < 0:
		k.report("spec.minReplicas", "invalid value %d: must be greater than or equal to 0", minReplicas)
	case hasMin && minReplicas == 0 && strings.HasSuffix(k.o.APIVersion, "/v1"):
		k.report("spec.minReplicas", "invalid value 0: autoscaling/v1 cannot scale to zero (it has no Object or External metrics); use autoscaling/v2 with such a metric, or minReplicas: 1")
	}
	switch {
	case !schema.Present(maxNode):
		k.report("spec.maxReplicas", "required value: must be greater than 0")
	case hasMax && maxReplicas < 1:
		k.report("spec.maxReplicas", "invalid value %d: must be greater than 0", maxReplicas)
	case hasMax && maxReplicas < minReplicas:
		k.report("spec.maxReplicas", "invalid value %d: must be greater than or equal to `minReplicas` (%d)", maxReplicas, minReplicas)
	}
	if strings.HasSuffix(k.o.APIVersion, "/v1") {
		if t, ok := k.integer(schema.Field(spec, "targetCPUUtilizationPercentage"), "spec.targetCPUUtilizationPercentage"); ok && t < 1 {
			k.report("spec.targetCPUUtilizationPercentage", "invalid value %d: must be greater than or equal to 1", t)
		}
		return
	}
	scaleToZero := false
	for i, m := range k.list(schema.Field(spec, "metrics"), "spec.metrics") {
		mp := fmt.Sprintf("spec.metrics[%d]", i)
		if !k.object(m, mp) {
			continue
		}
		typ, _ := k.str(schema.Field(m, "type"), mp+".type")
		sources := map[string]string{"Object": "object", "Pods": "pods", "Resource": "resource", "ContainerResource": "containerResource", "External": "external"}
		if typ == "Object" || typ == "External" {
			scaleToZero = true
		}
		source, known := sources[typ]
		switch {
		case typ == "":
			k.report(mp+".type", "required value: must specify a metric source type")
		case !known:
			types := []string{"ContainerResource", "External", "Object", "Pods", "Resource"}
			k.report(mp+".type", "unsupported value %q: supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\"%s", typ, hint(typ, types))
		case !schema.Present(schema.Field(m, source)):
			k.report(mp+"."+source, "required value: must populate information for the given metric source")
		}
		for _, other := range slices.Sorted(maps.Keys(sources)) {
			if f := sources[other]; other != typ && known && schema.Present(schema.Field(m, f)) {
				k.report(mp+"."+f, "forbidden: must populate the given metric source only")
			}
		}
		if known {
			k.metricTarget(schema.Field(m, source, "target"), mp+"."+source+".target", typ)
		}
	}
	if hasMin && minReplicas == 0 && !scaleToZero {
		k.report("spec.minReplicas", "minReplicas 0 needs an Object or External metric: the API server rejects it (spec.metrics: must specify at least one Object or External metric to support scaling to zero replicas); set minReplicas to 1 or more, or add such a metric")
	}
}

func (k objectCheck) metricTarget(t *yaml.Node, tp, source string) {
	if !schema.Present(t) {
		k.report(tp, "required value: must specify a metric target")
		return
	}
	if !k.object(t, tp) {
		return
	}
	typ, _ := k.str(schema.Field(t, "type"), tp+".type")
	switch typ {
	case "Utilization", "Value", "AverageValue":
	case "":
		k.report(tp+".type", "required value: must specify a metric target type")
	default:
		k.report(tp+".type", "invalid value %q: must be either Utilization, Value, or AverageValue%s", typ, hint(typ, []string{"Utilization", "Value", "AverageValue"}))
	}
	utilNode, avgNode := schema.Field(t, "averageUtilization"), schema.Field(t, "averageValue")
	if u, ok := k.integer(utilNode, tp+".averageUtilization"); ok && u < 1 {
		k.report(tp+".averageUtilization", "invalid value %d: must be greater than 0", u)
	}
	for _, f := range []string{"value", "averageValue"} {
		if v, ok := schema.Int(schema.Field(t, f)); ok && v < 1 {
			k.report(tp+"."+f, "invalid value %d: must be positive", v)
		}
	}
	if source == "Resource" || source == "ContainerResource" {
		switch {
		case !schema.Present(utilNode) && !schema.Present(avgNode):
			k.report(tp+".averageUtilization", "required value: must set either a target raw value or a target utilization")
		case schema.Present(utilNode) && schema.Present(avgNode):
			k.report(tp+".averageValue", "forbidden: may not set both a target raw value and a target utilization")
		}
	}
}

// ---- PodDisruptionBudget ----

func (k objectCheck) pdb() {
	spec := schema.Field(k.o.Node, "spec")
	if !k.object(spec, "spec") {
		return
	}
	minNode, maxNode := schema.Field(spec, "minAvailable"), schema.Field(spec, "maxUnavailable")
	if schema.Present(minNode) && schema.Present(maxNode) {
		k.report("spec.maxUnavailable", "minAvailable and maxUnavailable cannot be both set: keep one")
	}
	for _, f := range []string{"minAvailable", "maxUnavailable"} {
		fp := "spec." + f
		i, s, isInt, ok := k.intOrString(schema.Field(spec, f), fp)
		switch {
		case !ok:
		case isInt && i < 0:
			k.report(fp, "invalid value %d: must be greater than or equal to 0", i)
		case !isInt && !percent.MatchString(s):
			k.report(fp, "invalid value %q: must be an integer or percentage (e.g '5%%')", s)
		case !isInt:
			if v, _ := strconv.Atoi(strings.TrimSuffix(s, "%")); v > 100 {
				k.report(fp, "invalid value %q: must not be greater than 100%%", s)
			}
		}
	}
	if p, ok := k.str(schema.Field(spec, "unhealthyPodEvictionPolicy"), "spec.unhealthyPodEvictionPolicy"); ok && p != "IfHealthyBudget" && p != "AlwaysAllow" {
		k.report("spec.unhealthyPodEvictionPolicy", "unsupported value %q: supported values: \"AlwaysAllow\", \"IfHealthyBudget\"%s", p, hint(p, []string{"AlwaysAllow", "IfHealthyBudget"}))
	}
	if sel := schema.Field(spec, "selector"); k.object(sel, "spec.selector") {
		k.selector(sel, "spec.selector")
	}
}

var percent = regexp.MustCompile(`^[0-9]+%$`)

// labels checks a map of labels; false when any is invalid.
func (k objectCheck) labels(n *yaml.Node, field string) bool {
	if !schema.Present(n) || schema.TypeOf(n) != "object" {
		return true
	}
	ok := true
	for _, kv := range schema.Fields(n) {
		// The label's path, Key(field, kv.Key), is built only for a finding.
		if msg := k8sname.QualifiedName(kv.Key); msg != "" {
			k.report(schema.EntryPath(field, kv.Key), "invalid label key %q: %s", kv.Key, msg)
			ok = false
		}
		if !schema.Present(kv.Value) {
			continue
		}
		v, isStr := schema.String(kv.Value)
		if !isStr {
			k.typeError(kv.Value, schema.EntryPath(field, kv.Key), "a string")
			ok = false
			continue
		}
		if msg := k8sname.LabelValue(v); msg != "" {
			k.report(schema.EntryPath(field, kv.Key), "invalid value %q: %s", v, msg)
			ok = false
		}
	}
	return ok
}

// stringMap reads a map of strings (labels), skipping anything else.
func stringMap(n *yaml.Node) map[string]string {
	m := map[string]string{}
	for _, kv := range schema.Fields(n) {
		if v, ok := schema.String(kv.Value); ok {
			m[kv.Key] = v
		}
	}
	return m
}

// showMap renders labels as the API server does: {"a":"b","c":"d"}.
func showMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, key := range keys {
		parts[i] = strconv.Quote(key) + ":" + strconv.Quote(m[key])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// hint suggests the supported value a wrong one differs from only in case.
func hint(v string, supported []string) string {
	for _, s := range supported {
		if strings.EqualFold(s, v) {
			return fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	return ""
}
