package render

import (
	"fmt"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// objectMeta is the metadata edgegate writes.
type objectMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type header struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
}

type metaOption func(*objectMeta)

func withLabels(labels map[string]string) metaOption {
	return func(m *objectMeta) {
		for k, v := range labels {
			m.Labels[k] = v
		}
	}
}

func withAnnotations(annotations map[string]string) metaOption {
	return func(m *objectMeta) {
		if len(annotations) > 0 && m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		for k, v := range annotations {
			m.Annotations[k] = v
		}
	}
}

// newObject builds an object from its identity and a body struct whose fields
// are the object's other top-level keys (spec, rules, ...). Every object
// carries the managed-by label, so the next run knows it as its own.
func newObject(apiVersion, kind, namespace, name string, opt metaOption, body any) *manifest.Object {
	meta := objectMeta{Name: name, Namespace: namespace, Labels: map[string]string{manifest.ManagedByLabel: manifest.ManagedByValue}}
	if opt != nil {
		opt(&meta)
	}
	node := encode(header{APIVersion: apiVersion, Kind: kind, Metadata: meta})
	if body != nil {
		node.Content = append(node.Content, encode(body).Content...)
	}
	return manifest.NewObject(node, manifest.Position{})
}

func encode(v any) *yaml.Node {
	n, err := manifest.ToNode(v)
	if err != nil {
		// Only edgegate's own structs are encoded here; failure is a bug,
		// which Render turns into an internal error.
		panic(fmt.Sprintf("edgegate: encoding %T: %v", v, err))
	}
	return n
}

// labelsSelector is a Kubernetes LabelSelector with matchLabels only.
type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}
