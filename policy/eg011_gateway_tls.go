package policy

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func init() { register(gatewayTLSCheck{}) }

// gatewayTLSCheck finds Gateway servers that cannot serve TLS, or that
// serve a certificate that is not theirs.
//
// Settings (what istiod's validating webhook rejects or ignores):
//   - an HTTPS or TLS server without tls settings is rejected;
//   - tls.mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL without credentialName (or
//     file-mounted serverCertificate and privateKey) has no certificate;
//     ISTIO_MUTUAL with a credentialName is rejected; a credentialName with
//     no tls.mode is ignored, as the mode defaults to PASSTHROUGH (warning);
//   - a plain-text server with TLS termination settings is rejected.
//
// The credential (Istio's IST0161, and IST0101 for a missing Secret): Istio
// reads tls.credentialName from the namespace of the gateway workload the
// Gateway selects, not from the Gateway's own namespace, so a Secret put
// next to the Gateway is never found. When the input holds Secrets at all,
// the Secret must exist there (or be produced there by a cert-manager
// Certificate, ExternalSecret or SealedSecret in the input), be of a type
// istiod watches, hold non-empty tls.crt and tls.key (or cert and key) with a
// certificate that parses and is within its validity period, and for MUTUAL
// a client CA (ca.crt in it, or a <name>-cacert Secret). Every server with a
// credentialName is checked whatever its protocol and mode, in every
// namespace the Gateway's selector reaches, so EG011 fires on every Gateway
// IST0161 fires on. A Secret that is not judged (no Secret at all in the
// input, or one an object of the input creates) gets an info, as Istio's
// analyzer, given the same files, reports the credentialName as not found
// (IST0101).
//
// Ownership: a credentialName is just a name, so any team that can write a
// Gateway selecting a shared gateway can present another team's certificate.
// A certificate belongs to the namespaces that own the hosts it serves (its
// DNS names when the Secret is in the input, else the hosts of the servers
// using it): those spec.hostOwnership allows, else the first owner the
// HostBindings lock records. Any other namespace naming it is an error;
// several namespaces sharing one with no ownership recorded is a warning.
type gatewayTLSCheck struct{}

func (gatewayTLSCheck) Meta() Meta {
	return Meta{
		ID: "EG011", Name: "gateway-tls", Severity: manifest.Error,
		Description: "a TLS server has no usable certificate in the gateway workload's namespace, or uses another namespace's certificate",
		Mirrors:     []string{"IST0161", "IST0101"},
	}
}

// eg011Server is a Gateway server with every TLS field istiod reads.
type eg011Server struct {
	Port struct {
		Protocol string `yaml:"protocol"`
	} `yaml:"port"`
	Hosts []string  `yaml:"hosts"`
	TLS   *eg011TLS `yaml:"tls"`
}

type eg011TLS struct {
	HTTPSRedirect     bool     `yaml:"httpsRedirect"`
	Mode              string   `yaml:"mode"`
	CredentialName    string   `yaml:"credentialName"`
	CredentialNames   []string `yaml:"credentialNames"`
	ServerCertificate string   `yaml:"serverCertificate"`
	PrivateKey        string   `yaml:"privateKey"`
	CaCertificates    string   `yaml:"caCertificates"`
	TLSCertificates   []struct {
		ServerCertificate string `yaml:"serverCertificate"`
	} `yaml:"tlsCertificates"`
}

// eg011Usage is one use of a certificate Secret by one namespace.
type eg011Usage struct {
	obj     *manifest.Object
	field   string
	key     string // the Secret, namespace/name
	ns      string // the namespace serving the hosts
	hosts   []string
	w       *eg010Workload
	fromApp bool
}

type eg011Run struct {
	idx    *Index
	r      *Reporter
	m      *eg010Ownership
	cat    *eg011Secrets
	now    time.Time
	infos  map[string]*eg011CredInfo
	usages []*eg011Usage
}

