package manifest

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// NodeDecoder is implemented by types with their own YAML shape (a port that
// may be a number or a range, a destination that may be a string or a list).
// The error message is reported at the node's field path.
type NodeDecoder interface {
	DecodeNode(n *yaml.Node) error
}

// ScalarDecoder is implemented by types that accept a scalar short form and
// otherwise decode as usual (a destination list written as one string).
type ScalarDecoder interface {
	DecodeScalar(n *yaml.Node) error
}

// MaxDecodeNodes bounds the nodes one Decode visits, so a YAML alias bomb
// (aliases of aliases, each expanding the last) fails fast instead of
// exhausting memory; code that reads nodes by hand in the decoder's stead
// leaves what could reach it to the decoder.
const MaxDecodeNodes = 1 << 20

// Decode fills v, a pointer to a struct, from node strictly: an unknown field
// (with a "did you mean" hint), a wrong type or a duplicate key is an error
// naming the field path (prefixed by path) and line. Struct fields are named by
// their yaml tag. A *yaml.Node field keeps the raw node.
func Decode(obj *Object, node *yaml.Node, path string, v any) Diagnostics {
	return decodeWith(obj, node, path, v, false)
}

// DecodeLenient is Decode for objects edgegate only reads parts of (Istio and
// Kubernetes objects): fields v does not name are skipped, not errors.
func DecodeLenient(obj *Object, node *yaml.Node, path string, v any) Diagnostics {
	return decodeWith(obj, node, path, v, true)
}

// decoders are reused: a decoder escapes to the heap (its methods are
// reached through reflection's values), and the render and the gate decode
// tens of thousands of objects each, a decoder apiece.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

func decodeWith(obj *Object, node *yaml.Node, path string, v any, lenient bool) Diagnostics {
	d := decoders.Get().(*decoder)
	d.obj, d.base, d.lenient, d.nodes = obj, path, lenient, 0
	d.stack = d.stackBuf[:0]
	d.value(node, reflect.ValueOf(v).Elem())
	diags := d.diags
	*d = decoder{}
	decoders.Put(d)
	return diags
}

type decoder struct {
	obj     *Object
	lenient bool
	diags   Diagnostics
	nodes   int
	// base and stack make the field path of the node being decoded; it is
	// only written out for an error, so decoding allocates no paths.
	base     string
	stack    []pathElem
	stackBuf [16]pathElem
}

// pathElem is a map key, or a list index when key is empty.
type pathElem struct {
	key   string
	index int
}

func (d *decoder) push(e pathElem) { d.stack = append(d.stack, e) }
func (d *decoder) pop()            { d.stack = d.stack[:len(d.stack)-1] }

