// Package credential reads what a gateway may learn of a TLS credential
// without touching its secret: the keys a Secret holds, whether they are
// empty, and the DNS names (SANs) of the certificate it serves, or the DNS
// names a cert-manager Certificate will issue into it. The private key is
// only ever tested for emptiness; no value reaches a message, only key
// names, validity dates and DNS names, which every client receives anyway.
//
// render reads the DNS names to find certificates that cover another app's
// host on one listener (HTTP/2 connection reuse); policy/model reads the rest
// to judge credentials the way istiod does (EG011).
package credential

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Value is what is known of one key of a Secret.
type Value struct {
	Present, NonEmpty bool
	node              *yaml.Node
	stringData        bool
}

// Key reads key from stringData, else data: the API server folds stringData
// into data (stringData winning), and istiod reads data.
func Key(o *manifest.Object, key string) Value {
	return KeyIn(o, key, "stringData", "data")
}

// KeyIn reads key from the first of fields that has it.
func KeyIn(o *manifest.Object, key string, fields ...string) Value {
	for _, field := range fields {
		n := manifest.Lookup(o.Field(field), key)
		if n == nil {
			continue
		}
		empty := n.Kind != yaml.ScalarNode || n.Tag == "!!null" || strings.TrimSpace(n.Value) == ""
		return Value{Present: true, NonEmpty: !empty, node: n, stringData: field == "stringData"}
	}
	return Value{}
}

// Bytes decodes the value of a certificate key; only ever called for
// certificates (public material), never for private keys.
func (v Value) Bytes() ([]byte, error) {
	if v.stringData {
		return []byte(v.node.Value), nil
	}
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, v.node.Value)
	return base64.StdEncoding.DecodeString(clean)
}

// CertKey is the key istiod reads a Secret's certificate from: cert when
// cert and key are both non-empty, else tls.crt when tls.crt and tls.key
// are; "" when the Secret holds neither pair.
func CertKey(o *manifest.Object, read func(*manifest.Object, string) Value) string {
	switch {
	case read(o, "cert").NonEmpty && read(o, "key").NonEmpty:
		return "cert"
	case read(o, "tls.crt").NonEmpty && read(o, "tls.key").NonEmpty:
		return "tls.crt"
	}
	return ""
}

// SecretDNSNames are the DNS names (SANs) of the certificate a Secret
// serves, the first of its PEM chain: the names a browser trusts the
// connection for. ok is false when the Secret holds no certificate that
// parses (encrypted by SOPS, say), so nothing is known of it.
func SecretDNSNames(o *manifest.Object) (names []string, ok bool) {
	key := CertKey(o, Key)
	if key == "" {
		return nil, false
	}
	data, err := Key(o, key).Bytes()
	if err != nil {
		return nil, false
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, false
	}
	certs, err := x509.ParseCertificates(block.Bytes)
	if err != nil || len(certs) == 0 {
		return nil, false
	}
	return certs[0].DNSNames, true
}

// CertificateSecret is the Secret a cert-manager Certificate issues into
// (spec.secretName), "" when o is not one.
func CertificateSecret(o *manifest.Object) string {
	if o.Group() != "cert-manager.io" || o.Kind != "Certificate" {
		return ""
	}
	return manifest.ScalarValue(o.Field("spec", "secretName"))
}

// CertificateDNSNames are the DNS names a cert-manager Certificate asks
// for (spec.dnsNames: cert-manager writes exactly these as the SANs; a
// commonName goes only into the subject, which browsers ignore when SANs
// are present).
func CertificateDNSNames(o *manifest.Object) []string {
	n := o.Field("spec", "dnsNames")
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if v := manifest.Unalias(item); v.Kind == yaml.ScalarNode && v.Value != "" {
			out = append(out, v.Value)
		}
	}
	return out
}

// Covers reports whether a certificate DNS name (a SAN) is valid for host,
// the way browsers match it (RFC 6125): exactly, or through a wildcard that
// stands for exactly one leftmost label. Names are compared in lowercase.
func Covers(san, host string) bool {
	san, host = strings.ToLower(strings.TrimSuffix(san, ".")), strings.ToLower(strings.TrimSuffix(host, "."))
	if san == host {
		return !strings.Contains(san, "*")
	}
	rest, ok := strings.CutPrefix(san, "*.")
	if !ok || rest == "" || strings.Contains(rest, "*") {
		return false
	}
	label, domain, ok := strings.Cut(host, ".")
	return ok && label != "" && label != "*" && domain == rest
}
