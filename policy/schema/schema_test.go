package schema

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestEmbeddedSchemas: the embedded file loads, every rule and format in it
// is one the validator checks, and it is the Istio release the rest of the
// repository tests against.
func TestEmbeddedSchemas(t *testing.T) {
	set := Istio()
	if len(set.Unsupported) > 0 {
		t.Errorf("the embedded schemas use what the validator cannot check; teach it (rules.go, knownFormats):\n  %s", strings.Join(set.Unsupported, "\n  "))
	}
	if set.Group != "networking.istio.io" {
		t.Errorf("group %q", set.Group)
	}
	for _, kind := range []string{"Gateway", "VirtualService"} {
		k := set.Kinds[kind]
		if k == nil {
			t.Fatalf("no schema for %s", kind)
		}
		for _, v := range []string{"v1", "v1beta1", "v1alpha3"} {
			if !k.Serves("networking.istio.io/" + v) {
				t.Errorf("%s: %s not served", kind, v)
			}
		}
		if k.Serves("networking.istio.io/v2") || k.Serves("gateway.networking.k8s.io/v1") {
			t.Errorf("%s serves too much", kind)
		}
		if k.Schema.Properties["spec"] == nil {
			t.Errorf("%s: no spec in the schema", kind)
		}
	}
	// The generator module and the e2e suite (which installs the CRDs in
	// a real API server) must name the same istio.io/api release.
	for _, gomod := range []string{"../internal/schemagen/go.mod", "../../tests/e2e/go.mod"} {
		data, err := os.ReadFile(filepath.FromSlash(gomod))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?istio\.io/api (v\S+)`).FindSubmatch(data)
		if m == nil {
			t.Errorf("%s does not require istio.io/api", gomod)
			continue
		}
		if string(m[1]) != set.Release() {
			t.Errorf("%s requires istio.io/api %s, the embedded schemas come from %s: regenerate them (go generate ./policy/schema)", gomod, m[1], set.Source)
		}
	}
}

// testSchema exercises every keyword, independent of Istio's schemas.
const testSchema = `{"source": "test v0.0.0", "group": "test.dev", "kinds": {"Thing": {"versions": ["v1"], "openAPIV3Schema": {
 "type": "object",
 "properties": {
  "spec": {
   "type": "object",
   "required": ["name"],
   "properties": {
    "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
    "count": {"type": "integer", "minimum": 1, "maximum": 10, "format": "int32"},
    "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
    "enabled": {"type": "boolean", "nullable": true},
    "mode": {"type": "string", "enum": ["FAST", "SLOW"]},
    "port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "x-kubernetes-list-type": "set"},
    "items": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["key"],
     "items": {"type": "object", "properties": {"key": {"type": "string"}, "value": {"type": "string"}}}},
    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
    "data": {"type": "string", "format": "byte"},
    "when": {"type": "string", "format": "date-time"},
    "timeout": {"type": "string", "x-kubernetes-validations": [{"rule": "duration(self) >= duration('1ms')", "message": "must be a valid duration greater than 1ms"}]},
    "match": {"type": "object",
     "oneOf": [{"not": {"anyOf": [{"required": ["exact"]}, {"required": ["prefix"]}]}}, {"required": ["exact"]}, {"required": ["prefix"]}],
     "properties": {"exact": {"type": "string"}, "prefix": {"type": "string"}}},
    "either": {"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
     "properties": {"a": {"type": "string"}, "b": {"type": "string"}}},
    "tls": {"type": "object",
     "properties": {"one": {"type": "string"}, "two": {"type": "string"}, "three": {"type": "string"}},
     "x-kubernetes-validations": [
      {"rule": "(has(self.one) ? 1 : 0) + (has(self.two) ? 1 : 0) <= 1", "message": "only one of one or two can be set"},
      {"rule": "(has(self.two)?1:0)+(has(self.one)?1:0)<=1", "message": "the same rule again"}]}
   }
  }
 }
}}}}`

func TestValidate(t *testing.T) {
	set, err := Load([]byte(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Unsupported) > 0 {
		t.Fatalf("unsupported: %v", set.Unsupported)
	}
	s := set.Kinds["Thing"].Schema
	for _, tc := range []struct {
		name, spec string
		want       []string // "field: message" fragments, in order
	}{
		{"valid", `{name: abc, count: 3, ratio: 0.5, enabled: null, mode: FAST, port: http, labels: {a: b}, tags: [x, z],
			items: [{key: a}, {key: b}], free: {anything: [1, 2]}, data: aGVsbG8=, when: "2026-01-02T03:04:05Z", timeout: 1.5s,
			match: {prefix: /}, either: {a: x}, tls: {one: x, three: z}}`, nil},
		{"int-or-string takes a number", `{name: a, port: 8080}`, nil},
		{"an integral float is an integer", `{name: a, count: 3.0}`, nil},
		{"required", `{count: 3}`, []string{`spec.name: required field is missing`}},
		{"unknown field with a suggestion", `{name: a, cuont: 3}`, []string{`spec.cuont: unknown field "cuont" (did you mean "count"?)`}},
		{"unknown field far from any", `{name: a, zzzzzz: 3}`, []string{`spec.zzzzzz: unknown field "zzzzzz"`}},
		{"a quoted number", `{name: a, count: "3"}`, []string{`spec.count: expected an integer, got string "3": write it without quotes`}},
		{"a number for a string", `{name: 12}`, []string{`spec.name: expected a string, got number 12: quote it ("12")`}},
		{"a fraction for an integer", `{name: a, count: 2.5}`, []string{`spec.count: expected an integer, got number 2.5`}},
		{"a map for a list", `{name: a, tags: {a: b}}`, []string{`spec.tags: expected an array, got a map`}},
		{"null where not nullable", `{name: a, mode: null}`, []string{`spec.mode: expected a string, got null`}},
		{"a boolean for int-or-string", `{name: a, port: true}`, []string{`spec.port: expected an integer or a string, got boolean true`}},
		{"bounds", `{name: a, count: 11, ratio: 0}`, []string{
			`spec.count: invalid value 11: must be less than or equal to 10`,
			`spec.ratio: invalid value 0: must be greater than 0`}},
		{"int32", `{name: a, count: 3000000000}`, []string{
			`spec.count: invalid value 3000000000: must be less than or equal to 10`,
			`spec.count: invalid value 3000000000: must be of type integer with format int32`}},
		{"string length and pattern", `{name: abcdefg}`, []string{`spec.name: may not be longer than 5 characters`}},
		{"pattern", `{name: ab1}`, []string{`spec.name: invalid value "ab1": should match '^[a-z]+$'`}},
		{"enum with a case hint", `{name: a, mode: fast}`, []string{`spec.mode: unsupported value "fast" (did you mean "FAST"?): supported values: "FAST", "SLOW"`}},
		{"map values", `{name: a, labels: {a: 1}}`, []string{`spec.labels.a: expected a string, got number 1`}},
		{"map keys that are not names", `{name: a, labels: {app.kubernetes.io/name: 1}}`, []string{`spec.labels[app.kubernetes.io/name]: expected a string`}},
		{"list size and set", `{name: a, tags: [x, x, z]}`, []string{`spec.tags: must have at most 2 items, has 3`, `spec.tags[1]: duplicate value "x"`}},
		{"list map keys", `{name: a, items: [{key: a}, {key: a}]}`, []string{`spec.items[1]: duplicate entry with key=a`}},
		{"list items", `{name: a, items: [{key: a, val: b}]}`, []string{`spec.items[0].val: unknown field "val" (did you mean "value"?)`}},
		{"byte", `{name: a, data: "%%%"}`, []string{`spec.data: invalid value: must be base64-encoded bytes (format byte)`}},
		{"date-time", `{name: a, when: yesterday}`, []string{`spec.when: invalid value "yesterday": must be an RFC 3339 date-time`}},
		{"duration rule", `{name: a, timeout: 0.5ms}`, []string{`spec.timeout: invalid value "0.5ms": must be a valid duration greater than 1ms`}},
		{"duration rule on garbage", `{name: a, timeout: soon}`, []string{`spec.timeout: invalid value "soon": must be a valid duration greater than 1ms`}},
		{"count rule, reported once for two identical rules", `{name: a, tls: {one: x, two: z}}`, []string{`spec.tls: only one of one or two can be set`}},
		{"Istio's oneOf", `{name: a, match: {exact: /a, prefix: /b}}`, []string{`spec.match: only one of exact or prefix can be set, found exact and prefix`}},
		{"another oneOf", `{name: a, either: {}}`, []string{`spec.either: must validate one and only one schema (oneOf), found 0 valid alternatives`}},
		{"duplicate keys", "{name: a, name: b}", []string{`spec.name: duplicate field "name"`}},
		{"merge keys count", "{name: a, labels: &l {a: b}, free: {<<: *l}}", nil},
		{"YAML 1.1 booleans", "{name: yes}", []string{`spec.name: yes is a string here, but kubectl and Helm read YAML 1.1`}},
		{"quoted yes is fine", `{name: "yes"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := parse(t, "apiVersion: test.dev/v1\nkind: Thing\nmetadata: {name: x, labels: {anything: goes}}\nspec: "+tc.spec+"\n")
			var got []string
			for _, e := range s.Validate(obj) {
				got = append(got, e.String())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n  %s", len(got), len(tc.want), strings.Join(got, "\n  "))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d:\n  got  %s\n  want %s", i, got[i], w)
				}
			}
		})
	}
}

