package policy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/manifest"
)

func init() { register(gatewayPortNotServedCheck{}) }

// eg003DisableTranslationLabel on a gateway's Service turns pilot's Gateway
// port translation off for it (pilot/pkg/model/gateway.go).
const eg003DisableTranslationLabel = "experimental.istio.io/disable-gateway-port-translation"

// gatewayPortNotServedCheck finds Gateway server ports the gateway workload does
// not serve: the seed's riddle, where only 8080 and 8443 worked and 7070 and
// 9090 failed, because the default gateway's pods declared containerPorts
// 8080/8443 (plus 15021, 15090) and its Service mapped 80→8080, 443→8443.
//
// Each server port is resolved the way pilot does for a label-selected
// Gateway (resolvePorts): when it is the port of a Service selecting the
// workload (Services labelled experimental.istio.io/disable-gateway-port-
// translation excepted), Envoy listens on that port's targetPort; any other
// number is listened on as written. Then, on every selected gateway
// workload (every selected workload when none is a gateway):
//
//   - no container declares the resolved port: an error. Envoy would open
//     the listener, but nothing in the workload's contract says traffic
//     arrives there (the seed's 7070).
//   - the port is declared, but no TCP port of a Service selecting the
//     workload sends to it: a warning, the case Istio calls IST0162 (the
//     listener is unreachable through the gateway's load balancer).
//   - served and exposed, yet Istio's analyzer would still report IST0162:
//     an info that says why Istio is wrong here.
//
// Parity with Istio's IngressGatewayPortAnalyzer (pkg/config/analysis/
// analyzers/gateway/gateway.go). For the pods a Gateway selects (none: it
// reports IST0101 instead), Istio collects, from every Service of a pod's
// namespace whose selector matches the pod, each port whose protocol is
// literally "TCP": its number, and its targetPort when that is a number
// (IntValue of a name is 0). IST0162 fires for a server port in neither set.
// So it fires whenever a pod has no Service at all, whatever its
// containers. When it fires, the port is in no such set for any selected
// pod; EG003 looks at those workloads (one per rollout) and reports at
// least one of the three findings above on the same Gateway server, so
// every IST0162 is also an EG003 finding, save for the input without any
// Service below. (Checked against the analyzer itself on 1,500 random
// combinations of gateway pods, Services and Gateway ports: no IST0162
// without an EG003 finding, no EG003 info without an IST0162.) Where they
// differ:
//
//   - Istio never looks at containerPorts: a Gateway on Service port 80 of a
//     Service mapping 80→8081 passes Istio even when the pods serve 8080.
//     EG003 follows the translation and reports it as an error.
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

func (gatewayPortNotServedCheck) Meta() Meta {
	return Meta{
		ID: "EG003", Name: "gateway-port-not-served", Severity: manifest.Error,
		Description: "a Gateway server port is not a port its gateway workload serves and exposes",
		Mirrors:     []string{"IST0162"},
	}
}

func (gatewayPortNotServedCheck) Run(idx *Index, r *Reporter) {
	// Istio's analyzer counts selector-less Services of the pod's namespace.
	selectorless := map[string][]*Service{}
	for _, s := range idx.Services {
		if len(s.Spec.Selector) == 0 {
			selectorless[s.Obj.Namespace] = append(selectorless[s.Obj.Namespace], s)
		}
	}
	ws := newEG002Workloads(idx)
	for _, g := range eg002SortedGateways(idx) {
		workloads := eg003Targets(ws, g)
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
				eg003Check(r, g, field, number, w, selectorless[w.Namespace])
			}
		}
	}
}

// eg003Targets are the workloads a Gateway's ports are checked on: its
// gateway workloads, one per rollout (the stand-in of an existing gateway
// whose pods are in the input gives way to them), or every selected
// workload when none is a gateway (as Istio's analyzer counts any pod).
func eg003Targets(ws *eg002Workloads, g *Gateway) []*Workload {
	if gateways := ws.gateways(g); len(gateways) > 0 {
		return gateways
	}
	return g.Workloads
}

