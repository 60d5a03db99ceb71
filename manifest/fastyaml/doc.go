// Package fastyaml reads and writes the common case of Kubernetes YAML many
// times faster than yaml.v3 (go.yaml.in/yaml/v3, which kyaml re-exports),
// with byte-for-byte and node-for-node the same results, and falls back to
// yaml.v3 for everything else.
//
// Parse turns a multi-document stream into the yaml.Node trees yaml.v3's
// Decoder returns, or reports ok=false; Emit writes one document as
// yaml.v3's Encoder with SetIndent(2) and CompactSeqIndent() does, or
// reports ok=false. A caller tries them first and uses yaml.v3 when they
// decline: for the whole input (Parse) or for the one document (Emit). A
// panic in either that is not declining the input is a bug in edgegate: they
// return it as an *InternalError naming where it happened, which the caller
// reports as an error (never a crash, never a silent fallback).
//
// Parse implements: block mappings and sequences (compact "- key: v", nested
// "- - x", sequences not indented under their key, any indentation width),
// single-line flow mappings and sequences, single-line plain, single-quoted
// and double-quoted scalars (every escape yaml.v3 accepts), literal and
// folded block scalars (chomping and indentation indicators), empty values,
// "---" and "..." markers, empty documents, and the resolution of plain
// scalars to !!str, !!int, !!float, !!bool, !!null and !!timestamp exactly as
// yaml.v3's resolve does. It reads full-line comments in the layouts whose
// placement it reproduces node for node: the groups of comment lines at
// column 0 that open a stream (the group right above the first key becomes
// its head comment, earlier groups the document's), one group right after a
// "---" or right above a key of a block mapping, at the key's column (the
// key's head comment). It declines other comments (at the end of a line,
// after the last entry of a collection, before sequence items, with blank
// lines where yaml.v3 makes them foot comments), anchors, aliases, tags,
// "?" keys, flow keys, merge keys ("<<"), directives, tabs outside quoted and
// block scalars, multi-line plain and quoted scalars, multi-line flow
// collections, CR line breaks, NEL/LS/PS, a byte order mark, keys longer than
// 1000 bytes, nesting deeper than 300, invalid UTF-8 and control
// characters, and whatever yaml.v3 rejects.
//
// Emit implements every node tree without comments, anchors and aliases
// whose tags yaml.v3 drops (a tag that the value resolves to, !!str, !!map,
// !!seq), in every style: block and flow collections, plain, single-quoted,
// double-quoted, literal and folded scalars, with libyaml's choice of style
// and quoting, indentation, simple and "?" keys for scalars. It declines
// collections as mapping keys, invalid UTF-8 (yaml.v3 writes !!binary) and
// anything yaml.v3 fails on.
//
// Both are checked against yaml.v3 by differential tests over the
// repository's YAML files, generated repositories, tricky scalars and random
// documents with and without comments, and by the fuzz targets FuzzParse,
// FuzzEmit and FuzzResolve.
package fastyaml
