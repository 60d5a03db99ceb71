package check

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/policy/model"
)

// gatewayHardeningCheck holds gateway workloads to what Istio's gateway Helm
// chart (and edgegate's render) does. The gateway is the one pod of the mesh
// that faces the internet; its Envoy needs no privilege at all.
//
// Injection (Istio's IST0146/IST0147, pkg/config/analysis/analyzers/
// injection/image-auto.go). A container `istio-proxy` with `image: auto` is
// a placeholder the injection webhook fills in. Istio's webhooks (the
// istio-sidecar-injector configuration, default and revisioned) select a pod
// when its namespace is labelled istio-injection=enabled or istio.io/rev, or,
// in a namespace with neither label, when the pod is labelled
// sidecar.istio.io/inject: "true" or istio.io/rev; a namespace labelled
// istio-injection with any value but enabled (disabled, usually) and a pod
// labelled (or annotated) sidecar.istio.io/inject: "false" are never
// injected. Never injected, the
// pod runs the image "auto", which does not exist: an error (Istio reports
// IST0146 for the Deployment, IST0147 for a Pod). When the namespace is not
// in the input and the pod lacks the label, injection depends on labels
// edgegate cannot see: a warning (add the label, as Istio's chart does);
// Istio, treating the missing namespace as unlabelled, reports IST0146.
// Otherwise the verdict agrees with IST0146 under Istio's default webhooks
// for every combination of those namespace and pod labels.
// Injected without the annotation inject.istio.io/templates: gateway, the
// pod gets the sidecar template and runs a sidecar, which ignores Gateways:
// an error.
//
// Security context, per container of a gateway workload (the path of each
// finding names the field):
//
//   - privileged: true, allowPrivilegeEscalation not false,
//     readOnlyRootFilesystem not true, capabilities.drop without ALL, any
//     capability added other than NET_BIND_SERVICE: errors. The gateway
//     injection template sets none of these, so `image: auto` does not help.
//   - NET_BIND_SERVICE added: a warning; the pod sysctl
//     net.ipv4.ip_unprivileged_port_start=0 (Istio's chart, edgegate's
//     render) lets a non-root Envoy bind low ports without a capability.
//   - root: runAsUser 0 (container, else pod) is an error; neither
//     runAsNonRoot: true nor a non-zero runAsUser is an error, or a warning
//     for an istio-proxy container that will be injected, since the gateway
//     template sets runAsUser 1337 (Pod Security "restricted" still wants
//     runAsNonRoot: true written down).
//   - a containerPort below 1024 that a non-root Envoy cannot bind: no
//     NET_BIND_SERVICE, no hostNetwork, and no sysctl
//     net.ipv4.ip_unprivileged_port_start at or below the port (the
//     injection template adds it to injected pods that set no sysctls): an
//     error, the listener would fail.
//   - an image other than auto not pinned by digest (@sha256:): a warning;
//     a tag can move under a running gateway.
//
// Only gateway workloads are checked (see EG002's definition), and not the
// stand-ins of `existing: true` IngressGateways, which have no pod spec.
type gatewayHardeningCheck struct{}

// pod holds the pod fields the Index does not keep.
type pod struct {
	HostNetwork     bool `yaml:"hostNetwork"`
	SecurityContext *struct {
		Sysctls []struct {
			Name  string `yaml:"name"`
			Value string `yaml:"value"`
		} `yaml:"sysctls"`
	} `yaml:"securityContext"`
}

func (gatewayHardeningCheck) Run(idx *model.Index, r *model.Reporter) {
	// A Pod or ReplicaSet of a Deployment in the input is checked there.
	inInput := map[string]bool{}
	for _, w := range idx.Workloads {
		if !w.External {
			inInput[w.Obj.Kind+"/"+w.Namespace+"/"+w.Obj.Name] = true
		}
	}
	for _, w := range idx.Workloads {
		if w.External || !model.IsGateway(w) {
			continue
		}
		if id := model.WorkloadIdentity(w); id != w.Obj.Kind+"/"+w.Namespace+"/"+w.Obj.Name && inInput[id] {
			continue
		}
		var extra pod
		model.DecodeAt(w.Obj, w.Obj.Field(strings.Split(w.Pod.Path, ".")...), w.Pod.Path, &extra)
		// Injected with the gateway template, the istio-proxy container
		// gets runAsUser 1337 and the pod the unprivileged-port sysctl.
		templated := injection(idx, r, w) && gatewayTemplate(w)
		for i, c := range w.Pod.Containers {
			container(r, w, extra, i, c, templated && c.Name == "istio-proxy")
		}
	}
}

