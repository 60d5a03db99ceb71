package manifest

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
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
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name, opts, ok := FieldName(t.Field(i))
			if !ok {
				continue
			}
			child, empty, err := toNode(v.Field(i))
			if err != nil {
				return nil, false, err
			}
			if empty && strings.Contains(opts, "omitempty") {
				continue
			}
			n.Content = append(n.Content, keyNode(name), child)
		}
		return n, len(n.Content) == 0, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, false, fmt.Errorf("cannot encode a map keyed by %s", v.Type().Key())
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range keys {
			child, _, err := toNode(v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())))
			if err != nil {
				return nil, false, err
			}
			n.Content = append(n.Content, keyNode(k), child)
		}
		return n, v.Len() == 0, nil
	case reflect.Slice, reflect.Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := 0; i < v.Len(); i++ {
			child, _, err := toNode(v.Index(i))
			if err != nil {
				return nil, false, err
			}
			n.Content = append(n.Content, child)
		}
		return n, v.Len() == 0, nil
	case reflect.String:
		return strNode(v.String()), v.Len() == 0, nil
	case reflect.Bool:
		return shared("!!bool", strconv.FormatBool(v.Bool())), !v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return shared("!!int", strconv.FormatInt(v.Int(), 10)), v.Int() == 0, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v.Uint(), 10)}, v.Uint() == 0, nil
	}
	return nil, false, fmt.Errorf("cannot encode %s", v.Type())
}

// sharedNodes holds one node per mapping key, number and boolean: rendered
// objects repeat them thousands of times, and nodes are never changed once
// built (edgegate replaces a node rather than editing a scalar in place), so
// sharing them takes a good part of a large render's heap away.
var sharedNodes sync.Map // tag + "\x00" + value → *yaml.Node

func shared(tag, value string) *yaml.Node {
	key := tag + "\x00" + value
	if n, ok := sharedNodes.Load(key); ok {
		return n.(*yaml.Node)
	}
	var n *yaml.Node
	if tag == "!!str" {
		n = strNode(value)
	} else {
		n = &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	}
	actual, _ := sharedNodes.LoadOrStore(key, n)
	return actual.(*yaml.Node)
}

// keyNode is a mapping key, shared.
func keyNode(k string) *yaml.Node { return shared("!!str", k) }

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
