package check

import (
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/model"
)

// Check is one check: its catalog entry and the code that runs it.
type Check struct {
	meta model.Meta
	run  func(*model.Index, *model.Reporter)
	// walksEveryNode marks the checks that walk every node of the objects
	// they check (the schema checks), where the others read the index: the
	// longest checks by far, which the gate starts first.
	walksEveryNode bool
}

// Meta is the check's catalog entry.
func (c Check) Meta() model.Meta { return c.meta }

// Run reports the check's findings over idx to r.
func (c Check) Run(idx *model.Index, r *model.Reporter) { c.run(idx, r) }

// WalksEveryNode reports whether the check reads every node of the objects
// it checks rather than the index.
func (c Check) WalksEveryNode() bool { return c.walksEveryNode }

// All lists every check, sorted by ID: the catalog of IDs, names, default
// severities, descriptions and the Istio analyzer and Kiali codes each
// mirrors, in one place. A new check is added here.
func All() []Check {
	return []Check{
		{meta: model.Meta{
			ID: "EG001", Name: "conflicting-gateways", Severity: manifest.Error,
			Description: "a host is claimed twice on the same port of one gateway workload",
			Mirrors:     []string{"IST0145", "KIA0301"},
			// A conflict with another namespace's claim protects that
			// namespace; one between Gateways of one namespace is its own.
			ProtectsOthers: true, Protects: model.ConflictWithOtherNamespace,
		}, run: conflictingGateways{}.Run},
		{meta: model.Meta{
			ID: "EG002", Name: "gateway-selector", Severity: manifest.Error,
			Description: "a Gateway's selector matches no gateway workload, or more than one",
			Mirrors:     []string{"IST0101", "KIA0302"},
			// A selector that reaches none of the input's gateway workloads
			// while edgegate's gateway is there escapes the ownership checks.
			ProtectsOthers: true, Protects: model.UnjudgedSelector,
		}, run: gatewaySelectorCheck{}.Run},
		{meta: model.Meta{
			ID: "EG003", Name: "gateway-port-not-served", Severity: manifest.Error,
			Description: "a Gateway server port resolves to a listener no Service port of its gateway workload sends traffic to",
			Mirrors:     []string{"IST0162"},
		}, run: gatewayPortNotServedCheck{}.Run},
		{meta: model.Meta{
			ID: "EG004", Name: "virtualservice-gateway", Severity: manifest.Error,
			Description: "a VirtualService names a Gateway that is not in the input or in a form other than <namespace>/<name>, or binds to mesh only while a Gateway serves its host unrouted",
			Mirrors:     []string{"IST0101", "KIA1102", "KIA1108"},
		}, run: virtualServiceGateway{}.Run},
		{meta: model.Meta{
			ID: "EG005", Name: "virtualservice-host-not-in-gateway", Severity: manifest.Error,
			Description: "a VirtualService host is not exposed to its namespace by the Gateway it binds to",
			Mirrors:     []string{"IST0132"},
		}, run: virtualServiceHostNotInGateway{}.Run},
		{meta: model.Meta{
			ID: "EG006", Name: "destination", Severity: manifest.Error,
			Description: "a VirtualService destination names a Service or port the input does not have, omits the port of a multi-port Service, or sends a gateway's traffic to another namespace the platform does not list",
			Mirrors:     []string{"IST0101", "IST0112", "KIA1101"},
			// A destination in another namespace is that namespace's backend.
			ProtectsOthers: true, Protects: model.CrossNamespaceDestination,
		}, run: destinationCheck{}.Run},
		{meta: model.Meta{
			ID: "EG007", Name: "overlapping-virtualservices", Severity: manifest.Error,
			Description: "several VirtualServices route the same host on the same Gateway with overlapping matches, and creation order picks the winner",
			Mirrors:     []string{"KIA1106"},
		}, run: overlappingVirtualServices{}.Run},
		{meta: model.Meta{
			ID: "EG008", Name: "unreachable-rule", Severity: manifest.Error,
			Description: "a VirtualService rule can never match, or one of its matches is never used, because earlier rules take its requests",
			Mirrors:     []string{"IST0130", "IST0131"},
		}, run: unreachableRule{}.Run},
		{meta: model.Meta{
			ID: "EG009", Name: "egress-gateway-for-ingress", Severity: manifest.Error,
			Description: "a Gateway used for ingress runs on an egress gateway (egress labels, or ClusterIP Services only)",
		}, run: egressGatewayForIngressCheck{}.Run},
		{meta: model.Meta{
			ID: "EG010", Name: "host-ownership", Severity: manifest.Error,
			Description:    "a namespace claims a host on a gateway that spec.hostOwnership or the HostBindings lock gives to another namespace",
			ProtectsOthers: true,
		}, run: hostOwnershipCheck{}.Run},
		{meta: model.Meta{
			ID: "EG011", Name: "gateway-tls", Severity: manifest.Error,
			Description: "a TLS server has no usable certificate in the gateway workload's namespace, or uses another namespace's certificate",
			Mirrors:     []string{"IST0161", "IST0101"},
			// Its certificate findings protect the namespaces whose hosts
			// a certificate serves; its TLS-settings findings do not.
			ProtectsOthers: true, Protects: model.CredentialFinding,
		}, run: gatewayTLSCheck{}.Run},
		{meta: model.Meta{
			ID: "EG012", Name: "port-name", Severity: manifest.Warning,
			Description: "a Service port name does not follow <protocol>[-suffix]",
			Mirrors:     []string{"KIA0601", "IST0118"},
		}, run: portNameCheck{}.Run},
		{meta: model.Meta{
			ID: "EG013", Name: "gateway-hardening", Severity: manifest.Error,
			Description: "a gateway workload is not hardened, or its `image: auto` proxy is never injected as a gateway",
			Mirrors:     []string{"IST0146", "IST0147"},
		}, run: gatewayHardeningCheck{}.Run},
		{meta: model.Meta{
			ID: "EG014", Name: "istio-schema", Severity: manifest.Error,
			Description: "a Gateway or VirtualService breaks Istio's CRD schema or a rule istiod's validating webhook enforces",
			Mirrors:     []string{"IST0106"},
		}, run: istioSchemaCheck{}.Run, walksEveryNode: true},
		{meta: model.Meta{
			ID: "EG015", Name: "kubernetes-schema", Severity: manifest.Error,
			Description: "a Service, workload, HorizontalPodAutoscaler or PodDisruptionBudget is one the API server rejects",
		}, run: kubernetesSchemaCheck{}.Run, walksEveryNode: true},
		{meta: model.Meta{
			ID: "EG016", Name: "duplicate-certificate", Severity: manifest.Warning,
			Description: "several Gateway objects of one gateway workload present the same certificate, so a browser reusing an HTTP/2 connection between their hosts gets 404",
			Mirrors:     []string{"IST0138"},
			// A certificate shared with another namespace's Gateway protects
			// that namespace's hosts; two Gateways of one namespace are its own.
			ProtectsOthers: true, Protects: model.CertificateOfOtherNamespace,
		}, run: duplicateCertificate{}.Run},
		{meta: model.Meta{
			ID: "EG017", Name: "conflicting-mesh-virtualservices", Severity: manifest.Error,
			Description: "several VirtualServices apply to the mesh for one host where the same sidecars see them, and which one they use is undefined",
			Mirrors:     []string{"IST0109"},
		}, run: conflictingMeshVirtualServices{}.Run},
		{meta: model.Meta{
			ID: "EG018", Name: "ingress-ignores-subset-routing", Severity: manifest.Warning,
			Description: "an ingress route sends to a Service without a subset while another VirtualService routes that Service by subset, which never applies to ingress traffic",
			Mirrors:     []string{"IST0140"},
		}, run: ingressIgnoresSubsetRouting{}.Run},
		{meta: model.Meta{
			ID: "EG019", Name: "jwt-claim-route-without-authentication", Severity: manifest.Error,
			Description: "an ingress route matches a JWT claim while no RequestAuthentication applies to the gateway's pods, so the claim is never set",
			Mirrors:     []string{"IST0149"},
		}, run: claimRouteWithoutAuthentication{}.Run},
		{meta: model.Meta{
			ID: "EG020", Name: "externalname-port-name", Severity: manifest.Warning,
			Description: "an ExternalName Service port is named tcp, or not after its protocol, so proxies can match it by port alone",
			Mirrors:     []string{"IST0150"},
		}, run: externalNamePortName{}.Run},
	}
}
