package model

import "strings"

// portNameProtocols are the protocols Istio's protocol.Parse knows.
var portNameProtocols = map[string]bool{
	"tcp": true, "udp": true, "grpc": true, "grpc-web": true, "http": true, "http_proxy": true,
	"http2": true, "https": true, "tls": true, "mongo": true, "redis": true, "mysql": true,
}

// KnownPortName reads a port name as Istio does (pkg/config/kube
// ConvertProtocol): grpc-web as a prefix, or the part before the first "-",
// case-insensitively, one of the protocols Istio knows.
func KnownPortName(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "grpc-web") {
		return true
	}
	prefix, _, _ := strings.Cut(lower, "-")
	return portNameProtocols[prefix]
}

// KnownAppProtocol reports whether Istio reads a protocol from an
// appProtocol: Kubernetes' standard names, or one a port name could carry.
func KnownAppProtocol(ap string) bool {
	switch ap {
	case "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss":
		return true
	}
	return KnownPortName(ap)
}

// PortProtocolKnown reports whether Istio reads a protocol from a Service
// port rather than sniffing it (ConvertProtocol is not Unsupported): UDP,
// a known appProtocol (which wins over the name), a known name, or one of
// Istio's well-known TCP ports (25, 53, 3306, 27017).
func PortProtocolKnown(port int, name, protocol string, appProtocol *string) bool {
	if strings.EqualFold(protocol, "UDP") {
		return true
	}
	if appProtocol != nil {
		if KnownAppProtocol(*appProtocol) {
			return true
		}
	} else if KnownPortName(name) {
		return true
	}
	switch port {
	case 25, 53, 3306, 27017:
		return true
	}
	return false
}
