package manifest

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgegate/edgegate/manifest/fastyaml"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// installOrder is the order objects are best created in (Helm's install order,
// trimmed): namespaces and identities before the workloads that use them.
// Kinds not listed sort after these, by kind name.
var installOrder = map[string]int{}

func init() {
	for i, kind := range []string{
		"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodDisruptionBudget",
		"ServiceAccount", "Secret", "ConfigMap", "CustomResourceDefinition",
		"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
		"Service", "DaemonSet", "Pod", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
		"StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	} {
		installOrder[kind] = i
	}
}

// Less orders objects for output: install order of the kind, then namespace,
// name and API group. The order is total for distinct objects, so a sorted
// stream never depends on the order of the input.
func Less(a, b *Object) bool {
	ra, oka := installOrder[a.Kind]
	rb, okb := installOrder[b.Kind]
	switch {
	case oka && !okb:
		return true
	case !oka && okb:
		return false
	case oka && okb && ra != rb:
		return ra < rb
	case a.Kind != b.Kind:
		return a.Kind < b.Kind
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.APIVersion < b.APIVersion
}

// Sort sorts objects in output order. Each object's place in the install
// order is looked up once, not at every comparison: at 10,000 apps the
// stream holds 54,000 objects.
func Sort(objs []*Object) {
	type ranked struct {
		rank int // installOrder, or after every listed kind
		obj  *Object
	}
	keyed := make([]ranked, len(objs))
	for i, o := range objs {
		rank, ok := installOrder[o.Kind]
		if !ok {
			rank = len(installOrder)
		}
		keyed[i] = ranked{rank, o}
	}
	slices.SortStableFunc(keyed, func(a, b ranked) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return cmp.Or(
			strings.Compare(a.obj.Kind, b.obj.Kind),
			strings.Compare(a.obj.Namespace, b.obj.Namespace),
			strings.Compare(a.obj.Name, b.obj.Name),
			strings.Compare(a.obj.APIVersion, b.obj.APIVersion),
		)
	})
	for i, k := range keyed {
		objs[i] = k.obj
	}
}

// NewEncoder returns a YAML encoder with the layout kubectl and kustomize use:
// two-space indent, sequences not indented under their key.
func NewEncoder(w io.Writer) *yaml.Encoder {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	return enc
}

// WriteStream writes objects as one multi-document YAML stream, in the order
// given. Each document gets an encoder of its own: yaml.v3's encoder keeps
// every event of its stream, so one encoder for a large stream holds the
// whole output in memory several times over. Documents are encoded on every
// core, and only when every one of them encoded are they written, in order:
// a failed stream writes nothing, so a caller needs no buffer of its own to
// keep half an output off stdout.
func WriteStream(w io.Writer, objs []*Object) error {
	docs := make([][]byte, len(objs))
	errs := make([]error, len(objs))
	Parallel(len(objs), func(i int) {
		docs[i], errs[i] = EncodeDocument(objs[i].Node)
		if errs[i] != nil {
			errs[i] = objectError(objs[i], errs[i])
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	// The documents go out through one buffer of a fixed size rather than
	// joined into one slice: at 10,000 apps the stream is tens of MB, and
	// joining it would double the memory held at the end of a run.
	out := bufio.NewWriterSize(w, 256<<10)
	for i, doc := range docs {
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(doc)
	}
	return out.Flush()
}

// EncodeDocument writes one document with fastyaml, which writes the same
// bytes as yaml.v3 many times faster, or with yaml.v3 when fastyaml declines
// (comments, anchors).
//
// A bug in fastyaml (a panic) is returned as its *fastyaml.InternalError,
// never a crash and never a silent fallback.
func EncodeDocument(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	if ok, err := fastyaml.Emit(&buf, n); err != nil {
		return nil, err
	} else if ok {
		return buf.Bytes(), nil
	}
	out, err := encodeV3(n)
	if err != nil || !hasFlowComments(n, false) {
		return out, err
	}
	// yaml.v3 writes some comments inside flow collections where they end
	// the collection early (found by FuzzParseDecode): when what it wrote
	// does not parse back, write the document again without those comments.
	var check yaml.Node
	if yaml.Unmarshal(out, &check) == nil {
		return out, nil
	}
	stripFlowComments(n, false)
	return encodeV3(n)
}

func encodeV3(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hasFlowComments reports whether a comment sits inside a flow collection.
func hasFlowComments(n *yaml.Node, inFlow bool) bool {
	if n == nil {
		return false
	}
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	if inFlow && n.HeadComment+n.LineComment+n.FootComment != "" {
		return true
	}
	for _, c := range n.Content {
		if hasFlowComments(c, inFlow) {
			return true
		}
	}
	return false
}

// stripFlowComments drops the comments inside flow collections ({a: b}, [a, b]).
func stripFlowComments(n *yaml.Node, inFlow bool) {
	if n == nil {
		return
	}
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	if inFlow {
		n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	}
	for _, c := range n.Content {
		stripFlowComments(c, inFlow)
	}
}

// ResolveInTree returns the file a lock or other output named path is to
// be written to, which must stay inside the directory root once every
// symbolic link on the way is followed: a file someone else can write (a
// lock file in a team's repository) may be a link to a file of the user
// running edgegate (a kubeconfig, a shell profile), and writing through it
// would overwrite that file. A link that stays inside root is followed, and
// the file it resolves to returned. A path that exists must be a regular
// file (writing to a named pipe would block). path need not exist.
func ResolveInTree(path, root string) (string, error) {
	rootAbs, err := filepath.Abs(root)
	if err == nil {
		rootAbs, err = filepath.EvalSymlinks(rootAbs)
	}
	if err != nil {
		return "", err
	}
	current, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	var info os.FileInfo
	for hops := 0; ; hops++ {
		if hops > 40 {
			return "", fmt.Errorf("%s: too many symbolic links", path)
		}
		dir, err := filepath.EvalSymlinks(filepath.Dir(current))
		if err != nil {
			return "", err
		}
		current = filepath.Join(dir, filepath.Base(current))
		if info, err = os.Lstat(current); err != nil || info.Mode()&os.ModeSymlink == 0 {
			break // a file, or none yet: written here
		}
		dest, err := os.Readlink(current)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(dir, dest)
		}
		current = dest
	}
	if !Within(rootAbs, current) {
		return "", fmt.Errorf("%s is a symbolic link to %s, outside %s: refusing to write through it (remove the link, or name another file with --bindings)", path, current, root)
	}
	if info != nil && !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is %s, not a regular file: refusing to write to it", path, describeMode(info.Mode().Type()))
	}
	return current, nil
}

// TreeOf is the directory tree an output file belongs to, for
// ResolveInTree: the first of paths (a directory, or a file's directory)
// that holds it, else the directory of the file itself.
func TreeOf(file string, paths []string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.Dir(file)
	}
	for _, p := range paths {
		if p == "-" {
			continue
		}
		dir := p
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			dir = filepath.Dir(p)
		}
		if d, err := filepath.Abs(dir); err == nil && Within(d, abs) {
			return dir
		}
	}
	return filepath.Dir(file)
}

// objectError names the object an encoding error is about:
// "file:line: Kind ns/name: error", as a diagnostic reads.
func objectError(obj *Object, err error) error {
	d := Diagnostic{Severity: Error, Ref: obj.Ref, Pos: obj.Pos}
	if ie, ok := err.(*fastyaml.InternalError); ok && ie.Line > 0 && obj.Pos.File != "" {
		d.Pos.Line = ie.Line
	}
	if prefix := d.String(); prefix != "" {
		return fmt.Errorf("%s%w", prefix, err)
	}
	return err
}
