package istio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	crdvalidation "istio.io/istio/pkg/config/crd"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/webhooks/validation/server"
)

// TestEG014MatchesIstiod is the differential test of EG014 (istio-schema),
// edgegate's port of what a cluster running istiod refuses to store:
//
//   - the API server's validation of Istio's CRDs (structural schema, unknown
//     fields, CEL rules), here the CRDs of the pinned istio.io/istio
//     (manifests/charts/base/files/crd-all.gen.yaml) through its own
//     validator (pkg/config/crd, Kubernetes' apiextensions code);
//   - istiod's validating webhook, here the real one
//     (pkg/webhooks/validation/server, with the schemas istiod registers,
//     collections.PilotGatewayAPI()) sent an AdmissionReview per object.
//
// Istio rejects an object when either does. For every Gateway and
// VirtualService of the policy corpus and of the examples' rendered output,
// and for mutated variants of them (seeded, so the same on every run), EG014
// must give the same verdict: an EG014 error on the object exactly when
// Istio rejects it. Warnings count for neither side. Two exceptions, both
// counted and printed: the webhook's rules on TLS settings against the
// protocol and mode are EG011's by design (policy/eg014_istio_schema.go), so
// an object the webhook rejects for those alone agrees when EG011 has an
// error on its tls; and eg014Known lists the rules EG014 does not apply yet.
// EG014's own CRDs are istio.io/api v1.32.0's (policy/schema); this
// istio.io/istio pins a slightly older istio.io/api, whose CRDs the API
// server side uses.
func TestEG014MatchesIstiod(t *testing.T) {
	bases := eg014Bases(t)
	cases := eg014Variants(bases, eg014VariantsPerBase, eg014FieldVariantsPerBase)
	// Each case is checked in a namespace of its own (which no rule reads),
	// so that one edgegate run tells the verdicts apart; Istio sees the
	// same objects.
	for i, c := range cases {
		eg014Map(c.obj, true, "metadata")["namespace"] = eg014Name(i)
	}
	ist := newIstioAdmission(t)
	verdicts := eg014Verdicts(t, cases)

	var agree, bothReject, bothAccept, viaEG011, crdRejects, webhookRejects int
	var disagreements []string
	knownSeen := make([]int, len(eg014Known))
	for i, c := range cases {
		crdErr, whErr := ist.admit(t, c.obj)
		if crdErr != "" {
			crdRejects++
		}
		if whErr != "" {
			webhookRejects++
		}
		istioRejects := crdErr != "" || whErr != ""
		eg, eg011 := verdicts[eg014Name(i)], verdicts["EG011 "+eg014Name(i)]
		if istioRejects == (len(eg) > 0) {
			agree++
			if istioRejects {
				bothReject++
			} else {
				bothAccept++
			}
			continue
		}
		errs := eg014WebhookErrors(whErr)
		if istioRejects && crdErr == "" && eg014Any(eg011, eg014TLSField.MatchString) && eg014All(errs, eg014TLSSettings.MatchString) {
			// The webhook's rules on TLS settings against the protocol
			// and mode are EG011's, by design (see policy/eg014_istio_schema.go).
			viaEG011++
			continue
		}
		if k := eg014KnownIndex(istioRejects && crdErr == "", errs, c.obj); k >= 0 {
			knownSeen[k]++
			t.Logf("known disagreement (%s): %s: istiod's webhook rejects it (%s), EG014 has no error", eg014Known[k].rule, c.id, strings.Join(errs, "; "))
			continue
		}
		y, _ := yaml.Marshal(c.obj)
		disagreements = append(disagreements, fmt.Sprintf(
			"%s\n  Istio: %s\n  EG014: %s\n  EG011: %s\n  input:\n%s",
			c.id, eg014IstioVerdict(crdErr, whErr), eg014Verdict(eg), eg014Verdict(eg011), indent(string(y), "    ")))
	}
	known := 0
	for _, n := range knownSeen {
		known += n
	}
	t.Logf("EG014 against Istio: %d objects compared (%d corpus and example objects, %d mutated variants); "+
		"%d agreements (%d rejected by both, %d accepted by both); %d rejected by Istio's webhook for TLS settings that EG011 rejects; "+
		"%d known disagreements; %d disagreements. Istio's API-server CRD validation rejects %d, its webhook %d.",
		len(cases), len(bases), len(cases)-len(bases), agree, bothReject, bothAccept, viaEG011, known, len(disagreements), crdRejects, webhookRejects)
	if len(bases) < 50 || len(cases) < 300 || bothReject < 100 || bothAccept < 50 {
		t.Errorf("the comparison is too thin: %d bases, %d objects, %d rejected by both, %d accepted by both", len(bases), len(cases), bothReject, bothAccept)
	}
	for _, d := range disagreements {
		t.Errorf("EG014 disagrees with Istio on %s", d)
	}
	for k, n := range knownSeen {
		t.Logf("known disagreement (%s): %d objects", eg014Known[k].rule, n)
		if n == 0 {
			t.Errorf("known disagreement %q is seen no more: drop it from eg014Known", eg014Known[k].rule)
		}
	}
}

