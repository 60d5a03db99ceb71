package schema

import (
	"encoding/base64"
	"fmt"
	"github.com/edgegate/edgegate/manifest/patterns"
	"iter"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Error is one violation of a schema.
type Error struct {
	Field   string // spec.servers[0].port.number; "" for the object itself
	Message string
	// Warning marks what only some clients get wrong: a plain yes/no/on/off
	// that YAML 1.1 readers (kubectl, Helm) send as a boolean.
	Warning bool
}

func (e Error) String() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// maxNodes bounds the nodes one validation visits, so a YAML alias bomb
// fails fast.
const maxNodes = 1 << 20

// The fields every custom resource has at its top, which are the API
// server's business rather than the CRD's.
var (
	apiVersionSchema = &Schema{Type: "string"}
	kindSchema       = &Schema{Type: "string"}
	metadataSchema   = &Schema{Type: "object", PreserveUnknownFields: true}
)

// Validate checks an object (its whole mapping node) against s, the
// openAPIV3Schema of its kind. apiVersion, kind and metadata are the API
// server's business and always allowed at the top, as for every custom
// resource.
func (s *Schema) Validate(obj *yaml.Node) []Error {
	v := validators.Get().(*validator)
	*v = validator{budget: maxNodes, top: s, path: v.path[:0], fields: v.fields[:0]}
	v.value(obj, s)
	errs := v.errs
	v.errs, v.top = nil, nil
	validators.Put(v)
	return errs
}

// validators keeps validators for reuse, with their path and fields
// buffers: callers validate object after object, and growing the buffers
// anew for each would be most of the garbage a validation makes.
var validators = sync.Pool{New: func() any { return new(validator) }}

// validator walks one object. It keeps the path of the value it is at in
// a buffer it appends to and truncates, rather than building the path
// string of every node: only an error needs it.
type validator struct {
	errs   []Error
	budget int
	// top is the schema of the object itself, whose fields also include
	// apiVersion, kind and metadata.
	top *Schema
	// path is the field path of the value being validated.
	path []byte
	// fields is a stack of the fields of the mappings being validated,
	// each mapping's above its parent's, so their entries are not
	// allocated one slice per mapping.
	fields []entry
	// branch is set while matching an anyOf/oneOf/allOf/not alternative:
	// those constrain the value and never declare its fields, so fields
	// they do not name are not unknown.
	branch bool
	// counting is set while finding out whether a value matches an
	// alternative: only whether it fails counts, so no message is built.
	counting bool
	// failed records an error (not a warning) since it was last cleared.
	failed bool
}

func (v *validator) errorf(format string, args ...any) {
	v.failed = true
	if v.counting {
		return
	}
	v.errs = append(v.errs, Error{Field: string(v.path), Message: fmt.Sprintf(format, args...)})
}

func (v *validator) warnf(format string, args ...any) {
	if v.counting {
		return
	}
	v.errs = append(v.errs, Error{Field: string(v.path), Warning: true, Message: fmt.Sprintf(format, args...)})
}

// enterField moves the path to the field key of the current value (a map
// key when mapKey) and returns the length to restore with leave.
func (v *validator) enterField(key string, mapKey bool) int {
	mark := len(v.path)
	switch {
	case mapKey && !plainKey(key):
		v.path = append(append(append(v.path, '['), key...), ']')
	case len(v.path) == 0:
		v.path = append(v.path, key...)
	default:
		v.path = append(append(v.path, '.'), key...)
	}
	return mark
}

// enterIndex moves the path to item i of the current list.
func (v *validator) enterIndex(i int) int {
	mark := len(v.path)
	v.path = append(strconv.AppendInt(append(v.path, '['), int64(i), 10), ']')
	return mark
}

func (v *validator) leave(mark int) { v.path = v.path[:mark] }

// property is the schema of field key of an object validated against s.
//
// The top schema is told apart by pointer (the old code validated against
// a copy of it with the three fields added). That holds for schemas
// decoded from JSON, where every schema is its own value; a schema that
// contained its own pointer (as items, a property, an alternative) would
// wrongly gain apiVersion, kind and metadata there too.
func (v *validator) property(s *Schema, key string) (*Schema, bool) {
	if s == v.top {
		switch key {
		case "apiVersion":
			return apiVersionSchema, true
		case "kind":
			return kindSchema, true
		case "metadata":
			return metadataSchema, true
		}
	}
	p, ok := s.Properties[key]
	return p, ok
}

// value validates n, found at v.path, against s.
func (v *validator) value(n *yaml.Node, s *Schema) {
	if v.budget <= 0 {
		return
	}
	v.budget--
	if v.budget == 0 {
		v.errorf("document expands to more than %d nodes (YAML alias bomb?)", maxNodes)
		return
	}
	n = resolve(n)
	if n == nil {
		return
	}
	got := typeOf(n)
	if got == "null" && (s.Nullable || (s.Type == "" && !s.IntOrString)) {
		return
	}
	if !v.typeOK(n, s, got) {
		return
	}
	switch got {
	case "object":
		v.object(n, s)
	case "array":
		v.array(n, s)
	case "string":
		v.str(n, s)
	case "integer", "number":
		v.number(n, s)
	}
	if len(s.Enum) > 0 {
		v.enum(n, s)
	}
	v.compositions(n, s)
	for _, r := range s.rules {
		if ok, shown := r.check(n); !ok && shown != "" {
			v.errorf("invalid value %s: %s", shown, r.message)
		} else if !ok {
			v.errorf("%s", r.message)
		}
	}
}

// typeOK checks the type of n against s and reports a mismatch.
func (v *validator) typeOK(n *yaml.Node, s *Schema, got string) bool {
	if got == "number" && !finite(n) {
		v.errorf("%s is not a number JSON can hold", n.Value)
		return false
	}
	want := s.Type
	switch {
	case s.IntOrString:
		if got == "integer" || got == "string" {
			return true
		}
		v.errorf("expected an integer or a string, got %s", describe(n))
		return false
	case want == "":
		return true
	case want == got, want == "number" && got == "integer":
		if want == "string" && n.Style == 0 && yaml11Bools[n.Value] {
			v.warnf("%s is a string here, but kubectl and Helm read YAML 1.1, where it is a boolean, which the API server refuses: quote it (%q)", n.Value, n.Value)
		}
		return true
	}
	article := "a"
	if want == "integer" || want == "array" || want == "object" {
		article = "an"
	}
	hint := ""
	switch {
	case got == "string" && (want == "integer" || want == "number") && isNumeric(n.Value):
		hint = ": write it without quotes"
	case got == "string" && want == "boolean" && (n.Value == "true" || n.Value == "false"):
		hint = ": write it without quotes"
	case want == "string" && n.Kind == yaml.ScalarNode && got != "null":
		hint = fmt.Sprintf(": quote it (%q)", n.Value)
	case got == "null":
		hint = ": remove the field or give it a value"
	}
	v.errorf("expected %s %s, got %s%s", article, want, describe(n), hint)
	return false
}

func (v *validator) object(n *yaml.Node, s *Schema) {
	start := len(v.fields)
	var dups []string
	v.fields, dups = appendEntries(v.fields, n)
	end := len(v.fields)
	for _, d := range dups {
		mark := v.enterField(d, false)
		v.errorf("duplicate field %q", d)
		v.leave(mark)
	}
	// Validating a field pushes the fields of its value above end, and
	// pops them again, so v.fields[start:end] stays this mapping's (a
	// slice of it would not survive v.fields growing).
	for i := start; i < end; i++ {
		e := v.fields[i]
		if p, ok := v.property(s, e.Key); ok {
			mark := v.enterField(e.Key, false)
			v.value(e.Value, p)
			v.leave(mark)
			continue
		}
		if ap := s.AdditionalProperties; ap != nil && ap.Schema != nil {
			mark := v.enterField(e.Key, true)
			v.value(e.Value, ap.Schema)
			v.leave(mark)
			continue
		}
		if v.branch || s.PreserveUnknownFields || (s.AdditionalProperties != nil && s.AdditionalProperties.Allows) {
			continue
		}
		mark := v.enterField(e.Key, true)
		v.errorf("unknown field %q%s", e.Key, v.suggest(e.Key, s))
		v.leave(mark)
	}
	// A null field is there (and reported as null, unless nullable).
	present := v.fields[start:end]
	for _, req := range s.Required {
		if !slices.ContainsFunc(present, func(e entry) bool { return e.Key == req }) {
			mark := v.enterField(req, false)
			v.errorf("required field is missing")
			v.leave(mark)
		}
	}
	if s.MinProperties != nil && int64(len(present)) < *s.MinProperties {
		v.errorf("must have at least %d fields", *s.MinProperties)
	}
	if s.MaxProperties != nil && int64(len(present)) > *s.MaxProperties {
		v.errorf("must have at most %d fields", *s.MaxProperties)
	}
	clear(v.fields[start:end]) // let the nodes go
	v.fields = v.fields[:start]
}

// suggest returns ` (did you mean "x"?)` for the closest declared field
// of s (at the top, apiVersion, kind and metadata included, the top told
// apart as in property). manifest.Suggest sorts the names itself.
func (v *validator) suggest(unknown string, s *Schema) string {
	names := slices.Collect(maps.Keys(s.Properties))
	if s == v.top {
		for _, name := range []string{"apiVersion", "kind", "metadata"} {
			if _, ok := s.Properties[name]; !ok {
				names = append(names, name)
			}
		}
	}
	return manifest.Suggest(unknown, names)
}

func (v *validator) array(n *yaml.Node, s *Schema) {
	count := int64(len(n.Content))
	if s.MinItems != nil && count < *s.MinItems {
		v.errorf("must have at least %d %s, has %d", *s.MinItems, plural(*s.MinItems, "item"), count)
	}
	if s.MaxItems != nil && count > *s.MaxItems {
		v.errorf("must have at most %d %s, has %d", *s.MaxItems, plural(*s.MaxItems, "item"), count)
	}
	if s.Items != nil {
		for i, item := range n.Content {
			mark := v.enterIndex(i)
			v.value(item, s.Items)
			v.leave(mark)
		}
	}
	switch {
	case s.ListType == "set" || s.UniqueItems:
		seen := map[string]bool{}
		for i, item := range n.Content {
			if item = resolve(item); item.Kind != yaml.ScalarNode {
				continue
			}
			key := typeOf(item) + ":" + item.Value
			if seen[key] {
				mark := v.enterIndex(i)
				v.errorf("duplicate value %q", item.Value)
				v.leave(mark)
			}
			seen[key] = true
		}
	case s.ListType == "map" && len(s.ListMapKeys) > 0:
		seen := map[string]bool{}
		for i, item := range n.Content {
			if item = resolve(item); item.Kind != yaml.MappingNode {
				continue
			}
			var parts []string
			for _, k := range s.ListMapKeys {
				parts = append(parts, k+"="+scalar(field(item, k)))
			}
			key := strings.Join(parts, ",")
			if seen[key] {
				mark := v.enterIndex(i)
				v.errorf("duplicate entry with %s", key)
				v.leave(mark)
			}
			seen[key] = true
		}
	}
}

func (v *validator) str(n *yaml.Node, s *Schema) {
	if s.MinLength != nil || s.MaxLength != nil {
		length := int64(utf8.RuneCountInString(n.Value))
		if s.MinLength != nil && length < *s.MinLength {
			v.errorf("must be at least %d %s long", *s.MinLength, plural(*s.MinLength, "character"))
		}
		if s.MaxLength != nil && length > *s.MaxLength {
			v.errorf("may not be longer than %d %s", *s.MaxLength, plural(*s.MaxLength, "character"))
		}
	}
	if s.Pattern != "" {
		if re := compilePattern(s.Pattern); re != nil && !re.MatchString(n.Value) {
			v.errorf("invalid value %q: should match '%s'", n.Value, s.Pattern)
		}
	}
	switch s.Format {
	case "byte":
		if _, err := base64.StdEncoding.DecodeString(n.Value); err != nil {
			v.errorf("invalid value: must be base64-encoded bytes (format byte)")
		}
	case "date-time":
		if _, err := time.Parse(time.RFC3339Nano, n.Value); err != nil {
			v.errorf("invalid value %q: must be an RFC 3339 date-time (format date-time)", n.Value)
		}
	}
}

func (v *validator) number(n *yaml.Node, s *Schema) {
	f, i, isInt := numberOf(n)
	if s.Minimum != nil {
		if f < *s.Minimum || (s.ExclusiveMinimum && f == *s.Minimum) {
			v.errorf("invalid value %s: must be greater than %s%s", n.Value, orEqual(!s.ExclusiveMinimum), formatNumber(*s.Minimum))
		}
	}
	if s.Maximum != nil {
		if f > *s.Maximum || (s.ExclusiveMaximum && f == *s.Maximum) {
			v.errorf("invalid value %s: must be less than %s%s", n.Value, orEqual(!s.ExclusiveMaximum), formatNumber(*s.Maximum))
		}
	}
	if s.Format == "int32" && isInt && (i < math.MinInt32 || i > math.MaxInt32) {
		v.errorf("invalid value %s: must be of type integer with format int32 (%d to %d)", n.Value, math.MinInt32, math.MaxInt32)
	}
}

func (v *validator) enum(n *yaml.Node, s *Schema) {
	got := typeOf(n)
	for _, e := range s.Enum {
		switch e := e.(type) {
		case string:
			if got == "string" && n.Value == e {
				return
			}
		case float64:
			if f, _, _ := numberOf(n); isNumberType(got) && f == e {
				return
			}
		case bool:
			if got == "boolean" && n.Value == strconv.FormatBool(e) {
				return
			}
		}
	}
	if v.counting {
		v.failed = true
		return
	}
	var allowed []string
	for _, e := range s.Enum {
		switch e := e.(type) {
		case string:
			allowed = append(allowed, strconv.Quote(e))
		case float64:
			allowed = append(allowed, formatNumber(e))
		case bool:
			allowed = append(allowed, strconv.FormatBool(e))
		}
	}
	hint := ""
	for _, e := range s.Enum {
		if e, ok := e.(string); ok && strings.EqualFold(e, n.Value) {
			hint = fmt.Sprintf(" (did you mean %q?)", e)
		}
	}
	shown := n.Value
	if got == "string" {
		shown = strconv.Quote(n.Value)
	}
	v.errorf("unsupported value %s%s: supported values: %s", shown, hint, strings.Join(allowed, ", "))
}

// compositions checks oneOf, anyOf, allOf and not: value validations that
// constrain n without declaring fields.
func (v *validator) compositions(n *yaml.Node, s *Schema) {
	if len(s.OneOf) > 0 {
		fields, ok := s.atMostOne, s.atMostOne != nil
		if !s.prepared {
			// A schema that did not come from Load (the apiVersion, kind
			// and metadata ones, or one a caller builds) was never
			// prepared: work it out here.
			fields, ok = atMostOneOf(s.OneOf)
		}
		if ok && n.Kind == yaml.MappingNode {
			// Istio's encoding of a proto oneof: none of the fields, or
			// exactly one of them.
			var buf [4]string
			set := buf[:0]
			for _, f := range fields {
				if x := field(n, f); x != nil && !isNull(resolve(x)) {
					set = append(set, f)
				}
			}
			if len(set) > 1 {
				v.errorf("only one of %s can be set, found %s", orList(fields), strings.Join(set, " and "))
			}
		} else if matched := v.count(n, s.OneOf); matched != 1 {
			v.errorf("must validate one and only one schema (oneOf), found %d valid alternatives", matched)
		}
	}
	if len(s.AnyOf) > 0 && !s.IntOrString && v.count(n, s.AnyOf) == 0 {
		v.errorf("must validate at least one schema (anyOf)")
	}
	for _, sub := range s.AllOf {
		branch := v.branch
		v.branch = true
		v.value(n, sub)
		v.branch = branch
	}
	if s.Not != nil && v.matches(n, s.Not) {
		v.errorf("must not validate the schema (not)")
	}
}

// count returns how many of alternatives n validates against.
func (v *validator) count(n *yaml.Node, alternatives []*Schema) int {
	matched := 0
	for _, alt := range alternatives {
		if v.matches(n, alt) {
			matched++
		}
	}
	return matched
}

// matches reports whether n validates against alt (warnings aside),
// reporting nothing.
func (v *validator) matches(n *yaml.Node, alt *Schema) bool {
	branch, counting, failed := v.branch, v.counting, v.failed
	v.branch, v.counting, v.failed = true, true, false
	v.value(n, alt)
	ok := !v.failed
	v.branch, v.counting, v.failed = branch, counting, failed
	return ok
}

// atMostOneOf recognises oneOf: [{not: {anyOf: [{required: [a]}, {required:
// [b]}, ...]}}, {required: [a]}, {required: [b]}, ...], the way Istio's CRDs
// say "at most one of a, b, ...", and returns the fields.
func atMostOneOf(oneOf []*Schema) ([]string, bool) {
	if len(oneOf) < 2 || oneOf[0].Not == nil || !onlyRequired(oneOf[0]) || len(oneOf[0].Not.AnyOf) != len(oneOf)-1 || !onlyRequired(oneOf[0].Not) {
		return nil, false
	}
	var fields []string
	for i, alt := range oneOf[1:] {
		neg := oneOf[0].Not.AnyOf[i]
		if !onlyRequired(alt) || !onlyRequired(neg) || len(alt.Required) != 1 || len(neg.Required) != 1 || alt.Required[0] != neg.Required[0] {
			return nil, false
		}
		fields = append(fields, alt.Required[0])
	}
	return fields, true
}

// onlyRequired reports whether s says nothing but required (and, for the
// negated branch, not/anyOf).
func onlyRequired(s *Schema) bool {
	return s.Type == "" && s.Properties == nil && s.Items == nil && s.AdditionalProperties == nil && len(s.Enum) == 0 &&
		len(s.OneOf) == 0 && len(s.AllOf) == 0 && len(s.Validations) == 0 && s.Format == ""
}

// yaml11Bools are the plain scalars YAML 1.1 reads as booleans and YAML
// 1.2 (edgegate, kustomize) as strings; true and false are booleans in both.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "n": true, "N": true, "no": true, "No": true, "NO": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
}

