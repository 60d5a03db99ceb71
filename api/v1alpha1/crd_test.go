package v1alpha1

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The hand-written CRDs in config/crd must describe exactly the fields the Go
// types decode: these tests fail when a field is added to one and not the
// other.

const crdDir = "../../config/crd"

var crdCases = []struct {
	file     string
	kind     string
	plural   string
	singular string
	goType   reflect.Type
}{
	{"appintents.edgegate.dev.yaml", KindAppIntent, "appintents", "appintent", reflect.TypeOf(AppIntent{})},
	{"ingressgateways.edgegate.dev.yaml", KindIngressGateway, "ingressgateways", "ingressgateway", reflect.TypeOf(IngressGateway{})},
	{"hostbindings.edgegate.dev.yaml", KindHostBindings, "hostbindings", "hostbindings", reflect.TypeOf(HostBindings{})},
	{"edgegatepolicies.edgegate.dev.yaml", KindPolicy, "edgegatepolicies", "edgegatepolicy", reflect.TypeOf(EdgegatePolicy{})},
}

// crdFile is the part of an apiextensions.k8s.io/v1 CustomResourceDefinition the
// tests read. It is decoded with known fields only, so a misspelled key fails.
type crdFile struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		Group string `yaml:"group"`
		Names struct {
			Kind       string   `yaml:"kind"`
			ListKind   string   `yaml:"listKind"`
			Plural     string   `yaml:"plural"`
			Singular   string   `yaml:"singular"`
			ShortNames []string `yaml:"shortNames"`
			Categories []string `yaml:"categories"`
		} `yaml:"names"`
		Scope    string `yaml:"scope"`
		Versions []struct {
			Name                     string `yaml:"name"`
			Served                   bool   `yaml:"served"`
			Storage                  bool   `yaml:"storage"`
			AdditionalPrinterColumns []struct {
				Name        string `yaml:"name"`
				Type        string `yaml:"type"`
				Format      string `yaml:"format"`
				Description string `yaml:"description"`
				Priority    int    `yaml:"priority"`
				JSONPath    string `yaml:"jsonPath"`
			} `yaml:"additionalPrinterColumns"`
			Schema struct {
				OpenAPIV3Schema *crdSchema `yaml:"openAPIV3Schema"`
			} `yaml:"schema"`
		} `yaml:"versions"`
	} `yaml:"spec"`
}

// crdSchema holds the keywords of a CRD's JSONSchemaProps.
type crdSchema struct {
	Type                 string                `yaml:"type"`
	Format               string                `yaml:"format"`
	Title                string                `yaml:"title"`
	Description          string                `yaml:"description"`
	Properties           map[string]*crdSchema `yaml:"properties"`
	AdditionalProperties *crdSchema            `yaml:"additionalProperties"`
	Items                *crdSchema            `yaml:"items"`
	Required             []string              `yaml:"required"`
	Enum                 []any                 `yaml:"enum"`
	Default              any                   `yaml:"default"`
	Example              any                   `yaml:"example"`
	Nullable             bool                  `yaml:"nullable"`
	Minimum              *float64              `yaml:"minimum"`
	Maximum              *float64              `yaml:"maximum"`
	ExclusiveMinimum     bool                  `yaml:"exclusiveMinimum"`
	ExclusiveMaximum     bool                  `yaml:"exclusiveMaximum"`
	MultipleOf           *float64              `yaml:"multipleOf"`
	MinLength            *int64                `yaml:"minLength"`
	MaxLength            *int64                `yaml:"maxLength"`
	Pattern              string                `yaml:"pattern"`
	MinItems             *int64                `yaml:"minItems"`
	MaxItems             *int64                `yaml:"maxItems"`
	MinProperties        *int64                `yaml:"minProperties"`
	MaxProperties        *int64                `yaml:"maxProperties"`
	AllOf                []*crdSchema          `yaml:"allOf"`
	AnyOf                []*crdSchema          `yaml:"anyOf"`
	OneOf                []*crdSchema          `yaml:"oneOf"`
	Not                  *crdSchema            `yaml:"not"`

	PreserveUnknownFields bool     `yaml:"x-kubernetes-preserve-unknown-fields"`
	IntOrString           bool     `yaml:"x-kubernetes-int-or-string"`
	EmbeddedResource      bool     `yaml:"x-kubernetes-embedded-resource"`
	ListType              string   `yaml:"x-kubernetes-list-type"`
	ListMapKeys           []string `yaml:"x-kubernetes-list-map-keys"`
	MapType               string   `yaml:"x-kubernetes-map-type"`
	Validations           []any    `yaml:"x-kubernetes-validations"`
}

