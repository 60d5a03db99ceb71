package check

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// gatewayTLSCheck finds Gateway servers that cannot serve TLS, or that
// serve a certificate that is not theirs.
//
// Settings (what istiod's validating webhook rejects or ignores):
//   - an HTTPS or TLS server without tls settings is rejected;
//   - tls.mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL without credentialName (or
//     file-mounted serverCertificate and privateKey) has no certificate;
//     ISTIO_MUTUAL with a credentialName or file certificates
//     (serverCertificate, privateKey, caCertificates, tlsCertificates) is
//     rejected; a credentialName with no tls.mode is ignored, as the mode
//     defaults to PASSTHROUGH (warning);
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

// tlsServer is a Gateway server with every TLS field istiod reads.
type tlsServer struct {
	Port struct {
		Protocol string `yaml:"protocol"`
	} `yaml:"port"`
	Hosts []string `yaml:"hosts"`
	TLS   *tls     `yaml:"tls"`
}

type tls struct {
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

// usage is one use of a certificate Secret by one namespace.
type usage struct {
	obj     *manifest.Object
	field   string
	key     string // the Secret, namespace/name
	ns      string // the namespace serving the hosts
	hosts   []string
	w       *model.OwnershipWorkload
	fromApp bool
}

type run struct {
	idx    *model.Index
	r      *model.Reporter
	m      *model.Ownership
	cat    *model.Secrets
	now    time.Time
	infos  map[string]*credInfo
	usages []*usage
}

// credInfo caches what a Secret's certificate says.
type credInfo struct {
	problem  string
	dataOnly bool // istiod would fail to read it if stringData were ignored
	dnsNames []string
}

func (gatewayTLSCheck) Run(idx *model.Index, r *model.Reporter) {
	t := &run{idx: idx, r: r, m: model.NewOwnership(idx), cat: model.NewSecrets(idx), now: time.Now(), infos: map[string]*credInfo{}}
	for _, g := range idx.GatewaysByKey() {
		t.gateway(g)
	}
	for _, a := range model.SortByObjectKey(idx.AppIntents, func(a *model.DeclaredApp) *manifest.Object { return a.Obj }) {
		t.app(a)
	}
	t.reportOwnership()
}

func (t *run) gateway(g *model.Gateway) {
	servers := g.Obj.Field("spec", "servers")
	if servers == nil || servers.Kind != yaml.SequenceNode {
		return
	}
	ws := t.m.OfGateway(g)
	source := ""
	if a := t.m.AppFor(g); a != nil {
		source = fmt.Sprintf(" (from AppIntent %s/%s spec.tls.credentialName, %s)", a.Obj.Namespace, a.Obj.Name, model.WhereField(a.Obj, "spec.tls.credentialName"))
	}
	type credentialField struct{ field, name string }
	var names []credentialField
	for si, node := range servers.Content {
		s, ok := plainServer(node)
		if !ok {
			model.DecodeAt(g.Obj, node, serverPath(si), &s)
		}
		t.settings(g, ws, si, s)
		if s.TLS == nil {
			continue
		}
		path := serverPath(si)
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
			if si < len(g.Spec.Servers) { // the index decodes the same list, item for item
				t.gatewayUsages(g, ws, n.field, n.name, g.Spec.Servers[si])
			}
		}
	}
}

// serverPath is the field of server si, built when it is needed.
func serverPath(si int) string { return "spec.servers[" + strconv.Itoa(si) + "]" }

// plainServer reads a server without tls settings, which is all
// settings reads of it: its protocol, as decodeAt would. False for any
// other server, or one it leaves to the decoder (an alias).
func plainServer(n *yaml.Node) (tlsServer, bool) {
	var s tlsServer
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
		s.Port.Protocol = manifest.DecodedString(v)
	}
	return s, true
}

// settings checks the TLS settings of server si against its protocol.
func (t *run) settings(g *model.Gateway, ws []*model.OwnershipWorkload, si int, s tlsServer) {
	proto := strings.ToUpper(s.Port.Protocol)
	isTLS := proto == "HTTPS" || proto == "TLS"
	if !isTLS && s.TLS == nil {
		return
	}
	path := serverPath(si)
	if isTLS && s.TLS == nil {
		t.r.Report(g.Obj, path+".tls",
			"%s server needs tls settings, and istiod rejects the Gateway without them (\"server must have TLS settings for HTTPS/TLS protocols\"): add tls: {mode: SIMPLE, credentialName: <a Secret with tls.crt and tls.key in %s>}",
			article(proto), workloadNamespaces(ws))
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
				article(proto))
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
				"tls.mode %s needs a certificate, and this server names none: set credentialName to a Secret holding tls.crt, tls.key%s in %s, where Istio looks it up",
				mode, ca, workloadNamespacesNamed(ws))
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
		for _, f := range [...]struct {
			field string
			set   bool
		}{
			{"serverCertificate", tls.ServerCertificate != ""},
			{"privateKey", tls.PrivateKey != ""},
			{"caCertificates", tls.CaCertificates != ""},
			{"tlsCertificates", len(tls.TLSCertificates) > 0},
		} {
			if f.set {
				t.r.Report(g.Obj, path+".tls."+f.field,
					"tls.mode ISTIO_MUTUAL uses the workload's own mesh certificate, and istiod rejects tls.%s with it (\"ISTIO_MUTUAL TLS cannot have associated ...\"): remove it, or use mode SIMPLE or MUTUAL",
					f.field)
			}
		}
	}
}

