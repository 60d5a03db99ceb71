// Package check holds edgegate's checks, one file per check
// (eg001_conflicting_gateways.go, ...), each using only policy/model and the
// packages below it, never a name of another check's file (see
// policy.TestChecksShareOnlyTheModel). catalog.go lists them, with their IDs,
// names, severities, descriptions and the analyzer codes they mirror.
package check
