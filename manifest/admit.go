package manifest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// BytesPerObject sets how many objects one input may hold: one document or
// list item per this many bytes of the input limit (--max-input-bytes), so
// 262,144 at the default 64 MiB. A 10,000-app rendered stream holds 54,000
// objects. Each object costs hundreds of bytes of memory however few bytes
// of input it takes ("---" lines, "- {}" items), so without this bound a
// stream within the byte limit could take gigabytes.
const BytesPerObject = 256

// MaxListDepth bounds how deeply Lists may hold Lists.
const MaxListDepth = 4

// MaxAliasNodes bounds the nodes that YAML aliases add to one input (a file,
// stdin, a ResourceList), counted as though each alias were written out in
// full: the same budget strict decoding has for one document, here over the
// whole input, so 400,000 aliases of one object fail as an alias bomb does.
const MaxAliasNodes = MaxDecodeNodes

// Limits bound what one input may hold beyond its size in bytes.
type Limits struct {
	// MaxObjects bounds the documents and list items of one input.
	MaxObjects int
	// MaxBytes is the byte limit MaxObjects derives from, for messages.
	MaxBytes int64
}

// LimitsFor returns the limits of an input of at most maxBytes bytes.
func LimitsFor(maxBytes int64) Limits {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxFileBytes
	}
	return Limits{MaxObjects: int(max(maxBytes/BytesPerObject, 1024)), MaxBytes: maxBytes}
}

func (l Limits) tooMany(what string) string {
	return fmt.Sprintf("more than %d %s: the limit is one per %d bytes of the input limit of %d bytes (raise it with --max-input-bytes)",
		l.MaxObjects, what, BytesPerObject, l.MaxBytes)
}

// IsList reports whether o is a list of objects as kubectl reads one: a
// v1 List (what `kubectl get -o yaml` writes) or any kind ending in "List"
// with an items field (SecretList, ServiceList, ...). kubectl applies every
// item, so edgegate reads the items as objects of their own.
func IsList(o *Object) bool {
	if o.Kind == "ResourceList" && o.Group() == "config.kubernetes.io" {
		return false // a KRM function's input, read only by the function
	}
	if o.Kind == "List" && o.APIVersion == "v1" {
		return true
	}
	return strings.HasSuffix(o.Kind, "List") && o.Field("items") != nil
}

// admitter turns the objects of one input into the objects edgegate works
// on: Lists unwrapped (within MaxListDepth and the input's MaxObjects),
// every mapping free of duplicate keys, aliases within MaxAliasNodes.
type admitter struct {
	lim        Limits
	dups       dupWalker
	objects    int
	aliasNodes int
	aliasField string     // where the alias budget was spent
	stack      []pathElem // the field walkAliases is in
	full       bool       // a limit was hit: nothing more is admitted
	out        []*Object
	diags      Diagnostics
}

// Admit checks the objects read from one input and unwraps the Lists among
// them. Items keep the List's file and index, and their own lines when the
// List has lines. aliases says the input may hold aliases (it has anchors):
// only then are they counted.
func Admit(objs []*Object, lim Limits, aliases bool) ([]*Object, Diagnostics) {
	return admit(objs, lim, aliases, false)
}

// admit is Admit for objects whose parser may have found already that no
// mapping of theirs repeats a key (uniqueKeys; fastyaml, which declines
// merge keys, tells): then they need no walk for repeated keys.
func admit(objs []*Object, lim Limits, aliases, uniqueKeys bool) ([]*Object, Diagnostics) {
	if !aliases && len(objs) <= lim.MaxObjects && !slices.ContainsFunc(objs, IsList) {
		if uniqueKeys {
			return objs, nil
		}
		// The common case, a file of plain documents: checked in place,
		// with a walker shared between files (10,000 of them at 10,000 apps).
		w := walkers.Get().(*dupWalker)
		for _, o := range objs {
			w.check(o, o.Node)
		}
		diags := w.diags
		w.obj, w.diags = nil, nil
		walkers.Put(w)
		return objs, diags
	}
	a := &admitter{lim: lim}
	for _, o := range objs {
		if aliases && !a.aliases(o) {
			break
		}
		a.add(o, 0)
	}
	return a.out, append(a.diags, a.dups.diags...)
}

