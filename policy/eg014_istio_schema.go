package policy

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/policy/schema"
)

func init() { register(istioSchemaCheck{}) }

// istioSchemaCheck validates every Gateway and VirtualService of
// networking.istio.io (v1, v1beta1, v1alpha3: one schema) before a cluster
// sees it, as Istio's IST0106 (schema validation error) does in a live one.
// Two layers, both errors:
//
//  1. Istio's own CRD schema, as kube-apiserver applies it: the
//     openAPIV3Schema of the CRDs in istio.io/api (the release
//     policy/schema names), embedded in the binary. Unknown fields, types
//     (a port number written "80"), required fields (a port without
//     protocol), enums, bounds, list sizes, formats, "only one of"
//     (oneOf), and the x-kubernetes-validations rules: durations of at
//     least 1ms, at most one of credentialName / credentialNames /
//     tlsCertificates. The apiVersion must be one Istio serves.
//  2. What istiod's validating webhook (pkg/config/validation,
//     ValidateGateway and ValidateVirtualService) rejects beyond the CRD,
//     for the fields of the ingress path; see eg014_webhook.go for the
//     list. The API server accepts these objects, and a cluster without
//     the webhook (istiod down, failurePolicy Ignore, a config cluster)
//     stores them and istiod drops or mis-serves them.
//
// TLS settings against the protocol (HTTPS without tls, plain text with a
// certificate, ISTIO_MUTUAL with a credential, SIMPLE without one) are
// EG011's, and not repeated here.
type istioSchemaCheck struct{}

func (istioSchemaCheck) walksEveryNode() {}

func (istioSchemaCheck) Meta() Meta {
	return Meta{
		ID: "EG014", Name: "istio-schema", Severity: manifest.Error,
		Description: "a Gateway or VirtualService breaks Istio's CRD schema or a rule istiod's validating webhook enforces",
		Mirrors:     []string{"IST0106"},
	}
}

func (istioSchemaCheck) Run(idx *Index, r *Reporter) {
	set := schema.Istio()
	regexes := &eg014Regexes{}
	for _, o := range idx.Objects {
		if o.Group() != set.Group {
			continue
		}
		kind := set.Kinds[o.Kind]
		if kind == nil {
			continue
		}
		if !kind.Serves(o.APIVersion) {
			r.Report(o, "apiVersion", "Istio %s does not serve %s as %s: use %s",
				set.Release(), o.Kind, o.APIVersion, eg014Versions(kind))
			continue
		}
		w := eg014Webhook{r: r, o: o, regexes: regexes}
		for _, e := range kind.Schema.Validate(o.Node) {
			if e.Warning {
				r.Warn(o, e.Field, "%s", e.Message)
				continue
			}
			r.Report(o, e.Field, "%s", e.Message)
			if w.schemaErrors == nil {
				w.schemaErrors = map[string]bool{}
			}
			w.schemaErrors[e.Field] = true
		}
		switch o.Kind {
		case "Gateway":
			w.gateway()
		case "VirtualService":
			w.virtualService()
		}
	}
}

func eg014Versions(k *schema.Kind) string {
	var v []string
	for _, version := range k.Versions {
		v = append(v, k.Group+"/"+version)
	}
	return strings.Join(v, ", ")
}

// eg014Webhook applies istiod's webhook rules to one object.
type eg014Webhook struct {
	r *Reporter
	o *manifest.Object
	// schemaErrors are the fields the schema layer reported, which the
	// webhook layer does not report again (nil when there are none).
	schemaErrors map[string]bool
	// regexes is shared by the objects of a run (nil: nothing remembered).
	regexes *eg014Regexes
}

// reject reports a rule of istiod's webhook at field.
func (w eg014Webhook) reject(field, format string, args ...any) {
	if w.schemaErrors[field] {
		return
	}
	w.r.Report(w.o, field, "%s (istiod's validating webhook rejects the %s)", fmt.Sprintf(format, args...), w.o.Kind)
}

// warn reports what istiod's webhook accepts with a warning.
func (w eg014Webhook) warn(field, format string, args ...any) {
	w.r.Warn(w.o, field, "%s (istiod warns)", fmt.Sprintf(format, args...))
}
