package k8sname

import (
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
)

// inputs are every short string over an alphabet of the characters that
// matter, and a few longer ones, around each length limit.
func inputs() []string {
	alphabet := []string{"a", "Z", "0", "-", "_", ".", "/", " ", "\n", "é", "\xff"}
	in := []string{"", "app.kubernetes.io", "my-name", "123-abc", "a..b", "-a", "a-", "MyValue", "my_value", "a\n",
		"example.com/name", "/name", "example.com/", "a/b/c", "Example.com/x", "x--y", "123", "http-very-long-name"}
	for _, n := range []int{15, 16, 63, 64, 253, 254} {
		in = append(in, strings.Repeat("a", n), "p.io/"+strings.Repeat("a", n), strings.Repeat("a", n)+"/x")
	}
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		in = append(in, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, n-1)
		}
	}
	grow("", 4)
	return in
}

// TestFastPathsAgreeWithTheAPIServer checks that each byte loop accepts
// exactly what the apimachinery validation accepts, and that a rejected
// value gets apimachinery's first message.
func TestFastPathsAgreeWithTheAPIServer(t *testing.T) {
	for _, c := range []struct {
		name  string
		check func(string) string
		api   func(string) []string
	}{
		{"DNS1123Label", DNS1123Label, validation.IsDNS1123Label},
		{"DNS1035Label", DNS1035Label, validation.IsDNS1035Label},
		{"DNS1123Subdomain", DNS1123Subdomain, content.IsDNS1123Subdomain},
		{"QualifiedName", QualifiedName, content.IsLabelKey},
		{"LabelValue", LabelValue, content.IsLabelValue},
		{"PortName", PortName, validation.IsValidPortName},
	} {
		for _, s := range inputs() {
			want := ""
			if msgs := c.api(s); len(msgs) > 0 {
				want = msgs[0]
			}
			if got := c.check(s); got != want {
				t.Errorf("%s(%q) = %q, the API server says %q", c.name, s, got, want)
			}
		}
	}
}

// TestByteLoopsMatchTheRegexps checks the byte matchers against the
// regexps they stand for.
func TestByteLoopsMatchTheRegexps(t *testing.T) {
	for _, m := range []struct {
		re    *regexp.Regexp
		match func(string) bool
	}{
		{regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`), isDNS1123Label},
		{regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`), isDNS1123Subdomain},
		{regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`), isQualified},
	} {
		for _, s := range inputs() {
			if got, want := m.match(s), m.re.MatchString(s); got != want {
				t.Errorf("%s on %q: got %v, want %v", m.re, s, got, want)
			}
		}
	}
}

// TestMessages pins the messages findings quote.
func TestMessages(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{DNS1123Label("HTTP"), "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
		{DNS1123Label("a.b"), "must not contain dots"},
		{DNS1123Label(strings.Repeat("a", 64)), "must be no more than 63 characters"},
		{PortName("HTTP_X"), "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"},
		{PortName("http-very-long-name"), "must be no more than 15 characters"},
		{PortName("123"), "must contain at least one letter (a-z)"},
		{LabelValue("not ok"), "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
		{QualifiedName("/x"), "prefix part must be non-empty"},
		{QualifiedName("a/b/c"), "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
		{DNS1123Label("web"), ""},
		{PortName("http2"), ""},
		{QualifiedName("app.kubernetes.io/name"), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q\nwant %q", c.got, c.want)
		}
	}
}