func crdRead(t *testing.T, file string) *crdFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(crdDir, file))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c crdFile
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return &c
}

func TestCRDDefinitions(t *testing.T) {
	group, version, _ := strings.Cut(APIVersion, "/")
	if group != Group {
		t.Fatalf("APIVersion %q is not in group %q", APIVersion, Group)
	}
	for _, tc := range crdCases {
		t.Run(tc.kind, func(t *testing.T) {
			c := crdRead(t, tc.file)
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s: %s is %q, want %q", tc.file, what, got, want)
				}
			}
			check("apiVersion", c.APIVersion, "apiextensions.k8s.io/v1")
			check("kind", c.Kind, "CustomResourceDefinition")
			check("metadata.name", c.Metadata.Name, tc.plural+"."+Group)
			check("spec.group", c.Spec.Group, Group)
			check("spec.names.kind", c.Spec.Names.Kind, tc.kind)
			check("spec.names.listKind", c.Spec.Names.ListKind, tc.kind+"List")
			check("spec.names.plural", c.Spec.Names.Plural, tc.plural)
			check("spec.names.singular", c.Spec.Names.Singular, tc.singular)
			check("spec.scope", c.Spec.Scope, "Namespaced")
			if len(c.Spec.Versions) != 1 {
				t.Fatalf("%s: %d versions, want 1 (%s)", tc.file, len(c.Spec.Versions), version)
			}
			v := c.Spec.Versions[0]
			check("spec.versions[0].name", v.Name, version)
			if !v.Served || !v.Storage {
				t.Errorf("%s: version %s must be served and stored (served %v, storage %v)", tc.file, v.Name, v.Served, v.Storage)
			}
			if v.Schema.OpenAPIV3Schema == nil {
				t.Fatalf("%s: no openAPIV3Schema", tc.file)
			}
		})
	}
}

func TestCRDSchemasMatchGoTypes(t *testing.T) {
	for _, tc := range crdCases {
		t.Run(tc.kind, func(t *testing.T) {
			c := crdRead(t, tc.file)
			if len(c.Spec.Versions) == 0 || c.Spec.Versions[0].Schema.OpenAPIV3Schema == nil {
				t.Fatalf("%s: no schema", tc.file)
			}
			root := c.Spec.Versions[0].Schema.OpenAPIV3Schema
			for _, p := range crdCheckRoot(root, tc.goType) {
				t.Errorf("%s: %s", tc.file, p)
			}
		})
	}
}

// TestCRDCheckDetectsDrift makes sure the comparison above fails both ways:
// a Go field missing from the schema and a schema property missing from Go.
func TestCRDCheckDetectsDrift(t *testing.T) {
	root := crdRead(t, crdCases[0].file).Spec.Versions[0].Schema.OpenAPIV3Schema
	tls := root.Properties["spec"].Properties["tls"]
	if tls == nil {
		t.Fatal("no spec.tls in the AppIntent schema")
	}
	type tlsPlusField struct {
		CredentialName string `yaml:"credentialName"`
		Mode           string `yaml:"mode"`
		HTTPSRedirect  *bool  `yaml:"httpsRedirect"`
		MinVersion     string `yaml:"minVersion"`
	}
	type tlsMinusField struct {
		CredentialName string `yaml:"credentialName"`
		Mode           string `yaml:"mode"`
	}
	type tlsWrongType struct {
		CredentialName string `yaml:"credentialName"`
		Mode           int    `yaml:"mode"`
		HTTPSRedirect  *bool  `yaml:"httpsRedirect"`
	}
	for _, tc := range []struct {
		goType reflect.Type
		want   string
	}{
		{reflect.TypeOf(TLS{}), ""},
		{reflect.TypeOf(tlsPlusField{}), `Go field "minVersion" is missing from the schema`},
		{reflect.TypeOf(tlsMinusField{}), `schema property "httpsRedirect" is not a Go field`},
		{reflect.TypeOf(tlsWrongType{}), `spec.tls.mode: type is "string", want "integer"`},
	} {
		problems := crdCheckSchema("spec.tls", tls, tc.goType)
		got := strings.Join(problems, "; ")
		if (tc.want == "" && got != "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: problems %q, want %q", tc.goType.Name(), got, tc.want)
		}
	}
}