// article prefixes a protocol name with "a" or "an" as it is read aloud.
func article(proto string) string {
	if proto != "" && strings.ContainsRune("AEHIOU", rune(proto[0])) {
		return "an " + proto
	}
	return "a " + proto
}

// gatewayWorkloadNamespace names the namespace of the gateway workload when
// the input does not hold it.
const gatewayWorkloadNamespace = "the gateway workload's namespace"

// workloadNamespaces names the namespaces of the workloads a Gateway selects.
func workloadNamespaces(ws []*model.OwnershipWorkload) string {
	seen := map[string]bool{}
	for _, w := range ws {
		if w.Namespace != "" {
			seen[w.Namespace] = true
		}
	}
	if len(seen) == 0 {
		return gatewayWorkloadNamespace
	}
	return "namespace " + strings.Join(slices.Sorted(maps.Keys(seen)), ", ")
}

// workloadNamespacesNamed is workloadNamespaces, said to be the gateway
// workload's: "namespace istio-ingress, the gateway workload's namespace",
// or "the gateway workload's namespace" alone when none is known.
func workloadNamespacesNamed(ws []*model.OwnershipWorkload) string {
	where := workloadNamespaces(ws)
	if where == gatewayWorkloadNamespace {
		return where
	}
	return where + ", " + gatewayWorkloadNamespace
}

// credential checks the Secret a credentialName names, in every namespace
// the Gateway's workloads run in.
func (t *run) credential(g *model.Gateway, ws []*model.OwnershipWorkload, field, cn, mode, source string) {
	ref := model.ParseCredentialName(cn)
	if ref.Skip || ref.Name == "" {
		return
	}
	seen := map[string]bool{}
	warned := false
	for _, w := range ws {
		wns := w.Namespace
		if wns == "" {
			continue // no workload in the input: Istio's analyzer cannot tell either
		}
		ns := ref.Namespace
		if ns == "" {
			ns = wns
		} else if ns != wns && !warned {
			warned = true
			t.r.Warn(g.Obj, field,
				"credentialName %q names a Secret in namespace %s, but %s runs in %s: istiod serves it only if the gateway's ServiceAccount may read Secrets there (edgegate's gateway Role covers only its own namespace), and any Gateway author could point at any namespace's certificate; keep the Secret in %s and name it without a namespace%s",
				cn, ns, w, wns, wns, source)
		}
		key := ns + "/" + ref.Name
		if seen[key] {
			continue
		}
		seen[key] = true
		t.secret(g, w, field, cn, key, ns, ref.Name, mode, source, ref.Namespace != "")
	}
}

func (t *run) secret(g *model.Gateway, w *model.OwnershipWorkload, field, cn, key, ns, name, mode, source string, explicit bool) {
	s := t.idx.Secret(key)
	if s == nil {
		// Not judged: say so, since Istio's analyzer, given the same files,
		// reports the credentialName as not found (IST0101).
		if producer := t.cat.Producer[key]; producer != "" {
			t.r.Unchecked(g.Obj, field,
				"Secret %s is not in the input, but %s of the input creates it, so it is not checked; Istio's analyzer, given only these files, reports credentialName %q as not found (IST0101)%s",
				key, producer, cn, source)
			return
		}
		if !t.idx.HasSecrets() {
			t.r.Unchecked(g.Obj, field,
				"Secret %s is not checked: the input holds no Secret at all (certificates are rarely kept with manifests), so the gate cannot tell whether it exists; Istio's analyzer, given only these files, reports credentialName %q as not found (IST0101)%s",
				key, cn, source)
			return
		}
		msg := fmt.Sprintf("Secret %s not found: Istio looks up credentialName %q in %s, the namespace of %s, not in the Gateway's namespace", key, cn, ns, w)
		if explicit {
			msg = fmt.Sprintf("Secret %s not found: credentialName %q names it with its namespace", key, cn)
		}
		if others := t.cat.Elsewhere(name, ns); len(others) > 0 {
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
	case model.IgnoredSecretTypes[s.Type]:
		t.r.Report(g.Obj, field,
			"Secret %s is of type %s, which istiod's credential informer never watches, so the gateway never finds it: store the certificate in a Secret of type kubernetes.io/tls%s",
			key, s.Type, source)
	case model.ForeignSecretTypes[s.Type]:
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
			if !model.HasCA(ca) {
				t.r.Report(g.Obj, field,
					"tls.mode %s reads the client CA from Secret %s-cacert, which has no non-empty ca.crt (or cacert)%s: add the CA bundle that signs client certificates",
					mode, key, source)
			}
		} else if !model.HasCA(s) {
			t.r.Report(g.Obj, field,
				"tls.mode %s needs the client CA, but Secret %s has no non-empty ca.crt (or cacert) and there is no Secret %s-cacert%s: add ca.crt with the CA bundle that signs client certificates",
				mode, key, key, source)
		}
	}
}