func eg003Check(r *Reporter, g *Gateway, field string, number int, w *Workload, selectorless []*Service) {
	target, via := eg003Resolve(w, number)
	how := fmt.Sprintf("port %d", number)
	if via != "" {
		how = fmt.Sprintf("port %d (targetPort %d of %s)", number, target, via)
	}
	if !w.ServesPort(target) {
		if w.External {
			r.Report(g.Obj, field,
				"%s is not served by the gateway %s declares: none of its spec.servicePorts is, or sends to, %d (it serves %s); use a declared port%s, or declare the port if the running gateway serves it",
				how, w, target, eg003Served(w), eg003Exposed(w))
			return
		}
		r.Report(g.Obj, field,
			"%s is not served by %s: no container declares containerPort %d (it serves %s); use a port it serves%s, or add the port to the workload and its Service",
			how, w, target, eg003Served(w), eg003Exposed(w))
		return
	}
	exposing, ok := eg003Exposure(w, target)
	if !ok {
		if len(w.Services) == 0 {
			r.Warn(g.Obj, field,
				"%s is served by %s, but no Service in the input selects it: nothing outside the pod reaches this listener (Istio: IST0162); add the gateway's Service with a TCP port whose targetPort is %d",
				how, w, target)
			return
		}
		r.Warn(g.Obj, field,
			"%s is served by %s, but no TCP port of the Services selecting it sends to %d: the listener is unreachable through the gateway's Service (Istio: IST0162); add a Service port with targetPort %d, or use a port the Service exposes%s",
			how, w, target, target, eg003Exposed(w))
		return
	}
	if why := eg003IstioMisreads(w, number, exposing, selectorless); why != "" {
		r.Info(g.Obj, field,
			"port %d is served and exposed by %s, but Istio's analyzer reports IST0162 for it: %s",
			number, w, why)
	}
}

// eg003DisableTranslation on a gateway Service turns pilot's translation of
// Service ports to targetPorts off.
const eg003DisableTranslation = "experimental.istio.io/disable-gateway-port-translation"

// eg003Port is one port of a Service selecting a workload.
type eg003Port struct {
	svc  *Service
	port ServicePort
}

func (p eg003Port) String() string {
	return fmt.Sprintf("Service %s port %q", p.svc.Obj.Namespace+"/"+p.svc.Obj.Name, p.port.Name)
}

// eg003Resolve is pilot's translation of a Gateway server port: the port of a
// Service selecting the workload becomes that port's targetPort (a named one
// resolved against the containers); any other number is listened on as
// written. via names the Service port that translated it.
func eg003Resolve(w *Workload, number int) (target int, via string) {
	for _, s := range w.Services {
		if s.Obj.Label(eg003DisableTranslation) == "true" {
			continue
		}
		for _, p := range s.Spec.Ports {
			if p.Port != number {
				continue
			}
			if t := p.Target(w); t != 0 {
				return t, eg003Port{s, p}.String()
			}
		}
	}
	return number, ""
}

// eg003Served lists the container ports of a workload, in order.
func eg003Served(w *Workload) string {
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

// eg003Exposed says which ports the workload's Services expose, as
// " (its Service exposes 15021, 80→8080)", or "" without Services.
func eg003Exposed(w *Workload) string {
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
	switch {
	case len(parts) == 0:
		return ""
	case len(w.Services) > 1:
		return " (its Services expose " + strings.Join(parts, ", ") + ")"
	}
	return " (its Service exposes " + strings.Join(parts, ", ") + ")"
}

// eg003Exposure finds the TCP Service ports that send to target (a port
// without protocol is TCP, as the API server defaults it).
func eg003Exposure(w *Workload, target int) ([]eg003Port, bool) {
	var out []eg003Port
	for _, s := range w.Services {
		for _, p := range s.Spec.Ports {
			if (p.Protocol == "" || strings.EqualFold(p.Protocol, "TCP")) && p.Target(w) == target {
				out = append(out, eg003Port{s, p})
			}
		}
	}
	return out, len(out) > 0
}

// eg003IstioMisreads explains why Istio's analyzer reports IST0162 for a
// server port that is served and exposed, or returns "". The analyzer takes
// the ports of every Service of the pod's namespace whose selector matches
// (a selector-less Service matches every pod) and counts only ports that say
// protocol TCP: their port, and their targetPort when it is a number.
func eg003IstioMisreads(w *Workload, number int, exposing []eg003Port, selectorless []*Service) string {
	if w.External {
		return "" // Istio sees no pods for it at all: IST0101, EG002's finding
	}
	istio := map[int]bool{}
	for _, s := range append(append([]*Service(nil), w.Services...), selectorless...) {
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
	return ""
}