// metaPath is where the pod's metadata sits: spec.template.metadata
// in a Deployment, metadata in a Pod.
func metaPath(w *model.Workload) string {
	if p := strings.TrimSuffix(w.Pod.Path, "spec"); p != w.Pod.Path {
		return p + "metadata"
	}
	return "metadata"
}

// injection checks that an `image: auto` proxy will be injected with the
// gateway template, and reports whether the pod will be injected at all
// (true when it cannot tell and the pod asks for it).
func injection(idx *model.Index, r *model.Reporter, w *model.Workload) bool {
	meta := metaPath(w)
	auto := -1
	for i, c := range w.Pod.Containers {
		if c.Name == "istio-proxy" && c.Image == "auto" {
			auto = i
		}
	}
	image := fmt.Sprintf("%s.containers[%d].image", w.Pod.Path, auto)
	kind, code, pods := w.Obj.Kind, "IST0146", "its pods are"
	if w.Obj.Kind == "Pod" {
		code, pods = "IST0147", "the pod is"
	}

	never := ""
	podLabel, podAnnotation := w.Labels["sidecar.istio.io/inject"], w.Annotations["sidecar.istio.io/inject"]
	_, podRev := w.Labels["istio.io/rev"]
	ns := idx.Namespace(w.Namespace)
	switch {
	case podLabel == "false":
		never = fmt.Sprintf("%s labelled sidecar.istio.io/inject: \"false\" (%s.labels)", pods, meta)
	case podAnnotation == "false":
		never = fmt.Sprintf("%s annotated sidecar.istio.io/inject: \"false\" (%s.annotations)", pods, meta)
	case ns != nil && ns.Labels["istio-injection"] == "enabled":
		// The namespace selects it.
	case ns != nil && ns.Labels["istio-injection"] != "":
		// Only "enabled" selects; any other value keeps the object and
		// revision webhooks off too.
		never = fmt.Sprintf("Namespace %s is labelled istio-injection=%s, which no Istio webhook injects, whatever the pod's labels", w.Namespace, ns.Labels["istio-injection"])
	case ns != nil && ns.Labels["istio.io/rev"] != "":
		// The namespace selects it.
	case podLabel == "true" || podRev:
		// The pod selects itself (and the namespace does not refuse it).
	case ns != nil:
		never = fmt.Sprintf("Namespace %s has neither istio-injection=enabled nor istio.io/rev, and its pods lack the label sidecar.istio.io/inject: \"true\" (or istio.io/rev) that Istio's webhooks select on", w.Namespace)
	default:
		if auto >= 0 {
			r.Warn(w.Obj, meta+".labels",
				"`image: auto` is injected only if Namespace %s (not in the input) is labelled istio-injection=enabled or istio.io/rev: label the pods sidecar.istio.io/inject: \"true\", as Istio's gateway chart does, so the gateway does not depend on it (%s)",
				w.Namespace, code)
		}
		return auto >= 0
	}
	if never != "" {
		if auto >= 0 {
			r.Report(w.Obj, image,
				"`image: auto` is never replaced by the proxy: %s; the %s fails to pull image \"auto\" (Istio: %s %s); let the injector select it, or write the proxy image",
				never, kind, code, w.Obj.Ref)
		}
		return false
	}
	if auto >= 0 && !gatewayTemplate(w) {
		r.Report(w.Obj, meta+".annotations",
			"`image: auto` is injected with the sidecar template, since the pods lack the annotation inject.istio.io/templates: gateway: the proxy runs as a sidecar, which ignores Gateways; add the annotation")
	}
	return true
}

func gatewayTemplate(w *model.Workload) bool {
	for _, t := range strings.Split(w.Annotations["inject.istio.io/templates"], ",") {
		if strings.TrimSpace(t) == "gateway" {
			return true
		}
	}
	return false
}

