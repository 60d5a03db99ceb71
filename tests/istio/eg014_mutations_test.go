package istio

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// The mutations TestEG014MatchesIstiod draws from: each changes one thing of
// a Gateway or VirtualService (decoded from JSON) the way a hand edit gets
// it wrong, or right, and describes it; "" when it does not apply.
type eg014Mutation func(rng *rand.Rand, obj map[string]any) string

func eg014Pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// eg014Map is the mapping at keys under m, made when make is true.
func eg014Map(m map[string]any, mk bool, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			if !mk {
				return nil
			}
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return m
}

// eg014Item picks an element of the list m[key] that is a mapping.
func eg014Item(rng *rand.Rand, m map[string]any, key string) (int, map[string]any) {
	if m == nil {
		return -1, nil
	}
	list, _ := m[key].([]any)
	if len(list) == 0 {
		return -1, nil
	}
	i := rng.IntN(len(list))
	item, _ := list[i].(map[string]any)
	return i, item
}

func eg014Spec(obj map[string]any) map[string]any { return eg014Map(obj, true, "spec") }

// Hosts as a Gateway server, a VirtualService or a destination may write them.
var eg014HostValues = []any{
	"", "*", "*.example.com", "foo.*.example.com", "*foo.example.com", "foo*.example.com", "FOO.example.com",
	"Foo.Example.Com", "a..b.example.com", "-a.example.com", "a-.example.com", "a_b.example.com",
	strings.Repeat("a", 63) + ".example.com", strings.Repeat("a", 64) + ".example.com",
	strings.Repeat("abcdefgh.", 28) + "com", "foo.example.com:80", "1.2.3.4", "::1", "*.", ".example.com",
	"example.com.", "ns/foo.example.com", "*/foo.example.com", "./foo.example.com", "~/foo.example.com",
	"ns/*", "ns/", "/foo.example.com", "a/b/c.example.com", "NS/foo.example.com", "bad_ns/foo.example.com",
	"foo", "productpage", "productpage.default.svc.cluster.local", "héllo.example.com", "foo bar.com", 42,
}

// Durations as timeouts, retries and faults may write them.
var eg014DurationValues = []any{
	"1x", "0.5ms", "0.0001s", "1ms", "-1s", "1h", "abc", "0s", "1.5s", "10", "1s500ms", "100000000000h", "", 5,
}

// Regular expressions: RE2's syntax is what Envoy and istiod accept.
var eg014RegexValues = []any{"(", "[a-z", "^/api/.*$", "(?!x)", "a{2,1}", "\\", "", ".*", "(?i)abc", "\\d+", "x**"}

// eg014NameMutation changes metadata.name: a Gateway's must be a DNS label.
func eg014NameMutation(rng *rand.Rand, obj map[string]any) string {
	v := eg014Pick(rng, []any{"bad.name", "Upper", "a_b", strings.Repeat("n", 63), strings.Repeat("n", 64), "-a", "a-", "ok-name", "1abc"})
	eg014Map(obj, true, "metadata")["name"] = v
	return fmt.Sprintf("metadata.name=%#v", v)
}

