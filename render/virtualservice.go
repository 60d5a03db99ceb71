package render

import (
	"github.com/edgegate/edgegate/manifest"
)

type virtualServiceSpec struct {
	Hosts    []string    `yaml:"hosts"`
	Gateways []string    `yaml:"gateways"`
	HTTP     []httpRoute `yaml:"http"`
}

type httpRoute struct {
	Name     string             `yaml:"name,omitempty"`
	Match    []httpMatch        `yaml:"match,omitempty"`
	Redirect *httpRedirect      `yaml:"redirect,omitempty"`
	Rewrite  *httpRewrite       `yaml:"rewrite,omitempty"`
	Route    []routeDestination `yaml:"route,omitempty"`
	Timeout  string             `yaml:"timeout,omitempty"`
	Retries  *httpRetry         `yaml:"retries,omitempty"`
}

type httpMatch struct {
	URI     *stringMatch           `yaml:"uri,omitempty"`
	Headers map[string]stringMatch `yaml:"headers,omitempty"`
	Port    int                    `yaml:"port,omitempty"`
}

type stringMatch struct {
	Exact  string `yaml:"exact,omitempty"`
	Prefix string `yaml:"prefix,omitempty"`
	Regex  string `yaml:"regex,omitempty"`
}

type httpRedirect struct {
	Scheme string `yaml:"scheme"`
	Port   int    `yaml:"port"`
}

type httpRewrite struct {
	URI string `yaml:"uri"`
}

type routeDestination struct {
	Destination destination `yaml:"destination"`
	Weight      *int        `yaml:"weight,omitempty"`
}

type destination struct {
	Host string       `yaml:"host"`
	Port portSelector `yaml:"port"`
}

type portSelector struct {
	Number int `yaml:"number"`
}

type httpRetry struct {
	Attempts int `yaml:"attempts"`
}

// redirectRouteName names the rule that sends plain HTTP to HTTPS.
const redirectRouteName = "https-redirect"

// renderVirtualService renders the routes of one app, bound to its own
// Gateway only (never to mesh). With TLS and a redirect, the first rule
// answers every request on the app's HTTP port with a redirect to its HTTPS
// port: Istio's tls.httpsRedirect would keep a non-default port, landing
// clients on the HTTP port again.
func renderVirtualService(a *App, bindings []Binding) *manifest.Object {
	gwNamespace, gwName, _ := gatewayPlacement(a)
	spec := virtualServiceSpec{
		Hosts:    a.Spec.Hosts,
		Gateways: []string{gwNamespace + "/" + gwName},
	}
	if a.Spec.TLS != nil && *a.Spec.TLS.HTTPSRedirect {
		var httpPort, httpsPort int
		for _, b := range bindings {
			switch b.Listener.Protocol {
			case HTTP:
				httpPort = b.Listener.Port
			case HTTPS:
				httpsPort = b.Listener.Port
			}
		}
		spec.HTTP = append(spec.HTTP, httpRoute{
			Name:     redirectRouteName,
			Match:    []httpMatch{{Port: httpPort}},
			Redirect: &httpRedirect{Scheme: "https", Port: httpsPort},
		})
	}
	for i, r := range a.Spec.Routes {
		spec.HTTP = append(spec.HTTP, renderRoute(r, a.Targets[i]))
	}
	return newObject(istioNetworkingV1, "VirtualService", a.Namespace, a.Name, nil, struct {
		Spec virtualServiceSpec `yaml:"spec"`
	}{spec})
}

func renderRoute(r Route, targets []Target) httpRoute {
	out := httpRoute{Name: r.Name}
	var match httpMatch
	switch {
	case r.Exact != "":
		match.URI = &stringMatch{Exact: r.Exact}
	case r.Prefix != "":
		match.URI = &stringMatch{Prefix: r.Prefix}
	case r.Regex != "":
		match.URI = &stringMatch{Regex: r.Regex}
	}
	if len(r.Headers) > 0 {
		match.Headers = map[string]stringMatch{}
		for k, v := range r.Headers {
			match.Headers[k] = stringMatch{Exact: v}
		}
	}
	if match.URI != nil || match.Headers != nil {
		out.Match = []httpMatch{match}
	}
	if r.Rewrite != "" {
		out.Rewrite = &httpRewrite{URI: r.Rewrite}
	}
	for _, t := range targets {
		d := routeDestination{Destination: destination{Host: t.Host(), Port: portSelector{Number: t.Port}}}
		if len(targets) > 1 {
			w := t.Weight
			d.Weight = &w
		}
		out.Route = append(out.Route, d)
	}
	if r.Timeout != "" {
		d, _ := parseTimeout(r.Timeout) // validated
		out.Timeout = protobufDuration(d)
	}
	if r.Retries != nil {
		out.Retries = &httpRetry{Attempts: *r.Retries}
	}
	return out
}
