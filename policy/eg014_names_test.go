package policy

import (
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The regexps the hand-written name checks replace, as istiod writes them.
var (
	eg014DNSLabelRegexp      = regexp.MustCompile(`^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$`)
	eg014WildcardLabelRegexp = regexp.MustCompile(`^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$`)
)

// eg014DNSLabelsBySplit is eg014DNSLabels as first written, with
// strings.Split and strconv.Atoi.
func eg014DNSLabelsBySplit(domain string) string {
	parts := strings.Split(domain, ".")
	tld := parts[len(parts)-1]
	if _, err := strconv.Atoi(tld); err == nil {
		return fmt.Sprintf("domain name %q invalid (top level domain %q cannot be all-numeric)", domain, tld)
	}
	for i, label := range parts {
		if i == len(parts)-1 && label == "" {
			return ""
		}
		if !(len(label) <= 63 && eg014DNSLabelRegexp.MatchString(label)) {
			return fmt.Sprintf("domain name %q invalid (label %q invalid)", domain, label)
		}
	}
	return ""
}

var eg014NameCases = []string{
	"", "a", "Z", "0", "-", "*", "**", "*-", "*-a", "*a", "*-*a", "*--a", "*a-", "*.a", "a-", "-a", "a-b", "a--b",
	"a.b", "a_b", "A1", "1", "12", "+1", "-1", "+", "+-1", "1-", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "00", "é", "aé", "a\n", "\na", "a b", strings.Repeat("a", 63), strings.Repeat("a", 64),
	"*" + strings.Repeat("a", 63), "a.", ".a", "..", "a..b", "a.b.", "a.b.1", "a.b.-1", "a.b.+1", "a.1b", "*.a.b",
	"xn--bcher-kva", "a\x00", "\xff", "A-Z", "_", "a*", "a.*", "1.2.3.4",
}

// eg014RandomName draws from the bytes that matter to the checks, and a
// few that never may appear.
func eg014RandomName(rng *rand.Rand) string {
	const alphabet = "aZ09-*.+_ \n\xc3\xa9\xff"
	b := make([]byte, rng.Intn(12))
	for i := range b {
		b[i] = alphabet[rng.Intn(len(alphabet))]
	}
	if rng.Intn(20) == 0 {
		return strings.Repeat("a", 60+rng.Intn(8)) + string(b)
	}
	return string(b)
}

func TestEG014NamesMatchTheRegexps(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := eg014IsDNSLabel(s), len(s) <= 63 && eg014DNSLabelRegexp.MatchString(s); got != want {
			t.Errorf("eg014IsDNSLabel(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := eg014WildcardLabel(s), eg014WildcardLabelRegexp.MatchString(s); got != want {
			t.Errorf("eg014WildcardLabel(%q) = %v, the regexp says %v", s, got, want)
		}
		_, err := strconv.Atoi(s)
		if got, want := eg014IsInt(s), err == nil; got != want {
			t.Errorf("eg014IsInt(%q) = %v, strconv.Atoi says %v", s, got, want)
		}
		if got, want := eg014DNSLabels(s), eg014DNSLabelsBySplit(s); got != want {
			t.Errorf("eg014DNSLabels(%q) = %q, want %q", s, got, want)
		}
	}
	for _, s := range eg014NameCases {
		check(s)
		for _, suffix := range eg014NameCases {
			check(s + suffix)
			check(s + "." + suffix)
		}
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		check(eg014RandomName(rng))
	}
}

func TestEG014Path(t *testing.T) {
	root := eg014Root("spec.http")
	route := root.item(3)
	match := route.field(".match")
	item := match.item(0)
	headers := item.field(".headers")
	plain, odd, empty := headers.key("x-canary"), headers.key("a/b"), headers.key("")
	for _, c := range []struct{ got, want string }{
		{root.String(), "spec.http"},
		{route.String(), "spec.http[3]"},
		{item.String(), "spec.http[3].match[0]"},
		{plain.with(".prefix"), "spec.http[3].match[0].headers.x-canary.prefix"},
		{odd.String(), "spec.http[3].match[0].headers[a/b]"},
		{empty.String(), "spec.http[3].match[0].headers[]"},
		{eg014String{"x", 2}.field(&match), "spec.http[3].match[2]"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestEG014Regexes: the cache, zero or nil, answers what eg014Regex does.
func TestEG014Regexes(t *testing.T) {
	var none *eg014Regexes
	cache := &eg014Regexes{}
	for _, re := range []string{"^/api", "(", "(", strings.Repeat("a", 1025), "^/api"} {
		want := eg014Regex(re)
		if got := none.check(re); got != want {
			t.Errorf("nil check(%q) = %q, want %q", re, got, want)
		}
		if got := cache.check(re); got != want {
			t.Errorf("check(%q) = %q, want %q", re, got, want)
		}
	}
	if len(cache.errs) != 3 {
		t.Errorf("cache holds %d regexes, want 3", len(cache.errs))
	}
}
