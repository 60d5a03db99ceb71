package manifest

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
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
	// Fold, when set, names the kind of an info that repeats per object
	// (one per Secret or destination a check could not judge): text output
	// prints the infos sharing it as one line with a count, JSON, SARIF and
	// --verbose every one. It is never written out.
	Fold string
}

// String renders "file:line: severity: Kind ns/name: field: message [ID]",
// the form editors and CI logs turn into links (as compilers and linters
// write "error:", "warning:" and "info:").
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Pos.File != "" {
		b.WriteString(d.Pos.File)
		if d.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d", d.Pos.Line)
		}
		b.WriteString(": ")
	}
	if d.Severity == "" {
		b.WriteString(string(Error))
	} else {
		b.WriteString(string(d.Severity))
	}
	b.WriteString(": ")
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

// Print writes the diagnostics to w as every command shows them on stderr:
// see WriteText (folded).
func (ds Diagnostics) Print(w io.Writer) { _ = ds.WriteText(w, false) }

// WriteText writes the diagnostics one line each, the errors first, then
// the warnings, then the infos, each in the order of their position (file,
// document, line), so the findings that fail a run are the first read.
// Unless verbose, the infos that share a Fold kind and repeat are one line:
// the first of them, with how many more there are.
func (ds Diagnostics) WriteText(w io.Writer, verbose bool) error {
	ordered := make(Diagnostics, len(ds))
	copy(ordered, ds)
	sort.SliceStable(ordered, func(i, j int) bool {
		a, b := ordered[i], ordered[j]
		if ra, rb := severityRank(a.Severity), severityRank(b.Severity); ra != rb {
			return ra < rb
		}
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Index != b.Pos.Index {
			return a.Pos.Index < b.Pos.Index
		}
		return a.Pos.Line < b.Pos.Line
	})
	folded := map[string]int{}
	if !verbose {
		for _, d := range ordered {
			if d.Severity == Info && d.Fold != "" {
				folded[d.Fold]++
			}
		}
	}
	bw := bufio.NewWriter(w)
	for _, d := range ordered {
		line := d.String()
		if n := folded[d.Fold]; d.Severity == Info && n > 1 {
			folded[d.Fold] = 0 // the first prints for all
			line += fmt.Sprintf(" (and %d more like it; --verbose lists every one)", n-1)
		} else if n == 0 && d.Severity == Info && d.Fold != "" && !verbose {
			continue
		}
		bw.WriteString(line)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func severityRank(s Severity) int {
	switch s {
	case Warning:
		return 1
	case Info:
		return 2
	}
	return 0
}

// Summary is the line a command ends its report with on stderr, as
// compilers and linters do: "3 errors, 1 warning in 12 files" (files the
// number of input files, 0 when unknown), "no problems in 12 files" when
// there are none.
func (ds Diagnostics) Summary(files int) string {
	var errs, warns, infos int
	for _, d := range ds {
		switch d.Severity {
		case Warning:
			warns++
		case Info:
			infos++
		default:
			errs++
		}
	}
	var parts []string
	for _, c := range []struct {
		n    int
		noun string
	}{{errs, "error"}, {warns, "warning"}, {infos, "info"}} {
		if c.n > 0 {
			parts = append(parts, plural(c.n, c.noun))
		}
	}
	s := strings.Join(parts, ", ")
	if s == "" {
		s = "no problems"
	}
	if files > 0 {
		s += " in " + plural(files, "file")
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// CountFiles counts the input files the objects and diagnostics come from.
func CountFiles(objs []*Object, diags Diagnostics) int {
	seen := map[string]bool{}
	for _, o := range objs {
		if o.Pos.File != "" {
			seen[o.Pos.File] = true
		}
	}
	for _, d := range diags {
		if d.Pos.File != "" {
			seen[d.Pos.File] = true
		}
	}
	return len(seen)
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
