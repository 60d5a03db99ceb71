package istio

import (
	"slices"
	"testing"

	"github.com/edgegate/edgegate/tests/istio/analyze"
	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pkg/config/analysis/diag"
	"istio.io/istio/pkg/config/schema/collections"
)

// Analyzer codes no example may raise, whatever their level.
var forbiddenCodes = map[string]string{
	"IST0145": "conflicting gateways (same workload, port and host)",
	"IST0138": "one certificate on several Gateways of a workload (HTTP/2 connection reuse misroutes, istio/istio#13589)",
	"IST0162": "Gateway port not on the workload's Service",
}

// Analyzers that only run when they see the gateway Pods and Services; the
// test is worthless if they are skipped.
var podAnalyzers = []string{
	"gateway.ConflictingGatewayAnalyzer",
	"gateway.IngressGatewayPortAnalyzer",
	"gateway.SecretAnalyzer",
	"injection.ImageAutoAnalyzer",
	"virtualservice.DestinationHostAnalyzer",
	"webhook.Analyzer",
}

// analyzeCluster runs all of Istio's analyzers over objects the way
// `istioctl analyze` runs them over a cluster: Pods and Services included, no
// default resources added (analyze.Options' zero value). Every analyzer of
// podAnalyzers must run.
func analyzeCluster(t *testing.T, objs []object) []diag.Message {
	t.Helper()
	res, err := analyze.Run(sourcesOf(objs), analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range podAnalyzers {
		if !slices.Contains(res.ExecutedAnalyzers, name) || slices.Contains(res.SkippedAnalyzers, name) {
			t.Errorf("analyzer %s did not run (executed %v, skipped %v)", name, res.ExecutedAnalyzers, res.SkippedAnalyzers)
		}
	}
	return res.Messages
}

// sourcesOf gives the analyzer one source per file the objects come from, in
// the order of their first object (the analyzer keeps one content per source
// name).
func sourcesOf(objs []object) []analyze.Source {
	bySource := map[string][]object{}
	var names []string
	for _, o := range objs {
		if _, ok := bySource[o.Source]; !ok {
			names = append(names, o.Source)
		}
		bySource[o.Source] = append(bySource[o.Source], o)
	}
	sources := make([]analyze.Source, 0, len(names))
	for _, name := range names {
		sources = append(sources, analyze.Source{
			Name: name,
			Data: []byte(stream(bySource[name], func(object) bool { return true })),
		})
	}
	return sources
}

// resourceOf names the resource a message is about.
func resourceOf(m diag.Message) string {
	if m.Resource == nil {
		return "(no resource)"
	}
	return m.Resource.Origin.FriendlyName()
}

// testAnalyzers asserts no Error and none of the forbidden codes on the
// example's cluster, and logs every message for humans.
func testAnalyzers(t *testing.T, w *world) {
	msgs := analyzeCluster(t, w.all())
	if len(msgs) == 0 {
		t.Logf("Istio's analyzers report nothing for example %s", w.example)
	}
	for _, m := range msgs {
		t.Logf("%s", m.String())
	}
	for _, m := range msgs {
		// IST0145's text lists other gateways in no fixed order: report code and resource.
		if why, bad := forbiddenCodes[m.Type.Code()]; bad {
			t.Errorf("example %s: %s on %s: %s", w.example, m.Type.Code(), resourceOf(m), why)
			continue
		}
		if m.Type.Level() == diag.Error {
			t.Errorf("example %s: analyzer error %s on %s: %s", w.example, m.Type.Code(), resourceOf(m), m.String())
		}
	}
}

// testValidation runs istiod's validating webhook logic (pilot's schema
// validation) over every rendered Istio object: no error, no warning.
func testValidation(t *testing.T, w *world) {
	n := 0
	for _, o := range w.rendered {
		if !o.isIstio() {
			continue
		}
		n++
		cfgs, _, err := crd.ParseInputs(string(o.YAML))
		if err != nil {
			t.Errorf("example %s: %s is rejected by Istio's validation: %v", w.example, o.key(), err)
			continue
		}
		for _, cfg := range cfgs {
			s, ok := collections.PilotGatewayAPI().FindByGroupVersionKind(cfg.GroupVersionKind)
			if !ok {
				t.Errorf("example %s: %s: no Istio schema", w.example, o.key())
				continue
			}
			warn, err := s.ValidateConfig(cfg)
			if err != nil {
				t.Errorf("example %s: %s: %v", w.example, o.key(), err)
			}
			if warn != nil {
				t.Errorf("example %s: %s: Istio's validation warns: %v", w.example, o.key(), warn)
			}
		}
	}
	if n == 0 {
		t.Errorf("example %s renders no Istio object", w.example)
	}
}