// AdmitItems is Admit for the items of a KRM ResourceList, whose aliases
// are counted over the whole list (root) once, when it may hold any.
func AdmitItems(root *yaml.Node, items []*Object, lim Limits, pos Position, aliases bool) ([]*Object, Diagnostics) {
	a := &admitter{lim: lim}
	if aliases && !a.walkAliases(root, false, 0) {
		d := Diagnostic{Severity: Error, Pos: pos, Field: a.aliasField, Message: a.aliasMessage()}
		// Spent in an item: the message is about the item, where it came from.
		if rest, ok := strings.CutPrefix(a.aliasField, "items["); ok {
			num, field, _ := strings.Cut(rest, "]")
			if i, err := strconv.Atoi(num); err == nil && i < len(items) {
				d = named(Errorf(items[i], strings.TrimPrefix(field, "."), "%s", a.aliasMessage()))
			}
		}
		a.diags = append(a.diags, d)
		return nil, a.diags
	}
	if len(items) > lim.MaxObjects {
		a.diags = append(a.diags, Diagnostic{Severity: Error, Pos: pos, Field: "items", Message: lim.tooMany("items")})
		return nil, a.diags
	}
	for _, o := range items {
		a.add(o, 0)
	}
	return a.out, append(a.diags, a.dups.diags...)
}

func (a *admitter) aliasMessage() string {
	return fmt.Sprintf("YAML aliases expand to more than %d nodes in this input (the limit for aliases, which --max-input-bytes does not raise): write the objects out in full", MaxAliasNodes)
}

// aliases counts o's aliases against the input's budget; false when spent.
func (a *admitter) aliases(o *Object) bool {
	if a.full {
		return false
	}
	a.stack = a.stack[:0]
	if !a.walkAliases(o.Node, false, 0) {
		a.diags = append(a.diags, named(Errorf(o, a.aliasField, "%s", a.aliasMessage())))
		a.full = true
		return false
	}
	return true
}

// walkAliases counts the nodes reached through an alias, as if written out.
// Nodes written once are walked once; the budget bounds the rest, and the
// depth bound stops an alias of a node that holds it (a cycle). When the
// budget is spent, aliasField is the field holding the alias that spent it.
func (a *admitter) walkAliases(n *yaml.Node, inAlias bool, depth int) bool {
	if n == nil {
		return true
	}
	if depth > 2*maxNesting {
		return a.spent()
	}
	if n.Kind == yaml.AliasNode {
		return a.walkAliases(n.Alias, true, depth+1)
	}
	if inAlias {
		if a.aliasNodes++; a.aliasNodes > MaxAliasNodes {
			return a.spent()
		}
		for _, c := range n.Content {
			if !a.walkAliases(c, true, depth+1) {
				return false
			}
		}
		return true
	}
	for i, c := range n.Content {
		switch n.Kind {
		case yaml.MappingNode:
			if i%2 == 0 {
				a.stack = append(a.stack, pathElem{key: c.Value})
			}
		case yaml.SequenceNode:
			a.stack = append(a.stack, pathElem{index: i})
		default:
			a.stack = append(a.stack, pathElem{})
		}
		ok := a.walkAliases(c, false, depth+1)
		if n.Kind != yaml.MappingNode || i%2 == 1 || !ok {
			a.stack = a.stack[:len(a.stack)-1]
		}
		if !ok {
			return false
		}
	}
	return true
}

func (a *admitter) spent() bool {
	if a.aliasField == "" {
		d := decoder{stack: a.stack}
		a.aliasField = d.path()
	}
	return false
}

// maxNesting is the parser's bound on nesting (fastyaml and yaml.v3 refuse
// deeper documents).
const maxNesting = 10000

func (a *admitter) add(o *Object, depth int) {
	if a.full {
		return
	}
	if a.objects++; a.objects > a.lim.MaxObjects {
		a.diags = append(a.diags, Diagnostic{Severity: Error, Pos: Position{File: o.Pos.File}, Message: a.lim.tooMany("objects (documents and List items)")})
		a.full = true
		return
	}
	if !IsList(o) {
		a.dups.check(o, o.Node)
		a.out = append(a.out, o)
		return
	}
	a.dups.check(o, o.Node, "items")
	if depth+1 > MaxListDepth {
		a.diags = append(a.diags, named(Errorf(o, "items", "Lists nested more than %d deep: write the objects out as documents of their own", MaxListDepth)))
		return
	}
	items := o.Field("items")
	if items == nil || IsNull(items) {
		return
	}
	if items.Kind != yaml.SequenceNode {
		a.diags = append(a.diags, named(Errorf(o, "items", "expected a list of objects, got %s", describe(items))))
		return
	}
	for i, n := range items.Content {
		field := "items[" + strconv.Itoa(i) + "]"
		n = unalias(n)
		if n.Kind != yaml.MappingNode {
			a.diags = append(a.diags, named(Errorf(o, field, "not a Kubernetes object (expected a mapping)")))
			continue
		}
		pos := o.Pos
		if pos.Line > 0 {
			pos.Line = n.Line
		}
		item := NewObject(n, pos)
		if item.APIVersion == "" || item.Kind == "" {
			a.diags = append(a.diags, named(Errorf(o, field, "has no apiVersion or kind")))
			continue
		}
		a.add(item, depth+1)
		if a.full {
			return
		}
	}
}