// eg014TLSSettings matches the webhook's errors about TLS settings against
// a server's protocol and TLS mode, which EG011 reports.
var eg014TLSSettings = regexp.MustCompile(`^(server must have TLS settings for HTTPS/TLS protocols|server cannot have TLS settings for (plain text HTTP|non HTTPS/TLS) ports|(SIMPLE|MUTUAL) TLS requires a (server certificate|private key|client CA bundle)|ISTIO_MUTUAL TLS cannot have associated .*)$`)

// eg014Known are the rules of istiod's webhook EG014 does not apply yet:
// an object Istio's webhook rejects with nothing but errors of these rules
// (and the API server admits) while EG014 has no error is a known
// disagreement, counted, not a failure. Each must still be seen.
var eg014Known = []struct {
	rule string
	errs *regexp.Regexp            // every webhook error of the object matches
	obj  func(map[string]any) bool // and the object is one of these (nil: any)
}{}

func eg014KnownIndex(webhookOnly bool, errs []string, obj map[string]any) int {
	if !webhookOnly || len(errs) == 0 {
		return -1
	}
	for k, known := range eg014Known {
		if eg014All(errs, known.errs.MatchString) && (known.obj == nil || known.obj(obj)) {
			return k
		}
	}
	return -1
}

// eg014TLSField matches an EG011 error about a server's tls settings.
var eg014TLSField = regexp.MustCompile(`^spec\.servers\[\d+\]\.tls[.:]`)

func eg014Any(xs []string, f func(string) bool) bool {
	for _, x := range xs {
		if f(x) {
			return true
		}
	}
	return false
}

func eg014All(xs []string, f func(string) bool) bool {
	for _, x := range xs {
		if !f(x) {
			return false
		}
	}
	return len(xs) > 0
}

// eg014WebhookErrors splits the webhook's message into its errors:
// "configuration is invalid: <error>" or, for several (a multierror),
// "configuration is invalid: N errors occurred:\n\t* <error>\n...".
func eg014WebhookErrors(msg string) []string {
	if msg == "" {
		return nil
	}
	rest, ok := strings.CutPrefix(msg, "configuration is invalid: ")
	if !ok {
		return []string{msg}
	}
	if !strings.Contains(rest, " occurred:\n") {
		return []string{strings.TrimSpace(rest)}
	}
	var errs []string
	for _, line := range strings.Split(rest, "\n") {
		if e, ok := strings.CutPrefix(line, "\t* "); ok {
			errs = append(errs, strings.TrimSpace(e))
		}
	}
	return errs
}

// How many mutated variants each base object gets: by the targeted
// mutations of its kind, and by the field-level ones (any field of the spec
// replaced by a value of another type, or deleted; the apiVersion).
const (
	eg014VariantsPerBase      = 48
	eg014FieldVariantsPerBase = 16
)

// eg014Case is one object to compare: its id (where it comes from and how it
// was mutated) and its content.
type eg014Case struct {
	id  string
	obj map[string]any
}

