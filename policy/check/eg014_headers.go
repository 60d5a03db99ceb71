package check

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/policy/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The webhook rules of EG014 on header names and values, label syntax and
// the certificates of a server's tls.tlsCertificates, each a port of
// istio.io/istio pkg/config/validation (validation.go, virtualservice.go,
// header_value_validator.go) and pkg/config/labels (instance.go). Each
// check returns "" when istiod accepts the value, so that nothing is
// allocated for the values everyone writes.

// headerSides are the two sides of a Headers (HTTPRoute.headers,
// HTTPRouteDestination.headers) with their paths.
var headerSides = [...]struct{ key, path string }{{"request", ".request"}, {"response", ".response"}}

// headerOperations applies istiod's rules to the header manipulations h at
// p (validateHTTPRoute and validateHTTPRouteDestinations): every name of
// set, add and remove is ValidateHTTPHeaderWithAuthorityOperationName's
// (request set and add) or ValidateHTTPHeaderOperationName's (the others),
// every value of set and add ValidateHTTPHeaderValue's.
func (w webhook) headerOperations(h *yaml.Node, p *fieldPath) {
	if h == nil || h.Kind != yaml.MappingNode {
		return
	}
	for _, side := range headerSides {
		ops := schema.Field(h, side.key)
		if ops == nil || ops.Kind != yaml.MappingNode {
			continue
		}
		sp := p.field(side.path)
		request := side.key == "request"
		for _, op := range [...]struct{ key, path string }{{"set", ".set"}, {"add", ".add"}} {
			m := schema.Field(ops, op.key)
			if m == nil || m.Kind != yaml.MappingNode {
				continue
			}
			opPath := sp.field(op.path)
			for _, kv := range schema.Fields(m) {
				var err string
				if request {
					err = headerWithAuthorityOperationName(kv.Key)
				} else {
					err = headerOperationName(kv.Key)
				}
				if err != "" {
					kp := opPath.key(kv.Key)
					w.reject(kp.String(), "%s", err)
				}
				if v, ok := schema.String(kv.Value); ok {
					if err := headerValue(v); err != "" {
						kp := opPath.key(kv.Key)
						w.reject(kp.String(), "%s", err)
					}
				}
			}
		}
		removePath := sp.field(".remove")
		for i, item := range schema.Items(schema.Field(ops, "remove")) {
			if name, ok := schema.String(item); ok {
				if err := headerOperationName(name); err != "" {
					ip := removePath.item(i)
					w.reject(ip.String(), "%s", err)
				}
			}
		}
	}
}

// headerWithAuthorityOperationName is ValidateHTTPHeaderWithAuthorityOperationName:
// a request header set or added is named, and not a pseudo-header but
// :authority (which, like Host, sets the authority).
func headerWithAuthorityOperationName(name string) string {
	switch {
	case name == "":
		return "header name cannot be empty"
	case strings.HasPrefix(name, ":") && !strings.EqualFold(name, ":authority"):
		return fmt.Sprintf(`invalid header %q: header cannot have ":" prefix (Envoy does not let a route change a pseudo-header but :authority)`, name)
	}
	return ""
}

// headerOperationName is ValidateHTTPHeaderOperationName: a request header
// removed, or a response header set, added or removed, is named, and
// neither Host nor a pseudo-header.
func headerOperationName(name string) string {
	switch {
	case name == "":
		return "header name cannot be empty"
	case strings.EqualFold(name, "host"):
		return fmt.Sprintf(`invalid header %q: cannot set Host header (set the request's authority with rewrite.authority or headers.request.set)`, name)
	case strings.HasPrefix(name, ":"):
		return fmt.Sprintf(`invalid header %q: header cannot have ":" prefix (Envoy does not let a route change a pseudo-header)`, name)
	}
	return ""
}

// headerValue is ValidateHTTPHeaderValue: no control character but tab,
// and Envoy's %VARIABLE% syntax (a literal % written %%).
func headerValue(value string) string {
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return fmt.Sprintf("header value configuration %q is invalid: a header value may hold no control character but tab", value)
		}
	}
	if err := headerValueSyntax(value); err != "" {
		return "header value configuration: " + err
	}
	return ""
}

