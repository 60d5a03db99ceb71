package istio

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/simulation"
)

// expectations is testdata/<example>.yaml: the calls clients make to the
// example's gateway workloads and where each must land. See README.md.
type expectations struct {
	Gateways []workloadCalls `json:"gateways"`
}

// workloadCalls are the calls to one gateway workload: a Deployment edgegate
// rendered (its pod is synthesized) or a Pod from the fixtures.
type workloadCalls struct {
	Deployment string `json:"deployment,omitempty"` // namespace/name
	Pod        string `json:"pod,omitempty"`        // namespace/name
	Calls      []call `json:"calls"`
}

func (wc workloadCalls) name() string {
	if wc.Deployment != "" {
		return "deployment " + wc.Deployment
	}
	return "pod " + wc.Pod
}

// call is one request a client sends to the gateway Service's load balancer.
type call struct {
	Name string `json:"name"`
	// Host is the Host header, and the SNI of a TLS call unless SNI is set.
	Host string `json:"host"`
	SNI  string `json:"sni,omitempty"`
	// Port is the gateway Service's port (what the client dials).
	Port    int               `json:"port"`
	Path    string            `json:"path,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// HostHeader, when set, is the Host header as sent (e.g. without the
	// port a client dials); Host stays the SNI and the call's name.
	HostHeader string `json:"hostHeader,omitempty"`
	TLS        bool   `json:"tls,omitempty"`
	Want       want   `json:"want"`
	// KnownFailure marks a call that fails because of a reported bug: the
	// call is still checked, and skipped with this reason while it fails;
	// once it passes, the test fails until the mark is removed.
	KnownFailure string `json:"knownFailure,omitempty"`
}

func (c call) String() string {
	s := fmt.Sprintf("%s://%s:%d%s", c.scheme(), c.Host, c.Port, c.path())
	if c.TLS && c.SNI != "" && c.SNI != c.Host {
		s += " (SNI " + c.SNI + ")"
	}
	if len(c.Headers) > 0 {
		var hs []string
		for k, v := range c.Headers {
			hs = append(hs, k+": "+v)
		}
		sort.Strings(hs)
		s += " [" + strings.Join(hs, ", ") + "]"
	}
	return s
}

// authority is the Host header a client sends: the host, with the port when
// it is not the scheme's default (as curl and browsers do).
func (c call) authority() string {
	if c.HostHeader != "" {
		return c.HostHeader
	}
	if strings.Contains(c.Host, ":") || c.Port == defaultPort(c.scheme()) {
		return c.Host
	}
	return fmt.Sprintf("%s:%d", c.Host, c.Port)
}

func (c call) scheme() string {
	if c.TLS {
		return "https"
	}
	return "http"
}

func defaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

func (c call) path() string {
	if c.Path == "" {
		return "/"
	}
	return c.Path
}

func (c call) header() http.Header {
	h := http.Header{}
	for k, v := range c.Headers {
		h.Set(k, v)
	}
	return h
}

// want is the outcome of a call: exactly one of Cluster, Clusters, Redirect
// and Error, plus optional details of the route that answers.
type want struct {
	// Cluster is the single upstream, e.g. outbound|9080||productpage.default.svc.cluster.local.
	Cluster string `json:"cluster,omitempty"`
	// Clusters is a weighted split: cluster → weight.
	Clusters map[string]uint32 `json:"clusters,omitempty"`
	// Redirect is answered by the gateway itself: the scheme and port of the
	// Location Envoy sends (its port is the scheme's default when it has none).
	Redirect *redirect `json:"redirect,omitempty"`
	// Error is how the call finds no route; see callErrors.
	Error string `json:"error,omitempty"`

	Route          string `json:"route,omitempty"`          // name of the route that answers
	VirtualService string `json:"virtualService,omitempty"` // namespace/name it comes from
	Rewrite        string `json:"rewrite,omitempty"`        // prefix rewrite
	// UpstreamPath is the path the request reaches its upstream with, after
	// the route's prefix rewrite (the path as sent when it has none).
	UpstreamPath string  `json:"upstreamPath,omitempty"`
	Timeout      string  `json:"timeout,omitempty"` // e.g. 5s, 1.5s
	Retries      *uint32 `json:"retries,omitempty"`
	// Certificate is the credentialName whose certificate the gateway presents (TLS calls).
	Certificate string `json:"certificate,omitempty"`
	// MTLS says whether the gateway demands a client certificate (TLS calls; default false).
	MTLS *bool `json:"mtls,omitempty"`
}

type redirect struct {
	Scheme string `json:"scheme"`
	Port   uint32 `json:"port"`
}

// noServicePort is the outcome of a call to a port the gateway Service does
// not expose: the load balancer has nowhere to send it.
const noServicePort = "no-service-port"

// callErrors maps the error names of expectation files to pilot's simulation.
var callErrors = map[string]error{
	"no-listener":            simulation.ErrNoListener,
	"no-filter-chain":        simulation.ErrNoFilterChain,
	"multiple-filter-chains": simulation.ErrMultipleFilterChain,
	"no-virtual-host":        simulation.ErrNoVirtualHost,
	"no-route":               simulation.ErrNoRoute,
	"tls-redirect":           simulation.ErrTLSRedirect,
	"protocol-error":         simulation.ErrProtocolError,
	"tls-error":              simulation.ErrTLSError,
	"mtls-error":             simulation.ErrMTLSError,
}

func errorName(err error) string {
	for name, e := range callErrors {
		if errors.Is(err, e) {
			return name
		}
	}
	return fmt.Sprint(err)
}

func loadExpectations(t *testing.T, example string) expectations {
	t.Helper()
	path := filepath.Join("testdata", example+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("example %s has no expectations: %v (every example needs testdata/<example>.yaml)", example, err)
	}
	var e expectations
	if err := yaml.UnmarshalStrict(data, &e); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(e.Gateways) == 0 {
		t.Fatalf("%s: no gateways", path)
	}
	for _, wc := range e.Gateways {
		if (wc.Deployment == "") == (wc.Pod == "") {
			t.Fatalf("%s: give a gateway either deployment or pod", path)
		}
		names := map[string]bool{}
		for _, c := range wc.Calls {
			if err := c.check(); err != nil {
				t.Fatalf("%s: %s: call %q: %v", path, wc.name(), c.Name, err)
			}
			if names[c.Name] {
				t.Fatalf("%s: %s: call %q is listed twice", path, wc.name(), c.Name)
			}
			names[c.Name] = true
		}
	}
	return e
}

func (c call) check() error {
	switch {
	case c.Name == "":
		return errors.New("name is required")
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("port %d is out of range", c.Port)
	case c.Path != "" && !strings.HasPrefix(c.Path, "/"):
		return fmt.Errorf("path %q must start with /", c.Path)
	}
	outcomes := 0
	for _, set := range []bool{c.Want.Cluster != "", len(c.Want.Clusters) > 0, c.Want.Redirect != nil, c.Want.Error != ""} {
		if set {
			outcomes++
		}
	}
	if outcomes != 1 {
		return errors.New("want exactly one of cluster, clusters, redirect and error")
	}
	if e := c.Want.Error; e != "" && e != noServicePort && callErrors[e] == nil {
		var names []string
		for n := range callErrors {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("unknown error %q (one of %s, %s)", e, noServicePort, strings.Join(names, ", "))
	}
	if c.Want.Timeout != "" {
		if _, err := time.ParseDuration(c.Want.Timeout); err != nil {
			return err
		}
	}
	if !c.TLS && (c.Want.Certificate != "" || c.Want.MTLS != nil || c.SNI != "") {
		return errors.New("sni, certificate and mtls are for TLS calls")
	}
	return nil
}
