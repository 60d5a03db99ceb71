// Package schema validates Kubernetes objects, as YAML nodes, against the
// OpenAPI v3 structural schemas of CustomResourceDefinitions, the way
// kube-apiserver does: unknown fields, types (with int-or-string), required
// fields, enums, bounds, lengths, formats, oneOf/anyOf/allOf/not as value
// validations, and the x-kubernetes-validations CEL rules it can read (see
// rules.go). Every error names the field path (spec.servers[0].port.number)
// so the caller can point at its line.
//
// It embeds the schemas of Istio's Gateway and VirtualService, extracted
// from the CRDs of istio.io/api by policy/internal/schemagen, a module of its
// own so that edgegate never depends on istio.io/api. That module's tests
// fail when the embedded file drifts from the CRDs of the version it
// requires.
package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
)

//go:generate sh -c "cd ../internal/schemagen && go run ."

//go:embed istio-networking-v1.json
var istioNetworking []byte

// Schema is one OpenAPI v3 schema of a CRD, with the keywords structural
// schemas use. Decoding the embedded file rejects any other keyword, so a
// new one in a later Istio release fails the tests instead of being ignored.
type Schema struct {
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Nullable             bool               `json:"nullable,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	AdditionalProperties *SchemaOrBool      `json:"additionalProperties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	ExclusiveMinimum     bool               `json:"exclusiveMinimum,omitempty"`
	ExclusiveMaximum     bool               `json:"exclusiveMaximum,omitempty"`
	MinLength            *int64             `json:"minLength,omitempty"`
	MaxLength            *int64             `json:"maxLength,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	MinItems             *int64             `json:"minItems,omitempty"`
	MaxItems             *int64             `json:"maxItems,omitempty"`
	UniqueItems          bool               `json:"uniqueItems,omitempty"`
	MinProperties        *int64             `json:"minProperties,omitempty"`
	MaxProperties        *int64             `json:"maxProperties,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`
	Not                  *Schema            `json:"not,omitempty"`

	IntOrString           bool     `json:"x-kubernetes-int-or-string,omitempty"`
	PreserveUnknownFields bool     `json:"x-kubernetes-preserve-unknown-fields,omitempty"`
	EmbeddedResource      bool     `json:"x-kubernetes-embedded-resource,omitempty"`
	ListType              string   `json:"x-kubernetes-list-type,omitempty"`
	ListMapKeys           []string `json:"x-kubernetes-list-map-keys,omitempty"`
	MapType               string   `json:"x-kubernetes-map-type,omitempty"`
	Validations           []Rule   `json:"x-kubernetes-validations,omitempty"`

	rules []rule // Validations that compile; see rules.go
	// atMostOne is the fields of a oneOf that says "at most one of these"
	// (see atMostOneOf), worked out once by prepare rather than at every
	// value: nil when the oneOf is not one (atMostOneOf never returns an
	// empty list). prepared says prepare has run.
	atMostOne []string
	prepared  bool
}

// SchemaOrBool is additionalProperties: a schema for the values of a map,
// or false (no other field) / true (any field).
type SchemaOrBool struct {
	Schema *Schema
	Allows bool
}

// UnmarshalJSON reads a schema or a boolean.
func (s *SchemaOrBool) UnmarshalJSON(data []byte) error {
	if b := bytes.TrimSpace(data); bytes.Equal(b, []byte("true")) || bytes.Equal(b, []byte("false")) {
		s.Allows = b[0] == 't'
		return nil
	}
	s.Schema, s.Allows = &Schema{}, true
	return strictUnmarshal(data, s.Schema)
}

// Rule is one x-kubernetes-validations entry: a CEL expression over self.
type Rule struct {
	Rule              string `json:"rule"`
	Message           string `json:"message,omitempty"`
	MessageExpression string `json:"messageExpression,omitempty"`
	Reason            string `json:"reason,omitempty"`
	FieldPath         string `json:"fieldPath,omitempty"`
	OptionalOldSelf   *bool  `json:"optionalOldSelf,omitempty"`
}

// Kind is the schema of one custom resource kind, shared by its versions.
type Kind struct {
	Group    string
	Kind     string
	Versions []string // served, storage version first
	Schema   *Schema  // openAPIV3Schema
}

