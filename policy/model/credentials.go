package model

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/edgegate/edgegate/credential"
	"github.com/edgegate/edgegate/hostname"
	"github.com/edgegate/edgegate/manifest"
)

// What EG011 reads of Secrets. The index keeps only a Secret's type and key
// names; to judge a credential the way istiod does (IST0161), EG011 also
// needs to know whether a value is empty and whether the certificate
// (tls.crt or cert: public material every client receives) parses and is
// within its validity period. It reads nothing else: the private key is only
// tested for emptiness, and no value ever reaches a message; only key names,
// validity dates and DNS names (all public) do.

// CredRef is a tls.credentialName resolved to the Secret pilot reads.
type CredRef struct {
	Namespace string // "" = the gateway workload's namespace
	Name      string
	Skip      bool // builtin:// (the workload's own certificate) or configmap:// (a CA only)
}

// ParseCredentialName mirrors pilot's credentials.ParseResourceName for
// Istio Gateways: "name" and "kubernetes://name" are read from the gateway
// workload's namespace, "ns/name", "kubernetes://ns/name" and
// "kubernetes-gateway://ns/name" from ns.
func ParseCredentialName(cn string) CredRef {
	switch {
	case strings.HasPrefix(cn, "builtin://"), strings.HasPrefix(cn, "configmap://"):
		return CredRef{Skip: true}
	case strings.HasPrefix(cn, "kubernetes-gateway://"):
		cn = strings.TrimPrefix(cn, "kubernetes-gateway://")
	case strings.HasPrefix(cn, "kubernetes://"):
		cn = strings.TrimPrefix(cn, "kubernetes://")
	}
	if ns, name, ok := strings.Cut(cn, "/"); ok {
		return CredRef{Namespace: ns, Name: name}
	}
	return CredRef{Name: cn}
}

// secretKey reads key from stringData, else data, as the API server folds them.
func secretKey(o *manifest.Object, key string) credential.Value { return credential.Key(o, key) }

// CredentialProblem is why istiod cannot serve a Secret as a certificate,
// or "": the checks of ExtractCertInfo and ValidateCertificate, which decide
// IST0161. dnsNames are the certificate's DNS names when it parses.
func CredentialProblem(s *Secret, now time.Time) (problem string, dnsNames []string) {
	return credentialProblemOf(s, now, secretKey)
}

// DataOnlyProblem is CredentialProblem as `istioctl analyze` sees a Secret
// read from a file: it reads data and ignores stringData, which only the API
// server folds into data.
func DataOnlyProblem(s *Secret, now time.Time) string {
	p, _ := credentialProblemOf(s, now, func(o *manifest.Object, key string) credential.Value {
		return credential.KeyIn(o, key, "data")
	})
	return p
}

func credentialProblemOf(s *Secret, now time.Time, read func(*manifest.Object, string) credential.Value) (problem string, dnsNames []string) {
	o := s.Obj
	// The private key is only tested for emptiness.
	certKey := credential.CertKey(o, read)
	if certKey == "" {
		for _, pair := range [][2]string{{"cert", "key"}, {"tls.crt", "tls.key"}} {
			c, k := read(o, pair[0]), read(o, pair[1])
			if c.Present && k.Present {
				var empty []string
				for _, e := range []struct {
					name string
					v    credential.Value
				}{{pair[0], c}, {pair[1], k}} {
					if !e.v.NonEmpty {
						empty = append(empty, e.name)
					}
				}
				return fmt.Sprintf("has %s and %s, but %s empty", pair[0], pair[1], strings.Join(empty, " and ")+pluralIs(len(empty))), nil
			}
		}
		keys := slices.Sorted(maps.Keys(s.Keys))
		found := "no keys"
		if len(keys) > 0 {
			found = "only " + strings.Join(keys, ", ")
		}
		return fmt.Sprintf("holds no certificate: istiod needs non-empty tls.crt and tls.key (or cert and key), and it has %s", found), nil
	}
	data, err := read(o, certKey).Bytes()
	if err != nil {
		return fmt.Sprintf("has a %s that is not valid base64", certKey), nil
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return fmt.Sprintf("has a %s that is not a PEM-encoded certificate", certKey), nil
	}
	certs, err := x509.ParseCertificates(block.Bytes)
	if err != nil || len(certs) == 0 {
		return fmt.Sprintf("has a %s whose first PEM block is not an X.509 certificate", certKey), nil
	}
	for _, c := range certs {
		switch {
		case now.After(c.NotAfter):
			return fmt.Sprintf("has a certificate (%s) that expired at %s", certKey, c.NotAfter.UTC().Format(time.RFC3339)), nil
		case now.Before(c.NotBefore):
			return fmt.Sprintf("has a certificate (%s) that is not valid before %s", certKey, c.NotBefore.UTC().Format(time.RFC3339)), nil
		}
	}
	// As pilot compares hosts: a certificate for "Shop.Example.com" serves,
	// and belongs to the owner of, shop.example.com.
	names := make([]string, len(certs[0].DNSNames))
	for i, n := range certs[0].DNSNames {
		names[i] = hostname.Canonical(n)
	}
	return "", names
}