// eg011CredInfo caches what a Secret's certificate says.
type eg011CredInfo struct {
	problem  string
	dataOnly bool // istiod would fail to read it if stringData were ignored
	dnsNames []string
}

func (gatewayTLSCheck) Run(idx *Index, r *Reporter) {
	t := &eg011Run{idx: idx, r: r, m: newEG010Ownership(idx), cat: newEG011Secrets(idx), now: time.Now(), infos: map[string]*eg011CredInfo{}}
	for _, g := range idx.GatewaysByKey() {
		t.gateway(g)
	}
	for _, a := range sortByObjectKey(idx.AppIntents, func(a *DeclaredApp) *manifest.Object { return a.Obj }) {
		t.app(a)
	}
	t.reportOwnership()
}

func (t *eg011Run) gateway(g *Gateway) {
	servers := g.Obj.Field("spec", "servers")
	if servers == nil || servers.Kind != yaml.SequenceNode {
		return
	}
	ws := t.m.ofGateway(g)
	source := ""
	if a := t.m.appFor(g); a != nil {
		source = fmt.Sprintf(" (from AppIntent %s/%s spec.tls.credentialName, %s)", a.Obj.Namespace, a.Obj.Name, eg010Where(a.Obj, "spec.tls.credentialName"))
	}
	type credentialField struct{ field, name string }
	var names []credentialField
	for si, node := range servers.Content {
		s, ok := eg011PlainServer(node)
		if !ok {
			decodeAt(g.Obj, node, eg011ServerPath(si), &s)
		}
		t.settings(g, ws, si, s)
		if s.TLS == nil {
			continue
		}
		path := eg011ServerPath(si)
		mode := strings.ToUpper(s.TLS.Mode)
		names = names[:0]
		if s.TLS.CredentialName != "" {
			names = append(names, credentialField{path + ".tls.credentialName", s.TLS.CredentialName})
		}
		for j, cn := range s.TLS.CredentialNames {
			if cn != "" {
				names = append(names, credentialField{path + ".tls.credentialNames[" + strconv.Itoa(j) + "]", cn})
			}
		}
		// By field, as text: credentialNames[10] before credentialNames[2].
		slices.SortFunc(names, func(a, b credentialField) int { return strings.Compare(a.field, b.field) })
		for _, n := range names {
			t.credential(g, ws, n.field, n.name, mode, source)
			t.gatewayUsages(g, ws, n.field, n.name, s.Hosts)
		}
	}
}

// eg011ServerPath is the field of server si, built when it is needed.
func eg011ServerPath(si int) string { return "spec.servers[" + strconv.Itoa(si) + "]" }

// eg011PlainServer reads a server without tls settings, which is all
// settings reads of it: its protocol, as decodeAt would. False for any
// other server, or one it leaves to the decoder (an alias).
func eg011PlainServer(n *yaml.Node) (eg011Server, bool) {
	var s eg011Server
	switch n.Kind {
	case yaml.MappingNode:
	case yaml.AliasNode:
		return s, false
	default:
		return s, true // null, or not a map: an empty server
	}
	var port *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch key := n.Content[i].Value; key {
		case "tls":
			return s, false
		case "port":
			if port == nil && !manifest.SeenBefore(n.Content[:i], key) {
				port = n.Content[i+1]
			}
		}
	}
	if port == nil {
		return s, true
	}
	if port.Kind == yaml.AliasNode {
		return s, false
	}
	if port.Kind != yaml.MappingNode {
		return s, true // null, or not a map: no protocol
	}
	for i := 0; i+1 < len(port.Content); i += 2 {
		if port.Content[i].Value != "protocol" || manifest.SeenBefore(port.Content[:i], "protocol") {
			continue
		}
		v := port.Content[i+1]
		if v.Kind == yaml.AliasNode {
			return s, false
		}
		s.Port.Protocol = nodeString(v)
	}
	return s, true
}