func (t *run) info(key string, s *model.Secret) *credInfo {
	if i := t.infos[key]; i != nil {
		return i
	}
	problem, names := model.CredentialProblem(s, t.now)
	i := &credInfo{problem: problem, dnsNames: names}
	if problem == "" {
		i.dataOnly = model.DataOnlyProblem(s, t.now) != ""
	}
	t.infos[key] = i
	return i
}

// gatewayUsages records who uses a certificate through a Gateway server: the
// namespace each server host attaches to ("./h" the Gateway's, "ns/h" ns,
// an unscoped host the Gateway's author), and the hosts as pilot compares
// them.
func (t *run) gatewayUsages(g *model.Gateway, ws []*model.OwnershipWorkload, field, cn string, s model.Server) {
	ref := model.ParseCredentialName(cn)
	if ref.Skip || ref.Name == "" {
		return
	}
	byNS := map[string][]string{}
	for i, raw := range s.Hosts {
		ns, _ := model.AttachNamespace(g, raw)
		if ns == "" {
			ns = g.Obj.Namespace
		}
		byNS[ns] = append(byNS[ns], s.Names[i])
	}
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		for _, w := range ws {
			key := secretKeyFor(ref, w)
			if key == "" {
				continue
			}
			t.usages = append(t.usages, &usage{obj: g.Obj, field: field, key: key, ns: ns, hosts: byNS[ns], w: w})
		}
	}
}

// app records an AppIntent's certificate: a Secret of its gateway's namespace.
func (t *run) app(a *model.DeclaredApp) {
	if a.Spec.TLS == nil || a.Spec.TLS.CredentialName == "" {
		return
	}
	ref := model.ParseCredentialName(a.Spec.TLS.CredentialName)
	if ref.Skip || ref.Name == "" {
		return
	}
	for _, w := range t.m.OfApp(a) {
		if key := secretKeyFor(ref, w); key != "" {
			t.usages = append(t.usages, &usage{obj: a.Obj, field: "spec.tls.credentialName", key: key, ns: a.Obj.Namespace, hosts: a.Spec.Hosts, w: w, fromApp: true})
		}
	}
}

func secretKeyFor(ref model.CredRef, w *model.OwnershipWorkload) string {
	ns := ref.Namespace
	if ns == "" {
		ns = w.Namespace
	}
	if ns == "" {
		return ""
	}
	return ns + "/" + ref.Name
}

// reportOwnership reports certificates used by namespaces that do not own them.
func (t *run) reportOwnership() {
	byKey := map[string][]*usage{}
	fromApp := map[string]bool{}
	for _, u := range t.usages {
		byKey[u.key] = append(byKey[u.key], u)
		if u.fromApp {
			fromApp[u.key+"\x00"+u.ns] = true
		}
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		var us []*usage
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
				key, model.OthersThan(sorted, u.ns, func(ns string) string { return ns }))
		}
	}
}

// certOwners decides whose certificate a Secret is: the owners of its DNS
// names when the Secret is in the input and parses, else (when several
// namespaces use it) of the hosts served with it. Owners are the namespaces
// spec.hostOwnership allows, else the first owner the lock records.
func (t *run) certOwners(key string, us []*usage, namespaces int) (map[string]bool, string) {
	if s := t.idx.Secret(key); s != nil && len(t.info(key, s).dnsNames) > 0 {
		names := t.info(key, s).dnsNames
		if owners, evidence := ownersOfHosts(us, func(*usage) []string { return names }); len(owners) > 0 {
			return owners, "its certificate is for " + evidence
		}
	}
	if namespaces < 2 {
		return nil, ""
	}
	owners, evidence := ownersOfHosts(us, func(u *usage) []string { return u.hosts })
	if len(owners) > 0 {
		evidence = "it serves " + evidence
	}
	return owners, evidence
}

func ownersOfHosts(us []*usage, hostsOf func(*usage) []string) (map[string]bool, string) {
	owners := map[string]bool{}
	evidence := ""
	first := model.LockEntry{Pos: math.MaxInt}
	firstHost := ""
	for _, u := range us {
		for _, h := range hostsOf(u) {
			if p := u.w.Patterns.Covering(h); p != nil {
				for ns := range p.Allowed {
					owners[ns] = true
				}
				if evidence == "" {
					evidence = fmt.Sprintf("%q, and %s", h, p.Describe())
				}
			} else if e, ok := u.w.Lock[h]; ok && e.Pos < first.Pos {
				first, firstHost = e, h
			}
		}
	}
	if len(owners) > 0 {
		return owners, evidence
	}
	if firstHost != "" {
		return map[string]bool{first.Namespace: true}, fmt.Sprintf("%q, and %s", firstHost, first.Describe())
	}
	return nil, ""
}
