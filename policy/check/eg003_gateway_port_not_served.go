package check

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/policy/model"
)

// gatewayPortNotServedCheck finds Gateway server ports no traffic reaches on
// the gateway workload: the seed's riddle, where only 80/8080 and 443/8443
// worked and 7070 and 9090 failed, because the default gateway's Service
// mapped 80→8080, 443→8443 and nothing sent traffic anywhere else.
//
// Each server port is resolved the way pilot does for a label-selected
// Gateway (ResolvePort): when it is the port of a Service selecting the
// workload (Services labelled experimental.istio.io/disable-gateway-port-
// translation excepted), Envoy listens on that port's targetPort; any other
// number is listened on as written. Envoy opens that listener whatever the
// pod spec says: containerPorts are informational in Kubernetes (Istio's own
// gateway Helm chart declares only 15090, and its Service's 80→80 works).
// What decides is whether traffic arrives. On every selected gateway
// workload (every selected workload when none is a gateway):
//
//   - a TCP port of a Service selecting the workload sends to the resolved
//     port: it is reachable, no finding, except an info where Istio's
//     analyzer misreads it and reports IST0162 anyway (below).
//   - no Service port sends to it, but a container declares it: a warning,
//     the case Istio calls IST0162 (only clients inside the cluster that
//     dial the pod directly reach the listener).
//   - neither: an error. Nothing in the workload's contract says traffic
//     arrives there (the seed's 7070 and 9090).
//
// Parity with Istio's IngressGatewayPortAnalyzer (pkg/config/analysis/
// analyzers/gateway/gateway.go). For the pods a Gateway selects (none: it
// reports IST0101 instead), Istio collects, from every Service of a pod's
// namespace whose selector matches the pod, each port whose protocol is
// literally "TCP": its number, and its targetPort when that is a number
// (IntValue of a name is 0). IST0162 fires for a server port in neither set.
// So it fires whenever a pod has no Service at all, whatever its
// containers. Whenever it fires, EG003 reports one of the three findings
// above on the same Gateway server: a port no Service port reaches is a
// warning or an error, and for a reachable one istioMisreads says why
// Istio fires. Where they differ:
//
//   - Istio unions ports over all selected pods; EG003 checks each workload,
//     so one gateway lacking a port another has is reported.
//   - Istio does not resolve a named targetPort ("http" → containerPort
//     8080), so a Gateway on 8080 behind Service port 80 → "http" gets
//     IST0162 although it works; EG003 resolves the name (as kube-proxy and
//     pilot do) and reports only an info.
//   - Istio skips ports without `protocol:` although the API server defaults
//     it to TCP: reading files (istioctl analyze on manifests, the analyzer
//     harness), it reports IST0162 for every port of such a Service. EG003
//     treats a missing protocol as TCP and reports only an info.
//   - Istio counts ports of selector-less Services of the namespace (an empty
//     selector matches every pod in its analyzer, though Kubernetes sends such
//     a Service nowhere) and so misses some cases; EG003 does not count them.
//
// Workloads of an `existing: true` IngressGateway serve exactly the declared
// servicePorts' targetPorts behind a Service with those ports.
type gatewayPortNotServedCheck struct{}

func (gatewayPortNotServedCheck) Run(idx *model.Index, r *model.Reporter) {
	// Istio's analyzer counts selector-less Services of the pod's namespace.
	selectorless := map[string][]*model.Service{}
	for _, s := range idx.Services {
		if len(s.Spec.Selector) == 0 {
			selectorless[s.Obj.Namespace] = append(selectorless[s.Obj.Namespace], s)
		}
	}
	ws := model.NewWorkloads(idx)
	for _, g := range idx.GatewaysByKey() {
		workloads := targets(ws, g)
		if len(workloads) == 0 {
			continue // EG002's finding
		}
		for si, s := range g.Spec.Servers {
			number := s.Port.Number
			if number <= 0 {
				continue // the schema's finding
			}
			field := fmt.Sprintf("spec.servers[%d].port.number", si)
			for _, w := range workloads {
				checkPort(r, g, field, number, w, selectorless[w.Namespace])
			}
		}
	}
}

// targets are the workloads a Gateway's ports are checked on: its
// gateway workloads, one per rollout (the stand-in of an existing gateway
// whose pods are in the input gives way to them), or every selected
// workload when none is a gateway (as Istio's analyzer counts any pod).
func targets(ws *model.Workloads, g *model.Gateway) []*model.Workload {
	if gateways := ws.Gateways(g); len(gateways) > 0 {
		return gateways
	}
	return g.Workloads
}