func container(r *model.Reporter, w *model.Workload, pod pod, i int, c model.Container, templated bool) {
	base := fmt.Sprintf("%s.containers[%d]", w.Pod.Path, i)
	sc := base + ".securityContext"
	ctx := c.SecurityContext

	if ctx != nil && ctx.Privileged != nil && *ctx.Privileged {
		r.Report(w.Obj, sc+".privileged", "container %s is privileged: Envoy needs no access to the node; set privileged: false", c.Name)
	}
	switch {
	case ctx == nil || ctx.AllowPrivilegeEscalation == nil:
		r.Report(w.Obj, sc+".allowPrivilegeEscalation", "container %s may gain privileges (allowPrivilegeEscalation defaults to true): set allowPrivilegeEscalation: false", c.Name)
	case *ctx.AllowPrivilegeEscalation:
		r.Report(w.Obj, sc+".allowPrivilegeEscalation", "container %s allows privilege escalation: set allowPrivilegeEscalation: false", c.Name)
	}
	switch {
	case ctx == nil || ctx.ReadOnlyRootFilesystem == nil:
		r.Report(w.Obj, sc+".readOnlyRootFilesystem", "container %s has a writable root file system: set readOnlyRootFilesystem: true (Envoy writes only to its emptyDir volumes)", c.Name)
	case !*ctx.ReadOnlyRootFilesystem:
		r.Report(w.Obj, sc+".readOnlyRootFilesystem", "container %s has a writable root file system: set readOnlyRootFilesystem: true", c.Name)
	}

	bindService := false
	dropsAll := false
	if ctx != nil && ctx.Capabilities != nil {
		for _, d := range ctx.Capabilities.Drop {
			if strings.EqualFold(d, "ALL") {
				dropsAll = true
			}
		}
		for j, a := range ctx.Capabilities.Add {
			field := fmt.Sprintf("%s.capabilities.add[%d]", sc, j)
			switch strings.TrimPrefix(strings.ToUpper(a), "CAP_") {
			case "NET_BIND_SERVICE":
				bindService = true
				r.Warn(w.Obj, field, "container %s adds NET_BIND_SERVICE to bind ports below 1024: the pod sysctl net.ipv4.ip_unprivileged_port_start=0 does that without a capability (Istio's gateway chart); drop the capability and set the sysctl", c.Name)
			default:
				r.Report(w.Obj, field, "container %s adds capability %s: a gateway's Envoy needs none; remove it", c.Name, a)
			}
		}
	}
	if !dropsAll {
		r.Report(w.Obj, sc+".capabilities.drop", "container %s keeps the default capabilities: set capabilities.drop: [ALL]", c.Name)
	}

	// Non-root: the container's settings, else the pod's.
	nonRoot, user := runAs(w, c)
	root := user != nil && *user == 0
	switch {
	case root:
		field := sc + ".runAsUser"
		if ctx == nil || ctx.RunAsUser == nil {
			field = w.Pod.Path + ".securityContext.runAsUser"
		}
		r.Report(w.Obj, field, "container %s runs as root (runAsUser: 0): run Envoy as its own user, runAsUser: 1337 with runAsNonRoot: true", c.Name)
	case nonRoot != nil && *nonRoot, user != nil:
	case templated:
		r.Warn(w.Obj, sc+".runAsNonRoot", "container %s is non-root only because Istio's gateway injection template sets runAsUser 1337: set runAsNonRoot: true (Pod Security \"restricted\" requires it written down)", c.Name)
	default:
		r.Report(w.Obj, sc+".runAsNonRoot", "container %s may run as root (no runAsNonRoot: true, no runAsUser): set runAsNonRoot: true and runAsUser: 1337", c.Name)
	}

	// Ports below 1024 need the sysctl or the capability.
	if !root && !bindService && !pod.HostNetwork {
		lowest := 1024
		switch {
		case pod.SecurityContext != nil && pod.SecurityContext.Sysctls != nil:
			for _, s := range pod.SecurityContext.Sysctls {
				if s.Name == "net.ipv4.ip_unprivileged_port_start" {
					if v, err := strconv.Atoi(s.Value); err == nil {
						lowest = v
					}
				}
			}
		case templated:
			lowest = 0 // the gateway template adds the sysctl
		}
		for j, p := range c.Ports {
			if p.ContainerPort > 0 && p.ContainerPort < lowest {
				r.Report(w.Obj, fmt.Sprintf("%s.ports[%d].containerPort", base, j),
					"container %s serves port %d, which a non-root Envoy cannot bind: add the pod sysctl net.ipv4.ip_unprivileged_port_start=0 (%s.securityContext.sysctls, as Istio's gateway chart does) or use a port from 1024 up",
					c.Name, p.ContainerPort, w.Pod.Path)
			}
		}
	}

	if c.Image != "auto" && c.Image != "" && !strings.Contains(c.Image, "@sha256:") {
		r.Warn(w.Obj, base+".image", "image %q is not pinned by digest: a tag can move under a running gateway; pin it (image@sha256:...) or use image: auto and let the injector pick the control plane's proxy", c.Image)
	}
}

// runAs returns the effective runAsNonRoot and runAsUser of a
// container: its own, else the pod's.
func runAs(w *model.Workload, c model.Container) (nonRoot *bool, user *int) {
	if pod := w.Pod.SecurityContext; pod != nil {
		nonRoot, user = pod.RunAsNonRoot, pod.RunAsUser
	}
	if ctx := c.SecurityContext; ctx != nil {
		if ctx.RunAsNonRoot != nil {
			nonRoot = ctx.RunAsNonRoot
		}
		if ctx.RunAsUser != nil {
			user = ctx.RunAsUser
		}
	}
	return nonRoot, user
}