func TestValidateTopLevel(t *testing.T) {
	s := Istio().Kinds["Gateway"].Schema
	obj := parse(t, "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: x, annotations: {a: b}}\nspecs: {}\n")
	errs := s.Validate(obj)
	if len(errs) != 1 || errs[0].String() != `specs: unknown field "specs" (did you mean "spec"?)` {
		t.Errorf("got %v", errs)
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: test.dev/v1\nkind: Thing\nmetadata: {name: x}\nspec:\n  name: a\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("  a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	set, err := Load([]byte(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	// Declare the fields as lists of lists, so the validator visits every
	// expanded alias.
	s := set.Kinds["Thing"].Schema
	spec := s.Properties["spec"]
	nested := &Schema{}
	nested.Items = nested // any depth of lists
	for i := 0; i < 9; i++ {
		spec.Properties["a"+string(rune('0'+i))] = nested
	}
	errs := s.Validate(parse(t, b.String()))
	if !slices.ContainsFunc(errs, func(e Error) bool { return strings.Contains(e.Message, "alias bomb") }) {
		t.Errorf("no alias bomb error: %v", errs)
	}
}

// TestMergeKeyBomb: merge keys naming the same maps over and over expand
// each map once (the gate once ran for hours on this).
func TestMergeKeyBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: test.dev/v1\nkind: Thing\nmetadata: {name: x}\nspec:\n  name: a\n  free:\n    m0: &m0 {count: 1}\n")
	for i := 1; i < 10; i++ {
		prev := "*m" + string(rune('0'+i-1))
		b.WriteString("    m" + string(rune('0'+i)) + ": &m" + string(rune('0'+i)) + " {<<: [" + strings.Repeat(prev+",", 9) + prev + "]}\n")
	}
	b.WriteString("  <<: *m9\n")
	set, err := Load([]byte(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	errs := set.Kinds["Thing"].Schema.Validate(parse(t, b.String()))
	if len(errs) != 0 {
		t.Errorf("got %v", errs)
	}
}

func TestMergePrecedence(t *testing.T) {
	n := parse(t, "a: &a {x: 1, y: 1, <<: {z: 1}}\nb: &b {x: 2, y: 2, z: 2, w: 2}\nc: {x: 3, <<: [*a, *b]}\n")
	got := map[string]string{}
	for _, kv := range Fields(Field(n, "c")) {
		got[kv.Key] = kv.Value.Value
	}
	if got["x"] != "3" || got["y"] != "1" || got["z"] != "1" || got["w"] != "2" || len(got) != 4 {
		t.Errorf("merged fields %v, want x=3 (own), y=1 and z=1 (first map), w=2", got)
	}
}

func TestCompileRule(t *testing.T) {
	for _, r := range []string{
		"duration(self) >= duration('1ms')",
		"duration(self)<duration('1h')",
		"(has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) + (has(self.c) ? 1 : 0) <= 1",
	} {
		if _, ok := compileRule(Rule{Rule: r}); !ok {
			t.Errorf("%q does not compile", r)
		}
	}
	for _, r := range []string{
		"self.size() <= 3",
		"duration(self) >= duration('forever')",
		"(has(self.a) ? 1 : 0) + size(self.b) <= 1",
		"oldSelf == self",
	} {
		if _, ok := compileRule(Rule{Rule: r}); ok {
			t.Errorf("%q compiles, but the validator cannot evaluate it", r)
		}
	}
	if _, ok := compileRule(Rule{Rule: "duration(self) >= duration('1ms')", MessageExpression: "'x'"}); ok {
		t.Error("a messageExpression compiles")
	}
}

func TestLoadRejectsUnknownKeywords(t *testing.T) {
	bad := strings.Replace(testSchema, `"maxLength": 5`, `"maxLength": 5, "x-kubernetes-something": true`, 1)
	if _, err := Load([]byte(bad)); err == nil {
		t.Error("an unknown keyword loads")
	}
}

func parse(t *testing.T, doc string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	return n.Content[0]
}