func checkPort(r *model.Reporter, g *model.Gateway, field string, number int, w *model.Workload, selectorless []*model.Service) {
	resolved := model.ResolvePort(w, number)
	target := resolved.Port
	how := fmt.Sprintf("port %d", number)
	if via := resolved.Via(); via != "" {
		how = fmt.Sprintf("port %d (targetPort %d of %s)", number, target, via)
	}
	if exposing, ok := exposure(w, target); ok {
		if why := istioMisreads(w, number, exposing, selectorless); why != "" {
			r.Info(g.Obj, field,
				"port %d is served and exposed by %s, but Istio's analyzer reports IST0162 for it: %s",
				number, w, why)
		}
		return
	}
	switch {
	case w.Assumed:
		r.Report(g.Obj, field,
			"%s is not served: %s, and none of those is %d; use one of them, or declare the gateway that serves this Gateway with an IngressGateway (existing: true, selector, servicePorts) so edgegate checks it against that one",
			how, model.DefaultIngressAssumed, target)
	case w.External:
		r.Report(g.Obj, field,
			"%s is not served by the gateway %s declares: none of its spec.servicePorts is, or sends to, %d (it serves %s); use a declared port%s, or declare the port if the running gateway serves it",
			how, w, target, served(w), exposed(w))
	case w.ServesPort(target) && len(w.Services) == 0:
		r.Warn(g.Obj, field,
			"%s is served by %s, but no Service in the input selects it: nothing outside the pod reaches this listener (Istio: IST0162); add the gateway's Service with a TCP port whose targetPort is %d",
			how, w, target)
	case w.ServesPort(target):
		r.Warn(g.Obj, field,
			"%s is served by %s, but no TCP port of the Services selecting it sends to %d: the listener is unreachable through the gateway's Service (Istio: IST0162); add a Service port with targetPort %d, or use a port the Service exposes%s",
			how, w, target, target, exposed(w))
	default:
		unexposed := fmt.Sprintf("no TCP port of the Services selecting it sends to %d", target)
		if len(w.Services) == 0 {
			unexposed = "no Service in the input selects it"
		}
		r.Report(g.Obj, field,
			"%s is not served by %s: %s, and no container declares containerPort %d (it declares %s); use a port it serves%s, or add a Service port with targetPort %d",
			how, w, unexposed, target, served(w), exposed(w), target)
	}
}

// exposedPort is one port of a Service selecting a workload.
type exposedPort struct {
	svc  *model.Service
	port model.ServicePort
}

func (p exposedPort) String() string {
	return p.svc.DescribePort(p.port)
}

// served lists the container ports of a workload, in order.
func served(w *model.Workload) string {
	seen := map[int]bool{}
	var ports []int
	for _, c := range w.Pod.Containers {
		for _, p := range c.Ports {
			if p.ContainerPort > 0 && !seen[p.ContainerPort] {
				seen[p.ContainerPort] = true
				ports = append(ports, p.ContainerPort)
			}
		}
	}
	if len(ports) == 0 {
		return "no ports"
	}
	sort.Ints(ports)
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = strconv.Itoa(p)
	}
	return strings.Join(parts, ", ")
}

// exposed says which ports the workload's Services expose, as
// " (its Service exposes 15021, 80→8080)", or "" without Services.
func exposed(w *model.Workload) string {
	var parts []string
	for _, s := range w.Services {
		for _, p := range s.Spec.Ports {
			if t := p.Target(w); t != 0 && t != p.Port {
				parts = append(parts, fmt.Sprintf("%d→%d", p.Port, t))
			} else {
				parts = append(parts, strconv.Itoa(p.Port))
			}
		}
	}
	var untranslated []string
	for _, s := range w.Services {
		if s.TranslationDisabled() {
			untranslated = append(untranslated, s.Obj.Namespace+"/"+s.Obj.Name)
		}
	}
	note := ""
	if len(untranslated) > 0 {
		note = fmt.Sprintf("; %s opts out of port translation (%s), so a Gateway names the targetPort there", "Service "+strings.Join(untranslated, ", Service "), model.DisableGatewayPortTranslationLabel)
	}
	switch {
	case len(parts) == 0:
		return ""
	case len(w.Services) > 1:
		return " (its Services expose " + strings.Join(parts, ", ") + note + ")"
	}
	return " (its Service exposes " + strings.Join(parts, ", ") + note + ")"
}

// exposure finds the TCP Service ports that send to target (a port
// without protocol is TCP, as the API server defaults it).
func exposure(w *model.Workload, target int) ([]exposedPort, bool) {
	var out []exposedPort
	for _, s := range w.Services {
		for _, p := range s.Spec.Ports {
			if (p.Protocol == "" || strings.EqualFold(p.Protocol, "TCP")) && p.Target(w) == target {
				out = append(out, exposedPort{s, p})
			}
		}
	}
	return out, len(out) > 0
}

// istioMisreads explains why Istio's analyzer reports IST0162 for a
// server port that is served and exposed, or returns "". The analyzer takes
// the ports of every Service of the pod's namespace whose selector matches
// (a selector-less Service matches every pod) and counts only ports that say
// protocol TCP: their port, and their targetPort when it is a number.
func istioMisreads(w *model.Workload, number int, exposing []exposedPort, selectorless []*model.Service) string {
	if w.External {
		return "" // Istio sees no pods for it at all: IST0101, EG002's finding
	}
	istio := map[int]bool{}
	for _, s := range append(append([]*model.Service(nil), w.Services...), selectorless...) {
		for _, p := range s.Spec.Ports {
			if p.Protocol != "TCP" {
				continue
			}
			istio[p.Port] = true
			if p.TargetPort.Int != 0 {
				istio[p.TargetPort.Int] = true
			}
		}
	}
	if istio[number] {
		return ""
	}
	for _, e := range exposing {
		switch {
		case e.port.Protocol == "":
			return fmt.Sprintf("%s reaches it, but says no protocol, and Istio counts only ports that say protocol: TCP (the API server defaults it, files read offline do not); write protocol: TCP to silence it", e)
		case e.port.TargetPort.Name != "":
			return fmt.Sprintf("%s reaches it through the named targetPort %q, which Istio's analyzer does not resolve; write targetPort: %d to silence it", e, e.port.TargetPort.Name, e.port.Target(w))
		}
	}
	// Translated by a Service port that does not say TCP (UDP, SCTP), while
	// another port reaches the listener.
	return fmt.Sprintf("it counts only the port and numeric targetPort of Service ports that say protocol: TCP, and %d is neither (%s reaches the listener over TCP); write the Gateway's port as %d to silence it", number, exposing[0], exposing[0].port.Port)
}
