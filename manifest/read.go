package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/edgegate/edgegate/manifest/fastyaml"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// DefaultMaxFileBytes bounds a single input file (or stdin). A re-rendered
// 10,000-app repository is tens of megabytes in all, far less per file.
const DefaultMaxFileBytes = 64 << 20

// Reader reads objects from files, directories and streams.
type Reader struct {
	// MaxFileBytes bounds each file; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// Stdin is read for the path "-".
	Stdin io.Reader
}

// Read reads every path: "-" is stdin, a directory is walked recursively for
// *.yaml and *.yml files (hidden directories and kustomization files skipped),
// anything else is read as a file. Files are read in lexical order, so the
// result never depends on the order the file system lists them in.
func (r Reader) Read(paths []string) ([]*Object, Diagnostics) {
	var files []string
	var diags Diagnostics
	for _, p := range paths {
		found, d := r.expand(p)
		diags = append(diags, d...)
		files = append(files, found...)
	}
	// Files are read and parsed on every core; results keep the file order.
	type result struct {
		objs  []*Object
		diags Diagnostics
	}
	results := make([]result, len(files))
	Parallel(len(files), func(i int) {
		data, err := r.readFile(files[i])
		if err != nil {
			results[i].diags = Diagnostics{{Severity: Error, Pos: Position{File: files[i]}, Message: err.Error()}}
			return
		}
		results[i].objs, results[i].diags = ParseLimited(data, files[i], LimitsFor(r.MaxFileBytes))
	})
	var objs []*Object
	for _, res := range results {
		objs = append(objs, res.objs...)
		diags = append(diags, res.diags...)
	}
	return objs, diags
}

// Parallel calls work(i) for i in [0, n) on every core.
func Parallel(n int, work func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			work(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				work(i)
			}
		}()
	}
	wg.Wait()
}

func (r Reader) expand(p string) ([]string, Diagnostics) {
	if p == "-" {
		return []string{"-"}, nil
	}
	return WalkFiles(p)
}

// Files lists the files a path holds as edgegate reads them (see
// WalkFiles); the error is the first error WalkFiles reports.
func Files(p string) ([]string, error) {
	files, diags := WalkFiles(p)
	for _, d := range diags {
		if d.Severity == Error {
			return files, errors.New(d.String())
		}
	}
	return files, nil
}

// WalkFiles lists the files a path holds as edgegate reads them: the path
// itself when it is a file (or a link to one, or a pipe: named on the
// command line, it is the caller's); for a directory, its *.yaml and *.yml
// files at any depth, hidden directories and kustomization files skipped,
// in lexical order. Whoever writes the directory does not get to choose
// what else is read: a symbolic link that resolves outside the directory is
// an error naming the link and where it points, and a file that is not a
// regular one (a named pipe, which would block the read forever, a device,
// a socket) is skipped with a warning.
func WalkFiles(p string) ([]string, Diagnostics) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Pos: Position{File: p}, Message: err.Error()}}
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	root, err := filepath.EvalSymlinks(p)
	if err == nil {
		root, err = filepath.Abs(root)
	}
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Pos: Position{File: p}, Message: err.Error()}}
	}
	var files []string
	var diags Diagnostics
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != p && strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !isManifestFile(name) {
			if d := skippedFile(path, name, d.Type()); d != nil {
				diags = append(diags, *d)
			}
			return nil
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			target, diag := linkInTree(path, root, p)
			if diag != nil {
				diags = append(diags, *diag)
				return nil
			}
			info, err := os.Stat(target)
			if err != nil {
				diags = append(diags, Diagnostic{Severity: Error, Pos: Position{File: path}, Message: err.Error()})
				return nil
			}
			mode = info.Mode().Type()
		}
		if !mode.IsRegular() {
			diags = append(diags, Diagnostic{Severity: Warning, Pos: Position{File: path}, Message: "skipped: " + describeMode(mode) + ", not a regular file"})
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		diags = append(diags, Diagnostic{Severity: Error, Pos: Position{File: p}, Message: err.Error()})
	}
	sort.Strings(files)
	return files, diags
}

// linkInTree resolves the symbolic link path, found under the directory
// named (resolved: root): the file it resolves to, or an error when that
// is outside root or cannot be resolved.
func linkInTree(path, root, named string) (string, *Diagnostic) {
	dest, _ := os.Readlink(path)
	target, err := filepath.EvalSymlinks(path)
	if err == nil {
		target, err = filepath.Abs(target)
	}
	if err != nil {
		return "", &Diagnostic{Severity: Error, Pos: Position{File: path}, Message: fmt.Sprintf("a symbolic link to %s, which cannot be followed: %v", dest, err)}
	}
	if !Within(root, target) {
		where := dest
		if target != dest {
			where += " (" + target + ")"
		}
		return "", &Diagnostic{Severity: Error, Pos: Position{File: path}, Message: fmt.Sprintf("a symbolic link to %s, outside %s: refused (edgegate reads only the files inside the paths it is given; copy the file in, or name it on the command line)", where, named)}
	}
	return target, nil
}

