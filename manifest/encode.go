package manifest

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ToNode builds the YAML node of v directly: structs become mappings in field
// order (named and omitted as their yaml tags say), maps mappings in key
// order, slices sequences; a *yaml.Node is used as it is. It does what
// yaml.Node.Encode does without writing YAML text and parsing it back, which
// costs that function most of its time and memory.
func ToNode(v any) (*yaml.Node, error) {
	n, _, err := toNode(reflect.ValueOf(v))
	return n, err
}

var nodePtrType = reflect.TypeOf((*yaml.Node)(nil))

// toNode returns the node of v, and whether v is empty for omitempty.
func toNode(v reflect.Value) (*yaml.Node, bool, error) {
	if !v.IsValid() {
		return nullNode(), true, nil
	}
	if v.Type() == nodePtrType {
		if v.IsNil() {
			return nullNode(), true, nil
		}
		return v.Interface().(*yaml.Node), false, nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nullNode(), true, nil
		}
		return toNode(v.Elem())
	case reflect.Struct:
		if !v.CanInterface() || !plainStruct(v.Type()) {
			return structNode(v)
		}
		// A struct of scalars alone (a port, a string match, a
		// destination) is the same mapping wherever it has the same
		// values: shared, as scalars are.
		var err error
		n := structNodes.get(v.Interface(), func(any) *yaml.Node {
			var n *yaml.Node
			n, _, err = structNode(v)
			return n
		})
		if err != nil {
			return nil, false, err
		}
		return n, len(n.Content) == 0, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, false, fmt.Errorf("cannot encode a map keyed by %s", v.Type().Key())
		}
		type entry struct {
			key   string
			value reflect.Value
		}
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			entries = append(entries, entry{it.Key().String(), it.Value()})
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if len(entries) > 0 {
			n.Content = make([]*yaml.Node, 0, 2*len(entries))
		}
		for _, e := range entries {
			child, _, err := toNode(e.value)
			if err != nil {
				return nil, false, err
			}
			n.Content = append(n.Content, keyNode(e.key), child)
		}
		return n, v.Len() == 0, nil
	case reflect.Slice, reflect.Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if v.Len() > 0 {
			n.Content = make([]*yaml.Node, 0, v.Len())
		}
		for i := 0; i < v.Len(); i++ {
			child, _, err := toNode(v.Index(i))
			if err != nil {
				return nil, false, err
			}
			n.Content = append(n.Content, child)
		}
		return n, v.Len() == 0, nil
	case reflect.String:
		return valueNode(v.String()), v.Len() == 0, nil
	case reflect.Bool:
		return boolNodes[v.Bool()], !v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intNode(v.Int()), v.Int() == 0, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v.Uint(), 10)}, v.Uint() == 0, nil
	}
	return nil, false, fmt.Errorf("cannot encode %s", v.Type())
}

// structNode is the mapping of a struct, its fields in order.
func structNode(v reflect.Value) (*yaml.Node, bool, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, f := range encodedFieldsOf(v.Type()) {
		child, empty, err := toNode(v.Field(f.index))
		if err != nil {
			return nil, false, err
		}
		if empty && f.omitEmpty {
			continue
		}
		if n.Content == nil {
			n.Content = make([]*yaml.Node, 0, 2*f.remaining)
		}
		n.Content = append(n.Content, f.key, child)
	}
	return n, len(n.Content) == 0, nil
}

// plainStruct reports whether t is a struct of strings, numbers, booleans
// and such structs alone: its values compare by content, so equal ones
// can share one node.
func plainStruct(t reflect.Type) bool {
	if p, ok := plainStructs.Load(t); ok {
		return p.(bool)
	}
	plain := true
	for i := 0; i < t.NumField() && plain; i++ {
		switch f := t.Field(i).Type; f.Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		case reflect.Struct:
			plain = f != nodeType && plainStruct(f)
		default:
			plain = false
		}
	}
	plainStructs.Store(t, plain)
	return plain
}

var plainStructs sync.Map // reflect.Type → bool