// entry is one field of a mapping; the same type as KeyValue, so that
// Fields can hand out what entries collects.
type entry = KeyValue

// entries lists the fields of a mapping, with YAML merge keys (<<) expanded
// as kubectl does (the mapping's own fields win, then the merged maps in
// order), and the keys it repeats.
func entries(n *yaml.Node) (fields []entry, dups []string) {
	return appendEntries(nil, n)
}

// smallMapping is the number of fields up to which appendEntries looks for
// a repeated key by scanning the fields so far; a larger mapping gets a
// map, so that a hostile one is not quadratic.
const smallMapping = 16

// fieldSet is the fields of one mapping as appendEntries collects them, on
// top of the fields of the mappings it is nested in.
type fieldSet struct {
	fields []entry // this mapping's are fields[start:]
	start  int
	index  map[string]bool // the keys, once there are more than smallMapping
}

func (f *fieldSet) has(key string) bool {
	if f.index != nil {
		return f.index[key]
	}
	for _, e := range f.fields[f.start:] {
		if e.Key == key {
			return true
		}
	}
	return false
}

func (f *fieldSet) add(key string, value *yaml.Node) {
	f.fields = append(f.fields, entry{key, value})
	switch {
	case f.index != nil:
		f.index[key] = true
	case len(f.fields)-f.start > smallMapping:
		f.index = make(map[string]bool, 2*smallMapping)
		for _, e := range f.fields[f.start:] {
			f.index[e.Key] = true
		}
	}
}

