package manifest

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Severity of a diagnostic, with the KRM function spec's spelling.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Diagnostic is one finding about one object: a decoding or validation error,
// a rendering warning, or a policy result. Every stage reports through it so
// the CLI and the KRM function print the same thing.
type Diagnostic struct {
	Severity Severity
	ID       string // policy check ID (EG...), empty for input errors
	Ref      Ref
	Pos      Position
	Field    string // field path, e.g. spec.routes[2].to
	Message  string
	Tags     map[string]string
}

// String renders "file:line: [warning: ]Kind ns/name: field: message [ID]",
// the form editors and CI logs turn into links.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Pos.File != "" {
		b.WriteString(d.Pos.File)
		if d.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d", d.Pos.Line)
		}
		b.WriteString(": ")
	}
	if d.Severity != Error && d.Severity != "" {
		b.WriteString(string(d.Severity))
		b.WriteString(": ")
	}
	if d.Ref.Kind != "" {
		b.WriteString(d.Ref.String())
		b.WriteString(": ")
	}
	if d.Field != "" {
		b.WriteString(d.Field)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	if d.ID != "" {
		b.WriteString(" [")
		b.WriteString(d.ID)
		b.WriteString("]")
	}
	return b.String()
}

// Diagnostics is an ordered list of findings.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error || d.Severity == "" {
			return true
		}
	}
	return false
}

// Sort orders diagnostics by file, line, object, field and message so output
// never depends on the order checks ran in.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Index != b.Pos.Index {
			return a.Pos.Index < b.Pos.Index
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Ref.Key() != b.Ref.Key() {
			return a.Ref.Key() < b.Ref.Key()
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
}

// Error makes a Diagnostics usable as an error value.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Print writes the diagnostics to w, one line each, as every command shows
// them on stderr.
func (ds Diagnostics) Print(w io.Writer) {
	for _, d := range ds {
		fmt.Fprintln(w, d.String())
	}
}

// Errorf builds an error diagnostic about obj (which may be nil).
func Errorf(obj *Object, field, format string, args ...any) Diagnostic {
	return newDiagnostic(Error, obj, field, fmt.Sprintf(format, args...))
}

// Warnf builds a warning diagnostic about obj (which may be nil).
func Warnf(obj *Object, field, format string, args ...any) Diagnostic {
	return newDiagnostic(Warning, obj, field, fmt.Sprintf(format, args...))
}

func newDiagnostic(sev Severity, obj *Object, field, msg string) Diagnostic {
	d := Diagnostic{Severity: sev, Field: field, Message: msg}
	if obj != nil {
		d.Ref, d.Pos = obj.Ref, obj.Pos
		if field != "" && obj.Node != nil && obj.Pos.Line > 0 {
			d.Pos.Line = obj.LineOf(field)
		}
	}
	return d
}
