package check

import (
	"strings"
	"testing"
)

func k8sService(name, spec string) string {
	return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: default}\nspec:\n" + spec + "---\n"
}

func workload(kind, name, spec string) string {
	return "apiVersion: apps/v1\nkind: " + kind + "\nmetadata: {name: " + name + ", namespace: default}\nspec:\n" + spec + "---\n"
}

func hpa(name, spec string) string {
	return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: " + name + ", namespace: default}\nspec:\n" + spec + "---\n"
}

func pdb(name, spec string) string {
	return "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: " + name + ", namespace: default}\nspec:\n" + spec + "---\n"
}

const template = `  template:
    metadata: {labels: {istio: edge}}
    spec:
      containers:
      - name: istio-proxy
        image: auto
`

const ref = "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: edge}\n"

const cpu = `  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`

func TestKubernetesSchema(t *testing.T) {
	cases := []checkCase{
		// The e2e suite's invalid objects, as written there.
		{name: "e2e: selector does not match the template labels",
			input: workload("Deployment", "selector-mismatch", `  selector:
    matchLabels:
      istio: edge
  template:
    metadata:
      labels:
        istio: edge-gateway
        sidecar.istio.io/inject: "true"
    spec:
      containers:
      - name: istio-proxy
        image: auto
`),
			want: []string{"in.yaml:10: error: Deployment default/selector-mismatch: spec.template.metadata.labels: invalid value {\"istio\":\"edge-gateway\",\"sidecar.istio.io/inject\":\"true\"}: `selector` does not match template `labels`: the pod template has istio=edge-gateway where the selector wants edge [EG015]"}},
		{name: "e2e: Service port 70000",
			input: k8sService("port-out-of-range", "  type: LoadBalancer\n  selector: {istio: edge}\n  ports:\n  - name: http\n    port: 70000\n    protocol: TCP\n    targetPort: 8080\n"),
			want:  []string{`in.yaml:9: error: Service default/port-out-of-range: spec.ports[0].port: invalid value 70000: must be between 1 and 65535, inclusive [EG015]`}},
		{name: "e2e: HPA minReplicas 0 with only a CPU metric",
			input: hpa("min-replicas-zero", ref+"  minReplicas: 0\n  maxReplicas: 5\n"+cpu),
			want:  []string{`in.yaml:6: error: HorizontalPodAutoscaler default/min-replicas-zero: spec.minReplicas: minReplicas 0 needs an Object or External metric: the API server rejects it (spec.metrics: must specify at least one Object or External metric to support scaling to zero replicas)`}},

		// Services.
		{name: "Service ports",
			input: k8sService("s", `  type: ClusterIP
  ports:
  - {name: HTTP, port: "80", protocol: HTTP}
  - {port: 81, targetPort: HTTP_X, nodePort: 30081}
  - {name: a, port: 82, targetPort: 70000}
  - {name: a, port: 82}
`),
			want: []string{
				`spec.ports[0].name: invalid value "HTTP": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
				`spec.ports[0].port: expected an integer, got string "80": write it without quotes`,
				`spec.ports[0].protocol: unsupported value "HTTP": supported values: "SCTP", "TCP", "UDP"`,
				`spec.ports[1].name: required value: every port of a Service with several ports needs a name`,
				`spec.ports[1].targetPort: invalid value "HTTP_X": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
				"spec.ports[1].nodePort: forbidden: may not be used when `type` is 'ClusterIP'",
				`spec.ports[2].targetPort: invalid value 70000: must be between 1 and 65535, inclusive`,
				`spec.ports[3].name: duplicate value "a": spec.ports[2] has the same name`,
				`spec.ports[3]: duplicate value: port 82/TCP is spec.ports[2] too`,
			}},
		{name: "names in the API server's own words (apimachinery's validation)",
			input: k8sService("words", `  ports:
  - {name: web.v1, port: 80, targetPort: "1--2"}
`),
			want: []string{
				`spec.ports[0].name: invalid value "web.v1": must not contain dots`,
				`spec.ports[0].targetPort: invalid value "1--2": must contain at least one letter (a-z)`,
			}},
		{name: "Service type, ports required, nodePort outside the default range",
			input: k8sService("a", "  type: Balancer\n  selector: {app: a}\n") +
				k8sService("b", "  selector: {app: b}\n") +
				k8sService("c", "  type: NodePort\n  ports: [{name: a, port: 80, nodePort: 80, protocol: tcp}]\n"),
			want: []string{
				`Service default/a: spec.type: unsupported value "Balancer"`,
				`Service default/a: spec.ports: required value: a Service needs at least one port`,
				`Service default/b: spec.ports: required value: a ClusterIP Service needs at least one port`,
				`Service default/c: spec.ports[0].protocol: unsupported value "tcp": supported values: "SCTP", "TCP", "UDP" (did you mean "TCP"?)`,
				`warning: Service default/c: spec.ports[0].nodePort: nodePort 80 is outside the API server's default range 30000-32767`,
			}},

		// Workloads.
		{name: "a Deployment without a selector, a StatefulSet with an empty one",
			input: workload("Deployment", "d", template) + workload("StatefulSet", "s", "  serviceName: s\n  selector: {}\n"+template),
			want: []string{
				`Deployment default/d: spec.selector: required value`,
				`StatefulSet default/s: spec.selector: invalid value: empty selector is invalid for statefulset`,
			}},
		{name: "matchExpressions",
			input: workload("DaemonSet", "a", "  selector: {matchExpressions: [{key: istio, operator: in, values: [edge]}, {key: x, operator: Exists, values: [y]}, {key: y, operator: NotIn}]}\n"+template) +
				workload("DaemonSet", "b", "  selector: {matchExpressions: [{key: istio, operator: NotIn, values: [edge]}]}\n"+template),
			want: []string{
				`DaemonSet default/a: spec.selector.matchExpressions[0].operator: unsupported value "in": supported values: "In", "NotIn", "Exists", "DoesNotExist" (did you mean "In"?)`,
				`DaemonSet default/a: spec.selector.matchExpressions[1].values: forbidden: may not be specified when ` + "`operator`" + ` is 'Exists' or 'DoesNotExist'`,
				`DaemonSet default/a: spec.selector.matchExpressions[2].values: required value: must be specified when ` + "`operator`" + ` is 'In' or 'NotIn'`,
				"DaemonSet default/b: spec.template.metadata.labels: invalid value {\"istio\":\"edge\"}: `selector` does not match template `labels`: the pod template's labels fail the selector's matchExpressions",
			}},
		{name: "containers and their ports",
			input: workload("Deployment", "d", `  replicas: -1
  selector: {matchLabels: {istio: edge}}
  template:
    metadata: {labels: {istio: edge, bad: "not ok"}}
    spec:
      containers:
      - name: istio-proxy
        ports:
        - {containerPort: 0}
        - {containerPort: 80, hostPort: 70000, name: http-very-long-name, protocol: HTTP}
        - {name: http}
        - {containerPort: 81, name: http}
      - name: istio-proxy
        image: auto
`),
			want: []string{
				`spec.replicas: invalid value -1: must be greater than or equal to 0`,
				`spec.template.metadata.labels.bad: invalid value "not ok": a valid label must be an empty string or consist of alphanumeric characters`,
				`spec.template.spec.containers[0].image: required value`,
				`spec.template.spec.containers[0].ports[0].containerPort: invalid value 0: must be between 1 and 65535, inclusive`,
				`spec.template.spec.containers[0].ports[1].hostPort: invalid value 70000: must be between 1 and 65535, inclusive`,
				`spec.template.spec.containers[0].ports[1].protocol: unsupported value "HTTP"`,
				`spec.template.spec.containers[0].ports[1].name: invalid value "http-very-long-name": must be no more than 15 characters`,
				`spec.template.spec.containers[0].ports[2].containerPort: required value`,
				`spec.template.spec.containers[0].ports[3].name: duplicate value "http": spec.template.spec.containers[0].ports[2] has the same name`,
				`spec.template.spec.containers[1].name: duplicate value "istio-proxy": spec.template.spec.containers[0] has the same name`,
			}},
		{name: "a pod template without containers",
			input: workload("Deployment", "d", "  selector: {matchLabels: {istio: edge}}\n  template:\n    metadata: {labels: {istio: edge}}\n    spec: {containers: []}\n"),
			want:  []string{`spec.template.spec.containers: required value: a pod needs at least one container`}},

		// HorizontalPodAutoscalers.
		{name: "HPA replicas and metrics",
			input: hpa("a", ref+"  minReplicas: 5\n  maxReplicas: 2\n"+cpu) +
				hpa("b", "  scaleTargetRef: {name: edge}\n  minReplicas: -1\n  maxReplicas: 0\n  metrics:\n  - type: CPU\n  - type: Resource\n  - type: Resource\n    resource: {name: cpu, target: {type: Value, value: 1}}\n"),
			want: []string{
				"HorizontalPodAutoscaler default/a: spec.maxReplicas: invalid value 2: must be greater than or equal to `minReplicas` (5)",
				`HorizontalPodAutoscaler default/b: spec.scaleTargetRef.kind: required value`,
				`HorizontalPodAutoscaler default/b: spec.minReplicas: invalid value -1: must be greater than or equal to 0`,
				`HorizontalPodAutoscaler default/b: spec.maxReplicas: invalid value 0: must be greater than 0`,
				`HorizontalPodAutoscaler default/b: spec.metrics[0].type: unsupported value "CPU"`,
				`HorizontalPodAutoscaler default/b: spec.metrics[1].resource: required value: must populate information for the given metric source`,
				`HorizontalPodAutoscaler default/b: spec.metrics[1].resource.target: required value: must specify a metric target`,
				`HorizontalPodAutoscaler default/b: spec.metrics[2].resource.target.averageUtilization: required value: must set either a target raw value or a target utilization`,
			}},

		// PodDisruptionBudgets.
		{name: "PDB",
			input: pdb("a", "  minAvailable: 1\n  maxUnavailable: 150%\n  selector: {matchLabels: {istio: edge}}\n") +
				pdb("b", "  maxUnavailable: half\n  unhealthyPodEvictionPolicy: Always\n"),
			want: []string{
				`PodDisruptionBudget default/a: spec.maxUnavailable: minAvailable and maxUnavailable cannot be both set`,
				`PodDisruptionBudget default/a: spec.maxUnavailable: invalid value "150%": must not be greater than 100%`,
				`PodDisruptionBudget default/b: spec.maxUnavailable: invalid value "half": must be an integer or percentage (e.g '5%')`,
				`PodDisruptionBudget default/b: spec.unhealthyPodEvictionPolicy: unsupported value "Always"`,
			}},

		// What must pass.
		{name: "a gateway's objects",
			input: k8sService("edge", `  type: LoadBalancer
  selector: {istio: edge}
  ports:
  - {name: status-port, port: 15021, targetPort: 15021}
  - {name: http2, port: 80, targetPort: 8080, nodePort: 30080}
  - {name: https, port: 443, targetPort: https, protocol: TCP}
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
`) + k8sService("headless", "  clusterIP: None\n  selector: {istio: edge}\n") +
				k8sService("ext", "  type: ExternalName\n  externalName: db.example.com\n") +
				workload("Deployment", "edge", `  replicas: 0
  selector:
    matchLabels: {istio: edge}
    matchExpressions: [{key: app.kubernetes.io/name, operator: Exists}, {key: tier, operator: NotIn, values: [db]}]
  template:
    metadata: {labels: {istio: edge, app.kubernetes.io/name: edge, sidecar.istio.io/inject: "true"}}
    spec:
      initContainers: [{name: init, image: busybox}]
      containers:
      - name: istio-proxy
        image: auto
        ports:
        - {name: status-port, containerPort: 15021}
        - {name: https, containerPort: 8443, protocol: TCP}
        - {containerPort: 8080, hostPort: 0}
`) + hpa("edge", ref+"  minReplicas: 2\n  maxReplicas: 5\n"+cpu) +
				hpa("to-zero", ref+"  minReplicas: 0\n  maxReplicas: 5\n  metrics:\n  - type: External\n    external: {metric: {name: queue}, target: {type: AverageValue, averageValue: 30}}\n") +
				hpa("defaults", ref+"  maxReplicas: 1\n") +
				pdb("edge", "  minAvailable: 50%\n  selector: {matchLabels: {istio: edge}}\n  unhealthyPodEvictionPolicy: AlwaysAllow\n") +
				"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]\n---\n" +
				strings.Replace(workload("Deployment", "beta", template), "apps/v1", "apps/v1beta1", 1)},
	}
	cases = append(cases, renderedOutputCases(t)...)
	runCases(t, "EG015", cases)
}
