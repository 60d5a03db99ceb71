package fastyaml

import "sigs.k8s.io/kustomize/kyaml/yaml"

// The node kinds and styles of yaml.v3. kyaml re-exports them as variables;
// as constants they fold into the code (a test checks they agree).
const (
	documentNode yaml.Kind = 1 << iota
	sequenceNode
	mappingNode
	scalarNode
	aliasNode
)

const (
	styleTagged yaml.Style = 1 << iota
	styleDoubleQuoted
	styleSingleQuoted
	styleLiteral
	styleFolded
	styleFlow
)
