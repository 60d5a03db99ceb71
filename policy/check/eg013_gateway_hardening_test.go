package check

import (
	"strings"
	"testing"
)

// doc returns the document of rendered that starts with head.
func doc(head string) string {
	i := strings.Index(rendered, head)
	j := strings.Index(rendered[i:], "\n---\n")
	return rendered[i:i+j] + "\n---\n"
}

func TestGatewayHardening(t *testing.T) {
	deployment := doc("apiVersion: apps/v1\nkind: Deployment")
	enabled := doc("apiVersion: v1\nkind: Namespace")
	disabled := strings.Replace(enabled, "istio-injection: enabled", "istio-injection: disabled", 1)
	unlabelled := strings.Replace(enabled, "    istio-injection: enabled\n", "", 1)
	edit := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(deployment) }
	const sc = "Deployment istio-ingress/public: spec.template.spec.containers[0]"
	pinned := "image: docker.io/istio/proxyv2:1.31.0@sha256:0d3f8a6c1e2b4d5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f"
	cases := []checkCase{
		{name: "the seed's legacy install: no security context, a proxy image by tag",
			input: seedInstall,
			want: []string{
				"Deployment istio-system/istio-ingressgateway: spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: container istio-proxy may gain privileges (allowPrivilegeEscalation defaults to true): set allowPrivilegeEscalation: false [EG013]",
				"Deployment istio-system/istio-ingressgateway: spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem: container istio-proxy has a writable root file system",
				"Deployment istio-system/istio-ingressgateway: spec.template.spec.containers[0].securityContext.capabilities.drop: container istio-proxy keeps the default capabilities: set capabilities.drop: [ALL]",
				"Deployment istio-system/istio-ingressgateway: spec.template.spec.containers[0].securityContext.runAsNonRoot: container istio-proxy may run as root (no runAsNonRoot: true, no runAsUser): set runAsNonRoot: true and runAsUser: 1337",
				`warning: Deployment istio-system/istio-ingressgateway: spec.template.spec.containers[0].image: image "docker.io/istio/proxyv2:1.20.2" is not pinned by digest`,
			}},
		{name: "image: auto in a namespace labelled istio-injection=disabled (IST0146)",
			input: disabled + deployment,
			want:  []string{sc + ".image: `image: auto` is never replaced by the proxy: Namespace istio-ingress is labelled istio-injection=disabled, which no Istio webhook injects, whatever the pod's labels; the Deployment fails to pull image \"auto\" (Istio: IST0146 Deployment istio-ingress/public)"}},
		{name: "image: auto in a namespace without injection labels, pods without the label",
			input: unlabelled + edit("        sidecar.istio.io/inject: \"true\"\n", ""),
			want:  []string{sc + ".image: `image: auto` is never replaced by the proxy: Namespace istio-ingress has neither istio-injection=enabled nor istio.io/rev"}},
		{name: "a Pod with image: auto opted out of injection (IST0147)",
			input: `apiVersion: v1
kind: Pod
metadata:
  name: edge
  namespace: istio-ingress
  labels: {istio: edge, sidecar.istio.io/inject: "false"}
  annotations: {inject.istio.io/templates: gateway}
spec:
  securityContext: {sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "0"}]}
  containers:
  - name: istio-proxy
    image: auto
    ports: [{containerPort: 8080}]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true, runAsNonRoot: true}
---
`,
			want: []string{"Pod istio-ingress/edge: spec.containers[0].image: `image: auto` is never replaced by the proxy: the pod is labelled sidecar.istio.io/inject: \"false\" (metadata.labels); the Pod fails to pull image \"auto\" (Istio: IST0147 Pod istio-ingress/edge)"}},
		{name: "image: auto without the gateway template becomes a sidecar",
			input: enabled + edit("        inject.istio.io/templates: gateway\n", ""),
			want:  []string{"Deployment istio-ingress/public: spec.template.metadata.annotations: `image: auto` is injected with the sidecar template, since the pods lack the annotation inject.istio.io/templates: gateway"}},
		{name: "image: auto whose namespace is not in the input and pods lack the label",
			input: edit("        sidecar.istio.io/inject: \"true\"\n", ""),
			want:  []string{"warning: Deployment istio-ingress/public: spec.template.metadata.labels: `image: auto` is injected only if Namespace istio-ingress (not in the input) is labelled istio-injection=enabled or istio.io/rev"}},
		{name: "root, privileged, escalation, writable root, extra capabilities",
			input: enabled + edit("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "privileged: false", "privileged: true",
				"readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "runAsUser: 1337", "runAsUser: 0", "runAsNonRoot: true", "runAsNonRoot: false",
				"            drop:\n            - ALL\n", "            add: [NET_ADMIN]\n"),
			want: []string{
				sc + ".securityContext.privileged: container istio-proxy is privileged",
				sc + ".securityContext.allowPrivilegeEscalation: container istio-proxy allows privilege escalation",
				sc + ".securityContext.readOnlyRootFilesystem: container istio-proxy has a writable root file system",
				sc + ".securityContext.capabilities.add[0]: container istio-proxy adds capability NET_ADMIN",
				sc + ".securityContext.capabilities.drop: container istio-proxy keeps the default capabilities",
				sc + ".securityContext.runAsUser: container istio-proxy runs as root (runAsUser: 0)",
			}},
		{name: "NET_BIND_SERVICE instead of the sysctl",
			input: enabled + edit("            - ALL\n", "            - ALL\n            add: [NET_BIND_SERVICE]\n"),
			want:  []string{"warning: " + sc + ".securityContext.capabilities.add[0]: container istio-proxy adds NET_BIND_SERVICE to bind ports below 1024: the pod sysctl net.ipv4.ip_unprivileged_port_start=0 does that without a capability"}},
		{name: "port 80 without the sysctl, not injected",
			input: edit("      securityContext:\n        sysctls:\n        - name: net.ipv4.ip_unprivileged_port_start\n          value: \"0\"\n", "",
				"image: auto", pinned, "        sidecar.istio.io/inject: \"true\"\n", "        sidecar.istio.io/inject: \"false\"\n"),
			want: []string{sc + ".ports[2].containerPort: container istio-proxy serves port 80, which a non-root Envoy cannot bind: add the pod sysctl net.ipv4.ip_unprivileged_port_start=0 (spec.template.spec.securityContext.sysctls, as Istio's gateway chart does) or use a port from 1024 up"}},
		{name: "non-root only through the injection template",
			input: enabled + edit("          runAsNonRoot: true\n          runAsUser: 1337\n", ""),
			want:  []string{"warning: " + sc + ".securityContext.runAsNonRoot: container istio-proxy is non-root only because Istio's gateway injection template sets runAsUser 1337"}},

		{name: "edgegate's rendered gateway", input: rendered},
		{name: "a revisioned namespace and pods",
			input: strings.Replace(enabled, "istio-injection: enabled", "istio.io/rev: canary", 1) + edit("        sidecar.istio.io/inject: \"true\"\n", "        istio.io/rev: canary\n")},
		{name: "a pinned proxy, hardened by hand, no injection",
			input: edit("image: auto", pinned, "        sidecar.istio.io/inject: \"true\"\n", "        sidecar.istio.io/inject: \"false\"\n")},
		{name: "the injected template provides the sysctl",
			input: enabled + edit("      securityContext:\n        sysctls:\n        - name: net.ipv4.ip_unprivileged_port_start\n          value: \"0\"\n", "")},
		{name: "an application is not a gateway", input: gatewayApp},
		{name: "the declared existing gateway has no pod spec here", input: existingDecl},
	}
	cases = append(cases, examples(t)...)
	runCases(t, "EG013", cases)
}
