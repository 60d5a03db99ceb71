package model

import (
	"fmt"
	"github.com/edgegate/edgegate/render/match"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/podlabels"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The typed views the checks read. They are decoded leniently: a field of
// the wrong type is left empty here and reported by the schema check.

// Gateway is an Istio Gateway.
type Gateway struct {
	Obj *manifest.Object
	// notInteger: integer fields written as whole floats (80.0).
	notInteger manifest.Diagnostics `yaml:"-"`
	Spec       struct {
		Selector map[string]string `yaml:"selector"`
		Servers  []Server          `yaml:"servers"`
	} `yaml:"spec"`
	// Workloads are the gateway workloads its selector picks, in the input or
	// declared by an existing IngressGateway.
	Workloads []*Workload
}

// Server is one server of a Gateway.
type Server struct {
	Port struct {
		Number   int    `yaml:"number"`
		Name     string `yaml:"name"`
		Protocol string `yaml:"protocol"`
	} `yaml:"port"`
	Hosts []string `yaml:"hosts"`
	// Names are Hosts as pilot compares them, without the namespace part:
	// lowercased, without a trailing dot (hostname.Canonical). The index
	// sets them once, so ownership checks never compare two spellings of
	// one host ("SHOP.example.com." is shop.example.com to Envoy).
	Names []string   `yaml:"-"`
	TLS   *ServerTLS `yaml:"tls"`
}

// ServerTLS is what the gate reads of a server's tls settings.
type ServerTLS struct {
	HTTPSRedirect  bool   `yaml:"httpsRedirect"`
	Mode           string `yaml:"mode"`
	CredentialName string `yaml:"credentialName"`
	// File paths in the proxy (not their contents), for servers that do
	// not use credentialName.
	ServerCertificate string `yaml:"serverCertificate"`
	PrivateKey        string `yaml:"privateKey"`
}

// CertificateKey names the certificate a server's tls settings present, as
// Istio's haveSameCertificate (the analyzer behind IST0138) compares them:
// its credentialName when it gives one, else its serverCertificate and
// privateKey files when it gives both; "" when it presents none that
// comparison counts. Two servers present the same certificate exactly when
// their keys are equal and not "".
func CertificateKey(t *ServerTLS) string {
	switch {
	case t == nil:
		return ""
	case t.CredentialName != "":
		return "credentialName:" + t.CredentialName
	case t.ServerCertificate != "" && t.PrivateKey != "":
		return "files:" + t.ServerCertificate + "\x00" + t.PrivateKey
	}
	return ""
}

// SameCertificate reports whether two servers' tls settings present the
// same certificate (see CertificateKey).
func SameCertificate(a, b *ServerTLS) bool {
	k := CertificateKey(a)
	return k != "" && k == CertificateKey(b)
}

// SortByObjectKey returns a copy of items sorted by the key of their
// object, so that checks walk the index in an order no input order shows.
func SortByObjectKey[T any](items []T, obj func(T) *manifest.Object) []T {
	out := slices.Clone(items)
	sort.Slice(out, func(i, j int) bool { return manifest.CompareKeys(obj(out[i]).Ref, obj(out[j]).Ref) < 0 })
	return out
}

// ServerHost is one host of one server of a Gateway, by position, so a
// finding about it can name its field.
type ServerHost struct {
	Gateway *Gateway
	Server  int
	Host    int
}

// Raw is the host as the Gateway writes it ("ns/host" or "host").
func (h ServerHost) Raw() string { return h.Gateway.Spec.Servers[h.Server].Hosts[h.Host] }

// Name is the host as pilot compares it, without the namespace part.
func (h ServerHost) Name() string { return h.Gateway.Spec.Servers[h.Server].Names[h.Host] }

func (h ServerHost) Field() string {
	return fmt.Sprintf("spec.servers[%d].hosts[%d]", h.Server, h.Host)
}

// IsTLS reports whether the server terminates or passes TLS.
func (s Server) IsTLS() bool {
	switch strings.ToUpper(s.Port.Protocol) {
	case "HTTPS", "TLS":
		return true
	}
	return false
}

// SplitGatewayHost splits "ns/host" into its namespace ("*" when absent) and host.
func SplitGatewayHost(h string) (namespace, host string) {
	if ns, name, ok := strings.Cut(h, "/"); ok {
		return ns, name
	}
	return "*", h
}

// VirtualService is an Istio VirtualService.
type VirtualService struct {
	Obj *manifest.Object
	// notInteger: integer fields written as whole floats (80.0).
	notInteger manifest.Diagnostics `yaml:"-"`
	Spec       struct {
		Hosts    []string    `yaml:"hosts"`
		Gateways []string    `yaml:"gateways"`
		ExportTo []string    `yaml:"exportTo"`
		HTTP     []HTTPRoute `yaml:"http"`
		TLS      []L4Route   `yaml:"tls"`
		TCP      []L4Route   `yaml:"tcp"`
	} `yaml:"spec"`
	// Names are spec.hosts as pilot compares them (hostname.Canonical), set
	// by the index.
	Names []string `yaml:"-"`
}

// canonicalNames fills in Names of every server: the host part of each
// server host, as pilot compares it.
func (g *Gateway) canonicalNames() {
	for i := range g.Spec.Servers {
		s := &g.Spec.Servers[i]
		s.Names = canonicalNames(s.Hosts, true)
	}
}

// canonicalNames fills in Names: spec.hosts as pilot compares them.
func (vs *VirtualService) canonicalNames() { vs.Names = canonicalNames(vs.Spec.Hosts, false) }

// canonicalNames returns hosts as pilot compares them (without their
// namespace part when scoped): hosts itself when that changes nothing, as
// for nearly every host, so the index holds no second copy.
func canonicalNames(hosts []string, scoped bool) []string {
	var out []string
	for i, h := range hosts {
		name := h
		if scoped {
			_, name = SplitGatewayHost(h)
		}
		name = hostname.Canonical(name)
		if out == nil && name != h {
			out = make([]string, len(hosts))
			copy(out, hosts[:i])
		}
		if out != nil {
			out[i] = name
		}
	}
	if out == nil {
		return hosts
	}
	return out
}

// HTTPRoute is one http rule of a VirtualService.
type HTTPRoute struct {
	Name           string                   `yaml:"name"`
	Match          []match.HTTPMatchRequest `yaml:"match"`
	Route          []RouteDestination       `yaml:"route"`
	Redirect       *yaml.Node               `yaml:"redirect"`
	DirectResponse *yaml.Node               `yaml:"directResponse"`
	Delegate       *yaml.Node               `yaml:"delegate"`
}

// L4Route is a tls or tcp rule; only its destinations matter here.
type L4Route struct {
	Route []RouteDestination `yaml:"route"`
}

// StringMatch is Istio's exact / prefix / regex match.
type StringMatch = match.StringMatch

// RouteDestination is a weighted destination.
type RouteDestination struct {
	Destination struct {
		Host   string `yaml:"host"`
		Subset string `yaml:"subset"`
		Port   *struct {
			Number int `yaml:"number"`
		} `yaml:"port"`
	} `yaml:"destination"`
	Weight *int `yaml:"weight"`
}

// Workload is a pod template in the input (Deployment, StatefulSet,
// DaemonSet, ReplicaSet, Pod), or a gateway workload an existing
// IngressGateway declares to run outside it.
type Workload struct {
	Obj         *manifest.Object
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string
	Pod         PodSpec
	// Pods are the labels its pods carry once running: Labels and what the
	// mesh and the controllers add (podlabels), which selectors are judged by.
	Pods podlabels.Pods
	// External is set for a workload known only from an existing
	// IngressGateway: its labels are the declared selector, its ports the
	// declared Service targetPorts.
	External bool
	// Assumed is set for Istio's default ingress gateway, assumed when the
	// input declares no gateway workload (see Index.assumeDefaultIngress).
	Assumed bool
	// Services are the Services in its namespace whose selector picks it.
	Services []*Service
}

// Name is "Kind namespace/name" of the object the workload comes from.
func (w *Workload) String() string { return w.Obj.Ref.String() }

// PodSpec is the part of a pod spec the checks read.
type PodSpec struct {
	ServiceAccountName string `yaml:"serviceAccountName"`
	SecurityContext    *struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    *int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []Container `yaml:"containers"`
	// path is where the pod spec sits in the object, for field paths.
	Path string
}

// Container is one container of a pod.
type Container struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
		Protocol      string `yaml:"protocol"`
	} `yaml:"ports"`
	SecurityContext *struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		Privileged               *bool `yaml:"privileged"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		RunAsUser                *int  `yaml:"runAsUser"`
		Capabilities             *struct {
			Add  []string `yaml:"add"`
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
}

// ServesPort reports whether a container of the workload listens on port:
// a declared containerPort, or for an external workload a declared targetPort.
func (w *Workload) ServesPort(port int) bool {
	for _, c := range w.Pod.Containers {
		for _, p := range c.Ports {
			if p.ContainerPort == port {
				return true
			}
		}
	}
	return false
}

// Service is a Kubernetes Service.
type Service struct {
	Obj *manifest.Object
	// notInteger: integer fields written as whole floats (80.0).
	notInteger manifest.Diagnostics `yaml:"-"`
	Spec       struct {
		Type         string            `yaml:"type"`
		ExternalName string            `yaml:"externalName"`
		Selector     map[string]string `yaml:"selector"`
		Ports        []ServicePort     `yaml:"ports"`
	} `yaml:"spec"`
}

// AliasFor is the host pilot sends a route to this Service to instead: the
// spec.externalName of a Service of type ExternalName, as written (pilot's
// kube registry makes such a Service an alias of that host); "" for any
// other Service.
func (s *Service) AliasFor() string {
	if s.Spec.Type != "ExternalName" {
		return ""
	}
	return s.Spec.ExternalName
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Name       string      `yaml:"name"`
	Port       int         `yaml:"port"`
	TargetPort IntOrString `yaml:"targetPort"`
	Protocol   string      `yaml:"protocol"`
}

// IntOrString is a Kubernetes port reference: a number or a port name.
type IntOrString struct {
	Int  int
	Name string
}

// DecodeNode reads a number or a name.
func (v *IntOrString) DecodeNode(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a port number or name")
	}
	if manifest.WholeFloat(n) {
		return &manifest.NotIntegerError{Value: n.Value}
	}
	if n.Tag == "!!int" {
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			return err
		}
		v.Int = i
		return nil
	}
	v.Name = n.Value
	return nil
}

// Target resolves a Service port to the container port it sends to, as
// kube-proxy does: targetPort, a named container port, or the port itself.
func (p ServicePort) Target(w *Workload) int {
	switch {
	case p.TargetPort.Int != 0:
		return p.TargetPort.Int
	case p.TargetPort.Name != "" && w != nil:
		for _, c := range w.Pod.Containers {
			for _, cp := range c.Ports {
				if cp.Name == p.TargetPort.Name {
					return cp.ContainerPort
				}
			}
		}
		return 0
	}
	return p.Port
}

// Secret is a Kubernetes Secret; only its type and the names of its keys
// are read, never the values.
type Secret struct {
	Obj  *manifest.Object
	Type string
	Keys map[string]bool
}

// Namespace is a Kubernetes Namespace.
type Namespace struct {
	Obj    *manifest.Object
	Labels map[string]string
}