// headerValueSyntax is istiod's validateHeaderValue, its port of Envoy's
// header_parser.cc: the %VAR%, %VAR(arg)% and %VAR(["a", "b"])% forms.
func headerValueSyntax(v string) string {
	const (
		literal = iota
		variableName
		expectArray
		expectString
		inString
		expectArrayDelimiterOrEnd
		expectArgsEnd
		expectVariableEnd
	)
	state := literal
	for pos := 0; pos < len(v); pos++ {
		ch := v[pos]
		hasNext := pos+1 < len(v)
		switch state {
		case literal:
			if ch != '%' {
				break
			}
			if !hasNext {
				return "invalid header configuration. Un-escaped % (write a literal % as %%)"
			}
			if v[pos+1] == '%' {
				pos++
				break
			}
			state = variableName
		case variableName:
			switch ch {
			case '%':
				state = literal
			case '(':
				state = expectArray
			}
		case expectArray:
			switch {
			case ch == '[':
				state = expectString
			case ch != ' ':
				state = inString
			}
		case expectArrayDelimiterOrEnd:
			switch {
			case ch == ',':
				state = expectString
			case ch == ']':
				state = expectArgsEnd
			case ch != ' ':
				return "invalid header configuration. Expecting ',', ']', or whitespace"
			}
		case expectString:
			switch {
			case ch == '"':
				state = inString
			case ch != ' ':
				return `invalid header configuration. Expecting '"'`
			}
		case inString:
			switch ch {
			case '\\':
				if !hasNext {
					return "invalid header configuration. Un-terminated backslash in JSON string"
				}
				pos++
			case ')':
				state = expectVariableEnd
			case '"':
				state = expectArrayDelimiterOrEnd
			}
		case expectArgsEnd:
			switch {
			case ch == ')':
				state = expectVariableEnd
			case ch != ' ':
				return "invalid header configuration. Expecting ')' or whitespace"
			}
		case expectVariableEnd:
			switch {
			case ch == '%':
				state = literal
			case ch != ' ':
				return "invalid header configuration. Expecting '%' or whitespace"
			}
		}
	}
	if state != literal {
		return fmt.Sprintf("invalid header configuration. Un-terminated variable expression %q", v)
	}
	return ""
}

// pseudoHeaders are the pseudo-headers a route may match on.
var pseudoHeaders = map[string]bool{":method": true, ":scheme": true, ":authority": true, ":path": true, ":status": true}

// headerMatchName is ValidateHTTPHeaderNameOrJwtClaimRoute, for the names
// of match.headers and match.withoutHeaders: a JWT claim
// (@request.auth.claims.<claim> or @request.auth.claims[<claim>]), a
// pseudo-header, or an HTTP token.
func headerMatchName(name string) string {
	switch {
	case name == "":
		return "header name cannot be empty"
	case jwtClaimRoute(name) || pseudoHeaders[name] || httpToken(name):
		return ""
	}
	return fmt.Sprintf("header name %q is not a valid header name: a header name is letters, digits and any of %s", name, tokenPunctuation)
}

// corsHeaderName is ValidateCORSHTTPHeaderName, for corsPolicy.allowHeaders
// and exposeHeaders: "*" or an HTTP token.
func corsHeaderName(name string) string {
	switch {
	case name == "":
		return "header name cannot be empty"
	case name == "*" || httpToken(name):
		return ""
	}
	return fmt.Sprintf("header name %q is not a valid header name: a header name is letters, digits and any of %s", name, tokenPunctuation)
}

// tokenPunctuation is the punctuation of an HTTP token (RFC 7230 tchar).
const tokenPunctuation = "!#$%&'*+-.^_`|~"

// httpToken reports whether s is an HTTP token: istiod's validHeaderNameRegex.
func httpToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && strings.IndexByte(tokenPunctuation, c) < 0 {
			return false
		}
	}
	return true
}

// jwtClaimRoute is jwt.ToRoutingClaim(name).Match: the header name
// routes on a JWT claim.
func jwtClaimRoute(name string) bool {
	const prefix = "@request.auth.claims"
	if len(name) < len(prefix) || !asciiEqualFold(name[:len(prefix)], prefix) {
		return false
	}
	rest := name[len(prefix):]
	return strings.HasPrefix(rest, ".") && len(rest) > 1 ||
		strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") && len(rest) > 2
}