// path writes the current field path: spec.routes[2].to.
func (d *decoder) path() string {
	var b strings.Builder
	b.WriteString(d.base)
	for _, e := range d.stack {
		if e.key == "" {
			fmt.Fprintf(&b, "[%d]", e.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
	}
	return b.String()
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	diag := Errorf(d.obj, d.path(), format, args...)
	if n != nil && n.Line > 0 && d.obj != nil && d.obj.Pos.Line > 0 {
		diag.Pos.Line = n.Line // only objects read from files have meaningful lines
	}
	d.diags = append(d.diags, diag)
}

// tagLast marks the last diagnostic with an input tag.
func (d *decoder) tagLast(tag string) {
	last := &d.diags[len(d.diags)-1]
	if last.Tags == nil {
		last.Tags = map[string]string{}
	}
	last.Tags["input"] = tag
}

var (
	nodeType          = reflect.TypeOf(yaml.Node{})
	nodeDecoderType   = reflect.TypeOf((*NodeDecoder)(nil)).Elem()
	scalarDecoderType = reflect.TypeOf((*ScalarDecoder)(nil)).Elem()
)

// budget counts a node against MaxDecodeNodes; false once it is spent.
func (d *decoder) budget(n *yaml.Node) bool {
	d.nodes++
	if d.nodes > MaxDecodeNodes {
		if d.nodes == MaxDecodeNodes+1 {
			d.errorf(n, "document expands to more than %d nodes (YAML alias bomb?)", MaxDecodeNodes)
		}
		return false
	}
	return true
}

func (d *decoder) value(n *yaml.Node, v reflect.Value) {
	if !d.budget(n) {
		return
	}
	if n.Kind == yaml.AliasNode {
		d.value(n.Alias, v)
		return
	}
	if v.Kind() == reflect.Pointer && v.Type().Elem() == nodeType {
		// A raw field is copied into output as it is: it must stand on its
		// own, without anchors or aliases (an alias bomb, or an alias of an
		// anchor elsewhere in the input, would reach the cluster).
		if c := d.resolved(n); c != nil {
			v.Set(reflect.ValueOf(c))
		}
		return
	}
	if IsNull(n) {
		return // absent and null are the same: the zero value
	}
	var own ownDecoders
	if v.CanAddr() {
		own = ownDecodersOf(v.Type())
	}
	if own.node {
		if err := v.Addr().Interface().(NodeDecoder).DecodeNode(n); err != nil {
			d.errorf(n, "%v", err)
			if notInteger(err) {
				d.tagLast(NotIntegerTag)
			}
		}
		return
	}
	if n.Kind == yaml.ScalarNode && own.scalar {
		if err := v.Addr().Interface().(ScalarDecoder).DecodeScalar(n); err != nil {
			d.errorf(n, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		d.value(n, elem.Elem())
		v.Set(elem)
	case reflect.Struct:
		d.structValue(n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.push(pathElem{index: i})
			d.value(item, s.Index(i))
			d.pop()
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, "expected a map, got %s", describe(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			d.push(pathElem{key: key.Value})
			if m.MapIndex(reflect.ValueOf(key.Value)).IsValid() {
				d.errorf(key, "duplicate key")
			} else {
				elem := reflect.New(v.Type().Elem()).Elem()
				d.value(val, elem)
				m.SetMapIndex(reflect.ValueOf(key.Value), elem)
			}
			d.pop()
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			d.errorf(n, "expected a string, got %s%s", describe(n), quoteHint(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int32, reflect.Int64:
		if d.lenient && WholeFloat(n) { // an object the API server reads
			d.errorf(n, "%v", &NotIntegerError{Value: n.Value})
			d.tagLast(NotIntegerTag)
			return
		}
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.errorf(n, "expected an integer, got %s", describe(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil || v.OverflowInt(i) {
			d.errorf(n, "integer %s out of range", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errorf(n, "expected true or false, got %s", describe(n))
			return
		}
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		v.SetBool(b)
	default:
		d.errorf(n, "internal error: cannot decode into %s", v.Type())
	}
}

// ownDecoders says which decoders of its own a type's pointer has.
type ownDecoders struct{ node, scalar bool }

// ownDecoderCache holds ownDecodersOf per type: asking reflect whether a
// type implements an interface, for every value decoded, cost the gate a
// good part of its decoding time.
var ownDecoderCache sync.Map // reflect.Type → ownDecoders

func ownDecodersOf(t reflect.Type) ownDecoders {
	if d, ok := ownDecoderCache.Load(t); ok {
		return d.(ownDecoders)
	}
	p := reflect.PointerTo(t)
	d := ownDecoders{node: p.Implements(nodeDecoderType), scalar: p.Implements(scalarDecoderType)}
	ownDecoderCache.Store(t, d)
	return d
}

// resolved deep-copies n with every alias replaced by a copy of its anchor's
// node and no anchors left, within the decoder's node budget.
func (d *decoder) resolved(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if !d.budget(n) {
		return nil
	}
	c := *n
	c.Anchor = ""
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			if c.Content[i] = d.resolved(child); c.Content[i] == nil {
				return nil
			}
		}
	}
	return &c
}

func (d *decoder) structValue(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected a map, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		d.push(pathElem{key: key.Value})
		switch idx, ok := fields[key.Value]; {
		case SeenBefore(n.Content[:i], key.Value):
			d.errorf(key, "duplicate key")
		case !ok:
			if !d.lenient {
				d.errorf(key, "unknown field%s", suggest(key.Value, fields))
			}
		default:
			d.value(val, v.Field(idx))
		}
		d.pop()
	}
}

// SeenBefore reports whether key is among the keys of the (key, value) pairs
// before it: the decoder reports such a key as a duplicate and decodes only
// the first. Objects have few keys, so a scan beats allocating a set.
func SeenBefore(pairs []*yaml.Node, key string) bool {
	for j := 0; j+1 < len(pairs); j += 2 {
		if pairs[j].Value == key {
			return true
		}
	}
	return false
}

// fieldCache holds fieldsOf per struct type: decoding thousands of objects
// of a few types must not rebuild the same maps each time.
var fieldCache sync.Map // reflect.Type → map[string]int

// fieldsOf maps yaml field names to struct field indexes.
func fieldsOf(t reflect.Type) map[string]int {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]int)
	}
	f := buildFields(t)
	fieldCache.Store(t, f)
	return f
}

// FieldName is the YAML name of a struct field, as the decoder and ToNode
// name it: its yaml tag, else its Go name with a lowercase first letter;
// opts are the tag's options (omitempty). ok is false for fields YAML skips.
func FieldName(f reflect.StructField) (name, opts string, ok bool) {
	name, opts, _ = strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return "", "", false
	}
	if name == "" {
		name = strings.ToLower(f.Name[:1]) + f.Name[1:]
	}
	return name, opts, true
}

func buildFields(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if name, _, ok := FieldName(t.Field(i)); ok {
			fields[name] = i
		}
	}
	return fields
}

// IsNull reports whether n is null, which the decoder reads as absent.
func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return fmt.Sprintf("string %q", n.Value)
		case "!!int", "!!float":
			return "number " + n.Value
		case "!!bool":
			return "boolean " + n.Value
		}
		return n.Value
	}
	return "something else"
}

func quoteHint(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!str" {
		return fmt.Sprintf(" (quote it: %q)", n.Value)
	}
	return ""
}

// suggest returns ` (did you mean "x"?)` for the closest known field name.
func suggest(unknown string, fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	return Suggest(unknown, names)
}

// Suggest returns ` (did you mean "x"?)` for the known name closest to
// unknown (at most two edits away, ignoring case), or "".
func Suggest(unknown string, known []string) string {
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	best, bestDist := "", 3
	for _, name := range sorted {
		if dist := editDistance(strings.ToLower(unknown), strings.ToLower(name)); dist < bestDist {
			best, bestDist = name, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
