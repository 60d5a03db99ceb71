//go:build tools

// Package tools pins kube-apiserver for the e2e tests, which build it from
// the Go module proxy (k8s.io/kubernetes cannot be `go install`ed: it uses
// replace directives for its staging modules).
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