func pluralIs(n int) string {
	if n > 1 {
		return " are"
	}
	return " is"
}

// HasCA reports whether a Secret holds a client CA the way istiod reads one
// (ca.crt or cacert, non-empty).
func HasCA(s *Secret) bool {
	return secretKey(s.Obj, "ca.crt").NonEmpty || secretKey(s.Obj, "cacert").NonEmpty
}

// Secret types istiod's credentials informer filters out: a credential of
// one of them is never found at run time.
var IgnoredSecretTypes = map[string]bool{
	"kubernetes.io/service-account-token": true,
	"helm.sh/release.v1":                  true,
}

// Secret types meant for something else than serving TLS.
var ForeignSecretTypes = map[string]bool{
	"kubernetes.io/dockerconfigjson":  true,
	"kubernetes.io/dockercfg":         true,
	"kubernetes.io/basic-auth":        true,
	"kubernetes.io/ssh-auth":          true,
	"bootstrap.kubernetes.io/token":   true,
	"kubernetes.io/service-acct-cert": true,
}

// Secrets knows, beyond the index, which namespaces hold a Secret of a
// given name and which Secrets other objects in the input will create.
type Secrets struct {
	byName   map[string][]string // name → namespaces, sorted
	Producer map[string]string   // namespace/name → the object that creates it
}

func NewSecrets(idx *Index) *Secrets {
	c := &Secrets{byName: map[string][]string{}, Producer: map[string]string{}}
	for _, o := range idx.Objects {
		switch o.Group() + "/" + o.Kind {
		case "/Secret":
			c.byName[o.Name] = append(c.byName[o.Name], o.Namespace)
		case "cert-manager.io/Certificate":
			if name := credential.CertificateSecret(o); name != "" {
				c.Producer[o.Namespace+"/"+name] = o.Ref.String()
			}
		case "external-secrets.io/ExternalSecret":
			name := manifest.ScalarValue(o.Field("spec", "target", "name"))
			if name == "" {
				name = o.Name
			}
			c.Producer[o.Namespace+"/"+name] = o.Ref.String()
		case "bitnami.com/SealedSecret":
			name := manifest.ScalarValue(o.Field("spec", "template", "metadata", "name"))
			if name == "" {
				name = o.Name
			}
			c.Producer[o.Namespace+"/"+name] = o.Ref.String()
		}
	}
	for name := range c.byName {
		sort.Strings(c.byName[name])
	}
	return c
}

// Elsewhere lists the namespaces other than ns holding a Secret called name.
func (c *Secrets) Elsewhere(name, ns string) []string {
	var out []string
	for _, other := range c.byName[name] {
		if other != ns && (len(out) == 0 || out[len(out)-1] != other) {
			out = append(out, other)
		}
	}
	return out
}
