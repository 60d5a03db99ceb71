// Command schemagen extracts the OpenAPI schemas of Istio's Gateway and
// VirtualService from the CRDs istio.io/api ships
// (kubernetes/customresourcedefinitions.gen.yaml) into the compact file
// edgegate embeds, policy/schema/istio-networking-v1.json, which the
// istio-schema check (EG014) validates against.
//
// It is a module of its own so that istio.io/api never becomes a dependency
// of edgegate: the version of Istio's API is the one this go.mod requires.
// To move to another Istio release:
//
//	cd policy/internal/schemagen
//	go get istio.io/api@v1.33.0 && go mod tidy
//	go run .          # or: go generate ./policy/schema from the repository root
//	go test ./...     # fails while the committed file differs from the CRDs
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// apiModule is the module holding the CRDs; crdFile is their path in it.
const (
	apiModule = "istio.io/api"
	crdFile   = "kubernetes/customresourcedefinitions.gen.yaml"
)

// defaultOut is the embedded file, relative to this directory.
var defaultOut = filepath.Join("..", "..", "schema", "istio-networking-v1.json")

func main() {
	out := flag.String("out", defaultOut, "file to write")
	flag.Parse()
	data, source, err := readCRDs()
	if err != nil {
		fail(err)
	}
	gen, err := Generate(data, source)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, gen, 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("wrote %s from %s\n", *out, source)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "schemagen:", err)
	os.Exit(1)
}

// readCRDs reads the CRD file of the istio.io/api version go.mod requires,
// and names it ("istio.io/api v1.32.0 kubernetes/...").
func readCRDs() ([]byte, string, error) {
	cmd := exec.Command("go", "list", "-m", "-json", apiModule)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("go list -m %s: %w (run go mod download in policy/internal/schemagen)", apiModule, err)
	}
	var mod struct {
		Path, Version, Dir string
	}
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&mod); err != nil {
		return nil, "", err
	}
	if mod.Dir == "" {
		return nil, "", fmt.Errorf("%s %s is not downloaded: run go mod download in policy/internal/schemagen", mod.Path, mod.Version)
	}
	data, err := os.ReadFile(filepath.Join(mod.Dir, filepath.FromSlash(crdFile)))
	if err != nil {
		return nil, "", err
	}
	return data, strings.Join([]string{mod.Path, mod.Version, crdFile}, " "), nil
}