// settings checks the TLS settings of server si against its protocol.
func (t *eg011Run) settings(g *Gateway, ws []*eg010Workload, si int, s eg011Server) {
	proto := strings.ToUpper(s.Port.Protocol)
	isTLS := proto == "HTTPS" || proto == "TLS"
	if !isTLS && s.TLS == nil {
		return
	}
	path := eg011ServerPath(si)
	if isTLS && s.TLS == nil {
		t.r.Report(g.Obj, path+".tls",
			"%s server needs tls settings, and istiod rejects the Gateway without them (\"server must have TLS settings for HTTPS/TLS protocols\"): add tls: {mode: SIMPLE, credentialName: <a Secret with tls.crt and tls.key in %s>}",
			eg011Article(proto), eg011WorkloadNamespaces(ws))
		return
	}
	if s.TLS == nil || proto == "" {
		return
	}
	tls := s.TLS
	mode := strings.ToUpper(tls.Mode)
	passthrough := mode == "" || mode == "PASSTHROUGH" || mode == "AUTO_PASSTHROUGH"
	files := tls.ServerCertificate != "" || tls.PrivateKey != "" || tls.CaCertificates != ""
	if !isTLS {
		switch proto {
		case "HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB":
			if !passthrough || files {
				t.r.Report(g.Obj, path+".tls",
					"a plain-text %s server cannot terminate TLS, and istiod rejects the Gateway (\"server cannot have TLS settings for plain text HTTP ports\"): keep only tls.httpsRedirect here, and serve TLS from a server with protocol HTTPS",
					proto)
			}
		case "TCP", "MONGO", "REDIS", "MYSQL", "UDP":
			t.r.Report(g.Obj, path+".tls",
				"%s server cannot have tls settings, and istiod rejects the Gateway (\"server cannot have TLS settings for non HTTPS/TLS ports\"): use protocol TLS or HTTPS for a TLS server",
				eg011Article(proto))
		}
		return
	}
	hasCred := tls.CredentialName != "" || len(tls.CredentialNames) > 0
	hasFiles := (tls.ServerCertificate != "" && tls.PrivateKey != "") || len(tls.TLSCertificates) > 0
	switch mode {
	case "", "PASSTHROUGH", "AUTO_PASSTHROUGH":
		if hasCred {
			shown := mode
			if mode == "" {
				shown = "not set, so it is PASSTHROUGH"
			}
			t.r.Warn(g.Obj, path+".tls.mode",
				"tls.mode is %s: the gateway does not terminate TLS and ignores the credential; set mode: SIMPLE (or MUTUAL) to serve the certificate",
				shown)
		}
	case "SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL":
		switch {
		case !hasCred && !hasFiles:
			ca := ""
			if mode != "SIMPLE" {
				ca = " and ca.crt"
			}
			t.r.Report(g.Obj, path+".tls.credentialName",
				"tls.mode %s needs a certificate, and this server names none: set credentialName to a Secret holding tls.crt, tls.key%s in %s, the gateway workload's namespace, where Istio looks it up",
				mode, ca, eg011WorkloadNamespaces(ws))
		case !hasCred && mode != "SIMPLE" && tls.CaCertificates == "":
			t.r.Report(g.Obj, path+".tls.caCertificates",
				"tls.mode %s needs the client CA: istiod rejects file-mounted certificates without caCertificates; prefer credentialName with a Secret holding ca.crt",
				mode)
		}
	case "ISTIO_MUTUAL":
		if hasCred {
			t.r.Report(g.Obj, path+".tls.credentialName",
				"tls.mode ISTIO_MUTUAL uses the workload's own mesh certificate, and istiod rejects a credentialName with it: remove it, or use mode SIMPLE or MUTUAL")
		}
	}
}

// eg011Article prefixes a protocol name with "a" or "an" as it is read aloud.
func eg011Article(proto string) string {
	if proto != "" && strings.ContainsRune("AEHIOU", rune(proto[0])) {
		return "an " + proto
	}
	return "a " + proto
}

