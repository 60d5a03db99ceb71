package fastyaml

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The tags yaml.v3 resolves plain scalars to.
const (
	nullTag      = "!!null"
	boolTag      = "!!bool"
	strTag       = "!!str"
	intTag       = "!!int"
	floatTag     = "!!float"
	timestampTag = "!!timestamp"
	seqTag       = "!!seq"
	mapTag       = "!!map"
	mergeTag     = "!!merge"
)

// resolveTable is yaml.v3's hint table: the first byte of a plain scalar
// decides which resolutions are tried.
var resolveTable = func() (t [256]byte) {
	t['+'] = 'S'
	t['-'] = 'S'
	for _, c := range "0123456789" {
		t[c] = 'D'
	}
	for _, c := range "yYnNtTfFoO~" {
		t[c] = 'M'
	}
	t['.'] = '.'
	return t
}()

// resolveMap holds the words yaml.v3 resolves by table lookup.
var resolveMap = func() map[string]string {
	m := map[string]string{}
	for tag, words := range map[string][]string{
		boolTag:  {"true", "True", "TRUE", "false", "False", "FALSE"},
		nullTag:  {"", "~", "null", "Null", "NULL"},
		floatTag: {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"},
		mergeTag: {"<<"},
	} {
		for _, w := range words {
			m[w] = tag
		}
	}
	return m
}()

// numberish marks the bytes that can occur in a plain scalar yaml.v3
// resolves to an int, float or timestamp by parsing (strconv.ParseInt with
// base prefixes and underscores, its float expression, the timestamp
// layouts, where time.Parse also takes ',' before fractional seconds). A
// scalar with any other byte resolves to !!str without parsing.
var numberish = func() (t [256]bool) {
	for _, c := range "0123456789+-_.:, xXoObBtTzZabcdefABCDEF" {
		t[c] = true
	}
	return t
}()

// floatish marks the bytes that can occur in a scalar starting with '.'
// that strconv.ParseFloat accepts.
var floatish = func() (t [256]bool) {
	for _, c := range "0123456789+-_.eE" {
		t[c] = true
	}
	return t
}()

// resolve returns the tag yaml.v3 gives a plain scalar with this value (its
// resolve("", in)). It is exact: fast paths only short-cut cases whose
// answer is certain, everything else runs yaml.v3's own logic.
func resolve(in string) string {
	hint := byte('N')
	if in != "" {
		hint = resolveTable[in[0]]
	}
	if hint == 0 {
		return strTag
	}
	switch hint {
	case 'M', 'N':
		if tag, ok := resolveMap[in]; ok {
			return tag
		}
		return strTag
	case '.':
		if tag, ok := resolveMap[in]; ok {
			return tag
		}
		for i := 0; i < len(in); i++ {
			if !floatish[in[i]] {
				return strTag
			}
		}
		if _, err := strconv.ParseFloat(in, 64); err == nil {
			return floatTag
		}
		return strTag
	}
	// 'D' or 'S'.
	if c := in[0]; c >= '1' && c <= '9' && len(in) <= 18 {
		digits := true
		for i := 1; i < len(in); i++ {
			if in[i] < '0' || in[i] > '9' {
				digits = false
				break
			}
		}
		if digits {
			return intTag
		}
	}
	if tag, ok := resolveMap[in]; ok {
		return tag
	}
	for i := 0; i < len(in); i++ {
		if !numberish[in[i]] {
			return strTag
		}
	}
	return resolveNumber(in)
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolveNumber is the 'D' and 'S' branch of yaml.v3's resolve.
func resolveNumber(in string) string {
	if isTimestamp(in) {
		return timestampTag
	}
	plain := strings.ReplaceAll(in, "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return intTag
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return intTag
	}
	if yamlStyleFloat.MatchString(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return floatTag
		}
	}
	if strings.HasPrefix(plain, "0b") {
		if _, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
			return intTag
		}
		if _, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
			return intTag
		}
	} else if strings.HasPrefix(plain, "-0b") {
		if _, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
			return intTag
		}
	}
	if strings.HasPrefix(plain, "0o") {
		if _, err := strconv.ParseInt(plain[2:], 8, 64); err == nil {
			return intTag
		}
		if _, err := strconv.ParseUint(plain[2:], 8, 64); err == nil {
			return intTag
		}
	} else if strings.HasPrefix(plain, "-0o") {
		if _, err := strconv.ParseInt("-"+plain[3:], 8, 64); err == nil {
			return intTag
		}
	}
	return strTag
}

var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp is yaml.v3's parseTimestamp.
func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range timestampFormats {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}

const longTagPrefix = "tag:yaml.org,2002:"

// shortTag is yaml.v3's shortTag.
func shortTag(tag string) string {
	if strings.HasPrefix(tag, longTagPrefix) {
		return "!!" + tag[len(longTagPrefix):]
	}
	return tag
}
