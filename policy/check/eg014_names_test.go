package check

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
	dnsLabelRegexp      = regexp.MustCompile(`^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$`)
	wildcardLabelRegexp = regexp.MustCompile(`^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$`)
)

// dnsLabelsBySplit is dnsLabels as first written, with
// strings.Split and strconv.Atoi.
func dnsLabelsBySplit(domain string) string {
	parts := strings.Split(domain, ".")
	tld := parts[len(parts)-1]
	if _, err := strconv.Atoi(tld); err == nil {
		return fmt.Sprintf("domain name %q invalid (top level domain %q cannot be all-numeric)", domain, tld)
	}
	for i, label := range parts {
		if i == len(parts)-1 && label == "" {
			return ""
		}
		if !(len(label) <= 63 && dnsLabelRegexp.MatchString(label)) {
			return fmt.Sprintf("domain name %q invalid (label %q invalid)", domain, label)
		}
	}
	return ""
}

var nameCases = []string{
	"", "a", "Z", "0", "-", "*", "**", "*-", "*-a", "*a", "*-*a", "*--a", "*a-", "*.a", "a-", "-a", "a-b", "a--b",
	"a.b", "a_b", "A1", "1", "12", "+1", "-1", "+", "+-1", "1-", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "00", "é", "aé", "a\n", "\na", "a b", strings.Repeat("a", 63), strings.Repeat("a", 64),
	"*" + strings.Repeat("a", 63), "a.", ".a", "..", "a..b", "a.b.", "a.b.1", "a.b.-1", "a.b.+1", "a.1b", "*.a.b",
	"xn--bcher-kva", "a\x00", "\xff", "A-Z", "_", "a*", "a.*", "1.2.3.4",
}

// randomName draws from the bytes that matter to the checks, and a
// few that never may appear.
func randomName(rng *rand.Rand) string {
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
		if got, want := isIstioDNSLabel(s), len(s) <= 63 && dnsLabelRegexp.MatchString(s); got != want {
			t.Errorf("isIstioDNSLabel(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := wildcardLabel(s), wildcardLabelRegexp.MatchString(s); got != want {
			t.Errorf("wildcardLabel(%q) = %v, the regexp says %v", s, got, want)
		}
		_, err := strconv.Atoi(s)
		if got, want := isInt(s), err == nil; got != want {
			t.Errorf("isInt(%q) = %v, strconv.Atoi says %v", s, got, want)
		}
		if got, want := dnsLabels(s), dnsLabelsBySplit(s); got != want {
			t.Errorf("dnsLabels(%q) = %q, want %q", s, got, want)
		}
	}
	for _, s := range nameCases {
		check(s)
		for _, suffix := range nameCases {
			check(s + suffix)
			check(s + "." + suffix)
		}
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		check(randomName(rng))
	}
}

func TestEG014Path(t *testing.T) {
	root := root("spec.http")
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
		{indexedString{"x", 2}.field(&match), "spec.http[3].match[2]"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestEG014Regexes: the cache, zero or nil, answers what regex does.
func TestEG014Regexes(t *testing.T) {
	var none *regexes
	cache := &regexes{}
	for _, re := range []string{"^/api", "(", "(", strings.Repeat("a", 1025), "^/api"} {
		want := regex(re)
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