// eg011WorkloadNamespaces names the namespaces of the workloads a Gateway selects.
func eg011WorkloadNamespaces(ws []*eg010Workload) string {
	seen := map[string]bool{}
	for _, w := range ws {
		if w.namespace != "" {
			seen[w.namespace] = true
		}
	}
	if len(seen) == 0 {
		return "the gateway workload's namespace"
	}
	return "namespace " + strings.Join(slices.Sorted(maps.Keys(seen)), ", ")
}

// credential checks the Secret a credentialName names, in every namespace
// the Gateway's workloads run in.
func (t *eg011Run) credential(g *Gateway, ws []*eg010Workload, field, cn, mode, source string) {
	ref := eg011ParseCredentialName(cn)
	if ref.skip || ref.name == "" {
		return
	}
	seen := map[string]bool{}
	warned := false
	for _, w := range ws {
		wns := w.namespace
		if wns == "" {
			continue // no workload in the input: Istio's analyzer cannot tell either
		}
		ns := ref.namespace
		if ns == "" {
			ns = wns
		} else if ns != wns && !warned {
			warned = true
			t.r.Warn(g.Obj, field,
				"credentialName %q names a Secret in namespace %s, but %s runs in %s: istiod serves it only if the gateway's ServiceAccount may read Secrets there (edgegate's gateway Role covers only its own namespace), and any Gateway author could point at any namespace's certificate; keep the Secret in %s and name it without a namespace%s",
				cn, ns, w, wns, wns, source)
		}
		key := ns + "/" + ref.name
		if seen[key] {
			continue
		}
		seen[key] = true
		t.secret(g, w, field, cn, key, ns, ref.name, mode, source, ref.namespace != "")
	}
}

func (t *eg011Run) secret(g *Gateway, w *eg010Workload, field, cn, key, ns, name, mode, source string, explicit bool) {
	s := t.idx.Secret(key)
	if s == nil {
		// Not judged: say so, since Istio's analyzer, given the same files,
		// reports the credentialName as not found (IST0101).
		if producer := t.cat.producer[key]; producer != "" {
			t.r.Info(g.Obj, field,
				"Secret %s is not in the input, but %s of the input creates it, so it is not checked; Istio's analyzer, given only these files, reports credentialName %q as not found (IST0101)%s",
				key, producer, cn, source)
			return
		}
		if !t.idx.HasSecrets() {
			t.r.Info(g.Obj, field,
				"Secret %s is not checked: the input holds no Secret at all (certificates are rarely kept with manifests), so the gate cannot tell whether it exists; Istio's analyzer, given only these files, reports credentialName %q as not found (IST0101)%s",
				key, cn, source)
			return
		}
		msg := fmt.Sprintf("Secret %s not found: Istio looks up credentialName %q in %s, the namespace of %s, not in the Gateway's namespace", key, cn, ns, w)
		if explicit {
			msg = fmt.Sprintf("Secret %s not found: credentialName %q names it with its namespace", key, cn)
		}
		if others := t.cat.elsewhere(name, ns); len(others) > 0 {
			var at []string
			for _, o := range others {
				if o == g.Obj.Namespace {
					o += " (the Gateway's namespace)"
				}
				at = append(at, o)
			}
			msg += fmt.Sprintf("; a Secret %q exists in namespace %s instead, where this gateway never reads it: move it to %s", name, strings.Join(at, ", "), ns)
		} else {
			msg += ": create it there (type kubernetes.io/tls, with tls.crt and tls.key)"
		}
		t.r.Report(g.Obj, field, "%s%s", msg, source)
		return
	}
	switch {
	case eg011IgnoredSecretTypes[s.Type]:
		t.r.Report(g.Obj, field,
			"Secret %s is of type %s, which istiod's credential informer never watches, so the gateway never finds it: store the certificate in a Secret of type kubernetes.io/tls%s",
			key, s.Type, source)
	case eg011ForeignSecretTypes[s.Type]:
		t.r.Warn(g.Obj, field,
			"Secret %s is of type %s, which is meant for something else than serving TLS: store the certificate in a Secret of type kubernetes.io/tls%s",
			key, s.Type, source)
	}
	if info := t.info(key, s); info.problem != "" {
		t.r.Report(g.Obj, field,
			"Secret %s %s, so istiod cannot serve it and TLS handshakes on this server fail (IST0161)%s: put a valid certificate and key in tls.crt and tls.key",
			key, info.problem, source)
	} else if info.dataOnly {
		t.r.Warn(g.Obj, field,
			"Secret %s keeps its certificate in stringData: that is fine once applied (the API server folds stringData into data), but istioctl analyze reads Secrets from files by their data alone and reports IST0161 on this Gateway%s; write tls.crt and tls.key under data, or keep certificates out of plain manifests (cert-manager, a sealed or external secret)",
			key, source)
	}
	if mode == "MUTUAL" || mode == "OPTIONAL_MUTUAL" {
		if ca := t.idx.Secret(key + "-cacert"); ca != nil {
			if !eg011HasCA(ca) {
				t.r.Report(g.Obj, field,
					"tls.mode %s reads the client CA from Secret %s-cacert, which has no non-empty ca.crt (or cacert)%s: add the CA bundle that signs client certificates",
					mode, key, source)
			}
		} else if !eg011HasCA(s) {
			t.r.Report(g.Obj, field,
				"tls.mode %s needs the client CA, but Secret %s has no non-empty ca.crt (or cacert) and there is no Secret %s-cacert%s: add ca.crt with the CA bundle that signs client certificates",
				mode, key, key, source)
		}
	}
}

