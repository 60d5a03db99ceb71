package v1alpha1

import (
	"strings"
	"testing"
)

func fields(errs FieldErrors) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return strings.Join(out, " ")
}

func TestValidateAppIntentReportsFieldsInOrder(t *testing.T) {
	weight := 60
	s := &AppIntentSpec{
		Gateway: "Bad/Name",
		Hosts:   []string{"shop.example.com", "shop.example.com"},
		TLS:     &TLS{Mode: "STRICT"},
		Routes: []Route{
			{Name: RedirectRouteName + "-1", Prefix: "api", To: Destinations{{Service: "web:80"}}, Timeout: "1us"},
			{Exact: "/a", Regex: "(", To: Destinations{{Service: "a:80", Weight: &weight}, {Service: "b"}}},
		},
	}
	got := fields(ValidateAppIntent("Shop", "shop", s))
	want := "metadata.name spec.gateway spec.hosts[1] spec.tls.credentialName spec.tls.mode " +
		"spec.routes[0].name spec.routes[0].prefix spec.routes[0].timeout " +
		"spec.routes[1].regex spec.routes[1].to[1].service spec.routes[1].to"
	if got != want {
		t.Errorf("fields\n got %s\nwant %s", got, want)
	}
	if errs := ValidateAppIntent("", "", &AppIntentSpec{Hosts: []string{"*"}, Routes: []Route{{To: Destinations{{Service: "web:80"}}}}}); len(errs) > 0 {
		t.Errorf("a valid intent without a name (reported by the decoder): %v", errs)
	}
}

func TestValidateIngressGateway(t *testing.T) {
	errs := ValidateIngressGateway("1gw", "gw", &IngressGatewaySpec{
		Labels:    map[string]string{"istio": "x"},
		Resources: &Resources{Requests: map[string]string{"cpu": "lots"}},
		Ports:     &PortPools{HTTP: []PortRange{{80, 80}}, HTTPS: []PortRange{{80, 80}, {15000, 15000}}},
	})
	want := "metadata.name spec.labels.istio spec.resources.requests.cpu spec.ports.https[0] spec.ports.https[1]"
	if got := fields(errs); got != want {
		t.Errorf("fields\n got %s\nwant %s", got, want)
	}
	if errs := ValidateIngressGateway("gw", "gw", &IngressGatewaySpec{Existing: true, Selector: map[string]string{"istio": "ingressgateway"},
		ServicePorts: []ServicePort{{Name: "http2", Port: 80, TargetPort: 8080}, {Name: "https", Port: 443, TargetPort: 8443}}}); len(errs) > 0 {
		t.Errorf("existing gateway: %v", errs)
	}
}

func TestValidateGatewayAPI(t *testing.T) {
	errs := ValidateIngressGateway("gw", "gw", &IngressGatewaySpec{
		API:        "gateway",
		GatewayAPI: &GatewayAPIOptions{GatewayClassName: "Istio", Address: "gw.gw.svc.cluster.local"},
	})
	want := "spec.api spec.gatewayAPI.gatewayClassName spec.gatewayAPI.address"
	if got := fields(errs); got != want {
		t.Errorf("fields\n got %s\nwant %s", got, want)
	}
	for _, api := range []string{"", APIIstio, APIGatewayAPI} {
		if errs := ValidateIngressGateway("gw", "gw", &IngressGatewaySpec{API: api, GatewayAPI: &GatewayAPIOptions{GatewayClassName: "istio", Experimental: true}}); len(errs) > 0 {
			t.Errorf("api %q: %v", api, errs)
		}
	}
	s := IngressGatewaySpec{}
	s.SetDefaults()
	if s.API != APIIstio || s.GatewayAPI.GatewayClassName != DefaultGatewayClassName {
		t.Errorf("defaults: api %q, class %q", s.API, s.GatewayAPI.GatewayClassName)
	}
}

func TestParseDestination(t *testing.T) {
	for in, want := range map[string]ServiceRef{
		"web:80":      {"web", "shop", 80},
		"web.other:8": {"web", "other", 8},
	} {
		if got, err := ParseDestination(in, "shop"); err != nil || got != want {
			t.Errorf("ParseDestination(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"web", "web:0", "Web:80", "web.Other:80", "web:http"} {
		if _, err := ParseDestination(bad, "shop"); err == nil {
			t.Errorf("ParseDestination(%q) accepted", bad)
		}
	}
}

func TestServicePortProtocol(t *testing.T) {
	for name, want := range map[string]string{"http": "HTTP", "http2-x": "HTTP", "HTTPS": "HTTPS", "https-443": "HTTPS", "tcp": "", "grpc": ""} {
		if got := ServicePortProtocol(name); got != want {
			t.Errorf("ServicePortProtocol(%q) = %q, want %q", name, got, want)
		}
	}
}
