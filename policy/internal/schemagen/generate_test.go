package main

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	networking "istio.io/api/networking/v1alpha3"
)

// TestCommittedSchemaIsGenerated fails when the embedded file is not what
// this generator makes from the istio.io/api version go.mod requires:
// after a bump of istio.io/api, or a hand edit of the file.
func TestCommittedSchemaIsGenerated(t *testing.T) {
	data, source, err := readCRDs()
	if err != nil {
		t.Fatal(err)
	}
	want, err := Generate(data, source)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(defaultOut)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not generated from %s: run `go run .` in policy/internal/schemagen (or `go generate ./policy/schema`) and commit the result\n%s",
			defaultOut, source, firstDifference(string(want), string(got)))
	}
}

// TestSchemaCoversAPITypes checks the embedded schemas field by field
// against the Go types of the same istio.io/api release, both ways, so the
// schema edgegate validates with is the API istiod decodes.
func TestSchemaCoversAPITypes(t *testing.T) {
	raw, err := os.ReadFile(defaultOut)
	if err != nil {
		t.Fatal(err)
	}
	var file File
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for kind, msg := range map[string]protoreflect.ProtoMessage{
		"Gateway":        &networking.Gateway{},
		"VirtualService": &networking.VirtualService{},
	} {
		k, ok := file.Kinds[kind]
		if !ok {
			t.Fatalf("no schema for %s", kind)
		}
		props, _ := k.Schema["properties"].(map[string]any)
		spec, _ := props["spec"].(map[string]any)
		compareMessage(t, kind+".spec", msg.ProtoReflect().Descriptor(), spec, 0)
	}
}

func compareMessage(t *testing.T, path string, md protoreflect.MessageDescriptor, s map[string]any, depth int) {
	t.Helper()
	if depth > 16 || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return
	}
	props, _ := s["properties"].(map[string]any)
	fields := md.Fields()
	known := map[string]bool{}
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		name := fd.JSONName()
		// istiod's jsonpb also reads a field by its proto name, and the
		// CRDs list some (mirror_percent) under it.
		known[name], known[string(fd.Name())] = true, true
		p, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("%s.%s: field of %s missing from the schema", path, name, md.FullName())
			continue
		}
		switch {
		case fd.IsMap():
			if v := fd.MapValue(); v.Kind() == protoreflect.MessageKind {
				sub, _ := p["additionalProperties"].(map[string]any)
				compareMessage(t, path+"."+name+"[*]", v.Message(), sub, depth+1)
			}
		case fd.Kind() == protoreflect.MessageKind:
			sub := p
			if fd.IsList() {
				sub, _ = p["items"].(map[string]any)
			}
			compareMessage(t, path+"."+name, fd.Message(), sub, depth+1)
		}
	}
	var extra []string
	for name := range props {
		if !known[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		t.Errorf("%s.%s: in the schema but not a field of %s", path, name, md.FullName())
	}
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  generated: " + a + "\n  committed: " + b
		}
	}
	return ""
}
