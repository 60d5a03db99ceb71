// Package manifest is the first and last stage of edgegate's pipeline: it reads
// Kubernetes objects from files, streams and KRM ResourceLists (keeping where each
// came from, for error messages), and writes them back out as one sorted stream.
// Everything in between works on the *Object values it produces.
package manifest

import (
	"cmp"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Well-known annotations and labels.
const (
	// LocalConfigAnnotation marks objects that configure tools and are never applied.
	LocalConfigAnnotation = "config.kubernetes.io/local-config"
	// PathAnnotation and IndexAnnotation record where a KRM item came from.
	PathAnnotation       = "internal.config.kubernetes.io/path"
	IndexAnnotation      = "internal.config.kubernetes.io/index"
	legacyPathAnnotation = "config.kubernetes.io/path"
	legacyIndexAnnot     = "config.kubernetes.io/index"
	// ManagedByLabel carries ManagedByValue on everything edgegate renders, so a
	// later run recognises (and replaces) its own output.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "edgegate"
)

// Ref identifies an object the way kubectl does.
type Ref struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
}

// Group is the API group of the reference ("" for the core group).
func (r Ref) Group() string {
	if i := strings.IndexByte(r.APIVersion, '/'); i >= 0 {
		return r.APIVersion[:i]
	}
	return ""
}

// String renders "Kind ns/name" (or "Kind name" for cluster-scoped objects).
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// Key identifies an object independent of its API version: two objects with
// the same key are the same object to the API server.
func (r Ref) Key() string {
	return r.Group() + "/" + r.Kind + "/" + r.Namespace + "/" + r.Name
}

// CompareKeys orders refs as their Keys compare (-1, 0, +1), without
// building them: sorting thousands of objects by Key built two strings at
// every comparison.
func CompareKeys(a, b Ref) int {
	as := [...]string{a.Group(), a.Kind, a.Namespace, a.Name}
	bs := [...]string{b.Group(), b.Kind, b.Namespace, b.Name}
	for k := range as {
		x, y := as[k], bs[k]
		if x == y {
			continue
		}
		n := min(len(x), len(y))
		for i := 0; i < n; i++ {
			if x[i] != y[i] {
				return cmp.Compare(x[i], y[i])
			}
		}
		// One is a prefix of the other: the shorter key goes on with the
		// separator, or ends.
		last := k == len(as)-1
		switch {
		case len(x) < len(y) && last:
			return -1
		case len(x) > len(y) && last:
			return 1
		case len(x) < len(y) && y[n] != '/':
			return cmp.Compare('/', y[n])
		case len(x) > len(y) && x[n] != '/':
			return cmp.Compare(x[n], '/')
		}
		return strings.Compare(a.Key(), b.Key()) // a "/" inside a part
	}
	return 0
}

// Position says where an object was read from.
type Position struct {
	File  string // path as given on the command line, or as a KRM path annotation
	Index int    // document index within the file
	Line  int    // 1-based line of the document in the file; 0 when unknown
}

// Object is one Kubernetes object: its YAML mapping node plus where it came from.
type Object struct {
	Ref
	Pos  Position
	Node *yaml.Node // the mapping node of the document
	// Source is the intent an object was rendered from, so a finding about
	// a rendered object can point at the file a human edits.
	Source *Object
}

// Annotation returns metadata.annotations[key] ("" when absent).
func (o *Object) Annotation(key string) string {
	return mapValue(lookup(o.Node, "metadata", "annotations"), key)
}

// Label returns metadata.labels[key] ("" when absent).
func (o *Object) Label(key string) string {
	return mapValue(lookup(o.Node, "metadata", "labels"), key)
}

// IsLocalConfig reports whether the object is marked as never to be applied.
func (o *Object) IsLocalConfig() bool {
	return o.Annotation(LocalConfigAnnotation) == "true"
}

// IsManaged reports whether edgegate rendered this object in an earlier run.
func (o *Object) IsManaged() bool {
	return o.Label(ManagedByLabel) == ManagedByValue
}

// SetAnnotation sets metadata.annotations[key] = value, creating maps as needed.
func (o *Object) SetAnnotation(key, value string) {
	meta := ensureMap(o.Node, "metadata")
	setMapValue(ensureMap(meta, "annotations"), key, value)
}

