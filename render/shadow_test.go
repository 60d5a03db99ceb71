package render

import (
	"slices"
	"testing"

	"github.com/edgegate/edgegate/api/v1alpha1"
	"github.com/edgegate/edgegate/manifest"
)

func TestRouteMatchesNeverReached(t *testing.T) {
	canary := map[string]string{"x-canary": "true"}
	for _, c := range []struct {
		name   string
		routes []v1alpha1.Route
		want   []string // fields reported
	}{
		{"catch-all first", []v1alpha1.Route{{}, {Exact: "/x"}}, []string{"spec.routes[1]"}},
		{"covering prefix", []v1alpha1.Route{{Prefix: "/api"}, {Prefix: "/api/v1"}, {Exact: "/api/x"}}, []string{"spec.routes[1]", "spec.routes[2]"}},
		{"prefix / is every path", []v1alpha1.Route{{Prefix: "/"}, {Regex: "/a.*"}}, []string{"spec.routes[1]"}},
		{"a prefix matches by path element", []v1alpha1.Route{{Prefix: "/api"}, {Prefix: "/apiary"}, {Exact: "/apix"}, {Regex: "/api[a-z]+"}}, nil},
		{"a prefix covers its own path", []v1alpha1.Route{{Prefix: "/api"}, {Exact: "/api"}, {Exact: "/api/"}, {Prefix: "/api/"}}, []string{"spec.routes[1]", "spec.routes[2]", "spec.routes[3]"}},
		{"a trailing slash changes nothing", []v1alpha1.Route{{Prefix: "/api/"}, {Prefix: "/api"}}, []string{"spec.routes[1]"}},
		{"an exact path and a narrower prefix do not cover a prefix", []v1alpha1.Route{{Exact: "/api"}, {Prefix: "/api/v1"}, {Prefix: "/api"}}, nil},
		{"an exact path does not cover the prefix", []v1alpha1.Route{{Exact: "/api"}, {Regex: "/x"}, {Prefix: "/api/"}, {Prefix: "/api"}}, []string{"spec.routes[3]"}},
		{"a regex of the subpaths does not cover the prefix", []v1alpha1.Route{{Regex: "/api/.*"}, {Prefix: "/api"}}, nil},
		{"narrower first", []v1alpha1.Route{{Prefix: "/api/v1"}, {Prefix: "/api"}, {}}, nil},
		{"a header narrows", []v1alpha1.Route{{Headers: canary}, {}}, nil},
		{"an empty header value still narrows", []v1alpha1.Route{{Headers: map[string]string{"x-canary": ""}}, {}}, nil},
		{"same header, covering path", []v1alpha1.Route{{Headers: canary}, {Headers: canary, Exact: "/x"}}, []string{"spec.routes[1]"}},
		{"a regex covers the exact path it matches", []v1alpha1.Route{{Regex: "/a/[0-9]+"}, {Exact: "/a/12"}}, []string{"spec.routes[1]"}},
		{"two regexes are not compared", []v1alpha1.Route{{Regex: "/a.*"}, {Regex: "/ab.*"}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := &fieldErrors{obj: &manifest.Object{}}
			routeMatches(e, c.routes)
			var got []string
			for _, d := range e.diags {
				got = append(got, d.Field)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("reported %v, want %v (%v)", got, c.want, e.diags)
			}
		})
	}
}