// Within reports whether path is root or inside it; both are absolute and
// free of symbolic links.
func Within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeDir != 0:
		return "a directory"
	}
	return "a special file"
}

// skippedFile tells about a file a directory walk does not read for its
// name: an info, so that a misnamed file (gateway.orig, app.yaml.txt) is
// not skipped without a word, and a warning when it holds what looks like
// a Kubernetes object, which the render then silently lacks. Only regular
// files are looked into (never a link, which may lead out of the tree, nor a
// pipe), and only their first bytes. Kustomization files are kustomize's
// configuration, skipped on purpose: nothing is said of them.
func skippedFile(path, name string, mode fs.FileMode) *Diagnostic {
	switch name {
	case "kustomization.yaml", "kustomization.yml":
		return nil
	}
	d := &Diagnostic{Severity: Info, Pos: Position{File: path}, Message: "skipped: edgegate reads only .yaml and .yml files"}
	switch name {
	case "Kustomization", "kustomization", "Kptfile":
		return d // the tools' own configuration, YAML by design
	}
	if !mode.IsRegular() {
		return d
	}
	if kind, looks := sniffKind(path); looks {
		what := "a Kubernetes object"
		if kind != "" {
			what = "an object of kind " + kind
		}
		d.Severity = Warning
		d.Message = "skipped: edgegate reads only .yaml and .yml files, and this one looks like YAML holding " + what + ": rename it to .yaml to render it, or move it out of the input"
	}
	return d
}

// sniffLimit is how much of a skipped file sniffKind reads.
const sniffLimit = 8 << 10

// sniffKind says whether a file seems to hold a Kubernetes object
// (top-level apiVersion and kind lines in its first bytes) and the kind it
// names, when that is a plain name: nothing else of the file is repeated.
func sniffKind(path string) (kind string, looks bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	data, _ := ReadAll(f, sniffLimit)
	if bytes.IndexByte(data, 0) >= 0 {
		return "", false // binary
	}
	var hasKind, hasAPIVersion bool
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "kind:"); ok && !hasKind {
			hasKind = true
			if f := strings.Fields(v); len(f) > 0 {
				if name := strings.Trim(f[0], `"'`); len(name) <= 63 && strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
					kind = name
				}
			}
		}
		hasAPIVersion = hasAPIVersion || strings.HasPrefix(line, "apiVersion:")
	}
	return kind, hasKind && hasAPIVersion
}

// isManifestFile picks the files a directory walk reads. Kustomization files
// configure kustomize and are never objects to render or apply.
func isManifestFile(name string) bool {
	switch name {
	case "kustomization.yaml", "kustomization.yml":
		return false
	}
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

func (r Reader) readFile(name string) ([]byte, error) {
	limit := r.MaxFileBytes
	if limit <= 0 {
		limit = DefaultMaxFileBytes
	}
	var src io.Reader
	if name == "-" {
		if r.Stdin == nil {
			return nil, errors.New("no standard input")
		}
		src = r.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		src = f
	}
	data, err := ReadAll(src, limit+1)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than the input limit of %d bytes (raise it with --max-input-bytes)", limit)
	}
	return data, nil
}

// ReadAll reads src up to limit bytes. A regular file (also as stdin, when a
// shell redirects one) is read into a buffer of its size at once, as
// os.ReadFile does, rather than into one that doubles as it fills: at
// 10,000 apps that growth was tens of MB of garbage.
func ReadAll(src io.Reader, limit int64) ([]byte, error) {
	size := int64(512)
	if f, ok := src.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			size = min(info.Size()+1, limit) // +1: EOF is seen without growing
		}
	}
	data := make([]byte, 0, size)
	src = io.LimitReader(src, limit)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // grow, as append does
		}
		n, err := src.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}

var yamlErrLine = regexp.MustCompile(`line (\d+)`)