// DeleteAnnotation removes metadata.annotations[key] if present, and the
// annotations map itself when it becomes empty.
func (o *Object) DeleteAnnotation(key string) {
	meta := lookup(o.Node, "metadata")
	annotations := lookup(meta, "annotations")
	if annotations == nil {
		return
	}
	for i := 0; i+1 < len(annotations.Content); i += 2 {
		if annotations.Content[i].Value == key {
			annotations.Content = append(annotations.Content[:i], annotations.Content[i+2:]...)
			break
		}
	}
	if len(annotations.Content) == 0 {
		for i := 0; i+1 < len(meta.Content); i += 2 {
			if meta.Content[i].Value == "annotations" {
				meta.Content = append(meta.Content[:i], meta.Content[i+2:]...)
				break
			}
		}
	}
}

// Field returns the node at a path of mapping keys, or nil.
func (o *Object) Field(path ...string) *yaml.Node { return lookup(o.Node, path...) }

// NewObject wraps a mapping node, reading its identity from the node.
func NewObject(node *yaml.Node, pos Position) *Object {
	o := &Object{Node: node, Pos: pos}
	o.Ref = refOf(node)
	return o
}

func refOf(node *yaml.Node) Ref {
	meta := lookup(node, "metadata")
	return Ref{
		APIVersion: scalar(lookup(node, "apiVersion")),
		Kind:       scalar(lookup(node, "kind")),
		Namespace:  scalar(lookup(meta, "namespace")),
		Name:       scalar(lookup(meta, "name")),
	}
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// Lookup follows mapping keys from n; nil when any step is missing or not a map.
func Lookup(n *yaml.Node, path ...string) *yaml.Node { return lookup(n, path...) }

// ScalarValue is the value of a scalar node; "" for nil or any other node.
func ScalarValue(n *yaml.Node) string { return scalar(n) }

func lookup(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
				break
			}
		}
		n = unalias(next)
	}
	return n
}

// Unalias follows an alias to the node it names.
func Unalias(n *yaml.Node) *yaml.Node { return unalias(n) }

func unalias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func mapValue(m *yaml.Node, key string) string { return scalar(lookup(m, key)) }

func ensureMap(n *yaml.Node, key string) *yaml.Node {
	if v := lookup(n, key); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	setMapNode(n, key, v)
	return v
}

func setMapValue(m *yaml.Node, key, value string) {
	setMapNode(m, key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}

func setMapNode(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// LineOf returns the line of the field at path ("spec.routes[2].to"), or of
// its nearest ancestor present in the document, so an error about a missing
// field points at the map it is missing from.
func (o *Object) LineOf(path string) int {
	n, line := o.Node, o.Node.Line
	for path != "" && n != nil {
		var step string
		step, path = nextStep(path)
		if strings.HasPrefix(step, "[") {
			i, err := strconv.Atoi(strings.Trim(step, "[]"))
			if n.Kind != yaml.SequenceNode || err != nil || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
			continue
		}
		if n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == step {
				next, line = n.Content[i+1], n.Content[i].Line
				break
			}
		}
		n = next
	}
	return line
}

// At returns the node of the field at path ("spec.http[0].route[1].destination.host"),
// nil when it is not in the document. Aliases are followed.
func (o *Object) At(path string) *yaml.Node {
	n := unalias(o.Node)
	for path != "" && n != nil {
		var step string
		step, path = nextStep(path)
		if strings.HasPrefix(step, "[") {
			i, err := strconv.Atoi(strings.Trim(step, "[]"))
			if n.Kind != yaml.SequenceNode || err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = unalias(n.Content[i])
			continue
		}
		n = unalias(lookup(n, step))
	}
	return n
}

// nextStep splits "a.b[1].c" into "a" and "b[1].c", "[1].c" into "[1]" and "c".
func nextStep(path string) (step, rest string) {
	if strings.HasPrefix(path, "[") {
		end := strings.IndexByte(path, ']')
		if end < 0 {
			return path, ""
		}
		return path[:end+1], strings.TrimPrefix(path[end+1:], ".")
	}
	end := strings.IndexAny(path, ".[")
	if end < 0 {
		return path, ""
	}
	if path[end] == '.' {
		return path[:end], path[end+1:]
	}
	return path[:end], path[end:]
}

// Where names an object's origin for messages that point at it from
// another object: its file and line, "rendered by edgegate" for what this run
// rendered, or its place in a ResourceList that carried no file names (as
// kustomize sends them).
func Where(o *Object) string {
	switch {
	case o.Pos.File != "" && o.Pos.Line > 0:
		return o.Pos.File + ":" + strconv.Itoa(o.Pos.Line)
	case o.Pos.File != "":
		return o.Pos.File
	case o.IsManaged():
		return "rendered by edgegate"
	}
	return "item " + strconv.Itoa(o.Pos.Index) + " of the input"
}