// appendEntries appends the fields of mapping n to buf, as entries lists
// them. Each merged mapping is expanded once, however often aliases name
// it, so a merge-key bomb costs its size, not its expansion.
func appendEntries(buf []entry, n *yaml.Node) (fields []entry, dups []string) {
	set := fieldSet{fields: buf, start: len(buf)}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			merges = append(merges, val)
			continue
		}
		if set.has(k.Value) {
			dups = append(dups, k.Value)
			continue
		}
		set.add(k.Value, val)
	}
	if len(merges) == 0 {
		return set.fields, dups
	}
	visited := map[*yaml.Node]bool{n: true}
	var merge func(m *yaml.Node)
	merge = func(m *yaml.Node) {
		m = resolve(m)
		if m == nil || visited[m] {
			return
		}
		visited[m] = true
		switch m.Kind {
		case yaml.SequenceNode:
			for _, item := range m.Content {
				merge(item)
			}
		case yaml.MappingNode:
			var nested []*yaml.Node
			for i := 0; i+1 < len(m.Content); i += 2 {
				k, val := m.Content[i], m.Content[i+1]
				switch {
				case isMergeKey(k):
					nested = append(nested, val)
				case !set.has(k.Value):
					set.add(k.Value, val)
				}
			}
			for _, x := range nested {
				merge(x)
			}
		}
	}
	for _, m := range merges {
		merge(m)
	}
	return set.fields, dups
}