// check reports every mapping key of n that repeats an earlier key
// of its mapping, at any depth, skipping the top-level keys in skip (a
// List's items, checked as objects of their own). kubectl reads the last of
// duplicate keys and edgegate the first: a second metadata.name would apply
// an object edgegate never judged. Aliases are not followed: what they
// name is checked where it is written. Field paths are only written out for
// a duplicate, so the walk allocates nothing on good input.
func (w *dupWalker) check(o *Object, n *yaml.Node, skip ...string) {
	w.obj, w.skip = o, skip
	w.stack = w.buf[:0]
	w.walk(n, true)
}

var walkers = sync.Pool{New: func() any { return new(dupWalker) }}

type dupWalker struct {
	obj   *Object
	skip  []string
	diags Diagnostics
	stack []pathElem
	buf   [16]pathElem
}

func (w *dupWalker) path() string {
	d := decoder{stack: w.stack}
	return d.path()
}

func (w *dupWalker) walk(n *yaml.Node, top bool) {
	switch n.Kind {
	case yaml.MappingNode:
		var seen map[string]*yaml.Node
		if len(n.Content) > 32 {
			seen = make(map[string]*yaml.Node, len(n.Content)/2)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			if key.Kind == yaml.ScalarNode && key.Value == "<<" && key.Tag != "!!str" && (top || w.stack[0].key == "metadata") {
				// edgegate reads an object's identity from the keys written
				// out; kubectl would merge these in.
				w.stack = append(w.stack, pathElem{key: key.Value})
				d := named(Errorf(w.obj, w.path(), "a YAML merge key at an object's top level or in its metadata: kubectl would merge in fields (a kind, a name, a namespace, a label) that edgegate does not read; write them out"))
				w.stack = w.stack[:len(w.stack)-1]
				if w.obj.Pos.Line > 0 && key.Line > 0 {
					d.Pos.Line = key.Line
				}
				w.diags = append(w.diags, d)
				continue
			}
			if key.Kind == yaml.ScalarNode && key.Value != "<<" {
				var first *yaml.Node
				if seen != nil {
					if first = seen[key.Value]; first == nil {
						seen[key.Value] = key
					}
				} else {
					for j := 0; j < i; j += 2 {
						if k := n.Content[j]; k.Kind == yaml.ScalarNode && k.Value == key.Value {
							first = k
							break
						}
					}
				}
				if first != nil {
					w.stack = append(w.stack, pathElem{key: key.Value})
					where := ""
					if w.obj.Pos.Line > 0 {
						where = fmt.Sprintf(" (first on line %d)", first.Line)
					}
					d := named(Errorf(w.obj, w.path(), "duplicate key%s: kubectl would read the last value and edgegate the first; keep one", where))
					w.stack = w.stack[:len(w.stack)-1]
					if w.obj.Pos.Line > 0 && key.Line > 0 {
						d.Pos.Line = key.Line
					}
					w.diags = append(w.diags, d)
					continue
				}
			}
			if top && contains(w.skip, key.Value) {
				continue
			}
			if val.Kind == yaml.MappingNode || val.Kind == yaml.SequenceNode {
				w.stack = append(w.stack, pathElem{key: key.Value})
				w.walk(val, false)
				w.stack = w.stack[:len(w.stack)-1]
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if c.Kind == yaml.MappingNode || c.Kind == yaml.SequenceNode {
				w.stack = append(w.stack, pathElem{index: i})
				w.walk(c, false)
				w.stack = w.stack[:len(w.stack)-1]
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// named gives a message about an object without a name (a List often has
// none) a name to show, so it does not read "List : ...".
func named(d Diagnostic) Diagnostic {
	if d.Ref.Kind != "" && d.Ref.Name == "" {
		d.Ref.Name = "(no name)"
	}
	return d
}
