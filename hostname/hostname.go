// Package hostname validates the hosts an ingress serves and matches them the
// way Istio does: "*" matches every host, "*.example.com" matches any host
// (or wildcard) strictly below example.com but not example.com itself, and a
// concrete host matches only itself.
package hostname

import (
	"fmt"
	"net/netip"
	"strings"
)

// Validate reports why h cannot be a Gateway or VirtualService host for
// ingress, or nil. Hosts are compared byte-wise by Envoy's domain matching
// after it lowercases the request, so an uppercase host would never match.
func Validate(h string) error {
	switch {
	case h == "":
		return fmt.Errorf("host is empty")
	case h == "*":
		return nil
	case len(h) > 253:
		return fmt.Errorf("host %q is longer than 253 characters", h)
	case strings.ContainsAny(h, " \t"):
		return fmt.Errorf("host %q contains white space", h)
	case strings.Contains(h, "/"):
		return fmt.Errorf("host %q contains '/': give a bare host name (the namespace is chosen by edgegate)", h)
	case strings.Contains(h, ":"):
		if _, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
			return fmt.Errorf("host %q is an IP address: ingress routes by host name", h)
		}
		return fmt.Errorf("host %q contains a port: ports are allocated by edgegate", h)
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return fmt.Errorf("host %q is an IP address: ingress routes by host name", h)
	}
	name := h
	if strings.HasPrefix(h, "*.") {
		name = h[2:]
	}
	if lower := strings.ToLower(h); lower != h && Validate(lower) == nil {
		// The whole fix, not one label's: the host as it must be written.
		return fmt.Errorf("host %q: uppercase letters never match, since Envoy lowercases the request's host: write %q", h, lower)
	}
	labels := strings.Split(name, ".")
	for i, label := range labels {
		if err := validateLabel(label); err != nil {
			if strings.Contains(label, "*") {
				return fmt.Errorf("host %q: a wildcard must be the whole first label, as in \"*.example.com\"", h)
			}
			if label == "" && i == len(labels)-1 {
				return fmt.Errorf("host %q ends with a dot", h)
			}
			return fmt.Errorf("host %q: %v", h, err)
		}
	}
	return nil
}

func validateLabel(label string) error {
	if label == "" {
		return fmt.Errorf("empty label")
	}
	if len(label) > 63 {
		return fmt.Errorf("label %q is longer than 63 characters", label)
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if i == 0 || i == len(label)-1 {
				return fmt.Errorf("label %q starts or ends with '-'", label)
			}
		case c >= 'A' && c <= 'Z':
			// Validate says so for the whole host, once the rest is valid.
		default:
			return fmt.Errorf("label %q has the invalid character %q", label, string(c))
		}
	}
	return nil
}

// IsWildcard reports whether h is "*" or "*.domain".
func IsWildcard(h string) bool { return strings.HasPrefix(h, "*") }

// Overlap reports whether some request host is matched by both a and b.
func Overlap(a, b string) bool {
	if a == b || a == "*" || b == "*" {
		return true
	}
	aw, bw := IsWildcard(a), IsWildcard(b)
	switch {
	case aw && bw:
		s, t := a[1:], b[1:] // ".domain"
		return strings.HasSuffix(s, t) || strings.HasSuffix(t, s)
	case aw:
		return strings.HasSuffix(b, a[1:])
	case bw:
		return strings.HasSuffix(a, b[1:])
	}
	return false
}

// Matches reports whether pattern (a Gateway or VirtualService host) covers
// every request host that h covers.
func Matches(pattern, h string) bool {
	if pattern == h || pattern == "*" {
		return true
	}
	if !IsWildcard(pattern) {
		return false
	}
	return strings.HasSuffix(h, pattern[1:])
}

// Canonical is h as Envoy compares it: lowercase, without a trailing dot.
// pilot lowercases Gateway and VirtualService hosts before it builds virtual
// hosts and filter chains, so "Shop.example.com." and "shop.example.com" are
// one host.
func Canonical(h string) string {
	h = strings.TrimSuffix(h, ".")
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}