// field returns the value of key in mapping n (merge keys included), or nil.
func field(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMergeKey(k) {
			merges = true
		} else if k.Value == key {
			return resolve(n.Content[i+1])
		}
	}
	if !merges {
		return nil
	}
	fields, _ := entries(n)
	for _, e := range fields {
		if e.Key == key {
			return resolve(e.Value)
		}
	}
	return nil
}

func isMergeKey(k *yaml.Node) bool { return shortTag(k) == "!!merge" }

// shortTag is n.ShortTag(), without its work for the tags the parser
// writes out: a tag that starts with "!!" is its own short form, for every
// kind and style.
func shortTag(n *yaml.Node) string {
	if strings.HasPrefix(n.Tag, "!!") {
		return n.Tag
	}
	return n.ShortTag()
}

// resolve follows aliases (and a document node) to the value.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < 64; i++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && shortTag(n) == "!!null"
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// typeOf is the JSON type a node becomes when kubectl sends it: object,
// array, string, integer, number, boolean or null.
func typeOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "object"
	case yaml.SequenceNode:
		return "array"
	}
	switch shortTag(n) {
	case "!!null":
		return "null"
	case "!!bool":
		return "boolean"
	case "!!int":
		if _, err := parseInt(n.Value); err == nil {
			return "integer"
		}
		return "number"
	case "!!float":
		if f, err := parseFloat(n.Value); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return "integer" // the API server reads 80.0 as 80
		}
		return "number"
	}
	return "string"
}