// onFirstLine reports whether a YAML syntax error without a line number is
// on the stream's first line: the decoder names the line of a scanner or
// parser error only when it is not the first. Its other errors without a
// line (an unknown anchor) have no position.
func onFirstLine(msg string) bool {
	msg = strings.TrimPrefix(msg, "yaml: ")
	for _, p := range []string{"did not find expected", "could not find expected", "found ", "mapping values are not allowed", "block sequence entries are not allowed", "control characters are not allowed", "invalid leading UTF-8", "incomplete UTF-8", "invalid trailing UTF-8", "invalid Unicode", "invalid length of a UTF-8"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// Parse splits a multi-document YAML stream into objects. Empty documents
// and documents holding only comments are skipped; anything else must be a
// mapping with apiVersion and kind. It reads the objects as written, Lists
// and duplicate keys included: input edgegate acts on goes through
// ParseLimited (as Reader reads it), which checks them.
func Parse(data []byte, file string) ([]*Object, Diagnostics) {
	docs, diags := ParseDocuments(data, file)
	objs, d := documentObjects(docs, file)
	return objs, append(diags, d...)
}

// ParseLimited is Parse for input edgegate acts on: a stream of more
// documents than lim allows is refused before it is parsed, Lists are
// unwrapped into their items, and every object is checked for duplicate
// keys and, with the others, against lim (see Admit).
func ParseLimited(data []byte, file string, lim Limits) ([]*Object, Diagnostics) {
	docs, uniqueKeys, diags := parseDocumentsLimited(data, file, lim)
	objs, d := documentObjects(docs, file)
	diags = append(diags, d...)
	// An alias needs an anchor: a stream without "&" has none to count.
	objs, d = admit(objs, lim, bytes.IndexByte(data, '&') >= 0, uniqueKeys)
	return objs, append(diags, d...)
}

func documentObjects(docs []*yaml.Node, file string) ([]*Object, Diagnostics) {
	var objs []*Object
	var diags Diagnostics
	index := 0
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		node := doc.Content[0]
		if IsNull(node) {
			continue
		}
		pos := Position{File: file, Index: index, Line: node.Line}
		index++
		if node.Kind != yaml.MappingNode {
			diags = append(diags, Diagnostic{Severity: Error, Pos: pos, Message: "document is not a Kubernetes object (expected a mapping)"})
			continue
		}
		obj := NewObject(node, pos)
		if obj.APIVersion == "" || obj.Kind == "" {
			diags = append(diags, Diagnostic{Severity: Error, Pos: pos, Ref: obj.Ref, Message: "document has no apiVersion or kind"})
			continue
		}
		objs = append(objs, obj)
	}
	return objs, diags
}

// ParseDocumentsLimited is ParseDocuments for a stream of at most
// lim.MaxObjects documents: a stream of more is refused before it is
// parsed, since every document costs memory however short it is ("---").
func ParseDocumentsLimited(data []byte, file string, lim Limits) ([]*yaml.Node, Diagnostics) {
	docs, _, diags := parseDocumentsLimited(data, file, lim)
	return docs, diags
}

func parseDocumentsLimited(data []byte, file string, lim Limits) ([]*yaml.Node, bool, Diagnostics) {
	if n := countDocuments(data, lim.MaxObjects); n > lim.MaxObjects {
		return nil, false, Diagnostics{{Severity: Error, Pos: Position{File: file}, Message: lim.tooMany("YAML documents")}}
	}
	return parseDocuments(data, file)
}

// countDocuments counts the document markers of data, and one for the
// first document, stopping once past limit.
func countDocuments(data []byte, limit int) int {
	n := 1
	for at := 0; n <= limit; n++ {
		next := nextDocumentMarker(data, at)
		if next < 0 {
			break
		}
		at = next + 3
	}
	return n
}

// ParseDocuments parses a YAML stream with fastyaml, which reads the plain
// YAML of most repositories several times faster, and with yaml.v3 when
// fastyaml declines (most comments other than the leading ones and those
// above keys, anchors, syntax errors): the same nodes, comments included,
// either way.
//
// A bug in fastyaml (a panic) is an error diagnostic at the position it names,
// never a crash and never a silent fallback.
func ParseDocuments(data []byte, file string) ([]*yaml.Node, Diagnostics) {
	docs, _, diags := parseDocuments(data, file)
	return docs, diags
}

// parseDocuments is ParseDocuments, and reports whether the parser found
// that no mapping repeats a key (Admit then need not look again).
func parseDocuments(data []byte, file string) ([]*yaml.Node, bool, Diagnostics) {
	docs, ok, uniqueKeys, err := parseInParts(data)
	if err == nil && !ok {
		docs, ok, uniqueKeys, err = fastyaml.ParseFrom(data, 0)
	}
	if err != nil {
		return nil, false, Diagnostics{internalError(err, file)}
	}
	if ok {
		return docs, uniqueKeys, nil
	}
	docs = nil
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		doc := &yaml.Node{}
		err := dec.Decode(doc)
		if err == io.EOF {
			return docs, false, nil
		}
		if err != nil {
			// The decoder cannot resynchronise after a syntax error.
			d := Diagnostic{Severity: Error, Pos: Position{File: file, Index: len(docs)}, Message: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
			if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
				d.Pos.Line, _ = strconv.Atoi(m[1])
				d.Message = "invalid YAML: " + strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), m[0]+": ")
			} else if onFirstLine(err.Error()) {
				d.Pos.Line = 1
			}
			return docs, false, Diagnostics{d}
		}
		docs = append(docs, doc)
	}
}

