package explain

import (
	"fmt"
	"strings"
)

// Outcomes of a request.
const (
	// Route: a route answers and sends the request to its destinations
	// (or answers itself, a direct response).
	Route = "route"
	// Redirect: the gateway answers with a redirect (Location in Redirect).
	Redirect = "redirect"
	// NoListener: nothing listens where the request arrives: the gateway
	// Service has no such port, or no Gateway server of the workload opens
	// the port it leads to.
	NoListener = "no-listener"
	// NoFilterChain: the connection fails: no server takes its SNI, or it
	// speaks plain HTTP to a TLS port or TLS to a plain one.
	NoFilterChain = "no-filter-chain"
	// NoRoute: the connection is served, but no virtual host takes the
	// Host, or no route of it matches: Envoy answers 404.
	NoRoute = "no-route"
)

// Answer is what explain found, in the order Envoy decides.
type Answer struct {
	Request RequestInfo `json:"request"`
	// Outcome is route, redirect, no-listener, no-filter-chain or no-route.
	Outcome string `json:"outcome"`
	// Reason says more precisely why: no-service-port, no-server,
	// plaintext-to-tls, tls-to-plaintext, no-server-name, ambiguous-filter-chain,
	// no-virtual-host, no-matching-route, require-tls, ...; empty for a route.
	Reason string `json:"reason,omitempty"`
	// Detail is the reason in words.
	Detail string `json:"detail,omitempty"`

	Gateway        *Place        `json:"gateway,omitempty"`
	Listener       *Listener     `json:"listener,omitempty"`
	Server         *Server       `json:"server,omitempty"`
	RouteTable     string        `json:"routeTable,omitempty"`
	VirtualHost    string        `json:"virtualHost,omitempty"`
	VirtualService *Place        `json:"virtualService,omitempty"`
	Rule           *Rule         `json:"rule,omitempty"`
	Destinations   []Destination `json:"destinations"`
	// Redirect is the Location of a redirect.
	Redirect string `json:"redirect,omitempty"`
	// Rewrite is the path the destination receives, when a rule rewrites it.
	Rewrite string `json:"upstreamPath,omitempty"`
	// DirectResponse is the status of a rule that answers by itself.
	DirectResponse int `json:"directResponse,omitempty"`
	// Skipped are the rules of the virtual host tried before the one that
	// answered (or all of them), and the later ones that would also have
	// matched (shadowed), each with why.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// RequestInfo is the request as Envoy sees it.
type RequestInfo struct {
	URL     string            `json:"url"`
	Scheme  string            `json:"scheme"`
	Host    string            `json:"host"`
	Port    int               `json:"port"`
	Path    string            `json:"path"`
	SNI     string            `json:"sni,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// Place is an object that decided something, and where a person wrote it:
// file:line of the object (or of the AppIntent that rendered it).
type Place struct {
	Kind string `json:"kind"`
	Name string `json:"name"` // namespace/name
	At   string `json:"at,omitempty"`
	// From is the AppIntent an object was rendered from ("AppIntent ns/name").
	From string `json:"from,omitempty"`
}

func (p *Place) String() string {
	s := p.Kind + " " + p.Name
	if p.From != "" {
		s += " (rendered from " + p.From + ")"
	}
	if p.At != "" {
		s += " at " + p.At
	}
	return s
}

// Listener is where the connection lands on the gateway's pods.
type Listener struct {
	// ServicePort is the port dialled; Service the Service that has it.
	ServicePort int    `json:"servicePort"`
	Service     *Place `json:"service,omitempty"`
	// Port is the pod port it leads to, where Envoy listens.
	Port     int    `json:"port"`
	Protocol string `json:"protocol,omitempty"` // HTTP or HTTPS (TLS), as the first server on it says
	// Lock is the HostBindings entry that holds the answering host on this port.
	Lock *Place `json:"lock,omitempty"`
}

// Server is the Gateway server whose filter chain (TLS) or merged route
// table (plain HTTP) serves the request.
type Server struct {
	Gateway Place `json:"gateway"`
	// Index is the server's index in spec.servers.
	Index int      `json:"index"`
	Hosts []string `json:"hosts"`
	// SNIMatch says how the filter chain was chosen (TLS): exact, wildcard,
	// or catch-all (a server for "*", with no server names).
	SNIMatch string `json:"sniMatch,omitempty"`
	// Credential is the credentialName of a TLS server; MutualTLS when it
	// requires a client certificate.
	Credential string `json:"credentialName,omitempty"`
	MutualTLS  bool   `json:"mutualTLS,omitempty"`
	// Apps are the AppIntents whose hosts the server lists (rendered servers).
	Apps []Place `json:"apps,omitempty"`
}

// Rule is the VirtualService http rule that answered.
type Rule struct {
	Index int    `json:"index"` // in spec.http
	Name  string `json:"name,omitempty"`
	Match int    `json:"match"` // index in its match list; -1 without matches
	At    string `json:"at,omitempty"`
	// Field is the AppIntent field the rule was rendered from.
	Field string `json:"field,omitempty"`
}

// Destination is one upstream of the answering route.
type Destination struct {
	// Host is the host of pilot's cluster: the Service's FQDN, or the
	// external name of an ExternalName Service.
	Host   string `json:"host"`
	Port   int    `json:"port"`
	Subset string `json:"subset,omitempty"`
	Weight int    `json:"weight"`
	// ExternalNameOf is the ExternalName Service (namespace/name) the route
	// names, which pilot sends to Host, its external name.
	ExternalNameOf string `json:"externalNameOf,omitempty"`
}

// Skipped is a rule of the virtual host that did not answer, or a Gateway
// server pilot leaves off the listener, and why.
type Skipped struct {
	Kind  string `json:"kind"`  // VirtualService or Gateway
	Name  string `json:"name"`  // namespace/name
	Field string `json:"field"` // spec.http[2], spec.servers[0]
	// RuleName is the http rule's name, if it has one.
	RuleName string `json:"ruleName,omitempty"`
	At       string `json:"at,omitempty"`
	Reason   string `json:"reason"`
}

// Text is the answer as one short paragraph for a person.
func (a *Answer) Text() string {
	var b strings.Builder
	r := a.Request
	fmt.Fprintf(&b, "%s", r.URL)
	if r.SNI != "" && r.SNI != r.Host {
		fmt.Fprintf(&b, " (SNI %s)", r.SNI)
	}
	switch a.Outcome {
	case Route:
		if a.DirectResponse != 0 {
			fmt.Fprintf(&b, " is answered with %d", a.DirectResponse)
		} else {
			fmt.Fprintf(&b, " goes to %s", destinations(a.Destinations))
			if a.Rewrite != "" {
				fmt.Fprintf(&b, " as %s", a.Rewrite)
			}
		}
	case Redirect:
		fmt.Fprintf(&b, " is redirected to %s", a.Redirect)
	default:
		fmt.Fprintf(&b, " gets no answer (%s): %s", a.Outcome, a.Detail)
	}
	b.WriteString(".")
	if a.Gateway != nil {
		fmt.Fprintf(&b, " Gateway workload %s", a.Gateway)
		if l := a.Listener; l != nil && l.Port != 0 {
			fmt.Fprintf(&b, "; Service port %d leads to listener %d", l.ServicePort, l.Port)
			if l.Lock != nil {
				fmt.Fprintf(&b, " (locked in %s)", l.Lock.At)
			}
		}
		b.WriteString(".")
	}
	if s := a.Server; s != nil {
		fmt.Fprintf(&b, " Served by Gateway %s spec.servers[%d] (%s", s.Gateway.Name, s.Index, strings.Join(s.Hosts, ", "))
		if s.SNIMatch != "" {
			fmt.Fprintf(&b, "; SNI %s", s.SNIMatch)
		}
		b.WriteString(")")
		switch {
		case len(s.Apps) > 0:
			var apps []string
			for _, app := range s.Apps {
				apps = append(apps, fmt.Sprintf("AppIntent %s at %s", app.Name, app.At))
			}
			fmt.Fprintf(&b, ", rendered for %s", strings.Join(apps, ", "))
		case s.Gateway.At != "":
			fmt.Fprintf(&b, " at %s", s.Gateway.At)
		}
		b.WriteString(".")
	}
	if a.VirtualHost != "" {
		fmt.Fprintf(&b, " Virtual host %s.", a.VirtualHost)
	}
	if a.Rule != nil && a.VirtualService != nil {
		fmt.Fprintf(&b, " VirtualService %s spec.http[%d]", a.VirtualService.Name, a.Rule.Index)
		if a.Rule.Name != "" {
			fmt.Fprintf(&b, " (%s)", a.Rule.Name)
		}
		switch {
		case a.Rule.Field != "":
			fmt.Fprintf(&b, ", rendered from %s %s at %s,", a.VirtualService.From, a.Rule.Field, a.Rule.At)
		case a.Rule.At != "":
			fmt.Fprintf(&b, " at %s", a.Rule.At)
		}
		b.WriteString(" answers.")
	}
	if len(a.Skipped) > 0 {
		// One entry per rule: a rule's matches each say why they miss.
		var parts []string
		last := ""
		for _, s := range a.Skipped {
			name := fmt.Sprintf("%s %s %s", s.Kind, s.Name, s.Field)
			if s.RuleName != "" {
				name += " (" + s.RuleName + ")"
			}
			if name == last {
				parts[len(parts)-1] += ", and " + s.Reason
				continue
			}
			last = name
			parts = append(parts, name+": "+s.Reason)
		}
		fmt.Fprintf(&b, " Skipped: %s.", strings.Join(parts, "; "))
	}
	return b.String()
}

func destinations(ds []Destination) string {
	var parts []string
	for _, d := range ds {
		s := fmt.Sprintf("%s:%d", d.Host, d.Port)
		if d.Subset != "" {
			s += " subset " + d.Subset
		}
		if d.ExternalNameOf != "" {
			s += " (the external name of Service " + d.ExternalNameOf + ")"
		}
		if len(ds) > 1 {
			s += fmt.Sprintf(" (weight %d)", d.Weight)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "no destination"
	}
	return strings.Join(parts, ", ")
}
