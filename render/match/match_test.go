package match

import "testing"

// TestCovers runs the cases render's route-shadowing check meets: an
// AppIntent route is exact, prefix or regex on the path, with exact
// headers, as render writes it into a VirtualService.
func TestCovers(t *testing.T) {
	route := func(kind, path string, headers ...string) *HTTPMatchRequest {
		m := &HTTPMatchRequest{}
		switch kind {
		case "exact":
			m.URI = &StringMatch{Exact: path}
		case "prefix":
			m.URI = &StringMatch{Prefix: path}
		case "regex":
			m.URI = &StringMatch{Regex: path}
		}
		for i := 0; i+1 < len(headers); i += 2 {
			if m.Headers == nil {
				m.Headers = map[string]StringMatch{}
			}
			m.Headers[headers[i]] = StringMatch{Exact: headers[i+1]}
		}
		return m
	}
	for _, tc := range []struct {
		name string
		a, b *HTTPMatchRequest
		want bool
	}{
		{"no match covers everything", route("", ""), route("exact", "/x"), true},
		{"a prefix covers a longer prefix", route("prefix", "/api"), route("prefix", "/api/v1"), true},
		{"a prefix covers an exact path under it", route("prefix", "/api"), route("exact", "/api/v1"), true},
		{"a prefix does not cover a shorter one", route("prefix", "/api/v1"), route("prefix", "/api"), false},
		{"prefix / is every path", route("prefix", "/"), route("regex", "/a.*"), true},
		{"exact covers the same exact", route("exact", "/x"), route("exact", "/x"), true},
		{"exact does not cover another", route("exact", "/x"), route("exact", "/y"), false},
		{"a prefix covers a regex under it", route("prefix", "/api/"), route("regex", "/api/v[0-9]+"), true},
		{"a regex covers an exact path it matches", route("regex", "/v[0-9]"), route("exact", "/v1"), true},
		{"headers narrow the earlier route", route("prefix", "/", "x-canary", "1"), route("prefix", "/api"), false},
		{"the later route's headers are narrower", route("prefix", "/"), route("prefix", "/api", "x-canary", "1"), true},
		{"the same headers", route("prefix", "/", "x-canary", "1"), route("exact", "/a", "x-canary", "1"), true},
	} {
		if got := Covers(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: Covers = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRequestIntersects(t *testing.T) {
	re := NewRegexps()
	a := &HTTPMatchRequest{URI: &StringMatch{Prefix: "/api"}}
	b := &HTTPMatchRequest{URI: &StringMatch{Exact: "/api/v1"}}
	c := &HTTPMatchRequest{URI: &StringMatch{Exact: "/web"}}
	if !re.RequestIntersects(a, b) || re.RequestIntersects(a, c) {
		t.Errorf("prefix /api intersects exact /api/v1 (%v) and not exact /web (%v)", re.RequestIntersects(a, b), re.RequestIntersects(a, c))
	}
}
