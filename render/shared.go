package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/credential"
	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
)

// SharedGateway is the Gateway edgegate renders, in a gateway workload's
// namespace, for one certificate (spec.tls.credentialName) that two or more
// apps of that workload present. It holds one HTTPS server per listener
// those apps are bound to, listing every app's hosts as "namespace/host", so
// each app's VirtualService still binds only its own namespace's hosts.
//
// Why: Istio builds one route table per HTTPS server. A browser that opened
// an HTTP/2 connection for one app's host reuses it for another host the
// certificate covers, and with one server per app that request lands in the
// first app's route table and gets 404 (istio/istio#13589). One server for
// every host presenting the certificate is one route table that routes them
// all. One Gateway object per certificate is also what Istio's analyzer
// IST0138 ("Duplicate certificate in multiple gateways") asks for.
//
// The apps' HTTPS bindings point here (Binding.Shared); their plain-HTTP
// servers stay in each app's own Gateway, and an app whose only binding is
// shared renders no Gateway of its own. Nothing of it is recorded in the
// HostBindings lock: the lock keeps each app's hosts on their ports, and the
// shared Gateway follows from the credentialName on every render.
type SharedGateway struct {
	Workload        *Workload
	Namespace, Name string
	Credential      string         // the Secret, in the workload's namespace
	Servers         []SharedServer // one per listener, by port
}

// SharedServer is one server of a SharedGateway: the apps bound to one HTTPS
// listener with its certificate, in app order.
type SharedServer struct {
	Listener Listener
	Mode     string // the TLS mode every app of the server agrees on
	Apps     []*App
}

// Server is the index in spec.servers of the server for listener l, or -1.
func (g *SharedGateway) Server(l Listener) int {
	for i, s := range g.Servers {
		if s.Listener == l {
			return i
		}
	}
	return -1
}

// Key is "namespace/name", as a VirtualService names the Gateway.
func (g *SharedGateway) Key() string { return g.Namespace + "/" + g.Name }

// sharedGatewayName names the shared Gateway of a credential on workload w:
// "<gateway>-tls-<credentialName>", shortened with a hash of the whole when
// it would pass the 253 characters of an object name.
func sharedGatewayName(w *Workload, cred string) string {
	name := w.Name + "-tls-" + cred
	if len(name) <= 253 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return strings.TrimRight(name[:244], ".-") + "-" + hex.EncodeToString(sum[:4])
}

// shareCertificates serves the apps that present one credentialName on one
// gateway workload from one SharedGateway, setting Binding.Shared on their
// HTTPS bindings, and reports what one server cannot serve: apps sharing a
// certificate on one listener with different TLS modes, and certificates the
// input shows to cover another server's host on the same listener.
func shareCertificates(m *Model, bindings []Binding) ([]*SharedGateway, manifest.Diagnostics) {
	type key struct {
		w    *Workload
		cred string
	}
	appsOf := map[key]map[*App]bool{}
	for _, b := range bindings {
		if b.Listener.Protocol != HTTPS {
			continue
		}
		k := key{b.Workload, b.App.Spec.TLS.CredentialName}
		if appsOf[k] == nil {
			appsOf[k] = map[*App]bool{}
		}
		appsOf[k][b.App] = true
	}
	byKey := map[key]*SharedGateway{}
	var shared []*SharedGateway
	var diags manifest.Diagnostics
	for i := range bindings { // sorted by app, so servers list apps in app order
		b := &bindings[i]
		if b.Listener.Protocol != HTTPS {
			continue
		}
		k := key{b.Workload, b.App.Spec.TLS.CredentialName}
		if len(appsOf[k]) < 2 {
			continue // one app alone keeps its own server, as before
		}
		g := byKey[k]
		if g == nil {
			g = &SharedGateway{Workload: b.Workload, Namespace: b.Workload.Namespace, Name: sharedGatewayName(b.Workload, k.cred), Credential: k.cred}
			byKey[k] = g
			shared = append(shared, g)
		}
		b.Shared = g
		s := g.Server(b.Listener)
		if s < 0 {
			g.Servers = append(g.Servers, SharedServer{Listener: b.Listener, Mode: b.App.Spec.TLS.Mode})
			s = len(g.Servers) - 1
		}
		g.Servers[s].Apps = append(g.Servers[s].Apps, b.App)
	}
	for _, g := range shared {
		sort.Slice(g.Servers, func(i, j int) bool { return g.Servers[i].Listener.Port < g.Servers[j].Listener.Port })
		for _, s := range g.Servers {
			diags = append(diags, modesDiffer(g, s)...)
		}
	}
	sort.Slice(shared, func(i, j int) bool { return shared[i].Key() < shared[j].Key() })
	diags = append(diags, coveringCertificates(m, bindings)...)
	return shared, diags
}

