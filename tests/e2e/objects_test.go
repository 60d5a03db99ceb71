package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const localConfigAnnotation = "config.kubernetes.io/local-config"

// decodeStream decodes a YAML stream strictly: every document that is not
// empty must be an object with apiVersion, kind and metadata.name (Flux's
// reader silently drops anything else, which would hide a broken document).
func decodeStream(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	objs, err := decodeObjects(data)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func decodeObjects(data []byte) ([]*unstructured.Unstructured, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", i, err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", i, err)
		}
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("document %d: %v\n%s", i, err, doc)
		}
		if u.GetAPIVersion() == "" || u.GetKind() == "" || u.GetName() == "" {
			return nil, fmt.Errorf("document %d is not an object with apiVersion, kind and metadata.name:\n%s", i, doc)
		}
		objs = append(objs, u)
	}
}

// ref names an object the way the tests report it: Kind namespace/name (group).
func ref(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	name := u.GetName()
	if ns := u.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	if gvk.Group == "" {
		return gvk.Kind + " " + name
	}
	return gvk.Kind + "." + gvk.Group + " " + name
}

// byRef indexes objects by ref, failing on duplicates.
func byRef(t *testing.T, objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	t.Helper()
	m := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		if m[ref(o)] != nil {
			t.Errorf("%s appears twice", ref(o))
		}
		m[ref(o)] = o
	}
	return m
}

// notKept lists the fields of want that got does not hold with the same
// value: with want a rendered object and got the live one, the fields the
// server dropped or rewrote. Fields only got has (defaults, status, metadata
// the server adds) are fine.
func notKept(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: rendered an object, the server holds %s", path, show(got))}
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			gv, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s: rendered %s, the server dropped it", join(path, k), show(w[k])))
				continue
			}
			out = append(out, notKept(w[k], gv, join(path, k))...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: rendered %s, the server holds %s", path, show(want), show(got))}
		}
		var out []string
		for i := range w {
			out = append(out, notKept(w[i], g[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	default:
		if !sameScalar(want, got) {
			return []string{fmt.Sprintf("%s: rendered %s, the server holds %s", path, show(want), show(got))}
		}
		return nil
	}
}

// differences lists every path where a and b differ, both ways.
func differences(a, b any, path string) []string {
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if aIsMap && bIsMap {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			av, aok := am[k]
			bv, bok := bm[k]
			switch {
			case !aok:
				out = append(out, fmt.Sprintf("%s: absent → %s", join(path, k), show(bv)))
			case !bok:
				out = append(out, fmt.Sprintf("%s: %s → absent", join(path, k), show(av)))
			default:
				out = append(out, differences(av, bv, join(path, k))...)
			}
		}
		return out
	}
	al, aIsList := a.([]any)
	bl, bIsList := b.([]any)
	if aIsList && bIsList && len(al) == len(bl) {
		var out []string
		for i := range al {
			out = append(out, differences(al[i], bl[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	if aIsList || bIsList || aIsMap || bIsMap || !sameScalar(a, b) {
		return []string{fmt.Sprintf("%s: %s → %s", path, show(a), show(b))}
	}
	return nil
}

func sameScalar(a, b any) bool {
	if af, ok := number(a); ok {
		bf, ok := number(b)
		return ok && af == bf
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func show(v any) string {
	if v == nil {
		return "nothing"
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(string(b))
	if strings.Contains(s, "\n") {
		b, _ := yaml.YAMLToJSON(b)
		return string(b)
	}
	return s
}
