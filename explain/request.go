// Package explain answers "where does this request go, and why?" from
// edgegate's own view of one render, with no cluster: which gateway
// workload, listener, Gateway server, VirtualService rule and destinations
// a request reaches, or why none does. It evaluates the objects the render
// applies (rendered and hand-written Gateways and VirtualServices alike) the
// way pilot builds the gateway's Envoy configuration and Envoy picks from it
// (the Service port, pilot's port translation, the filter chain by SNI, the
// virtual host by Host, the first matching route), and points every step at
// the file and line a person wrote: the lock entry, the AppIntent or the
// hand-written Gateway server, the VirtualService and its rule.
package explain

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Request is the question: a URL as a client sends it, to one gateway.
type Request struct {
	// URL is http(s)://HOST[:PORT]/PATH; PORT is the gateway Service's port
	// (default 80 for http, 443 for https).
	URL string
	// Gateway is the gateway workload, namespace/name: an IngressGateway, or
	// a gateway Deployment (or Pod) of the input. Empty: the render's default.
	Gateway string
	// SNI is the TLS server name of the connection when it differs from the
	// host (a browser reusing a connection). https only.
	SNI string
	// Headers are request headers, by name (compared lowercase, as Envoy does).
	Headers map[string]string
}

// parsed is a Request read: what Envoy sees of it.
type parsed struct {
	scheme    string // http or https
	host      string // lowercase, without the port
	port      int    // the gateway Service port dialled
	authority string // the Host header: host, with :port when not the scheme's default
	path      string // path and query as sent
	sni       string
	headers   map[string]string // lowercase names
}

func (r Request) parse() (parsed, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		// url.Error repeats the URL, credentials and all: say only what is wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return parsed{}, fmt.Errorf("the URL is not a URL: %v", err)
	}
	if u.User != nil {
		return parsed{}, fmt.Errorf("URL %q: credentials in a URL are not sent to a gateway: leave them out", redact(u))
	}
	// Messages name the URL as parsed: never a password a user pasted.
	r.URL = u.String()
	p := parsed{scheme: strings.ToLower(u.Scheme)}
	def := 0
	switch p.scheme {
	case "http":
		def = 80
	case "https":
		def = 443
	default:
		return parsed{}, fmt.Errorf("URL %q: the scheme must be http or https", r.URL)
	}
	p.host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if p.host == "" {
		return parsed{}, fmt.Errorf("URL %q: no host", r.URL)
	}
	if net.ParseIP(p.host) != nil {
		return parsed{}, fmt.Errorf("URL %q: the host is an IP address; give the host name the client sends as Host (the gateway's IP is not a host any route names)", r.URL)
	}
	p.port = def
	if ps := u.Port(); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > 65535 {
			return parsed{}, fmt.Errorf("URL %q: port %q is not a port number", r.URL, ps)
		}
		p.port = n
	}
	p.authority = p.host
	if p.port != def {
		p.authority = net.JoinHostPort(p.host, strconv.Itoa(p.port))
	}
	p.path = u.EscapedPath()
	if p.path == "" {
		p.path = "/"
	}
	if u.RawQuery != "" {
		p.path += "?" + u.RawQuery
	}
	p.sni = p.host
	if r.SNI != "" {
		if p.scheme != "https" {
			return parsed{}, fmt.Errorf("--sni %q: a plain-HTTP request has no SNI (use an https URL)", r.SNI)
		}
		p.sni = strings.TrimSuffix(strings.ToLower(r.SNI), ".")
	}
	p.headers = map[string]string{}
	for k, v := range r.Headers {
		k = strings.ToLower(k)
		if k == "host" || k == ":authority" {
			return parsed{}, fmt.Errorf("--header %s: the Host is the URL's host", k)
		}
		p.headers[k] = v
	}
	return p, nil
}

func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