// crdCheckRoot compares the root schema of a kind with its Go type, which
// holds only the body (spec): apiVersion, kind and metadata are read
// elsewhere.
func crdCheckRoot(s *crdSchema, goType reflect.Type) []string {
	var problems []string
	for _, name := range []string{"apiVersion", "kind"} {
		if p := s.Properties[name]; p == nil || p.Type != "string" {
			problems = append(problems, fmt.Sprintf("root: %s must be a string property", name))
		}
	}
	if p := s.Properties["metadata"]; p == nil || p.Type != "object" {
		problems = append(problems, "root: metadata must be an object property")
	}
	body := *s
	body.Properties = map[string]*crdSchema{}
	for name, p := range s.Properties {
		switch name {
		case "apiVersion", "kind", "metadata":
		default:
			body.Properties[name] = p
		}
	}
	return append(problems, crdCheckSchema("", &body, goType)...)
}

var (
	crdYAMLNodeType     = reflect.TypeOf(yaml.Node{})
	crdDestinationsType = reflect.TypeOf(Destinations{})
	crdPortRangeType    = reflect.TypeOf(PortRange{})
)

// crdCheckSchema compares the schema s at path with the Go type the decoder
// fills from it, recursing into structs, slices, maps and pointers.
func crdCheckSchema(path string, s *crdSchema, goType reflect.Type) []string {
	var problems []string
	add := func(format string, args ...any) {
		where := path
		if where == "" {
			where = "root"
		}
		problems = append(problems, where+": "+fmt.Sprintf(format, args...))
	}
	wantType := func(want string) bool {
		if s.Type != want {
			add("type is %q, want %q", s.Type, want)
			return false
		}
		return true
	}
	for goType.Kind() == reflect.Pointer {
		goType = goType.Elem()
	}
	switch {
	case goType == crdYAMLNodeType:
		// A raw Kubernetes structure (affinity, tolerations, ...), kept as
		// is: the schema must not prune it.
		if !s.PreserveUnknownFields && (s.Items == nil || !s.Items.PreserveUnknownFields) {
			add("a raw structure needs x-kubernetes-preserve-unknown-fields on the field or its items")
		}
		return problems

	case goType == crdDestinationsType:
		// "service[.namespace]:port" or a list of destinations: no single
		// type, so untyped with preserved fields, and items for the list.
		if s.Type != "" || !s.PreserveUnknownFields {
			add(`a string-or-list must have no type and x-kubernetes-preserve-unknown-fields (type %q)`, s.Type)
		}
		if s.Items == nil {
			add("no items schema for the list form")
			return problems
		}
		return append(problems, crdCheckSchema(path+"[]", s.Items, goType.Elem())...)

	case goType == crdPortRangeType:
		// A port (80) or a range ("8080-8089").
		if s.Type != "" || !s.IntOrString {
			add(`a port or range must be x-kubernetes-int-or-string without a type (type %q)`, s.Type)
		}
		return problems
	}

	switch goType.Kind() {
	case reflect.Struct:
		if !wantType("object") {
			return problems
		}
		fields := crdYAMLFields(goType)
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			if s.Properties[name] == nil {
				add("Go field %q is missing from the schema", name)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			if _, ok := fields[name]; !ok {
				add("schema property %q is not a Go field", name)
			}
		}
		for _, name := range s.Required {
			if s.Properties[name] == nil {
				add("required property %q is not in properties", name)
			}
		}
		if s.AdditionalProperties != nil {
			add("a struct must not have additionalProperties")
		}
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			prop := s.Properties[name]
			if prop == nil {
				continue
			}
			if strings.TrimSpace(prop.Description) == "" {
				add("property %q has no description", name)
			}
			problems = append(problems, crdCheckSchema(crdJoinField(path, name), prop, fields[name])...)
		}
	case reflect.Slice:
		if !wantType("array") {
			return problems
		}
		if s.Items == nil {
			add("no items schema")
			return problems
		}
		problems = append(problems, crdCheckSchema(path+"[]", s.Items, goType.Elem())...)
	case reflect.Map:
		if !wantType("object") {
			return problems
		}
		if len(s.Properties) > 0 || s.AdditionalProperties == nil {
			add("a map needs additionalProperties and no properties")
			return problems
		}
		problems = append(problems, crdCheckSchema(path+".*", s.AdditionalProperties, goType.Elem())...)
	case reflect.String:
		wantType("string")
	case reflect.Int, reflect.Int32, reflect.Int64:
		wantType("integer")
	case reflect.Bool:
		wantType("boolean")
	default:
		add("no schema rule for Go type %s", goType)
	}
	return problems
}

// crdYAMLFields maps the yaml names of a struct's fields to their types, named
// the way manifest.Decode names them.
func crdYAMLFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		if name, _, ok := manifest.FieldName(t.Field(i)); ok {
			fields[name] = t.Field(i).Type
		}
	}
	return fields
}

func crdJoinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