func (t *eg011Run) info(key string, s *Secret) *eg011CredInfo {
	if i := t.infos[key]; i != nil {
		return i
	}
	problem, names := eg011CredentialProblem(s, t.now)
	i := &eg011CredInfo{problem: problem, dnsNames: names}
	if problem == "" {
		i.dataOnly = eg011DataOnlyProblem(s, t.now) != ""
	}
	t.infos[key] = i
	return i
}

// gatewayUsages records who uses a certificate through a Gateway server: the
// namespace each server host attaches to ("./h" the Gateway's, "ns/h" ns,
// an unscoped host the Gateway's author).
func (t *eg011Run) gatewayUsages(g *Gateway, ws []*eg010Workload, field, cn string, hosts []string) {
	ref := eg011ParseCredentialName(cn)
	if ref.skip || ref.name == "" {
		return
	}
	byNS := map[string][]string{}
	for _, raw := range hosts {
		ns, h := eg010AttachNamespace(g, raw)
		if ns == "" {
			ns = g.Obj.Namespace
		}
		byNS[ns] = append(byNS[ns], h)
	}
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		for _, w := range ws {
			key := eg011SecretKeyFor(ref, w)
			if key == "" {
				continue
			}
			t.usages = append(t.usages, &eg011Usage{obj: g.Obj, field: field, key: key, ns: ns, hosts: byNS[ns], w: w})
		}
	}
}

// app records an AppIntent's certificate: a Secret of its gateway's namespace.
func (t *eg011Run) app(a *DeclaredApp) {
	if a.Spec.TLS == nil || a.Spec.TLS.CredentialName == "" {
		return
	}
	ref := eg011ParseCredentialName(a.Spec.TLS.CredentialName)
	if ref.skip || ref.name == "" {
		return
	}
	for _, w := range t.m.ofApp(a) {
		if key := eg011SecretKeyFor(ref, w); key != "" {
			t.usages = append(t.usages, &eg011Usage{obj: a.Obj, field: "spec.tls.credentialName", key: key, ns: a.Obj.Namespace, hosts: a.Spec.Hosts, w: w, fromApp: true})
		}
	}
}

