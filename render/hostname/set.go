package hostname

// Set indexes hosts claimed by owners. Finding an owner whose host overlaps a
// given host costs time in the number of labels of that host, not the size of
// the set, so checking n hosts against each other is O(n) rather than O(n²).
type Set[O any] struct {
	size      int
	first     O            // some owner, the answer for "*"
	star      *O           // owner of "*"
	exact     map[string]O // concrete host → owner
	wildcards map[string]O // "*.S" is stored under "S"
	below     map[string]O // "S" → owner of some host strictly below S
}

// Len is the number of hosts added.
func (s *Set[O]) Len() int { return s.size }

// Add records that owner claims h. The first owner of a host is kept.
func (s *Set[O]) Add(h string, owner O) {
	if s.exact == nil {
		s.exact, s.wildcards, s.below = map[string]O{}, map[string]O{}, map[string]O{}
	}
	if s.size == 0 {
		s.first = owner
	}
	s.size++
	name := h
	switch {
	case h == "*":
		if s.star == nil {
			s.star = &owner
		}
		return
	case IsWildcard(h):
		name = h[2:]
		putIfAbsent(s.wildcards, name, owner)
	default:
		putIfAbsent(s.exact, h, owner)
	}
	for _, suffix := range properSuffixes(name) {
		putIfAbsent(s.below, suffix, owner)
	}
}

// Overlapping returns an owner of a host that overlaps h.
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
	name := h
	if IsWildcard(h) {
		name = h[2:]
		if o, ok := s.wildcards[name]; ok {
			return o, true
		}
		if o, ok := s.below[name]; ok {
			return o, true
		}
	} else if o, ok := s.exact[h]; ok {
		return o, true
	}
	for _, suffix := range properSuffixes(name) {
		if o, ok := s.wildcards[suffix]; ok {
			return o, true
		}
	}
	return zero, false
}

// Exact returns the owner of exactly h, if any.
func (s *Set[O]) Exact(h string) (O, bool) {
	var zero O
	switch {
	case h == "*":
		if s.star != nil {
			return *s.star, true
		}
		return zero, false
	case IsWildcard(h):
		o, ok := s.wildcards[h[2:]]
		return o, ok
	}
	o, ok := s.exact[h]
	return o, ok
}

// properSuffixes of "a.b.c" are "b.c" and "c".
func properSuffixes(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			out = append(out, name[i+1:])
		}
	}
	return out
}

func putIfAbsent[O any](m map[string]O, k string, v O) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}
