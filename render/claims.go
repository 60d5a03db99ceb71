package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// IstioNetworkingGroup is the API group of Istio's Gateway and VirtualService.
const IstioNetworkingGroup = "networking.istio.io"

// buildClaims records the hosts that hand-written Gateways in the input serve
// on the workloads of this render: a Gateway whose selector reaches the
// workload's running pods by any of their labels, those the mesh and the
// controllers add included (podlabels.Pods.Reaches), claims its hosts there. They are read leniently: a Gateway that
// Istio would reject is the policy gate's business, not the allocator's.
func (m *Model) buildClaims() manifest.Diagnostics {
	var diags manifest.Diagnostics
	for _, o := range m.Passthrough {
		if o.Group() != IstioNetworkingGroup || o.Kind != "Gateway" {
			continue
		}
		selector := stringMap(o.Field("spec", "selector"))
		var matched []*Workload
		for _, w := range m.Workloads {
			if w.Pods.Reaches(selector) {
				matched = append(matched, w)
			}
		}
		if len(matched) == 0 {
			continue
		}
		servers := o.Field("spec", "servers")
		if servers == nil || servers.Kind != yaml.SequenceNode {
			continue
		}
		for i, server := range servers.Content {
			server = manifest.Unalias(server)
			// As the API server stores it: 80.0 is port 80, where Istio
			// serves it, so it claims the host there. The spelling is an
			// error here too: the claim may fail the render (another app's
			// host) before the policy gate, which reports it, runs. A port
			// the API server rejects claims nothing.
			numberNode := manifest.Lookup(server, "port", "number")
			number, ok := manifest.StoredInteger(numberNode)
			if !ok {
				continue
			}
			if n := manifest.Unalias(numberNode); manifest.WholeFloat(n) {
				diags = append(diags, manifest.Errorf(o, fmt.Sprintf("spec.servers[%d].port.number", i), "%v", &manifest.NotIntegerError{Value: n.Value}))
			}
			port := int(number)
			proto := claimProtocol(manifest.ScalarValue(manifest.Lookup(server, "port", "protocol")))
			hosts := manifest.Lookup(server, "hosts")
			if hosts == nil || hosts.Kind != yaml.SequenceNode {
				continue
			}
			for j, h := range hosts.Content {
				written := manifest.Unalias(h).Value
				if _, bare, ok := strings.Cut(written, "/"); ok {
					written = bare
				}
				host := hostname.Canonical(written) // as pilot compares it
				if written == host {
					written = ""
				}
				for _, w := range matched {
					m.Claims = append(m.Claims, Claim{
						Workload: w,
						Listener: Listener{Protocol: proto, Port: port, Target: w.Resolve(port)},
						Host:     host,
						Written:  written,
						Obj:      o,
						Field:    fmt.Sprintf("spec.servers[%d].hosts[%d]", i, j),
					})
				}
			}
		}
	}
	// Input order must not leak into which claim an error names first.
	sort.SliceStable(m.Claims, func(i, j int) bool {
		a, b := m.Claims[i], m.Claims[j]
		if a.Obj.Key() != b.Obj.Key() {
			return manifest.CompareKeys(a.Obj.Ref, b.Obj.Ref) < 0
		}
		return a.Field < b.Field
	})
	return diags
}

// claimProtocol folds Gateway server protocols into the listener kinds
// bindings distinguish: plaintext HTTP routing and TLS-terminated HTTPS.
func claimProtocol(p string) Protocol {
	switch strings.ToUpper(p) {
	case "HTTP", "HTTP2", "GRPC":
		return HTTP
	case "HTTPS":
		return HTTPS
	}
	return Protocol(strings.ToUpper(p))
}

func stringMap(n *yaml.Node) map[string]string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	m := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1].Value
	}
	return m
}