// modesDiffer reports, on every app of a shared server, another app of it
// that presents the certificate with another TLS mode: one server has one
// mode, and which app is right is not edgegate's to say, so none escapes
// the error.
func modesDiffer(g *SharedGateway, s SharedServer) manifest.Diagnostics {
	var diags manifest.Diagnostics
	for _, a := range s.Apps {
		for _, other := range s.Apps {
			if other.Spec.TLS.Mode == a.Spec.TLS.Mode {
				continue
			}
			diags = append(diags, manifest.Errorf(a.Obj, "spec.tls.mode",
				"%s presents certificate %q with mode %s on gateway %s port %d, where %s (%s) presents it with mode %s: apps presenting one certificate on one port are served from one Gateway server, so that a browser reusing a connection between their hosts finds a route, and one server has one TLS mode; use the same mode, or another certificate",
				a.Key(), g.Credential, a.Spec.TLS.Mode, g.Workload.Key(), s.Listener.Port, other.Key(), where(other.Obj), other.Spec.TLS.Mode))
			break
		}
	}
	return diags
}

// tlsServer is one HTTPS server on a listener, as a browser meets it: the
// hosts it takes by SNI and the certificate it presents.
type tlsServer struct {
	apps  []*App // the apps it serves; none for a hand-written Gateway's server
	claim *Claim // the hand-written Gateway's server, when apps is empty
	cred  string // the credentialName of edgegate's servers
	hosts []string
}

func (s *tlsServer) String() string {
	if len(s.apps) == 0 {
		return fmt.Sprintf("the server of %s %s (%s)", s.claim.Obj.Ref, strings.TrimSuffix(s.claim.Field, s.claim.Field[strings.LastIndex(s.claim.Field, "."):]), where(s.claim.Obj))
	}
	keys := make([]string, len(s.apps))
	for i, a := range s.apps {
		keys[i] = a.Key()
	}
	return fmt.Sprintf("the server of %s (certificate %q)", strings.Join(keys, ", "), s.cred)
}

// certificateNames are the DNS names the input shows for the certificate
// a credentialName of workload w serves: the SANs of the Secret's tls.crt
// when it is among the inputs and parses, else the dnsNames of the
// cert-manager Certificate that issues it; ok is false when the input shows
// neither.
type certificateNames map[string][]string // "namespace/secret" → DNS names

func certificatesOf(m *Model) certificateNames {
	out := certificateNames{}
	fromSecrets := map[string]bool{}
	for _, o := range m.Passthrough {
		switch {
		case o.Group() == "" && o.Kind == "Secret":
			if names, ok := credential.SecretDNSNames(o); ok {
				out[o.Namespace+"/"+o.Name] = names
				fromSecrets[o.Namespace+"/"+o.Name] = true
			}
		case credential.CertificateSecret(o) != "":
			k := o.Namespace + "/" + credential.CertificateSecret(o)
			if !fromSecrets[k] {
				out[k] = append(out[k], credential.CertificateDNSNames(o)...)
			}
		}
	}
	return out
}

