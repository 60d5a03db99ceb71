// Package k8sname checks Kubernetes names, label keys and values, and port
// names as the API server does, and says what is wrong with one in the API
// server's own words: the messages come from k8s.io/apimachinery's
// validation, the code the API server runs. A byte loop recognises the
// valid case first, so that checking the thousands of names of a large
// input costs no regexp match and no allocation.
package k8sname

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
)

// DNS1123Label is what the API server says of s as a DNS-1123 label (the
// name of a Service, a container, a Namespace), "" when s is one.
func DNS1123Label(s string) string {
	if len(s) <= validation.DNS1123LabelMaxLength && isDNS1123Label(s) {
		return ""
	}
	return first(validation.IsDNS1123Label(s))
}

// DNS1035Label is what the API server says of s as a DNS-1035 label (a
// label that starts with a letter: the name of a Service), "" when s is one.
func DNS1035Label(s string) string {
	if len(s) <= validation.DNS1035LabelMaxLength && s != "" && 'a' <= s[0] && s[0] <= 'z' && isDNS1123Label(s) {
		return ""
	}
	return first(validation.IsDNS1035Label(s))
}

// DNS1123Subdomain is what the API server says of s as a DNS-1123
// subdomain (most object names), "" when s is one.
func DNS1123Subdomain(s string) string {
	if len(s) <= validation.DNS1123SubdomainMaxLength && isDNS1123Subdomain(s) {
		return ""
	}
	return first(content.IsDNS1123Subdomain(s))
}

// QualifiedName is what the API server says of s as a qualified name (a
// label or annotation key: an optional DNS subdomain prefix and "/", and a
// name), "" when s is one.
func QualifiedName(s string) string {
	if isQualifiedName(s) {
		return ""
	}
	return first(content.IsLabelKey(s))
}

// LabelValue is what the API server says of s as a label value, "" when s
// is one.
func LabelValue(s string) string {
	if len(s) <= content.LabelValueMaxLength && (s == "" || isQualified(s)) {
		return ""
	}
	return first(content.IsLabelValue(s))
}

// PortName is what the API server says of s as a port name (an
// IANA_SVC_NAME), "" when s is one.
func PortName(s string) string {
	if len(s) <= 15 && isPortName(s) {
		return ""
	}
	return first(validation.IsValidPortName(s))
}

// first is the first of the API server's messages: the one a finding
// reports.
func first(msgs []string) string {
	if len(msgs) == 0 {
		return ""
	}
	return msgs[0]
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isLowerAlnum(c) || 'A' <= c && c <= 'Z' }

// isDNS1123Label matches ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$.
func isDNS1123Label(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// isDNS1123Subdomain matches DNS-1123 labels joined by dots.
func isDNS1123Subdomain(s string) bool {
	for {
		label, rest, more := strings.Cut(s, ".")
		if !isDNS1123Label(label) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// isQualified matches ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$.
func isQualified(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// isQualifiedName is a valid qualified name: [prefix/]name, the prefix a
// DNS subdomain of at most 253 bytes, the name qualified and at most 63.
func isQualifiedName(s string) bool {
	name := s
	if prefix, rest, ok := strings.Cut(s, "/"); ok {
		if len(prefix) > validation.DNS1123SubdomainMaxLength || !isDNS1123Subdomain(prefix) {
			return false
		}
		name = rest
	}
	return len(name) <= 63 && isQualified(name)
}

// isPortName matches ^[-a-z0-9]+$ with a letter, no "--", and no hyphen
// at either end.
func isPortName(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			letter = true
		case '0' <= c && c <= '9':
		case c == '-':
			if i == 0 || i == len(s)-1 || s[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return letter
}
