package hostname

import "testing"

// FuzzHostname checks, for any two strings, that validation never panics and
// that on valid hosts the overlap relation is symmetric, agrees with Matches,
// and that the indexed Set answers exactly as the pairwise definition.
func FuzzHostname(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", "example.com"}, {"*.example.com", "a.example.com"}, {"*.example.com", "example.com"},
		{"*.a.example.com", "*.example.com"}, {"a.b", "a.b"}, {"Example.com", "*"}, {"10.0.0.1", "x:80"},
		{"*.*.com", ""}, {"-a.com", "a-.com"}, {"xexample.com", "*.example.com"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		errA, errB := Validate(a), Validate(b)
		if errA != nil || errB != nil {
			return
		}
		if Overlap(a, b) != Overlap(b, a) {
			t.Fatalf("Overlap(%q, %q) is not symmetric", a, b)
		}
		if Matches(a, b) && !Overlap(a, b) {
			t.Fatalf("%q matches %q but they do not overlap", a, b)
		}
		if Matches(a, b) && Matches(b, a) && a != b {
			t.Fatalf("%q and %q match each other but differ", a, b)
		}
		var s Set[string]
		s.Add(a, a)
		if _, got := s.Overlapping(b); got != Overlap(a, b) {
			t.Fatalf("Set{%q}.Overlapping(%q) = %v, Overlap = %v", a, b, got, Overlap(a, b))
		}
		if owner, ok := s.Exact(a); !ok || owner != a {
			t.Fatalf("Set{%q}.Exact(%q) = %q, %v", a, a, owner, ok)
		}
		// a covers b exactly when a wildcard a matches b and is not b.
		if _, got := s.Covering(b); got != (IsWildcard(a) && a != b && Matches(a, b)) {
			t.Fatalf("Set{%q}.Covering(%q) = %v, Matches = %v", a, b, got, Matches(a, b))
		}
		if Canonical(b) != b {
			t.Fatalf("Canonical(%q) = %q changes a valid host", b, Canonical(b))
		}
	})
}