// Rendered objects repeat mapping keys, numbers, booleans and many string
// values (API versions, kinds, labels, gateway names, protocols) thousands
// of times, and nodes are never changed once built (edgegate replaces a
// node rather than editing a scalar in place), so one node of each is
// shared: that takes a good part of a large render's heap away. The caches
// are looked up with the key or value itself, so a hit allocates nothing.
// Each holds at most cachedNodes entries, since keys and values come from
// the input too: past that, a node is built for each use.
var (
	keyNodes   = nodeCache[string]{m: map[string]*yaml.Node{}}
	valueNodes = nodeCache[string]{m: map[string]*yaml.Node{}}
	intNodes   = nodeCache[int64]{m: map[int64]*yaml.Node{}}
	// structNodes are keyed by the struct's value (a plainStruct).
	structNodes = nodeCache[any]{m: map[any]*yaml.Node{}}
	boolNodes   = map[bool]*yaml.Node{
		false: {Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"},
		true:  {Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"},
	}
)

// cachedNodes bounds each node cache: enough for the values every app
// repeats, which the first apps of a render put in.
const cachedNodes = 1 << 14

type nodeCache[K comparable] struct {
	mu sync.RWMutex
	m  map[K]*yaml.Node
}

// get is the node cached for k, else build's, cached. build runs outside
// the lock: a struct's node is built from its fields' cached nodes.
func (c *nodeCache[K]) get(k K, build func(K) *yaml.Node) *yaml.Node {
	c.mu.RLock()
	n, full := c.m[k], len(c.m) >= cachedNodes
	c.mu.RUnlock()
	if n != nil {
		return n
	}
	n = build(k)
	if full || n == nil {
		return n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if first := c.m[k]; first != nil {
		return first
	}
	if len(c.m) < cachedNodes {
		c.m[k] = n
	}
	return n
}

// keyNode is a mapping key, shared.
func keyNode(k string) *yaml.Node { return keyNodes.get(k, strNode) }

// valueNode is a string value, shared.
func valueNode(s string) *yaml.Node { return valueNodes.get(s, strNode) }

// intNode is an integer scalar, shared.
func intNode(i int64) *yaml.Node {
	return intNodes.get(i, func(i int64) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(i, 10)}
	})
}

// encodedField is a struct field as ToNode writes it: its key node, and how
// many fields are left from it on (to size the mapping once).
type encodedField struct {
	index     int
	key       *yaml.Node
	omitEmpty bool
	remaining int
}

// encodedFields caches the fields of each struct type ToNode meets: reading
// tags for every value of a type thousands of times costs more than
// encoding it.
var encodedFields sync.Map // reflect.Type → []encodedField

func encodedFieldsOf(t reflect.Type) []encodedField {
	if f, ok := encodedFields.Load(t); ok {
		return f.([]encodedField)
	}
	var fields []encodedField
	for i := 0; i < t.NumField(); i++ {
		if name, opts, ok := FieldName(t.Field(i)); ok {
			fields = append(fields, encodedField{index: i, key: keyNode(name), omitEmpty: strings.Contains(opts, "omitempty")})
		}
	}
	for i := range fields {
		fields[i].remaining = len(fields) - i
	}
	encodedFields.Store(t, fields)
	return fields
}

// strNode is a string scalar. Like yaml.v3's Marshal, it double-quotes the
// strings YAML 1.1 reads as something else (yes, off, 1:20), since
// Kubernetes' decoders still speak YAML 1.1: an unquoted label value "yes"
// would arrive as a boolean.
func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if yaml11Bools[s] || (strings.IndexByte(s, ':') > 0 && base60Float.MatchString(s)) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "n": true, "N": true, "no": true, "No": true, "NO": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
}

// base60Float matches YAML 1.1 sexagesimal numbers such as 1:20 (the
// expression yaml.v3 uses).
var base60Float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

// nullNode is the null scalar, shared like the other scalars: most are
// dropped at once by omitempty.
func nullNode() *yaml.Node { return theNull }

var theNull = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
