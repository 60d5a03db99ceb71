package hostname

import "strings"

// Set indexes hosts claimed by owners. Finding an owner whose host overlaps a
// given host costs time in the number of labels of that host, not the size of
// the set, so checking n hosts against each other is O(n) rather than O(n²).
//
// Most sets are tiny (the hosts of one Gateway server: one or two), and three
// maps per set would cost more to build than scanning a short list, so up to
// smallSet hosts are kept in a list, answered by the same rules in the same
// order of preference, and the maps are built when the list overflows.
type Set[O any] struct {
	size      int
	first     O            // some owner, the answer for "*"
	star      *O           // owner of "*"
	small     []entry[O]   // the hosts other than "*", in order, until the maps are built
	exact     map[string]O // concrete host → owner
	wildcards map[string]O // "*.S" is stored under "S"
	below     map[string]O // "S" → owner of some host strictly below S
}

// smallSet is the most hosts a Set scans rather than indexes.
const smallSet = 8

// entry is a host of a small Set: name is the host without "*." when
// wildcard is set.
type entry[O any] struct {
	name     string
	wildcard bool
	owner    O
}

// Len is the number of hosts added.
func (s *Set[O]) Len() int { return s.size }

// Add records that owner claims h. The first owner of a host is kept.
func (s *Set[O]) Add(h string, owner O) {
	if s.size == 0 {
		s.first = owner
	}
	s.size++
	if h == "*" {
		if s.star == nil {
			s.star = &owner
		}
		return
	}
	e := entry[O]{name: h, owner: owner}
	if IsWildcard(h) {
		e.name, e.wildcard = h[2:], true
	}
	if s.exact == nil && len(s.small) < smallSet {
		s.small = append(s.small, e)
		return
	}
	if s.exact == nil {
		s.index()
	}
	s.put(e)
}

// index moves the hosts of the list into the maps, in the order they were added.
func (s *Set[O]) index() {
	s.exact, s.wildcards, s.below = map[string]O{}, map[string]O{}, map[string]O{}
	for _, e := range s.small {
		s.put(e)
	}
	s.small = nil
}

func (s *Set[O]) put(e entry[O]) {
	if e.wildcard {
		putIfAbsent(s.wildcards, e.name, e.owner)
	} else {
		putIfAbsent(s.exact, e.name, e.owner)
	}
	for i := 0; i < len(e.name); i++ {
		if e.name[i] == '.' {
			putIfAbsent(s.below, e.name[i+1:], e.owner)
		}
	}
}

// Overlapping returns an owner of a host that overlaps h. Owners are
// preferred in this order: of "*"; for a wildcard h, of h itself, then of
// a host below it; for a concrete h, of h itself; then of the closest
// wildcard above h. Among owners of the same host, the first one added.
func (s *Set[O]) Overlapping(h string) (O, bool) {
	var zero O
	if s.size == 0 {
		return zero, false
	}
	if h == "*" {
		return s.first, true
	}
	if s.star != nil {
		return *s.star, true
	}
	name, wildcard := h, IsWildcard(h)
	if wildcard {
		name = h[2:]
	}
	if o, ok := s.sameOrBelow(name, wildcard); ok {
		return o, true
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		if o, ok := s.host(name[i+1:], true); ok {
			return o, true
		}
	}
	return zero, false
}

// sameOrBelow returns the owner of name itself (a wildcard when wildcard is
// set) or, for a wildcard, of a host strictly below name.
func (s *Set[O]) sameOrBelow(name string, wildcard bool) (O, bool) {
	if o, ok := s.host(name, wildcard); ok || !wildcard {
		return o, ok
	}
	if s.exact != nil {
		o, ok := s.below[name]
		return o, ok
	}
	for _, e := range s.small {
		if len(e.name) > len(name) && strings.HasSuffix(e.name, name) && e.name[len(e.name)-len(name)-1] == '.' {
			return e.owner, true
		}
	}
	var zero O
	return zero, false
}

// host returns the owner of exactly name, "*."+name when wildcard is set.
func (s *Set[O]) host(name string, wildcard bool) (O, bool) {
	if s.exact != nil {
		m := s.exact
		if wildcard {
			m = s.wildcards
		}
		o, ok := m[name]
		return o, ok
	}
	for _, e := range s.small {
		if e.wildcard == wildcard && e.name == name {
			return e.owner, true
		}
	}
	var zero O
	return zero, false
}

// Exact returns the owner of exactly h, if any.
func (s *Set[O]) Exact(h string) (O, bool) {
	switch {
	case h == "*":
		if s.star != nil {
			return *s.star, true
		}
		var zero O
		return zero, false
	case IsWildcard(h):
		return s.host(h[2:], true)
	}
	return s.host(h, false)
}

func putIfAbsent[O any](m map[string]O, k string, v O) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

// Covering returns the owner of the most specific host that strictly covers
// h: for "a.b.example.com" the owner of "*.b.example.com", else of
// "*.example.com", else of "*.com", else of "*". It is where Envoy sends the
// requests matched by the covering host that h itself does not take (an exact
// domain or server name first, then the longest wildcard suffix, then "*").
// h itself is not its own cover; "*" has none.
func (s *Set[O]) Covering(h string) (O, bool) {
	var zero O
	if s.size == 0 || h == "*" {
		return zero, false
	}
	name := h
	if IsWildcard(h) {
		name = h[2:]
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		if o, ok := s.host(name[i+1:], true); ok {
			return o, true
		}
	}
	if s.star != nil {
		return *s.star, true
	}
	return zero, false
}