// parallelParseMin is the size from which a stream is cut into parts parsed
// on every core: a large stream in one file (a rendered output given to
// check, a stream on stdin) would otherwise parse on one. A variable, so
// tests can cut small streams.
var parallelParseMin = 1 << 20

// parseInParts parses a large stream with fastyaml in parts cut at document
// markers ("---" at the start of a line, which YAML never lets a document's
// content hold), on every core, and shifts each part's lines to the
// stream's. ok is false when the stream is small, has directives or
// document-end markers (which belong with the documents around them), or a
// part is one fastyaml declines: the caller then parses the stream whole.
//
// A part's *fastyaml.InternalError is returned with its position shifted to
// the stream's.
func parseInParts(data []byte) (docs []*yaml.Node, ok, uniqueKeys bool, err error) {
	cores := runtime.GOMAXPROCS(0)
	if len(data) < parallelParseMin || cores == 1 || startsLine(data, "%") || startsLine(data, "...") {
		return nil, false, false, nil
	}
	parts := 4 * cores // several a core, so that one slow part leaves no core idle for long
	cuts := []int{0}
	for k := 1; k < parts; k++ {
		if cut := nextDocumentMarker(data, max(k*len(data)/parts, cuts[len(cuts)-1]+1)); cut > 0 {
			cuts = append(cuts, cut)
		}
	}
	if len(cuts) == 1 {
		return nil, false, false, nil
	}
	lines := make([]int, len(cuts)) // the line each part starts on, less one
	for k := 1; k < len(cuts); k++ {
		lines[k] = lines[k-1] + bytes.Count(data[cuts[k-1]:cuts[k]], []byte("\n"))
	}
	type part struct {
		docs       []*yaml.Node
		ok         bool
		uniqueKeys bool
		err        error
	}
	results := make([]part, len(cuts))
	Parallel(len(cuts), func(k int) {
		end := len(data)
		if k+1 < len(cuts) {
			end = cuts[k+1]
		}
		r := &results[k]
		// The parser counts lines from the part's first: the nodes and an
		// InternalError carry the stream's lines.
		r.docs, r.ok, r.uniqueKeys, r.err = fastyaml.ParseFrom(data[cuts[k]:end], lines[k])
		if ie, isInternal := r.err.(*fastyaml.InternalError); isInternal {
			ie.Offset += cuts[k]
		}
	})
	for _, r := range results {
		if r.err != nil {
			return nil, false, false, r.err
		}
	}
	uniqueKeys = true
	for _, r := range results {
		if !r.ok {
			return nil, false, false, nil
		}
		docs = append(docs, r.docs...)
		uniqueKeys = uniqueKeys && r.uniqueKeys
	}
	return docs, true, uniqueKeys, nil
}

// internalError is the diagnostic for a bug in fastyaml: an error at the
// line the *fastyaml.InternalError names, whose message says it is a bug.
func internalError(err error, file string) Diagnostic {
	d := Diagnostic{Severity: Error, Pos: Position{File: file}, Message: err.Error()}
	if ie, ok := err.(*fastyaml.InternalError); ok {
		d.Pos.Line = ie.Line
	}
	return d
}

// startsLine reports whether some line of data starts with prefix. The
// prefixes looked for are rare, so it searches for them, not for lines.
func startsLine(data []byte, prefix string) bool {
	for from := 0; ; {
		i := bytes.Index(data[from:], []byte(prefix))
		if i < 0 {
			return false
		}
		if at := from + i; at == 0 || data[at-1] == '\n' {
			return true
		}
		from += i + 1
	}
}

// nextDocumentMarker returns the offset of the first line at or after from
// that is a document marker, or -1.
func nextDocumentMarker(data []byte, from int) int {
	for from < len(data) {
		i := bytes.Index(data[from:], []byte("\n---"))
		if i < 0 {
			return -1
		}
		at := from + i + 1
		if end := at + 3; end == len(data) || data[end] == '\n' || data[end] == '\r' || data[end] == ' ' || data[end] == '\t' {
			return at
		}
		from = at
	}
	return -1
}
