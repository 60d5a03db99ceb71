package v1alpha1

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The JSON schemas in config/schema are generated from the CRDs in
// config/crd, for editors (yaml-language-server) and other JSON Schema
// tools: `go test ./api/v1alpha1 -run TestJSONSchemas -update-schemas`
// writes them, and TestJSONSchemas fails when one differs from its CRD.

var updateSchemas = flag.Bool("update-schemas", false, "rewrite config/schema/*.json from config/crd")

const schemaDir = "../../config/schema"

func schemaFile(kind string) string { return strings.ToLower(kind) + ".json" }

// jsonSchema turns a CRD's openAPIV3Schema into a JSON Schema (draft-07)
// for kind: the same keywords, with the Kubernetes extensions spelled in
// JSON Schema, apiVersion and kind fixed to the kind's, and unknown fields
// refused where edgegate refuses them (everywhere but metadata and the
// fields the CRD leaves open).
func jsonSchema(kind string, openAPI map[string]any) map[string]any {
	out := convertSchema(openAPI, true)
	out["$schema"] = "http://json-schema.org/draft-07/schema#"
	out["$id"] = SchemaURL(kind)
	out["title"] = kind + " (" + APIVersion + ")"
	props := out["properties"].(map[string]any)
	props["apiVersion"] = map[string]any{"description": APIVersion + ".", "type": "string", "enum": []any{APIVersion}}
	props["kind"] = map[string]any{"description": kind + ".", "type": "string", "enum": []any{kind}}
	props["metadata"] = map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":        map[string]any{"type": "string"},
			"namespace":   map[string]any{"type": "string"},
			"labels":      map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
			"annotations": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
		},
	}
	out["required"] = appendUnique(out["required"], "apiVersion", "kind")
	return out
}

func appendUnique(list any, names ...string) []any {
	var out []any
	seen := map[string]bool{}
	if l, ok := list.([]any); ok {
		for _, v := range l {
			out = append(out, v)
			seen[fmt.Sprint(v)] = true
		}
	}
	for _, n := range names {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// schemaKeywords are the OpenAPI keywords JSON Schema reads the same way.
var schemaKeywords = []string{"description", "type", "enum", "pattern", "format", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
	"minProperties", "maxProperties", "required", "default", "multipleOf"}

func convertSchema(in map[string]any, closed bool) map[string]any {
	out := map[string]any{}
	for _, k := range schemaKeywords {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	if in["x-kubernetes-int-or-string"] == true {
		delete(out, "type")
		out["anyOf"] = []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}
	}
	if in["nullable"] == true {
		if t, ok := out["type"].(string); ok {
			out["type"] = []any{t, "null"}
		}
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if list, ok := in[k].([]any); ok {
			var conv []any
			for _, s := range list {
				conv = append(conv, convertSchema(s.(map[string]any), false))
			}
			out[k] = conv
		}
	}
	if not, ok := in["not"].(map[string]any); ok {
		out["not"] = convertSchema(not, false)
	}
	if items, ok := in["items"].(map[string]any); ok {
		out["items"] = convertSchema(items, true)
	}
	if props, ok := in["properties"].(map[string]any); ok {
		conv := map[string]any{}
		for name, p := range props {
			conv[name] = convertSchema(p.(map[string]any), true)
		}
		out["properties"] = conv
		// edgegate decodes strictly: a field the CRD does not name is an
		// error, so the editor says so too.
		if closed && in["x-kubernetes-preserve-unknown-fields"] != true && in["additionalProperties"] == nil {
			out["additionalProperties"] = false
		}
	}
	switch ap := in["additionalProperties"].(type) {
	case map[string]any:
		out["additionalProperties"] = convertSchema(ap, true)
	case bool:
		out["additionalProperties"] = ap
	}
	return out
}

// crdOpenAPI reads the openAPIV3Schema of a CRD file, and its kind.
func crdOpenAPI(t *testing.T, file string) (string, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(crdDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Names    struct{ Kind string }
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema map[string]any `yaml:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("%s: %d versions, want 1", file, len(crd.Spec.Versions))
	}
	return crd.Spec.Names.Kind, crd.Spec.Versions[0].Schema.OpenAPIV3Schema
}

func encodeSchema(t *testing.T, s map[string]any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestJSONSchemas: each kind's schema is its CRD's, so schema and CRD
// cannot drift (and the CRDs cannot drift from the Go types: crd_test.go).
func TestJSONSchemas(t *testing.T) {
	for _, c := range crdCases {
		kind, openAPI := crdOpenAPI(t, c.file)
		if kind != c.kind {
			t.Fatalf("%s: kind %s, want %s", c.file, kind, c.kind)
		}
		got := encodeSchema(t, jsonSchema(kind, openAPI))
		path := filepath.Join(schemaDir, schemaFile(kind))
		if *updateSchemas {
			if err := os.MkdirAll(schemaDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./api/v1alpha1 -run TestJSONSchemas -update-schemas)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what %s generates: go test ./api/v1alpha1 -run TestJSONSchemas -update-schemas", path, c.file)
		}
	}
	entries, _ := os.ReadDir(schemaDir)
	if len(entries) != len(crdCases) {
		t.Errorf("%s holds %d files, want one schema per CRD (%d)", schemaDir, len(entries), len(crdCases))
	}
}

// TestSchemaRefusesUnknownFields pins the conversion the editor relies on:
// the spec's objects are closed, metadata and maps stay open.
func TestSchemaRefusesUnknownFields(t *testing.T) {
	kind, openAPI := crdOpenAPI(t, "appintents.edgegate.dev.yaml")
	s := jsonSchema(kind, openAPI)
	props := s["properties"].(map[string]any)
	spec := props["spec"].(map[string]any)
	if spec["additionalProperties"] != false {
		t.Errorf("spec allows unknown fields: %v", spec["additionalProperties"])
	}
	if _, ok := props["metadata"].(map[string]any)["additionalProperties"]; ok {
		t.Error("metadata refuses unknown fields")
	}
	if k := props["kind"].(map[string]any)["enum"].([]any); len(k) != 1 || k[0] != KindAppIntent {
		t.Errorf("kind enum %v", k)
	}
}

var modeline = regexp.MustCompile(`(?m)^# yaml-language-server: \$schema=\S+$`)
var topKind = regexp.MustCompile(`(?m)^kind: *(\S+)`)

// TestExamplesNameTheirSchema: every example file of an edgegate kind names
// that kind's schema in a yaml-language-server modeline, so an editor
// completes and checks it.
func TestExamplesNameTheirSchema(t *testing.T) {
	kinds := map[string]bool{}
	for _, c := range crdCases {
		kinds[c.kind] = true
	}
	var checked int
	err := filepath.Walk("../../examples", func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var ours []string
		for _, m := range topKind.FindAllStringSubmatch(string(data), -1) {
			if kinds[m[1]] {
				ours = append(ours, m[1])
			}
		}
		if len(ours) == 0 {
			return nil
		}
		checked++
		sort.Strings(ours)
		if ours[0] != ours[len(ours)-1] {
			t.Errorf("%s holds %s and %s: one schema per file, so one kind per file", path, ours[0], ours[len(ours)-1])
			return nil
		}
		m := modeline.FindAllString(string(data), -1)
		if want := Modeline(ours[0]); len(m) != 1 || m[0] != want {
			t.Errorf("%s: want one modeline %q, got %q", path, want, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Errorf("checked %d example files, want the 40 or so of edgegate's kinds", checked)
	}
}
