package fn

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ResourceList is the KRM function spec's wire format: the items a
// function transforms, its configuration, and the results it reports.
type ResourceList struct {
	Items          []*manifest.Object
	FunctionConfig *manifest.Object // nil when absent
	// Wire is the items as received, Lists not unwrapped: what a check
	// returns unchanged.
	Wire []*manifest.Object
}

const resourceListVersion = "config.kubernetes.io/v1"

// ReadResourceList decodes a ResourceList. Each item's position comes from
// the path and index annotations kpt and kustomize set.
func ReadResourceList(r io.Reader, maxBytes int64) (*ResourceList, error) {
	data, err := manifest.ReadAll(r, maxBytes+1)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("ResourceList on stdin is larger than the input limit of %d bytes (raise it with --max-input-bytes)", maxBytes)
	}
	docs, diags := manifest.ParseDocumentsLimited(data, "stdin", manifest.LimitsFor(maxBytes))
	if diags.HasErrors() {
		// "edgegate: error: invalid ResourceList: stdin:7: message": the
		// severity is said once, before.
		d := diags[0]
		where := ""
		if d.Pos.Line > 0 {
			where = fmt.Sprintf("stdin:%d: ", d.Pos.Line)
		}
		return nil, fmt.Errorf("invalid ResourceList: %s%s", where, d.Message)
	}
	if len(docs) == 0 || len(docs[0].Content) == 0 {
		return nil, fmt.Errorf("no ResourceList on stdin")
	}
	root := docs[0].Content[0]
	list := manifest.NewObject(root, manifest.Position{File: "stdin"})
	if list.Kind != "ResourceList" {
		return nil, fmt.Errorf("stdin holds a %q, not a ResourceList (run `edgegate render` for plain YAML)", list.Kind)
	}
	rl := &ResourceList{}
	if items := list.Field("items"); items != nil {
		if items.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("ResourceList items is not a list")
		}
		for i, n := range items.Content {
			if n.Kind == yaml.AliasNode {
				n = n.Alias
			}
			if n.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("ResourceList items[%d] is not an object", i)
			}
			item := manifest.NewObject(n, manifest.Position{})
			item.Pos = itemPosition(item, i)
			if item.APIVersion == "" || item.Kind == "" {
				return nil, fmt.Errorf("ResourceList items[%d] has no apiVersion or kind", i)
			}
			rl.Items = append(rl.Items, item)
		}
	}
	// Lists among the items are unwrapped, and every item is checked as a
	// file's objects are (duplicate keys, aliases, the number of objects).
	rl.Wire = rl.Items
	var admitted manifest.Diagnostics
	rl.Items, admitted = manifest.AdmitItems(root, rl.Items, manifest.LimitsFor(maxBytes), manifest.Position{File: "stdin"}, bytes.IndexByte(data, '&') >= 0)
	if admitted.HasErrors() {
		return nil, admitted
	}
	if fc := list.Field("functionConfig"); fc != nil && fc.Kind == yaml.MappingNode {
		rl.FunctionConfig = manifest.NewObject(fc, manifest.Position{File: "functionConfig"})
	}
	return rl, nil
}

// itemPosition reads where kpt or kustomize found an item: kpt's path and
// index annotations, else the path in kustomize's origin annotation (set with
// buildMetadata: [originAnnotations]). Without either, messages name the
// object alone.
func itemPosition(o *manifest.Object, i int) manifest.Position {
	pos := manifest.Position{Index: i}
	for _, key := range []string{manifest.PathAnnotation, "config.kubernetes.io/path"} {
		if p := o.Annotation(key); p != "" {
			pos.File = p
			break
		}
	}
	if pos.File == "" {
		for _, line := range strings.Split(o.Annotation("config.kubernetes.io/origin"), "\n") {
			if p, ok := strings.CutPrefix(strings.TrimSpace(line), "path: "); ok {
				pos.File = strings.Trim(p, `"'`)
				break
			}
		}
	}
	for _, key := range []string{manifest.IndexAnnotation, "config.kubernetes.io/index"} {
		if idx, err := strconv.Atoi(o.Annotation(key)); err == nil {
			pos.Index = idx
			break
		}
	}
	return pos
}

// locationAnnotations are the annotations that tell kpt and kustomize which
// file an item lives in; re-rendered objects keep them.
var locationAnnotations = []string{
	manifest.PathAnnotation, manifest.IndexAnnotation,
	"config.kubernetes.io/path", "config.kubernetes.io/index",
	"internal.config.kubernetes.io/id", "config.k8s.io/id",
}

type result struct {
	Message     string            `yaml:"message"`
	Severity    string            `yaml:"severity"`
	ResourceRef *resourceRef      `yaml:"resourceRef,omitempty"`
	Field       *field            `yaml:"field,omitempty"`
	File        *file             `yaml:"file,omitempty"`
	Tags        map[string]string `yaml:"tags,omitempty"`
}

type resourceRef struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
	Namespace  string `yaml:"namespace,omitempty"`
}

type field struct {
	Path string `yaml:"path"`
}

type file struct {
	Path  string `yaml:"path"`
	Index int    `yaml:"index"`
}

// WriteResourceList writes items, the function config and results.
func WriteResourceList(w io.Writer, items []*manifest.Object, functionConfig *manifest.Object, diags manifest.Diagnostics) error {
	out := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		out.Content = append(out.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	}
	add("apiVersion", &yaml.Node{Kind: yaml.ScalarNode, Value: resourceListVersion})
	add("kind", &yaml.Node{Kind: yaml.ScalarNode, Value: "ResourceList"})
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, o := range items {
		seq.Content = append(seq.Content, o.Node)
	}
	add("items", seq)
	if functionConfig != nil {
		add("functionConfig", functionConfig.Node)
	}
	if len(diags) > 0 {
		results := make([]result, 0, len(diags))
		for _, d := range diags {
			results = append(results, toResult(d))
		}
		// ToNode, not yaml's Node.Encode, which writes YAML text and parses
		// it back: at 10,000 apps that was 200 MB of garbage for the infos.
		n, err := manifest.ToNode(results)
		if err != nil {
			return err
		}
		add("results", n)
	}
	doc, err := manifest.EncodeDocument(out)
	if err != nil {
		return err
	}
	_, err = w.Write(doc)
	return err
}

func toResult(d manifest.Diagnostic) result {
	r := result{Message: d.Message, Severity: string(d.Severity)}
	if r.Severity == "" {
		r.Severity = string(manifest.Error)
	}
	if d.Ref.Kind != "" {
		r.ResourceRef = &resourceRef{APIVersion: d.Ref.APIVersion, Kind: d.Ref.Kind, Name: d.Ref.Name, Namespace: d.Ref.Namespace}
	}
	if d.Field != "" {
		r.Field = &field{Path: d.Field}
	}
	if d.Pos.File != "" {
		r.File = &file{Path: d.Pos.File, Index: d.Pos.Index}
	}
	if d.ID != "" || len(d.Tags) > 0 {
		r.Tags = map[string]string{}
		for k, v := range d.Tags {
			r.Tags[k] = v
		}
		if d.ID != "" {
			r.Tags["check"] = d.ID
		}
	}
	return r
}
