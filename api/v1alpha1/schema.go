package v1alpha1

import "strings"

// schemaBase is where the JSON schemas of config/schema are published.
const schemaBase = "https://raw.githubusercontent.com/edgegate/edgegate/main/config/schema/"

// SchemaURL is the JSON schema of an edgegate kind (generated from its CRD),
// for editors: yaml-language-server reads it from a Modeline.
func SchemaURL(kind string) string { return schemaBase + strings.ToLower(kind) + ".json" }

// Modeline is the comment that tells yaml-language-server which schema a
// file of kind's objects follows (without the newline).
func Modeline(kind string) string { return "# yaml-language-server: $schema=" + SchemaURL(kind) }
