package hostname

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		host string
		want string // error fragment; "" means valid
	}{
		{"*", ""},
		{"example.com", ""},
		{"*.example.com", ""},
		{"a-b.c0.example", ""},
		{"localhost", ""},
		{"", "empty"},
		{"Example.com", "uppercase"},
		// The hint is the whole host lowercased, not one label.
		{"Shop.Example.COM", `uppercase letters never match, since Envoy lowercases the request's host: write "shop.example.com"`},
		{"*.Example.com", `write "*.example.com"`},
		// Another problem first: lowercasing alone would not fix it.
		{"Shop_x.example.com", `label "Shop_x" has the invalid character "_"`},
		{"exa mple.com", "white space"},
		{"example.com:8080", "contains a port"},
		{"10.0.0.1", "IP address"},
		{"[::1]", "IP address"},
		{"::1", "IP address"},
		{"a.*.example.com", "wildcard must be the whole first label"},
		{"*example.com", "wildcard must be the whole first label"},
		{"**.example.com", "wildcard must be the whole first label"},
		{"example.com.", "ends with a dot"},
		{"-a.example.com", "starts or ends with '-'"},
		{"a_b.example.com", "invalid character"},
		{"ns/example.com", "contains '/'"},
		{"a..b", "empty label"},
		{strings.Repeat("a", 64) + ".com", "longer than 63"},
		{strings.Repeat("a.", 127) + "com", "longer than 253"},
	} {
		err := Validate(tc.host)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Validate(%q) = %v, want valid", tc.host, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Validate(%q) = %v, want error containing %q", tc.host, err, tc.want)
		}
	}
}