// coveringCertificates reports each certificate the input shows to cover a
// host that another server takes on the same HTTPS listener. A browser
// connected to the first server's hosts trusts the connection for that host
// too and may send its requests on it (HTTP/2 connection reuse); they then
// reach the first server's route table, which does not route them to the
// app that serves the host (a 404, or the wrong app). Only one server, with
// one certificate, settles it: edgegate builds one for apps that share a
// credentialName, and for different credentialNames can only say so.
func coveringCertificates(m *Model, bindings []Binding) manifest.Diagnostics {
	names := certificatesOf(m)
	if len(names) == 0 {
		return nil
	}
	type listenerKey struct {
		w      *Workload
		target int
	}
	servers := map[listenerKey][]*tlsServer{}
	ports := map[listenerKey]int{}
	sharedServer := map[*SharedGateway]map[int]*tlsServer{}
	for _, b := range bindings {
		if b.Listener.Protocol != HTTPS {
			continue
		}
		k := listenerKey{b.Workload, b.Listener.Target}
		ports[k] = b.Listener.Port
		if b.Shared != nil {
			if sharedServer[b.Shared] == nil {
				sharedServer[b.Shared] = map[int]*tlsServer{}
			}
			s := sharedServer[b.Shared][b.Listener.Target]
			if s == nil {
				s = &tlsServer{cred: b.Shared.Credential}
				sharedServer[b.Shared][b.Listener.Target] = s
				servers[k] = append(servers[k], s)
			}
			s.apps = append(s.apps, b.App)
			s.hosts = append(s.hosts, b.Hosts...)
			continue
		}
		servers[k] = append(servers[k], &tlsServer{apps: []*App{b.App}, cred: b.App.Spec.TLS.CredentialName, hosts: b.Hosts})
	}
	claimServer := map[string]*tlsServer{}
	for i := range m.Claims {
		c := &m.Claims[i]
		k := listenerKey{c.Workload, c.Listener.Target}
		if c.Listener.Protocol != HTTPS || servers[k] == nil {
			continue
		}
		id := c.Obj.Key() + "\x00" + c.Workload.Key() + "\x00" + c.Field[:strings.LastIndex(c.Field, ".")]
		s := claimServer[id]
		if s == nil {
			s = &tlsServer{claim: c}
			claimServer[id] = s
			servers[k] = append(servers[k], s)
		}
		s.hosts = append(s.hosts, c.Host)
	}

	var diags manifest.Diagnostics
	keys := make([]listenerKey, 0, len(servers))
	for k := range servers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].w.Key() != keys[j].w.Key() {
			return keys[i].w.Key() < keys[j].w.Key()
		}
		return keys[i].target < keys[j].target
	})
	for _, k := range keys {
		list := servers[k]
		// Who takes a server name by SNI: an exact host, then the longest
		// wildcard suffix, then "*" (Envoy's filter chain match).
		taken := &hostname.Set[*tlsServer]{}
		under := map[string][]string{} // "example.com" → its concrete hosts one label down
		for _, s := range list {
			for _, h := range s.hosts {
				taken.Add(h, s)
				if _, parent, ok := strings.Cut(h, "."); ok && !hostname.IsWildcard(h) {
					under[parent] = append(under[parent], h)
				}
			}
		}
		winner := func(name string) (*tlsServer, string) {
			if s, ok := taken.Exact(name); ok {
				return s, name
			}
			s, _ := taken.Covering(name)
			return s, ""
		}
		for _, s := range list {
			if len(s.apps) == 0 {
				continue // a hand-written server's certificate is EG016's business
			}
			sans := names[k.w.Namespace+"/"+s.cred]
			reported := map[*tlsServer]bool{}
			for _, san := range sans {
				san = hostname.Canonical(san)
				var candidates []string
				if rest, ok := strings.CutPrefix(san, "*."); ok {
					candidates = append(candidates, "*."+rest) // a name nobody holds under it
					candidates = append(candidates, under[rest]...)
				} else if !strings.Contains(san, "*") {
					candidates = append(candidates, san)
				}
				for _, name := range candidates {
					other, _ := winner(name)
					if other == nil || other == s || reported[other] {
						continue
					}
					reported[other] = true
					host := name
					if hostname.IsWildcard(name) {
						host = "names under " + name[2:] + " that " + other.hostList() + " takes"
					}
					remedy := "present one credentialName on both (edgegate then serves them from one Gateway server), or use a certificate that does not cover " + host
					if len(other.apps) == 0 {
						remedy = "use a certificate that does not cover " + host + ", or serve that host from an AppIntent presenting this certificate"
					}
					diags = append(diags, manifest.Errorf(s.apps[0].Obj, "spec.tls.credentialName",
						"certificate %q (%s, DNS name %q) also covers %s, which %s serves on gateway %s port %d: a browser holding an HTTP/2 connection opened for %s may reuse it for %s, whose requests then reach this server's route table instead (404 or the wrong app: istio/istio#13589); %s",
						s.cred, certificateSource(m, k.w.Namespace, s.cred), san, host, other, k.w.Key(), ports[k], s.hostList(), host, remedy))
				}
			}
		}
	}
	return diags
}

func (s *tlsServer) hostList() string { return strings.Join(s.hosts, ", ") }

// certificateSource says which input object showed a certificate's names.
func certificateSource(m *Model, ns, secret string) string {
	for _, o := range m.Passthrough {
		if o.Group() == "" && o.Kind == "Secret" && o.Namespace == ns && o.Name == secret {
			if _, ok := credential.SecretDNSNames(o); ok {
				return fmt.Sprintf("Secret %s/%s, %s", ns, secret, where(o))
			}
		}
	}
	for _, o := range m.Passthrough {
		if o.Namespace == ns && credential.CertificateSecret(o) == secret {
			return fmt.Sprintf("%s, %s", o.Ref, where(o))
		}
	}
	return "Secret " + ns + "/" + secret
}
