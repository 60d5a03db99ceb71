package policy

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/edgegate/edgegate/manifest"
)

// DocsURL is where each check is documented, one section per ID.
const DocsURL = "https://github.com/edgegate/edgegate/blob/main/docs/policies.md"

// inputRule is the rule SARIF reports input errors under (bad YAML, invalid
// intents), which have no check ID.
const inputRule = "edgegate-input"

// Finding is the JSON form of a diagnostic.
type Finding struct {
	Severity string   `json:"severity"`
	Check    string   `json:"check,omitempty"`
	Name     string   `json:"name,omitempty"`
	Mirrors  []string `json:"mirrors,omitempty"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Index    int      `json:"index"`
	Resource *struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Namespace  string `json:"namespace,omitempty"`
		Name       string `json:"name"`
	} `json:"resource,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Object names the finding's object as messages name it, "Kind ns/name";
// "" for a finding about no object.
func (f Finding) Object() string {
	if f.Resource == nil {
		return ""
	}
	return manifest.Ref{Kind: f.Resource.Kind, Namespace: f.Resource.Namespace, Name: f.Resource.Name}.String()
}

// WriteText writes one line per diagnostic, as every command prints them
// (manifest.Diagnostics.WriteText: errors first, repeated infos folded
// unless verbose).
func WriteText(w io.Writer, diags manifest.Diagnostics, verbose bool) error {
	return diags.WriteText(w, verbose)
}

// WriteJSON writes the diagnostics as a JSON array of findings.
func WriteJSON(w io.Writer, diags manifest.Diagnostics) error {
	metas := metaByID()
	findings := make([]Finding, 0, len(diags))
	for _, d := range diags {
		f := Finding{Severity: severityOf(d), Check: d.ID, File: d.Pos.File, Line: d.Pos.Line, Index: d.Pos.Index, Field: d.Field, Message: d.Message}
		if m, ok := metas[d.ID]; ok {
			f.Name, f.Mirrors = m.Name, m.Mirrors
		}
		if d.Ref.Kind != "" {
			f.Resource = &struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Namespace  string `json:"namespace,omitempty"`
				Name       string `json:"name"`
			}{d.Ref.APIVersion, d.Ref.Kind, d.Ref.Namespace, d.Ref.Name}
		}
		findings = append(findings, f)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(findings)
}

// SARIF 2.1.0, the subset code-scanning UIs read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	HelpURI              string          `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           map[string]any  `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// WriteSARIF writes the diagnostics as a SARIF 2.1.0 log, with every check
// of the catalog as a rule.
func WriteSARIF(w io.Writer, diags manifest.Diagnostics, version string) error {
	driver := sarifDriver{Name: "edgegate", Version: version, InformationURI: "https://github.com/edgegate/edgegate"}
	ruleIndex := map[string]int{}
	for _, c := range Catalog() {
		m := c.Meta()
		ruleIndex[m.ID] = len(driver.Rules)
		rule := sarifRule{
			ID: m.ID, Name: m.Name, ShortDescription: sarifText{m.Description},
			HelpURI:              DocsURL + "#" + strings.ToLower(m.ID) + "-" + m.Name,
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(m.Severity)},
		}
		if len(m.Mirrors) > 0 {
			rule.Properties = map[string]any{"tags": m.Mirrors}
		}
		driver.Rules = append(driver.Rules, rule)
	}
	ruleIndex[inputRule] = len(driver.Rules)
	driver.Rules = append(driver.Rules, sarifRule{
		ID: inputRule, Name: "input", ShortDescription: sarifText{"invalid YAML, or an invalid edgegate intent"},
		HelpURI: "https://github.com/edgegate/edgegate#reference", DefaultConfiguration: sarifRuleConfig{Level: "error"},
	})
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for _, d := range diags {
		id := d.ID
		if id == "" {
			id = inputRule
		}
		res := sarifResult{RuleID: id, RuleIndex: ruleIndex[id], Level: sarifLevel(manifest.Severity(severityOf(d))), Message: sarifText{messageOf(d)}}
		var loc sarifLocation
		if d.Pos.File != "" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: d.Pos.File}}
			if d.Pos.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: d.Pos.Line}
			}
		}
		if d.Ref.Kind != "" {
			loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: d.Ref.String(), Kind: "resource"}}
		}
		if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
			res.Locations = []sarifLocation{loc}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

func messageOf(d manifest.Diagnostic) string {
	if d.Field == "" {
		return d.Message
	}
	return d.Field + ": " + d.Message
}

func severityOf(d manifest.Diagnostic) string {
	if d.Severity == "" {
		return string(manifest.Error)
	}
	return string(d.Severity)
}

func sarifLevel(s manifest.Severity) string {
	switch s {
	case manifest.Warning:
		return "warning"
	case manifest.Info:
		return "note"
	}
	return "error"
}

func metaByID() map[string]Meta {
	m := map[string]Meta{}
	for _, c := range Catalog() {
		m[c.Meta().ID] = c.Meta()
	}
	return m
}