func TestOverlapAndMatches(t *testing.T) {
	for _, tc := range []struct {
		a, b      string
		overlap   bool
		aMatchesB bool // every request for b is one for a
		bMatchesA bool
	}{
		{"*", "*", true, true, true},
		{"*", "example.com", true, true, false},
		{"*", "*.example.com", true, true, false},
		{"example.com", "example.com", true, true, true},
		{"example.com", "www.example.com", false, false, false},
		{"*.example.com", "www.example.com", true, true, false},
		{"*.example.com", "a.b.example.com", true, true, false},
		{"*.example.com", "example.com", false, false, false},
		{"*.example.com", "*.b.example.com", true, true, false},
		{"*.example.com", "*.example.org", false, false, false},
		{"*.example.com", "*.badexample.com", false, false, false},
		{"*.example.com", "xexample.com", false, false, false},
		{"*.a.example.com", "b.example.com", false, false, false},
	} {
		if got := Overlap(tc.a, tc.b); got != tc.overlap {
			t.Errorf("Overlap(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.overlap)
		}
		if got := Overlap(tc.b, tc.a); got != tc.overlap {
			t.Errorf("Overlap(%q, %q) = %v, want %v (symmetry)", tc.b, tc.a, got, tc.overlap)
		}
		if got := Matches(tc.a, tc.b); got != tc.aMatchesB {
			t.Errorf("Matches(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.aMatchesB)
		}
		if got := Matches(tc.b, tc.a); got != tc.bMatchesA {
			t.Errorf("Matches(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.bMatchesA)
		}
	}
}

// TestSetAgreesWithOverlap checks the indexed set against the pairwise
// definition on every combination of a corpus of hosts.
func TestSetAgreesWithOverlap(t *testing.T) {
	corpus := []string{
		"*", "example.com", "www.example.com", "a.b.example.com", "*.example.com", "*.b.example.com",
		"*.www.example.com", "example.org", "*.org", "b.example.com", "xexample.com", "*.com", "com",
	}
	for _, held := range corpus {
		for _, held2 := range corpus {
			var s Set[string]
			s.Add(held, held)
			s.Add(held2, held2)
			for _, q := range corpus {
				want := Overlap(held, q) || Overlap(held2, q)
				owner, got := s.Overlapping(q)
				if got != want {
					t.Fatalf("set {%q, %q}: Overlapping(%q) = %v, want %v", held, held2, q, got, want)
				}
				if got && !Overlap(owner, q) {
					t.Fatalf("set {%q, %q}: Overlapping(%q) names %q, which does not overlap it", held, held2, q, owner)
				}
			}
		}
	}
}

func TestSetExact(t *testing.T) {
	var s Set[int]
	if _, ok := s.Overlapping("*"); ok {
		t.Fatal("empty set overlaps *")
	}
	s.Add("*.example.com", 1)
	s.Add("a.example.org", 2)
	for _, tc := range []struct {
		host string
		want int
		ok   bool
	}{{"*.example.com", 1, true}, {"a.example.org", 2, true}, {"b.example.com", 0, false}, {"*", 0, false}} {
		got, ok := s.Exact(tc.host)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Exact(%q) = %d, %v; want %d, %v", tc.host, got, ok, tc.want, tc.ok)
		}
	}
	if s.Len() != 2 {
		t.Errorf("Len() = %d, want 2", s.Len())
	}
}

// TestSetCovering: the cover of a host is the most specific other host that
// matches it, as Envoy picks a virtual host or a filter chain.
func TestSetCovering(t *testing.T) {
	var s Set[string]
	for _, h := range []string{"shop.example.com", "*.example.com", "*.eu.example.com", "*"} {
		s.Add(h, h)
	}
	for _, tc := range []struct{ host, want string }{
		{"shop.example.com", "*.example.com"},
		{"a.eu.example.com", "*.eu.example.com"},
		{"*.eu.example.com", "*.example.com"},
		{"*.a.eu.example.com", "*.eu.example.com"},
		{"*.example.com", "*"},
		{"example.com", "*"},
		{"anything.org", "*"},
		{"*", ""},
	} {
		got, _ := s.Covering(tc.host)
		if got != tc.want {
			t.Errorf("Covering(%q) = %q, want %q", tc.host, got, tc.want)
		}
	}
	var noStar Set[string]
	noStar.Add("*.example.com", "*.example.com")
	if got, ok := noStar.Covering("example.org"); ok {
		t.Errorf("Covering(example.org) = %q without a cover", got)
	}
}

func TestCanonical(t *testing.T) {
	for h, want := range map[string]string{
		"shop.example.com": "shop.example.com", "Shop.Example.COM.": "shop.example.com",
		"*.example.com.": "*.example.com", "*": "*",
	} {
		if got := Canonical(h); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", h, got, want)
		}
	}
}

func ExampleOverlap() {
	fmt.Println(Overlap("*.example.com", "shop.example.com"), Overlap("*.example.com", "example.com"))
	// Output: true false
}

// TestSmallSetAgreesWithIndexed checks that a set small enough to be
// scanned names the same owner as the same set indexed by maps, for every
// query, so where a set switches never shows in a message.
func TestSmallSetAgreesWithIndexed(t *testing.T) {
	corpus := []string{
		"*", "example.com", "www.example.com", "a.b.example.com", "*.example.com", "*.b.example.com",
		"*.www.example.com", "example.org", "*.org", "b.example.com", "xexample.com", "*.com", "com",
		"*.a.b.example.com", "a.example.org",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 2000; round++ {
		var scanned, indexed Set[int]
		indexed.index()
		for i := range rng.IntN(smallSet + 1) {
			h := corpus[rng.IntN(len(corpus))]
			scanned.Add(h, i)
			indexed.Add(h, i)
		}
		if scanned.exact != nil {
			t.Fatalf("a set of %d hosts was indexed", scanned.Len())
		}
		for _, q := range corpus {
			o1, ok1 := scanned.Overlapping(q)
			o2, ok2 := indexed.Overlapping(q)
			e1, eok1 := scanned.Exact(q)
			e2, eok2 := indexed.Exact(q)
			c1, cok1 := scanned.Covering(q)
			c2, cok2 := indexed.Covering(q)
			if c1 != c2 || cok1 != cok2 {
				t.Fatalf("round %d, query %q: Covering scanned %d %v, indexed %d %v", round, q, c1, cok1, c2, cok2)
			}
			if o1 != o2 || ok1 != ok2 || e1 != e2 || eok1 != eok2 {
				t.Fatalf("round %d, query %q: scanned (%d %v, exact %d %v), indexed (%d %v, exact %d %v)",
					round, q, o1, ok1, e1, eok1, o2, ok2, e2, eok2)
			}
		}
	}
}
