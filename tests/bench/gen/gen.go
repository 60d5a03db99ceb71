// Package gen generates realistic edgegate repositories of any size,
// deterministically from a seed: N AppIntents over M IngressGateways in many
// team namespaces, with concrete and wildcard hosts, TLS, 1–8 routes,
// weighted splits, the Services they route to, and some hand-written
// Gateways and VirtualServices beside them. Every generated repository
// renders without error, so benchmarks and determinism tests measure the
// whole pipeline.
package gen

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Options shape a repository.
type Options struct {
	Apps     int // N
	Gateways int // M (at least 1)
	Seed     uint64
	// AppsPerNamespace groups apps into team namespaces.
	AppsPerNamespace int
	// Modeline starts every file with the yaml-language-server modeline
	// comment the examples carry (and a line describing the file in the
	// intent files), as repositories that follow them do.
	Modeline bool
}

// modeline is the comment the examples start with (api/v1alpha1.Modeline,
// which this package cannot import without a cycle in the tests).
func modeline(kind string) string {
	return "# yaml-language-server: $schema=https://raw.githubusercontent.com/edgegate/edgegate/main/config/schema/" + kind + ".json\n"
}

// Repo is a generated repository: file path → content.
type Repo map[string][]byte

// Paths returns the file paths in order.
func (r Repo) Paths() []string {
	paths := make([]string, 0, len(r))
	for p := range r {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// Generate builds a repository.
func Generate(o Options) Repo {
	if o.Gateways < 1 {
		o.Gateways = 1
	}
	if o.AppsPerNamespace < 1 {
		o.AppsPerNamespace = 8
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6564676567617465))
	repo := Repo{}

	var gw strings.Builder
	for g := 0; g < o.Gateways; g++ {
		fmt.Fprintf(&gw, `---
apiVersion: edgegate.dev/v1alpha1
kind: IngressGateway
metadata:
  name: gw%d
  namespace: ingress-%d
spec:
  default: %v
  replicas: {min: %d, max: %d}
`, g, g, g == 0, 1+g%3, 5+g%3)
	}
	if o.Modeline {
		// The modeline opens the first document, as in the examples.
		repo["platform/gateways.yaml"] = []byte(modeline("ingressgateway") + strings.TrimPrefix(gw.String(), "---\n"))
	} else {
		repo["platform/gateways.yaml"] = []byte(gw.String())
	}

	// Legacy hand-written ingress on its own workload, beside the rendered ones.
	repo["platform/legacy.yaml"] = []byte(legacy)

	// A few catch-all apps per gateway (each takes a port of the pool), the
	// rest concrete or wildcard hosts unique to the app.
	catchAlls := map[int]int{}
	for i := 0; i < o.Apps; i++ {
		ns := fmt.Sprintf("team-%d", i/o.AppsPerNamespace)
		name := fmt.Sprintf("app-%d", i)
		g := rng.IntN(o.Gateways)
		var hosts []string
		switch r := rng.IntN(100); {
		case r < 1 && catchAlls[g] < 4:
			catchAlls[g]++
			hosts = []string{"*"}
		case r < 25:
			hosts = []string{fmt.Sprintf("*.%s.%s.example.com", name, ns)}
		case r < 40:
			hosts = []string{fmt.Sprintf("%s.%s.example.com", name, ns), fmt.Sprintf("www.%s.%s.example.com", name, ns)}
		default:
			hosts = []string{fmt.Sprintf("%s.%s.example.com", name, ns)}
		}
		var b strings.Builder
		if o.Modeline {
			fmt.Fprintf(&b, "%s# The %s app of team %s.\n", modeline("appintent"), name, ns)
		}
		fmt.Fprintf(&b, "apiVersion: edgegate.dev/v1alpha1\nkind: AppIntent\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  gateway: ingress-%d/gw%d\n  hosts: [%s]\n",
			name, ns, g, g, quoted(hosts))
		if rng.IntN(100) < 40 {
			fmt.Fprintf(&b, "  tls: {credentialName: %s-%s-cert}\n", ns, name)
		}
		b.WriteString("  routes:\n")
		routes := 1 + rng.IntN(8)
		services := map[string]int{}
		for r := 0; r < routes; r++ {
			svc := fmt.Sprintf("%s-svc%d", name, r%3)
			port := 8000 + r%3
			services[svc] = port
			switch {
			case r == routes-1:
				// The last route catches the rest.
				fmt.Fprintf(&b, "  - to: %s:%d\n", svc, port)
			case rng.IntN(4) == 0:
				other := fmt.Sprintf("%s-canary%d", name, r%3)
				services[other] = port
				w := 5 + rng.IntN(20)
				fmt.Fprintf(&b, "  - exact: /v%d/checkout\n    headers: {x-canary: \"true\"}\n    timeout: %dms\n    to:\n    - {service: %s:%d, weight: %d}\n    - {service: %s:%d, weight: %d}\n",
					r, 500+rng.IntN(5000), svc, port, 100-w, other, port, w)
			case rng.IntN(3) == 0:
				fmt.Fprintf(&b, "  - regex: ^/api/v%d/[a-z]+$\n    rewrite: /api/\n    retries: %d\n    to: %s:%d\n", r, rng.IntN(4), svc, port)
			default:
				fmt.Fprintf(&b, "  - prefix: /p%d/\n    to: %s:%d\n", r, svc, port)
			}
		}
		b.WriteString("---\n")
		for _, svc := range slices.Sorted(maps.Keys(services)) {
			fmt.Fprintf(&b, "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  selector: {app: %s}\n  ports:\n  - {name: http, port: %d, targetPort: 8080, protocol: TCP}\n---\n",
				svc, ns, svc, services[svc])
		}
		repo[fmt.Sprintf("apps/%s/%s.yaml", ns, name)] = []byte(b.String())
	}
	return repo
}

const legacy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy-gateway, namespace: legacy}
spec:
  selector: {matchLabels: {istio: legacy}}
  template:
    metadata:
      labels: {istio: legacy, sidecar.istio.io/inject: "true"}
      annotations: {inject.istio.io/templates: gateway}
    spec:
      containers:
      - name: istio-proxy
        image: auto
        ports: [{containerPort: 8080, name: http, protocol: TCP}]
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
          readOnlyRootFilesystem: true
          runAsNonRoot: true
---
apiVersion: v1
kind: Service
metadata: {name: legacy-gateway, namespace: legacy}
spec:
  type: LoadBalancer
  selector: {istio: legacy}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: legacy, namespace: legacy}
spec:
  selector: {istio: legacy}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["./legacy.example.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: legacy, namespace: legacy}
spec:
  hosts: [legacy.example.com]
  gateways: [legacy/legacy]
  http:
  - route:
    - destination: {host: legacy-app.legacy.svc.cluster.local, port: {number: 80}}
---
apiVersion: v1
kind: Service
metadata: {name: legacy-app, namespace: legacy}
spec:
  selector: {app: legacy-app}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
`

func quoted(hosts []string) string {
	q := make([]string, len(hosts))
	for i, h := range hosts {
		q[i] = fmt.Sprintf("%q", h)
	}
	return strings.Join(q, ", ")
}