// asciiEqualFold is strings.EqualFold for a lower-case ASCII b, which is
// what strings.HasPrefix(strings.ToLower(a), b) asks of a's first bytes.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// sourceLabels applies labels.Instance.Validate to the sourceLabels at p:
// every key a Kubernetes label key, every value a label value.
func (w webhook) sourceLabels(n *yaml.Node, p *fieldPath) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for _, kv := range schema.Fields(n) {
		if err := labelKey(kv.Key); err != "" {
			kp := p.key(kv.Key)
			w.reject(kp.String(), "%s", err)
		}
		if v, ok := schema.String(kv.Value); ok && !qualifiedName(v) && v != "" {
			kp := p.key(kv.Key)
			w.reject(kp.String(), "invalid tag value: %q: a label value is empty, or letters, digits, '-', '_' and '.', starting and ending with a letter or digit", v)
		}
	}
}

// labelKey is istiod's validateTagKey: [prefix/]name, the prefix DNS
// labels joined by dots (at most 253 bytes), the name a qualified name of
// at most 63 bytes.
func labelKey(k string) string {
	prefix, name, slash := strings.Cut(k, "/")
	if !slash {
		prefix, name = "", k
	}
	if !qualifiedName(name) || slash && !dnsPrefix(prefix) {
		return fmt.Sprintf("invalid tag key: %q: a label key is [prefix/]name, the name letters, digits, '-', '_' and '.', starting and ending with a letter or digit, the prefix a DNS name", k)
	}
	if len(prefix) > 253 {
		return fmt.Sprintf("invalid tag key: %q (DNS prefix is too long)", k)
	}
	if len(name) > 63 {
		return fmt.Sprintf("invalid tag key: %q (name is too long)", k)
	}
	return ""
}

// qualifiedName reports whether s matches istiod's qualifiedNameFmt,
// (?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], of any length.
func qualifiedName(s string) bool {
	if s == "" || !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// dnsPrefix reports whether s is DNS-1123 labels (of any length) joined by
// dots: the prefix of a label key, without its slash.
func dnsPrefix(s string) bool {
	for {
		label, rest, more := strings.Cut(s, ".")
		if !labelChars(label) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// tlsCertificates applies validateTLSOptions to the entries of a server's
// tls.tlsCertificates (at p, the server's tls): in SIMPLE, MUTUAL and
// OPTIONAL_MUTUAL mode without a credentialName, each needs a
// serverCertificate and a privateKey. (The other TLS settings against the
// mode are EG011's.)
func (w webhook) tlsCertificates(tls *yaml.Node, p *fieldPath) {
	certs := schema.Field(tls, "tlsCertificates")
	if schema.Len(certs) == 0 {
		return
	}
	mode, _ := schema.String(schema.Field(tls, "mode"))
	prefix := "SIMPLE TLS"
	switch mode {
	case "SIMPLE":
	case "MUTUAL", "OPTIONAL_MUTUAL":
		prefix = "MUTUAL TLS"
	default:
		return
	}
	if cn, _ := schema.String(schema.Field(tls, "credentialName")); cn != "" || schema.Len(schema.Field(tls, "credentialNames")) > 0 {
		return // credentials are fetched remotely; the CRD refuses the mix
	}
	certsPath := p.field(".tlsCertificates")
	for i, c := range schema.Items(certs) {
		if c.Kind != yaml.MappingNode {
			continue
		}
		cp := certsPath.item(i)
		if v, _ := schema.String(schema.Field(c, "serverCertificate")); v == "" {
			w.reject(cp.with(".serverCertificate"), "%s requires a server certificate: tls.tlsCertificates[%d] has no serverCertificate", prefix, i)
		}
		if v, _ := schema.String(schema.Field(c, "privateKey")); v == "" {
			w.reject(cp.with(".privateKey"), "%s requires a private key: tls.tlsCertificates[%d] has no privateKey", prefix, i)
		}
	}
}