// eg014Bases reads every networking.istio.io Gateway and VirtualService of
// the policy corpus and of the examples' (and scenarios') rendered output.
func eg014Bases(t *testing.T) []eg014Case {
	t.Helper()
	var out []eg014Case
	seen := map[string]bool{}
	add := func(source string, data []byte) {
		objs, err := parseObjects(source, data)
		if err != nil {
			t.Fatalf("%s: %v", source, err)
		}
		for _, o := range objs {
			if o.Group() != "networking.istio.io" || (o.Kind != "Gateway" && o.Kind != "VirtualService") {
				continue
			}
			var m map[string]any
			if err := yaml.Unmarshal(o.YAML, &m); err != nil {
				t.Fatalf("%s: %s: %v", source, o.key(), err)
			}
			key, _ := json.Marshal(eg014WithoutName(m))
			if seen[string(key)] {
				continue // the same object under another name adds nothing
			}
			seen[string(key)] = true
			out = append(out, eg014Case{id: source + " " + o.key(), obj: m})
		}
	}
	corpus := corpusDir()
	for _, name := range subdirs(t, corpus) {
		files, _ := filepath.Glob(filepath.Join(corpus, name, "*.yaml"))
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			add("corpus/"+name+"/"+filepath.Base(f), data)
		}
	}
	for _, example := range examples(t) {
		add("example/"+example, render(t, filepath.Join("examples", example)))
	}
	scenarios, err := filepath.Abs(filepath.Join("testdata", "scenarios"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subdirs(t, scenarios) {
		add("scenario/"+s, render(t, filepath.Join(scenarios, s)))
	}
	return out
}

// eg014WithoutName is m without metadata.name, to find the same object twice.
func eg014WithoutName(m map[string]any) map[string]any {
	c := eg014Copy(m).(map[string]any)
	if md, ok := c["metadata"].(map[string]any); ok {
		delete(md, "name")
	}
	return c
}

// eg014Variants is the bases followed by n variants of each by the targeted
// mutations and nField by the field-level ones, each with one or two
// mutations drawn from a generator seeded by the base's id.
func eg014Variants(bases []eg014Case, n, nField int) []eg014Case {
	out := append([]eg014Case{}, bases...)
	for _, b := range bases {
		muts := eg014GatewayMutations
		if b.obj["kind"] == "VirtualService" {
			muts = eg014VirtualServiceMutations
		}
		out = eg014Mutate(out, b, muts, n, 14)
		out = eg014Mutate(out, b, eg014FieldMutations, nField, 15)
	}
	return out
}

// eg014Mutate appends n variants of b by muts to out.
func eg014Mutate(out []eg014Case, b eg014Case, muts []eg014Mutation, n int, stream uint64) []eg014Case {
	h := fnv.New64a()
	h.Write([]byte(b.id))
	rng := rand.New(rand.NewPCG(h.Sum64(), stream))
	seen := map[string]bool{}
	for v, tries := 0, 0; v < n && tries < 20*n; tries++ {
		obj := eg014Copy(b.obj).(map[string]any)
		var descs []string
		for k := 0; k < 1+rng.IntN(3)/2; k++ { // one mutation, two a third of the time
			for attempt := 0; attempt < 10; attempt++ {
				if d := muts[rng.IntN(len(muts))](rng, obj); d != "" {
					descs = append(descs, d)
					break
				}
			}
		}
		id := b.id + " | " + strings.Join(descs, "; ")
		if len(descs) == 0 || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, eg014Case{id: id, obj: obj})
		v++
	}
	return out
}

// eg014Name is the namespace the i-th case is checked in: every case is one
// object of one `edgegate check` run.
func eg014Name(i int) string { return fmt.Sprintf("eg014-case-%04d", i) }

