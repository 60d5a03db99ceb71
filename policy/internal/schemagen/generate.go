package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Group and Kinds are what edgegate embeds: the objects of the ingress path.
const Group = "networking.istio.io"

var Kinds = []string{"Gateway", "VirtualService"}

// File is the embedded file: one schema per kind, shared by every served
// version of it (Generate fails when the versions' schemas differ).
type File struct {
	// Source names the CRD file and the istio.io/api version it comes from.
	Source      string          `json:"source"`
	GeneratedBy string          `json:"generatedBy"`
	Group       string          `json:"group"`
	Kinds       map[string]Kind `json:"kinds"`
}

// Kind is one custom resource.
type Kind struct {
	// Versions are the served versions, storage version first.
	Versions []string `json:"versions"`
	// Schema is the openAPIV3Schema of every version, without descriptions.
	Schema map[string]any `json:"openAPIV3Schema"`
}

// Generate extracts Kinds of Group from a multi-document CRD stream.
func Generate(crds []byte, source string) ([]byte, error) {
	file := File{
		Source:      source,
		GeneratedBy: "policy/internal/schemagen (go generate ./policy/schema); do not edit",
		Group:       Group,
		Kinds:       map[string]Kind{},
	}
	wanted := map[string]bool{}
	for _, k := range Kinds {
		wanted[k] = true
	}
	dec := yaml.NewDecoder(bytes.NewReader(crds))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading CRDs: %w", err)
		}
		if doc["kind"] != "CustomResourceDefinition" {
			continue
		}
		spec, _ := doc["spec"].(map[string]any)
		names, _ := spec["names"].(map[string]any)
		kind, _ := names["kind"].(string)
		if spec["group"] != Group || !wanted[kind] {
			continue
		}
		if _, dup := file.Kinds[kind]; dup {
			return nil, fmt.Errorf("%s defined twice", kind)
		}
		k, err := extract(kind, spec)
		if err != nil {
			return nil, err
		}
		file.Kinds[kind] = k
	}
	for _, k := range Kinds {
		if _, ok := file.Kinds[k]; !ok {
			return nil, fmt.Errorf("no CustomResourceDefinition for %s.%s", k, Group)
		}
	}
	out, err := json.MarshalIndent(file, "", " ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// extract returns the schema the served versions of a CRD share.
func extract(kind string, spec map[string]any) (Kind, error) {
	versions, _ := spec["versions"].([]any)
	var k Kind
	var first []byte
	var firstName string
	type served struct {
		name    string
		storage bool
	}
	var names []served
	for _, v := range versions {
		v, _ := v.(map[string]any)
		name, _ := v["name"].(string)
		if v["served"] != true {
			continue
		}
		schema, _ := v["schema"].(map[string]any)
		root, _ := schema["openAPIV3Schema"].(map[string]any)
		if root == nil {
			return k, fmt.Errorf("%s %s has no openAPIV3Schema", kind, name)
		}
		strip(root)
		data, err := json.Marshal(root)
		if err != nil {
			return k, err
		}
		if first == nil {
			first, firstName, k.Schema = data, name, root
		} else if !bytes.Equal(first, data) {
			return k, fmt.Errorf("%s: the schemas of %s and %s differ; embed them separately", kind, firstName, name)
		}
		names = append(names, served{name, v["storage"] == true})
	}
	if len(names) == 0 {
		return k, fmt.Errorf("%s has no served version", kind)
	}
	sort.SliceStable(names, func(i, j int) bool {
		if names[i].storage != names[j].storage {
			return names[i].storage
		}
		return names[i].name < names[j].name
	})
	for _, n := range names {
		k.Versions = append(k.Versions, n.name)
	}
	return k, nil
}

// strip removes the descriptions of a schema and of every schema in it,
// never a property that happens to be called "description".
func strip(s map[string]any) {
	delete(s, "description")
	if props, ok := s["properties"].(map[string]any); ok {
		for _, p := range props {
			if p, ok := p.(map[string]any); ok {
				strip(p)
			}
		}
	}
	for _, key := range []string{"items", "additionalProperties", "not"} {
		if sub, ok := s[key].(map[string]any); ok {
			strip(sub)
		}
	}
	for _, key := range []string{"oneOf", "anyOf", "allOf"} {
		if list, ok := s[key].([]any); ok {
			for _, sub := range list {
				if sub, ok := sub.(map[string]any); ok {
					strip(sub)
				}
			}
		}
	}
}