// Serves reports whether apiVersion (group/version) is a served version.
func (k *Kind) Serves(apiVersion string) bool {
	group, version, ok := strings.Cut(apiVersion, "/")
	if !ok || group != k.Group {
		return false
	}
	for _, v := range k.Versions {
		if v == version {
			return true
		}
	}
	return false
}

// Set is the embedded schemas of one API group.
type Set struct {
	// Source names the CRD file and release the schemas come from:
	// "istio.io/api v1.32.0 kubernetes/customresourcedefinitions.gen.yaml".
	Source string
	Group  string
	Kinds  map[string]*Kind
	// Unsupported lists what the validator cannot check (a CEL rule it
	// cannot read, a format it does not know), by schema path. The tests
	// require it to be empty.
	Unsupported []string
}

// Release is the istio.io/api version of Source ("v1.32.0").
func (s *Set) Release() string {
	if f := strings.Fields(s.Source); len(f) >= 2 {
		return f[1]
	}
	return ""
}

// Istio returns the embedded schemas of networking.istio.io.
var Istio = sync.OnceValue(func() *Set {
	set, err := Load(istioNetworking)
	if err != nil {
		panic("policy/schema: the embedded Istio schemas do not load: " + err.Error())
	}
	return set
})

// Load reads a file written by policy/internal/schemagen.
func Load(data []byte) (*Set, error) {
	var file struct {
		Source      string `json:"source"`
		GeneratedBy string `json:"generatedBy"`
		Group       string `json:"group"`
		Kinds       map[string]struct {
			Versions []string `json:"versions"`
			Schema   *Schema  `json:"openAPIV3Schema"`
		} `json:"kinds"`
	}
	if err := strictUnmarshal(data, &file); err != nil {
		return nil, err
	}
	set := &Set{Source: file.Source, Group: file.Group, Kinds: map[string]*Kind{}}
	for name, k := range file.Kinds {
		if k.Schema == nil || len(k.Versions) == 0 {
			return nil, fmt.Errorf("%s: no schema or no versions", name)
		}
		set.Kinds[name] = &Kind{Group: file.Group, Kind: name, Versions: k.Versions, Schema: k.Schema}
		set.Unsupported = append(set.Unsupported, k.Schema.prepare(name)...)
	}
	sort.Strings(set.Unsupported)
	return set, nil
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// knownFormats are the formats the validator checks (or, for numbers,
// knows need no check beyond their type).
var knownFormats = map[string]bool{
	"": true, "int32": true, "int64": true, "double": true, "float": true,
	"byte": true, "date-time": true,
}

// prepare compiles the rules of s and every schema in it, and returns what
// it cannot check.
func (s *Schema) prepare(path string) []string {
	var unsupported []string
	if !knownFormats[s.Format] {
		unsupported = append(unsupported, fmt.Sprintf("%s: format %q", path, s.Format))
	}
	seen := map[string]bool{}
	for _, r := range s.Validations {
		c, ok := compileRule(r)
		if !ok {
			unsupported = append(unsupported, fmt.Sprintf("%s: x-kubernetes-validations rule %q", path, r.Rule))
			continue
		}
		// Istio's CRDs repeat a rule under another message; the API
		// server reports both, edgegate the first.
		if seen[c.key] {
			continue
		}
		seen[c.key] = true
		s.rules = append(s.rules, c)
	}
	s.atMostOne, _ = atMostOneOf(s.OneOf)
	s.prepared = true
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		unsupported = append(unsupported, s.Properties[name].prepare(path+"."+name)...)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		unsupported = append(unsupported, s.AdditionalProperties.Schema.prepare(path+"[*]")...)
	}
	if s.Items != nil {
		unsupported = append(unsupported, s.Items.prepare(path+"[*]")...)
	}
	if s.Not != nil {
		unsupported = append(unsupported, s.Not.prepare(path+"(not)")...)
	}
	for _, group := range [][]*Schema{s.OneOf, s.AnyOf, s.AllOf} {
		for _, sub := range group {
			unsupported = append(unsupported, sub.prepare(path)...)
		}
	}
	return unsupported
}