// eg014Verdicts runs `edgegate check -o json` once over every case, each in
// its own file, and returns the EG014 errors (and, under "EG011 <namespace>",
// EG011's) by namespace.
func eg014Verdicts(t *testing.T, cases []eg014Case) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	for i, c := range cases {
		data, err := yaml.Marshal(c.obj)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, eg014Name(i)+".yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, edgegateBin, "check", "-o", "json", dir)
	cmd.Dir = repoRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exitErr, ok := err.(*exec.ExitError); err != nil && !(ok && exitErr.ExitCode() == 1) {
		t.Fatalf("edgegate check -o json: %v\nstderr:\n%s", err, stderr.String())
	}
	var findings []egFinding
	if err := json.Unmarshal(stdout.Bytes(), &findings); err != nil {
		t.Fatalf("edgegate check -o json: %v\n%s", err, stdout.String())
	}
	out := map[string][]string{}
	for _, f := range findings {
		if f.Severity != "error" || (f.Check != "EG014" && f.Check != "EG011") {
			continue
		}
		if f.Resource == nil || !strings.HasPrefix(f.Resource.Namespace, "eg014-case-") {
			t.Fatalf("%s finding about an object not checked: %+v", f.Check, f)
		}
		msg := f.Message
		if f.Field != "" {
			msg = f.Field + ": " + msg
		}
		key := f.Resource.Namespace
		if f.Check == "EG011" {
			key = "EG011 " + key
		}
		out[key] = append(out[key], msg)
	}
	return out
}

func eg014Verdict(errs []string) string {
	if len(errs) == 0 {
		return "no error"
	}
	return "error: " + strings.Join(errs, " | ")
}

func eg014IstioVerdict(crdErr, whErr string) string {
	var parts []string
	if crdErr != "" {
		parts = append(parts, "API server (CRD) rejects: "+crdErr)
	}
	if whErr != "" {
		parts = append(parts, "webhook rejects: "+whErr)
	}
	if len(parts) == 0 {
		return "accepts"
	}
	return strings.Join(parts, " | ")
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// istioAdmission is what a cluster running istiod admits: the API server's
// CRD validation, then istiod's validating webhook.
type istioAdmission struct {
	crd     *crdvalidation.Validator
	webhook http.Handler
}

func newIstioAdmission(t *testing.T) *istioAdmission {
	t.Helper()
	dir, err := istioModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	v, err := crdvalidation.NewValidatorFromFilesWithOptions(
		[]string{filepath.Join(dir, "manifests", "charts", "base", "files", "crd-all.gen.yaml")},
		crdvalidation.WithoutCRDValidation())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if _, err := server.New(server.Options{Schemas: collections.PilotGatewayAPI(), DomainSuffix: "cluster.local", Mux: mux}); err != nil {
		t.Fatal(err)
	}
	return &istioAdmission{crd: v, webhook: mux}
}

// istioModuleDir is the directory of the istio.io/istio module the test is
// built with.
func istioModuleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/istio").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m istio.io/istio: %v", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// admit returns the API server's and the webhook's error messages for obj
// ("" when they admit it). The webhook sees the object even when the API
// server rejects it, so that both layers are compared.
func (a *istioAdmission) admit(t *testing.T, obj map[string]any) (crdErr, webhookErr string) {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	// Decoded as the API server decodes a request body (integers as int64).
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	if err := a.crd.ValidateCustomResource(u); err != nil {
		crdErr = err.Error()
	}
	gvk := u.GroupVersionKind()
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "eg014",
			Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Name:      u.GetName(),
			Namespace: u.GetNamespace(),
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		},
	}
	body, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.webhook.ServeHTTP(rec, req)
	var resp admissionv1.AdmissionReview
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil || resp.Response == nil {
		t.Fatalf("webhook answered %d %s", rec.Code, rec.Body.String())
	}
	if !resp.Response.Allowed {
		webhookErr = "rejected"
		if resp.Response.Result != nil {
			webhookErr = resp.Response.Result.Message
		}
	}
	return crdErr, webhookErr
}

// eg014Copy deep-copies a value decoded from JSON.
func eg014Copy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, e := range v {
			c[k] = eg014Copy(e)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = eg014Copy(e)
		}
		return c
	}
	return v
}
