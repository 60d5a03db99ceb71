package fastyaml

import (
	"fmt"
	"runtime/debug"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ReportURL is where a bug in edgegate is reported.
const ReportURL = "https://github.com/edgegate/edgegate/issues"

// InternalError is a panic inside Parse or Emit other than declining the
// input: a bug in edgegate, not a problem with the input. Parse and Emit
// return it rather than crash or fall back on yaml.v3 in silence, so the
// caller reports it like any other error, with where it happened.
type InternalError struct {
	Op     string // "parser" (Parse) or "writer" (Emit)
	Line   int    // 1-based line in the input (Emit: of the node being written); 0 when unknown
	Column int    // 1-based column; 0 when unknown
	Offset int    // byte offset in the input given to Parse; -1 when unknown (Emit)
	Panic  any    // the value panicked with
	Stack  []byte // the goroutine's stack at the panic
}

func newInternalError(op string, r any, line, column, offset int) *InternalError {
	return &InternalError{Op: op, Line: line, Column: column, Offset: offset, Panic: r, Stack: debug.Stack()}
}

// Position describes where the panic happened, e.g. "line 3, column 7
// (byte offset 41)".
func (e *InternalError) Position() string {
	var parts []string
	if e.Line > 0 {
		s := fmt.Sprintf("line %d", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf(", column %d", e.Column)
		}
		parts = append(parts, s)
	}
	if e.Offset >= 0 {
		s := fmt.Sprintf("byte offset %d", e.Offset)
		if len(parts) > 0 {
			s = "(" + s + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "an unknown position"
	}
	return strings.Join(parts, " ")
}

func (e *InternalError) Error() string {
	what := "reading"
	if e.Op == "writer" {
		what = "writing the node at"
	}
	return fmt.Sprintf("internal error in edgegate's YAML %s while %s %s: %v; this is a bug in edgegate, please report it at %s with the input",
		e.Op, what, e.Position(), e.Panic, ReportURL)
}

// ParseHook and EmitHook, when not nil, are called by Parse for every node it
// creates (with its input and the byte offset it has reached) and by Emit for every node it
// writes. They exist for tests, which set them to force a panic where they
// choose and check how it is reported; they are nil outside tests. Set them
// only while no Parse or Emit runs.
var (
	ParseHook func(data string, offset int)
	EmitHook  func(n *yaml.Node)
)
