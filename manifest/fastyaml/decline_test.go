package fastyaml

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The differential tests over the repository's files hold Parse and Emit to
// yaml.v3 on what they take, and hold them to take the subset they promise
// (doc.go): an input they decline must have a reason, found here
// independently of them, from yaml.v3's tree and the text. A decline without
// one is a failure (a regression that would otherwise only cost speed).

var (
	explicitKeyLine = regexp.MustCompile(`(?m)^[ \-]*\?(\s|$)`)
	directiveLine   = regexp.MustCompile(`(?m)^%`)
	commentText     = regexp.MustCompile(`(?m)^[ ]*#|[ ]#`) // over-approximated: " #" in a quoted scalar too
)

// parseDeclineReason tells why Parse may decline data, or "" when data is in
// the subset Parse implements.
func parseDeclineReason(data []byte) string {
	switch {
	case !utf8.Valid(data):
		return "invalid UTF-8"
	case bytes.HasPrefix(data, []byte("\ufeff")):
		return "byte order mark"
	case bytes.ContainsAny(data, "\r\u0085\u2028\u2029"):
		return "CR, NEL, LS or PS"
	case bytes.ContainsRune(data, '\t'):
		return "tab" // outside quoted and block scalars or not: over-approximated
	case directiveLine.Match(data):
		return "directive"
	case explicitKeyLine.Match(data):
		return `"?" key`
	case commentText.Match(data):
		return commentDeclineReason(data)
	}
	for _, r := range string(data) {
		if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0xfeff || r == 0xfffe || r == 0xffff {
			return "control character"
		}
	}
	docs, err := decodeAll(data)
	if err != nil {
		return "yaml.v3 rejects it: " + err.Error()
	}
	lines := strings.Split(string(data), "\n")
	for _, d := range docs {
		if why := nodeDeclineReason(d, lines, 0, true); why != "" {
			return why
		}
	}
	return ""
}

// nodeDeclineReason looks for what Parse declines in the tree of n.
func nodeDeclineReason(n *yaml.Node, lines []string, depth int, parse bool) string {
	switch {
	case n == nil:
		return ""
	case depth > maxDepth:
		return "nesting too deep"
	case n.HeadComment != "" || n.LineComment != "" || n.FootComment != "":
		return "comment"
	case n.Anchor != "" || n.Alias != nil || n.Kind == yaml.AliasNode:
		return "anchor or alias"
	case n.Style&yaml.TaggedStyle != 0:
		return "explicit tag " + n.Tag
	case !utf8.ValidString(n.Value):
		return "invalid UTF-8"
	}
	if parse && n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && multiLine(n, lines) {
		return "multi-line scalar"
	}
	if parse && n.Style&yaml.FlowStyle != 0 {
		for _, c := range n.Content {
			if c.Line != n.Line {
				return "multi-line flow collection"
			}
		}
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			switch {
			case k.Kind != yaml.ScalarNode:
				return "non-scalar key"
			case parse && k.Value == "<<" && k.Style == 0:
				return "merge key"
			case parse && len(k.Value) > maxKeyBytes:
				return "long key"
			case parse && n.Style&yaml.FlowStyle != 0 && k.Style&yaml.FlowStyle != 0:
				return "flow key"
			}
		}
	}
	for _, c := range n.Content {
		if why := nodeDeclineReason(c, lines, depth+1, parse); why != "" {
			return why
		}
	}
	return ""
}

// multiLine reports whether a plain or quoted scalar continues past the line
// it starts on.
func multiLine(n *yaml.Node, lines []string) bool {
	if n.Line < 1 || n.Line > len(lines) || n.Column < 1 || n.Column > len(lines[n.Line-1])+1 {
		return false
	}
	rest := lines[n.Line-1][n.Column-1:]
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return false
			}
		}
		return true
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				return false
			}
		}
		return true
	default:
		return n.Value != "" && !strings.HasPrefix(rest, n.Value)
	}
}

// emitDeclineReason tells why Emit may decline the tree n, or "".
func emitDeclineReason(n *yaml.Node) string {
	if _, err := encode(n); err != nil {
		return "yaml.v3 fails on it: " + err.Error()
	}
	return nodeDeclineReason(n, nil, 0, false)
}

// commentDeclineReason tells why Parse may decline data, which has
// comments: "" when its only comments are the lines at column 0 that open
// it (the modeline layout, which Parse must take) and it is otherwise in the
// subset. Parse takes other layouts too (TestCommentCases); the repository's
// files need not use them.
func commentDeclineReason(data []byte) string {
	rest := string(data)
	for {
		line, after, found := strings.Cut(rest, "\n")
		if strings.TrimLeft(line, " ") != "" && !strings.HasPrefix(line, "#") || !found {
			break
		}
		rest = after
	}
	switch {
	case commentText.MatchString(rest):
		return "comment after content, indented, or alone"
	case strings.HasPrefix(rest, "---") || strings.HasPrefix(rest, "..."):
		return "comment before a document marker"
	case strings.Contains(string(data[:len(data)-len(rest)]), "\t"):
		return "tab in a comment"
	}
	if why := parseDeclineReason([]byte(rest)); why != "" {
		return why
	}
	docs, _ := decodeAll([]byte(rest))
	if len(docs) == 0 || len(docs[0].Content) == 0 || docs[0].Content[0].Kind != yaml.MappingNode || docs[0].Content[0].Style&yaml.FlowStyle != 0 {
		return "comment before a node other than a block mapping"
	}
	return ""
}