func eg011SecretKeyFor(ref eg011CredRef, w *eg010Workload) string {
	ns := ref.namespace
	if ns == "" {
		ns = w.namespace
	}
	if ns == "" {
		return ""
	}
	return ns + "/" + ref.name
}

// reportOwnership reports certificates used by namespaces that do not own them.
func (t *eg011Run) reportOwnership() {
	byKey := map[string][]*eg011Usage{}
	fromApp := map[string]bool{}
	for _, u := range t.usages {
		byKey[u.key] = append(byKey[u.key], u)
		if u.fromApp {
			fromApp[u.key+"\x00"+u.ns] = true
		}
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		var us []*eg011Usage
		namespaces := map[string]bool{}
		for _, u := range byKey[key] {
			if !u.fromApp && u.obj.IsManaged() && fromApp[u.key+"\x00"+u.ns] {
				continue // reported on the AppIntent it was rendered from
			}
			us = append(us, u)
			namespaces[u.ns] = true
		}
		owners, evidence := t.certOwners(key, us, len(namespaces))
		if len(owners) > 0 {
			for _, u := range us {
				if !owners[u.ns] {
					t.r.Report(u.obj, u.field,
						"Secret %s is the certificate of namespace %s (%s), and namespace %s does not own the hosts it serves: a credentialName is only a name, so naming it presents another team's certificate; use a certificate Secret of your own",
						key, strings.Join(slices.Sorted(maps.Keys(owners)), ", "), evidence, u.ns)
				}
			}
			continue
		}
		if len(namespaces) < 2 {
			continue
		}
		sorted := slices.Sorted(maps.Keys(namespaces))
		for _, u := range us {
			t.r.Warn(u.obj, u.field,
				"Secret %s is also used as a certificate by namespace %s, and neither spec.hostOwnership nor a HostBindings lock says whose hosts it serves: give each namespace a certificate of its own, or record the hosts' owners (`edgegate lock`)",
				key, eg010OthersThan(sorted, u.ns, func(ns string) string { return ns }))
		}
	}
}

// certOwners decides whose certificate a Secret is: the owners of its DNS
// names when the Secret is in the input and parses, else (when several
// namespaces use it) of the hosts served with it. Owners are the namespaces
// spec.hostOwnership allows, else the first owner the lock records.
func (t *eg011Run) certOwners(key string, us []*eg011Usage, namespaces int) (map[string]bool, string) {
	if s := t.idx.Secret(key); s != nil && len(t.info(key, s).dnsNames) > 0 {
		names := t.info(key, s).dnsNames
		if owners, evidence := eg011OwnersOfHosts(us, func(*eg011Usage) []string { return names }); len(owners) > 0 {
			return owners, "its certificate is for " + evidence
		}
	}
	if namespaces < 2 {
		return nil, ""
	}
	owners, evidence := eg011OwnersOfHosts(us, func(u *eg011Usage) []string { return u.hosts })
	if len(owners) > 0 {
		evidence = "it serves " + evidence
	}
	return owners, evidence
}

func eg011OwnersOfHosts(us []*eg011Usage, hostsOf func(*eg011Usage) []string) (map[string]bool, string) {
	owners := map[string]bool{}
	evidence := ""
	first := eg010LockEntry{pos: math.MaxInt}
	firstHost := ""
	for _, u := range us {
		for _, h := range hostsOf(u) {
			if p := u.w.patterns.covering(h); p != nil {
				for ns := range p.allowed {
					owners[ns] = true
				}
				if evidence == "" {
					evidence = fmt.Sprintf("%q, and %s", h, p.describe())
				}
			} else if e, ok := u.w.lock[h]; ok && e.pos < first.pos {
				first, firstHost = e, h
			}
		}
	}
	if len(owners) > 0 {
		return owners, evidence
	}
	if firstHost != "" {
		return map[string]bool{first.ns: true}, fmt.Sprintf("%q, and %s", firstHost, first.describe())
	}
	return nil, ""
}