var eg014GatewayMutations = []eg014Mutation{
	eg014NameMutation,
	func(rng *rand.Rand, obj map[string]any) string { // targetPort, server name
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		if rng.IntN(2) == 0 {
			eg014Map(s, true, "port")["targetPort"] = 8080
			return fmt.Sprintf("servers[%d].port.targetPort=8080", i)
		}
		v := eg014Pick(rng, []any{"Bad Name", "", "ok-name", "a.b"})
		s["name"] = v
		return fmt.Sprintf("servers[%d].name=%#v", i, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // tlsCertificates
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		tls := eg014Map(s, true, "tls")
		cert := map[string]any{"serverCertificate": "/c.pem", "privateKey": "/k.pem"}
		switch rng.IntN(3) {
		case 0:
			tls["tlsCertificates"] = []any{cert}
			delete(tls, "credentialName")
			return fmt.Sprintf("servers[%d].tls.tlsCertificates: one", i)
		case 1:
			tls["tlsCertificates"] = []any{cert, cert, cert}
			delete(tls, "credentialName")
			return fmt.Sprintf("servers[%d].tls.tlsCertificates: three", i)
		default:
			tls["tlsCertificates"] = []any{map[string]any{"serverCertificate": "/c.pem"}}
			delete(tls, "credentialName")
			return fmt.Sprintf("servers[%d].tls.tlsCertificates: no key", i)
		}
	},
	func(rng *rand.Rand, obj map[string]any) string { // port number
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		v := eg014Pick(rng, []any{0, -1, 65535, 65536, 70000, "80", "http", 8080.5, 1, 15021})
		eg014Map(s, true, "port")["number"] = v
		return fmt.Sprintf("servers[%d].port.number=%#v", i, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // port protocol
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		v := eg014Pick(rng, []any{"FOO", "http", "", "HTTP2", "GRPC", "TCP", "TLS", "HTTPS", "MONGO", "HTTP", "GRPC-Web", "UDP"})
		eg014Map(s, true, "port")["protocol"] = v
		return fmt.Sprintf("servers[%d].port.protocol=%#v", i, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // port name
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		port := eg014Map(s, true, "port")
		switch v := eg014Pick(rng, []any{"", nil, "Bad Name", "http-80", strings.Repeat("p", 70)}); v {
		case nil:
			delete(port, "name")
			return fmt.Sprintf("servers[%d].port.name deleted", i)
		default:
			port["name"] = v
			return fmt.Sprintf("servers[%d].port.name=%#v", i, v)
		}
	},
	func(rng *rand.Rand, obj map[string]any) string { // a second server with the same port name
		spec := eg014Spec(obj)
		i, s := eg014Item(rng, spec, "servers")
		if s == nil {
			return ""
		}
		dup := eg014Copy(s).(map[string]any)
		port := eg014Map(dup, true, "port")
		n, _ := port["number"].(float64)
		port["number"] = n + 1
		spec["servers"] = append(spec["servers"].([]any), dup)
		return fmt.Sprintf("servers[%d] copied with port number+1 (same port name)", i)
	},
	func(rng *rand.Rand, obj map[string]any) string { // a second identical server
		spec := eg014Spec(obj)
		i, s := eg014Item(rng, spec, "servers")
		if s == nil {
			return ""
		}
		spec["servers"] = append(spec["servers"].([]any), eg014Copy(s))
		return fmt.Sprintf("servers[%d] duplicated", i)
	},
	func(rng *rand.Rand, obj map[string]any) string { // a host
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		hosts, _ := s["hosts"].([]any)
		v := eg014Pick(rng, eg014HostValues)
		if len(hosts) == 0 {
			s["hosts"] = []any{v}
			return fmt.Sprintf("servers[%d].hosts=[%#v]", i, v)
		}
		j := rng.IntN(len(hosts))
		hosts[j] = v
		return fmt.Sprintf("servers[%d].hosts[%d]=%#v", i, j, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // no hosts
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		if rng.IntN(2) == 0 {
			delete(s, "hosts")
			return fmt.Sprintf("servers[%d].hosts deleted", i)
		}
		s["hosts"] = []any{}
		return fmt.Sprintf("servers[%d].hosts=[]", i)
	},
	func(rng *rand.Rand, obj map[string]any) string { // no port
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		delete(s, "port")
		return fmt.Sprintf("servers[%d].port deleted", i)
	},
	func(rng *rand.Rand, obj map[string]any) string { // TLS mode
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		tls := eg014Map(s, true, "tls")
		v := eg014Pick(rng, []any{"SIMPLE", "MUTUAL", "PASSTHROUGH", "ISTIO_MUTUAL", "AUTO_PASSTHROUGH", "OPTIONAL_MUTUAL", "BOGUS", "simple"})
		tls["mode"] = v
		return fmt.Sprintf("servers[%d].tls.mode=%#v", i, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // TLS credentials
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		tls := eg014Map(s, true, "tls")
		switch rng.IntN(6) {
		case 0:
			tls["credentialName"], tls["credentialNames"] = "a", []any{"b"}
			return fmt.Sprintf("servers[%d].tls: credentialName and credentialNames", i)
		case 1:
			tls["credentialNames"] = []any{"a", "b", "c"}
			delete(tls, "credentialName")
			return fmt.Sprintf("servers[%d].tls.credentialNames: three", i)
		case 2:
			tls["serverCertificate"], tls["privateKey"] = "/etc/cert.pem", "/etc/key.pem"
			return fmt.Sprintf("servers[%d].tls: serverCertificate and privateKey", i)
		case 3:
			tls["serverCertificate"] = "/etc/cert.pem"
			delete(tls, "credentialName")
			return fmt.Sprintf("servers[%d].tls: serverCertificate without privateKey", i)
		case 4:
			delete(tls, "credentialName")
			delete(tls, "credentialNames")
			return fmt.Sprintf("servers[%d].tls: no credential", i)
		default:
			tls["credentialName"] = ""
			return fmt.Sprintf("servers[%d].tls.credentialName=\"\"", i)
		}
	},
	func(rng *rand.Rand, obj map[string]any) string { // TLS versions and ciphers
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		tls := eg014Map(s, true, "tls")
		switch rng.IntN(4) {
		case 0:
			tls["minProtocolVersion"], tls["maxProtocolVersion"] = "TLSV1_3", "TLSV1_2"
			return fmt.Sprintf("servers[%d].tls: min TLSV1_3 above max TLSV1_2", i)
		case 1:
			tls["minProtocolVersion"] = "TLSV9"
			return fmt.Sprintf("servers[%d].tls.minProtocolVersion=TLSV9", i)
		case 2:
			tls["cipherSuites"] = []any{"NOT-A-CIPHER"}
			return fmt.Sprintf("servers[%d].tls.cipherSuites=[NOT-A-CIPHER]", i)
		default:
			tls["cipherSuites"] = []any{"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"}
			return fmt.Sprintf("servers[%d].tls.cipherSuites: a duplicate", i)
		}
	},
	func(rng *rand.Rand, obj map[string]any) string { // HTTPS redirect
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		s["tls"] = map[string]any{"httpsRedirect": true}
		return fmt.Sprintf("servers[%d].tls={httpsRedirect: true}", i)
	},
	func(rng *rand.Rand, obj map[string]any) string { // selector
		spec := eg014Spec(obj)
		switch rng.IntN(3) {
		case 0:
			spec["selector"] = map[string]any{}
			return "selector={}"
		case 1:
			delete(spec, "selector")
			return "selector deleted"
		default:
			spec["selector"] = map[string]any{"bad key!": "v"}
			return "selector={bad key!: v}"
		}
	},
	func(rng *rand.Rand, obj map[string]any) string { // servers
		spec := eg014Spec(obj)
		if rng.IntN(2) == 0 {
			spec["servers"] = []any{}
			return "servers=[]"
		}
		delete(spec, "servers")
		return "servers deleted"
	},
	func(rng *rand.Rand, obj map[string]any) string { // bind
		i, s := eg014Item(rng, eg014Spec(obj), "servers")
		if s == nil {
			return ""
		}
		v := eg014Pick(rng, []any{"not-an-ip", "1.2.3.4", "::1", "unix:///var/run/x.sock", "1.2.3.4:80", ""})
		s["bind"] = v
		return fmt.Sprintf("servers[%d].bind=%#v", i, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // an unknown field
		spec := eg014Spec(obj)
		if i, s := eg014Item(rng, spec, "servers"); s != nil && rng.IntN(2) == 0 {
			s["portt"] = map[string]any{"number": 80}
			return fmt.Sprintf("servers[%d].portt: unknown field", i)
		}
		spec["serverz"] = []any{}
		return "spec.serverz: unknown field"
	},
}

// eg014HTTP picks an http route of a VirtualService.
func eg014HTTP(rng *rand.Rand, obj map[string]any) (int, map[string]any) {
	return eg014Item(rng, eg014Spec(obj), "http")
}

var eg014VirtualServiceMutations = []eg014Mutation{
	eg014NameMutation,
	func(rng *rand.Rand, obj map[string]any) string { // more match fields
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		var m map[string]any
		switch rng.IntN(6) {
		case 0:
			m = map[string]any{"sourceLabels": map[string]any{eg014Pick(rng, []string{"app", "bad key!", ""}): eg014Pick(rng, []any{"v", "bad value!", ""})}}
		case 1:
			m = map[string]any{"sourceNamespace": eg014Pick(rng, []any{"ns", "Bad_NS", ""})}
		case 2:
			m = map[string]any{"withoutHeaders": map[string]any{"x-h": map[string]any{eg014Pick(rng, []string{"exact", "regex"}): eg014Pick(rng, []any{"", "(", "v"})}}}
		case 3:
			m = map[string]any{"gateways": []any{eg014Pick(rng, []any{"mesh", "ns/gw", "bad/", ""})}}
		case 4:
			m = map[string]any{"scheme": map[string]any{"exact": "https"}, "ignoreUriCase": true, "uri": map[string]any{"prefix": "/A"}}
		default:
			m = map[string]any{"headers": map[string]any{"x-h": map[string]any{}}}
		}
		h["match"] = []any{m}
		return fmt.Sprintf("http[%d].match=[%v]", i, m)
	},
	func(rng *rand.Rand, obj map[string]any) string { // delegate
		spec := eg014Spec(obj)
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		h["delegate"] = map[string]any{"name": eg014Pick(rng, []any{"child", "", "Bad.Name"}), "namespace": eg014Pick(rng, []any{"ns", "", "Bad_NS"})}
		keep := rng.IntN(2) == 0
		if !keep {
			delete(h, "route")
		}
		if rng.IntN(3) == 0 {
			delete(spec, "hosts")
		}
		return fmt.Sprintf("http[%d].delegate=%v (route kept %v, hosts %v)", i, h["delegate"], keep, spec["hosts"] != nil)
	},
	func(rng *rand.Rand, obj map[string]any) string { // mirrors
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		mirror := map[string]any{"destination": map[string]any{"host": eg014Pick(rng, []any{"m", "", "*"})}, "percentage": map[string]any{"value": eg014Pick(rng, []any{10, 150, 0})}}
		h["mirrors"] = []any{mirror}
		if rng.IntN(3) == 0 {
			h["mirror"] = map[string]any{"host": "m"}
		}
		return fmt.Sprintf("http[%d].mirrors=%v mirror=%v", i, h["mirrors"], h["mirror"])
	},
	func(rng *rand.Rand, obj map[string]any) string { // retry details
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		r := map[string]any{"attempts": 2}
		switch rng.IntN(3) {
		case 0:
			r["retryRemoteLocalities"] = true
			r["attempts"] = eg014Pick(rng, []any{0, 2})
		case 1:
			r["backoff"] = eg014Pick(rng, eg014DurationValues)
		default:
			r["retryOn"] = eg014Pick(rng, []any{"connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", "reset,5xx", "599", "600", "0", ""})
		}
		h["retries"] = r
		return fmt.Sprintf("http[%d].retries=%v", i, r)
	},
	func(rng *rand.Rand, obj map[string]any) string { // three weights
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		_, r := eg014Item(rng, h, "route")
		if r == nil {
			return ""
		}
		ws := eg014Pick(rng, [][]any{{33, 33, 33}, {0, 0, 0}, {100, 0, 0}, {50, 50, 50}, {1, 0, 0}})
		var routes []any
		for _, w := range ws {
			c := eg014Copy(r).(map[string]any)
			c["weight"] = w
			routes = append(routes, c)
		}
		h["route"] = routes
		return fmt.Sprintf("http[%d].route: three copies weighted %v", i, ws)
	},
	func(rng *rand.Rand, obj map[string]any) string { // header values and CORS details
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		if rng.IntN(2) == 0 {
			v := eg014Pick(rng, []any{"a\nb", "", "%DOWNSTREAM_REMOTE_ADDRESS%", "%BOGUS%", "ok"})
			h["headers"] = map[string]any{"request": map[string]any{"set": map[string]any{"x-h": v}}}
			return fmt.Sprintf("http[%d].headers.request.set.x-h=%#v", i, v)
		}
		c := map[string]any{"allowOrigins": []any{map[string]any{}}}
		if rng.IntN(2) == 0 {
			c = map[string]any{"allowOrigin": []any{"*"}, "allowOrigins": []any{map[string]any{"exact": "*"}}}
		}
		h["corsPolicy"] = c
		return fmt.Sprintf("http[%d].corsPolicy=%v", i, c)
	},
	func(rng *rand.Rand, obj map[string]any) string { // a host
		spec := eg014Spec(obj)
		hosts, _ := spec["hosts"].([]any)
		v := eg014Pick(rng, eg014HostValues)
		if len(hosts) == 0 {
			spec["hosts"] = []any{v}
			return fmt.Sprintf("hosts=[%#v]", v)
		}
		j := rng.IntN(len(hosts))
		hosts[j] = v
		return fmt.Sprintf("hosts[%d]=%#v", j, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // a duplicate host
		spec := eg014Spec(obj)
		hosts, _ := spec["hosts"].([]any)
		if len(hosts) == 0 {
			return ""
		}
		spec["hosts"] = append(hosts, hosts[0])
		return "hosts[0] duplicated"
	},
	func(rng *rand.Rand, obj map[string]any) string { // no hosts
		spec := eg014Spec(obj)
		if rng.IntN(2) == 0 {
			delete(spec, "hosts")
			return "hosts deleted"
		}
		spec["hosts"] = []any{}
		return "hosts=[]"
	},
	func(rng *rand.Rand, obj map[string]any) string { // a gateway
		spec := eg014Spec(obj)
		gws, _ := spec["gateways"].([]any)
		v := eg014Pick(rng, []any{"", "mesh", "ns/gw", "ns/", "/gw", "a/b/c", "UPPER", "gw.ns.svc.cluster.local", "bad_name", "ns/mesh", "*", "ns/*"})
		if len(gws) == 0 {
			spec["gateways"] = []any{v}
			return fmt.Sprintf("gateways=[%#v]", v)
		}
		j := rng.IntN(len(gws))
		gws[j] = v
		return fmt.Sprintf("gateways[%d]=%#v", j, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // weights
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		routes, _ := h["route"].([]any)
		if len(routes) == 0 {
			return ""
		}
		var ws []any
		switch rng.IntN(5) {
		case 0:
			ws = []any{50}
		case 1:
			ws = []any{-1}
		case 2:
			ws = []any{101}
		case 3:
			ws = []any{"50"}
		default:
			ws = []any{0}
		}
		if len(routes) == 1 && rng.IntN(2) == 0 {
			second := eg014Copy(routes[0]).(map[string]any)
			routes = append(routes, second)
			h["route"] = routes
			ws = []any{50, eg014Pick(rng, []any{40, 50, 60})}
		}
		var desc []string
		for j := range routes {
			r, _ := routes[j].(map[string]any)
			if r == nil {
				continue
			}
			w := ws[min(j, len(ws)-1)]
			r["weight"] = w
			desc = append(desc, fmt.Sprintf("%#v", w))
		}
		return fmt.Sprintf("http[%d].route weights=[%s]", i, strings.Join(desc, ","))
	},
	func(rng *rand.Rand, obj map[string]any) string { // a destination
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		j, r := eg014Item(rng, h, "route")
		if r == nil {
			return ""
		}
		dest := eg014Map(r, true, "destination")
		switch rng.IntN(4) {
		case 0:
			v := eg014Pick(rng, eg014HostValues)
			dest["host"] = v
			return fmt.Sprintf("http[%d].route[%d].destination.host=%#v", i, j, v)
		case 1:
			v := eg014Pick(rng, []any{0, -1, 70000, 65535, "80"})
			dest["port"] = map[string]any{"number": v}
			return fmt.Sprintf("http[%d].route[%d].destination.port.number=%#v", i, j, v)
		case 2:
			v := eg014Pick(rng, []any{"Bad_Subset", "", "v1", "a.b"})
			dest["subset"] = v
			return fmt.Sprintf("http[%d].route[%d].destination.subset=%#v", i, j, v)
		default:
			delete(r, "destination")
			return fmt.Sprintf("http[%d].route[%d].destination deleted", i, j)
		}
	},
	func(rng *rand.Rand, obj map[string]any) string { // a match
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		var m map[string]any
		switch rng.IntN(10) {
		case 0:
			m = map[string]any{"uri": map[string]any{"regex": eg014Pick(rng, eg014RegexValues)}}
		case 1:
			m = map[string]any{"uri": map[string]any{eg014Pick(rng, []string{"prefix", "exact"}): eg014Pick(rng, []any{"", "/", "api", "/a b"})}}
		case 2:
			m = map[string]any{"uri": map[string]any{"prefix": "/", "exact": "/x"}}
		case 3:
			m = map[string]any{"uri": map[string]any{}}
		case 4:
			m = map[string]any{"headers": map[string]any{eg014Pick(rng, []string{"X-Bad Header", "", "x-ok", "X-Upper"}): map[string]any{"exact": "v"}}}
		case 5:
			m = map[string]any{"headers": map[string]any{"x-h": map[string]any{"regex": eg014Pick(rng, eg014RegexValues)}}}
		case 6:
			m = map[string]any{"authority": map[string]any{"regex": eg014Pick(rng, eg014RegexValues)}}
		case 7:
			m = map[string]any{"queryParams": map[string]any{"q": map[string]any{"regex": eg014Pick(rng, eg014RegexValues)}}}
		case 8:
			m = map[string]any{"port": eg014Pick(rng, []any{0, 70000, 80})}
		default:
			m = map[string]any{"name": "m", "method": map[string]any{"exact": eg014Pick(rng, []any{"GET", "get", ""})}}
		}
		h["match"] = []any{m}
		return fmt.Sprintf("http[%d].match=[%v]", i, m)
	},
	func(rng *rand.Rand, obj map[string]any) string { // timeout
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		v := eg014Pick(rng, eg014DurationValues)
		h["timeout"] = v
		return fmt.Sprintf("http[%d].timeout=%#v", i, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // retries
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		var r map[string]any
		switch rng.IntN(4) {
		case 0:
			r = map[string]any{"attempts": eg014Pick(rng, []any{-1, 0, 3, "3"})}
		case 1:
			r = map[string]any{"attempts": 3, "perTryTimeout": eg014Pick(rng, eg014DurationValues)}
		case 2:
			r = map[string]any{"attempts": 3, "retryOn": eg014Pick(rng, []any{"bogus", "5xx,gateway-error", "5xx,,reset", "503", "retriable-status-codes"})}
		default:
			r = map[string]any{"attempts": 0, "perTryTimeout": "1s"}
		}
		h["retries"] = r
		return fmt.Sprintf("http[%d].retries=%v", i, r)
	},
	func(rng *rand.Rand, obj map[string]any) string { // redirect, with or without the route
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		red := map[string]any{"uri": "/x"}
		switch rng.IntN(4) {
		case 0:
		case 1:
			red["redirectCode"] = eg014Pick(rng, []any{200, 301, 308, 999})
		case 2:
			red["scheme"] = eg014Pick(rng, []any{"https", "ftp", ""})
		default:
			red = map[string]any{"authority": eg014Pick(rng, []any{"", "new.example.com", "bad host!"})}
		}
		h["redirect"] = red
		keep := rng.IntN(2) == 0
		if !keep {
			delete(h, "route")
		}
		return fmt.Sprintf("http[%d].redirect=%v (route kept %v)", i, red, keep)
	},
	func(rng *rand.Rand, obj map[string]any) string { // rewrite
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		var rw map[string]any
		switch rng.IntN(4) {
		case 0:
			rw = map[string]any{"uri": eg014Pick(rng, []any{"/x", "", "x"})}
		case 1:
			rw = map[string]any{"uri": "/x", "uriRegexRewrite": map[string]any{"match": "^/a", "rewrite": "/b"}}
		case 2:
			rw = map[string]any{"uriRegexRewrite": map[string]any{"match": eg014Pick(rng, eg014RegexValues), "rewrite": "/"}}
		default:
			rw = map[string]any{"authority": eg014Pick(rng, []any{"new.example.com", "", "bad host!"})}
		}
		h["rewrite"] = rw
		return fmt.Sprintf("http[%d].rewrite=%v", i, rw)
	},
	func(rng *rand.Rand, obj map[string]any) string { // direct response
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		v := eg014Pick(rng, []any{99, 200, 503, 600})
		h["directResponse"] = map[string]any{"status": v}
		keep := rng.IntN(2) == 0
		if !keep {
			delete(h, "route")
		}
		return fmt.Sprintf("http[%d].directResponse.status=%#v (route kept %v)", i, v, keep)
	},
	func(rng *rand.Rand, obj map[string]any) string { // route names
		spec := eg014Spec(obj)
		routes, _ := spec["http"].([]any)
		if len(routes) == 0 {
			return ""
		}
		v := eg014Pick(rng, []any{"Bad Name", "", "same"})
		if v == "same" {
			if len(routes) == 1 {
				routes = append(routes, eg014Copy(routes[0]))
				spec["http"] = routes
			}
			for _, r := range routes {
				if m, ok := r.(map[string]any); ok {
					m["name"] = "same"
				}
			}
			return "every http route named \"same\""
		}
		i, h := eg014HTTP(rng, obj)
		h["name"] = v
		return fmt.Sprintf("http[%d].name=%#v", i, v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // fault
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		var f map[string]any
		switch rng.IntN(3) {
		case 0:
			f = map[string]any{"abort": map[string]any{"percentage": map[string]any{"value": eg014Pick(rng, []any{150, 50, -1})}, "httpStatus": eg014Pick(rng, []any{503, 99, 0})}}
		case 1:
			f = map[string]any{"delay": map[string]any{"fixedDelay": eg014Pick(rng, eg014DurationValues), "percentage": map[string]any{"value": 10}}}
		default:
			f = map[string]any{"abort": map[string]any{"grpcStatus": eg014Pick(rng, []any{"UNAVAILABLE", "NOT_A_STATUS"})}}
		}
		h["fault"] = f
		return fmt.Sprintf("http[%d].fault=%v", i, f)
	},
	func(rng *rand.Rand, obj map[string]any) string { // mirror
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		h["mirror"] = map[string]any{"host": eg014Pick(rng, []any{"", "mirror", "a.*.b", "mirror.default.svc.cluster.local"})}
		h["mirrorPercentage"] = map[string]any{"value": eg014Pick(rng, []any{150, 50, -5})}
		return fmt.Sprintf("http[%d].mirror=%v mirrorPercentage=%v", i, h["mirror"], h["mirrorPercentage"])
	},
	func(rng *rand.Rand, obj map[string]any) string { // headers
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		name := eg014Pick(rng, []string{"", "Bad Header", "x-ok", "X-Upper", ":authority", "host"})
		op := eg014Pick(rng, []string{"set", "add", "remove"})
		var v any = map[string]any{name: "v"}
		if op == "remove" {
			v = []any{name}
		}
		h["headers"] = map[string]any{eg014Pick(rng, []string{"request", "response"}): map[string]any{op: v}}
		return fmt.Sprintf("http[%d].headers=%v", i, h["headers"])
	},
	func(rng *rand.Rand, obj map[string]any) string { // CORS
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		c := map[string]any{"allowOrigins": []any{map[string]any{"regex": eg014Pick(rng, eg014RegexValues)}}}
		if rng.IntN(2) == 0 {
			c = map[string]any{"allowOrigins": []any{map[string]any{"exact": "https://a.example.com"}}, "maxAge": eg014Pick(rng, eg014DurationValues), "allowMethods": []any{eg014Pick(rng, []any{"GET", "get", "BOGUS"})}}
		}
		h["corsPolicy"] = c
		return fmt.Sprintf("http[%d].corsPolicy=%v", i, c)
	},
	func(rng *rand.Rand, obj map[string]any) string { // TCP and TLS routes
		spec := eg014Spec(obj)
		route := []any{map[string]any{"destination": map[string]any{"host": "backend", "port": map[string]any{"number": 9000}}}}
		switch rng.IntN(4) {
		case 0:
			spec["tcp"] = []any{map[string]any{"route": route}}
			return "tcp route without match"
		case 1:
			spec["tls"] = []any{map[string]any{"route": route}}
			return "tls route without match"
		case 2:
			spec["tls"] = []any{map[string]any{"match": []any{map[string]any{"sniHosts": []any{eg014Pick(rng, []any{"a.example.com", "", "*.example.com", "other.example.org"})}}}, "route": route}}
			return fmt.Sprintf("tls route with sniHosts %v", spec["tls"])
		default:
			spec["tcp"] = []any{map[string]any{"match": []any{map[string]any{"port": eg014Pick(rng, []any{9000, 0, 70000})}}, "route": route}}
			return fmt.Sprintf("tcp route with match %v", spec["tcp"])
		}
	},
	func(rng *rand.Rand, obj map[string]any) string { // no HTTP routes
		spec := eg014Spec(obj)
		if rng.IntN(2) == 0 {
			delete(spec, "http")
			return "http deleted"
		}
		spec["http"] = []any{}
		return "http=[]"
	},
	func(rng *rand.Rand, obj map[string]any) string { // a route without destinations
		i, h := eg014HTTP(rng, obj)
		if h == nil {
			return ""
		}
		h["route"] = []any{}
		return fmt.Sprintf("http[%d].route=[]", i)
	},
	func(rng *rand.Rand, obj map[string]any) string { // exportTo
		v := eg014Pick(rng, []any{[]any{"."}, []any{"*"}, []any{"bad_ns"}, []any{".", "*"}, []any{"", "."}, []any{"~"}})
		eg014Spec(obj)["exportTo"] = v
		return fmt.Sprintf("exportTo=%v", v)
	},
	func(rng *rand.Rand, obj map[string]any) string { // an unknown field
		spec := eg014Spec(obj)
		if i, h := eg014HTTP(rng, obj); h != nil && rng.IntN(2) == 0 {
			h["routee"] = []any{}
			return fmt.Sprintf("http[%d].routee: unknown field", i)
		}
		spec["hostz"] = []any{"a"}
		return "spec.hostz: unknown field"
	},
}

// eg014AnyValues replace a field of any path in eg014RandomField.
var eg014AnyValues = []any{"", "x", "X Y", 0, -1, 1.5, 65536, true, []any{}, []any{"x"}, []any{1}, map[string]any{}, map[string]any{"x": 1}}

// eg014RandomField replaces, or deletes, the value at a random path of the
// spec: types the schema rejects, fields that may or may not be required.
func eg014RandomField(rng *rand.Rand, obj map[string]any) string {
	type slot struct {
		path string
		set  func(any)
		del  func()
	}
	var slots []slot
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				slots = append(slots, slot{path + "." + k, func(x any) { v[k] = x }, func() { delete(v, k) }})
				walk(e, path+"."+k)
			}
		case []any:
			for i, e := range v {
				slots = append(slots, slot{fmt.Sprintf("%s[%d]", path, i), func(x any) { v[i] = x }, nil})
				walk(e, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(obj["spec"], "spec")
	if len(slots) == 0 {
		return ""
	}
	// Map iteration order is random: sort the slots for a seeded choice.
	sort.Slice(slots, func(i, j int) bool { return slots[i].path < slots[j].path })
	s := slots[rng.IntN(len(slots))]
	if s.del != nil && rng.IntN(3) == 0 {
		s.del()
		return s.path + " deleted"
	}
	v := eg014Pick(rng, eg014AnyValues)
	s.set(eg014Copy(v))
	return fmt.Sprintf("%s=%v", s.path, v)
}

// eg014APIVersion changes the version: Istio serves v1, v1beta1 and v1alpha3.
func eg014APIVersion(rng *rand.Rand, obj map[string]any) string {
	v := eg014Pick(rng, []string{"networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3", "networking.istio.io/v1alpha1", "networking.istio.io/v2"})
	obj["apiVersion"] = v
	return "apiVersion=" + v
}

// eg014FieldMutations are the mutations of the field-level variants.
var eg014FieldMutations = []eg014Mutation{eg014RandomField, eg014RandomField, eg014RandomField, eg014APIVersion} // the version a quarter of the time