func isNumberType(t string) bool { return t == "integer" || t == "number" }

// Int returns the integer value of n, if it is one.
func Int(n *yaml.Node) (int64, bool) {
	n = resolve(n)
	if n == nil || typeOf(n) != "integer" {
		return 0, false
	}
	_, i, _ := numberOf(n)
	return i, true
}

// TypeOf is the JSON type n becomes: object, array, string, integer,
// number, boolean or null.
func TypeOf(n *yaml.Node) string {
	if n = resolve(n); n == nil {
		return ""
	}
	return typeOf(n)
}

// Describe names a node's type and value for messages: string "80",
// number 80, a map.
func Describe(n *yaml.Node) string {
	if n = resolve(n); n == nil {
		return "nothing"
	}
	return describe(n)
}

func finite(n *yaml.Node) bool {
	f, _, _ := numberOf(n)
	return !math.IsInf(f, 0) && !math.IsNaN(f)
}

// numberOf returns the value of a numeric scalar as a float and, when it
// is integral, as an int.
func numberOf(n *yaml.Node) (float64, int64, bool) {
	if i, err := parseInt(n.Value); err == nil {
		return float64(i), i, true
	}
	f, err := parseFloat(n.Value)
	if err != nil {
		return math.NaN(), 0, false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return f, int64(f), true
	}
	return f, 0, false
}

func parseInt(s string) (int64, error) {
	return strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
}

func parseFloat(s string) (float64, error) {
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case ".inf":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	case ".nan":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
}

func isNumeric(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

func describe(n *yaml.Node) string {
	switch typeOf(n) {
	case "object":
		return "a map"
	case "array":
		return "a list"
	case "null":
		return "null"
	case "boolean":
		return "boolean " + n.Value
	case "integer", "number":
		return "number " + n.Value
	}
	return fmt.Sprintf("string %q", n.Value)
}

// EntryPath is the path of the entry key of the map at p: p.key, or p[key]
// for a key that is not plain. The schema checks build their paths with it
// and the validator with plainKey, so every path names a map entry alike.
func EntryPath(p, key string) string {
	if plainKey(key) {
		return p + "." + key
	}
	return p + "[" + key + "]"
}

// plainKey reports whether a map key shows in a path as .key; any other
// shows as [key] (the API server's form for map keys).
func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func orEqual(inclusive bool) string {
	if inclusive {
		return "or equal to "
	}
	return ""
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// orList renders "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func compilePattern(p string) *regexp.Regexp {
	re, _ := patterns.Compile(p)
	return re
}

// Field follows mapping keys from n, through aliases and merge keys; nil
// when a step is missing or not a mapping.
func Field(n *yaml.Node, path ...string) *yaml.Node {
	n = resolve(n)
	for _, key := range path {
		n = field(n, key)
	}
	return n
}

// Present reports whether n is set: there, and not null.
func Present(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && !isNull(n)
}

// String returns the value of n if it is a string.
func String(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n == nil || typeOf(n) != "string" {
		return "", false
	}
	return n.Value, true
}

// Elements returns the items of a list (nil for anything else).
func Elements(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		out[i] = resolve(item)
	}
	return out
}

// Items ranges over the items of a list as Elements returns them, without
// copying them into a new slice.
func Items(n *yaml.Node) iter.Seq2[int, *yaml.Node] {
	n = resolve(n)
	return func(yield func(int, *yaml.Node) bool) {
		if n == nil || n.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range n.Content {
			if !yield(i, resolve(item)) {
				return
			}
		}
	}
}

// Len is the number of items of a list, len(Elements(n)).
func Len(n *yaml.Node) int {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return 0
	}
	return len(n.Content)
}

// KeyValue is one field of a mapping.
type KeyValue struct {
	Key   string
	Value *yaml.Node
}

// Fields returns the fields of a mapping in order, merge keys expanded.
func Fields(n *yaml.Node) []KeyValue {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out, _ := entries(n)
	for i := range out {
		out[i].Value = resolve(out[i].Value)
	}
	return out
}

// Number returns the value of n if it is a number.
func Number(n *yaml.Node) (float64, bool) {
	n = resolve(n)
	if n == nil || !isNumberType(typeOf(n)) {
		return 0, false
	}
	f, _, _ := numberOf(n)
	return f, true
}
