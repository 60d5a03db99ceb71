package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/tests/bench/gen"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// prepareInChild runs prepare in a child process (this program with
// -prepare N), and returns what it printed. The harness itself must stay
// small: Linux reports a child's peak RSS as at least the harness's own
// high-water mark when it was started (os/exec starts children with vfork,
// sharing the harness's memory until exec), and generating a large repository
// and its ResourceList takes gigabytes.
func prepareInChild(o options, n int) (repo, resourceList string, err error) {
	self, err := os.Executable()
	if err != nil {
		return "", "", err
	}
	cmd := exec.Command(self, "-prepare", strconv.Itoa(n), "-m", strconv.Itoa(o.gateways),
		"-seed", strconv.FormatUint(o.seed, 10), "-cache", o.cache)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", "", fmt.Errorf("preparing n=%d: %v", n, err)
	}
	repo, resourceList, ok := strings.Cut(strings.TrimSpace(string(out)), "\t")
	if !ok {
		return "", "", fmt.Errorf("preparing n=%d: unexpected output %q", n, out)
	}
	return repo, resourceList, nil
}

// prepare returns the generated repository for n (a directory) and the
// ResourceList kpt would send edgegate for it (a file). Both are cached under
// o.cache in a directory named by n, m, seed and a digest of the generated
// content, so a changed generator never reuses a stale repository.
func prepare(o options, n int) (repo, resourceList string, err error) {
	files := gen.Generate(gen.Options{Apps: n, Gateways: o.gateways, Seed: o.seed})
	h := sha256.New()
	for _, p := range files.Paths() {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	prefix := fmt.Sprintf("n%d-m%d-seed%d-", n, o.gateways, o.seed)
	key := prefix + hex.EncodeToString(h.Sum(nil))[:12]
	dir := filepath.Join(o.cache, key)
	repo, resourceList = filepath.Join(dir, "repo"), filepath.Join(dir, "resourcelist.yaml")
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		fmt.Fprintf(os.Stderr, "bench: n=%d: cached %s\n", n, rel(o.root, dir))
		return repo, resourceList, warm(dir)
	}
	fmt.Fprintf(os.Stderr, "bench: n=%d: generating %s\n", n, rel(o.root, dir))

	// Older repositories of the same size: another generator's, stale.
	if old, _ := filepath.Glob(filepath.Join(o.cache, prefix+"*")); len(old) > 0 {
		for _, d := range old {
			if d != dir {
				_ = os.RemoveAll(d)
			}
		}
	}
	tmp := dir + fmt.Sprintf(".tmp%d", os.Getpid())
	_ = os.RemoveAll(tmp)
	for _, p := range files.Paths() {
		path := filepath.Join(tmp, "repo", p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", "", err
		}
		if err := os.WriteFile(path, files[p], 0o644); err != nil {
			return "", "", err
		}
	}
	rl, err := buildResourceList(filepath.Join(tmp, "repo"))
	if err != nil {
		return "", "", fmt.Errorf("building the ResourceList: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "resourcelist.yaml"), rl, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		return "", "", err
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", "", err
	}
	return repo, resourceList, nil
}

// buildResourceList builds the ResourceList kpt sends a function for the
// package: the objects of every *.yaml and *.yml file in lexical path order,
// each annotated the way kyaml's LocalPackageReader annotates what it reads
// (its path relative to the package and its index among the file's objects,
// in the internal.config.kubernetes.io and the legacy config.kubernetes.io
// form, set in key order), wrapped in a config.kubernetes.io/v1 ResourceList
// without functionConfig and written with kyaml's encoder, as kio.ByteWriter
// writes it. (kyaml's kio package itself needs modules the main module does
// not require; kioutil and yaml are the parts it uses here.)
func buildResourceList(pkg string) ([]byte, error) {
	var files []string
	err := filepath.WalkDir(pkg, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items := &yaml.Node{Kind: yaml.SequenceNode}
	for _, f := range files {
		relPath, err := filepath.Rel(pkg, f)
		if err != nil {
			return nil, err
		}
		relPath = filepath.ToSlash(relPath)
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for index := 0; ; {
			var doc yaml.Node
			err := dec.Decode(&doc)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %v", f, err)
			}
			if len(doc.Content) == 0 || yaml.IsMissingOrNull(yaml.NewRNode(doc.Content[0])) {
				continue
			}
			rn := yaml.NewRNode(doc.Content[0])
			for _, a := range [][2]string{ // in key order, as the reader sets them
				{kioutil.LegacyIndexAnnotation, strconv.Itoa(index)},
				{kioutil.LegacyPathAnnotation, relPath},
				{kioutil.IndexAnnotation, strconv.Itoa(index)},
				{kioutil.PathAnnotation, relPath},
			} {
				if err := rn.PipeE(yaml.SetAnnotation(a[0], a[1])); err != nil {
					return nil, fmt.Errorf("%s: %v", f, err)
				}
			}
			items.Content = append(items.Content, rn.YNode())
			index++
		}
	}
	list := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "apiVersion"}, {Kind: yaml.ScalarNode, Value: "config.kubernetes.io/v1"},
		{Kind: yaml.ScalarNode, Value: "kind"}, {Kind: yaml.ScalarNode, Value: "ResourceList"},
		{Kind: yaml.ScalarNode, Value: "items"}, items,
	}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{list}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// warm reads every file of a cached repository and its ResourceList once, so
// that no measured run pays for the disk.
func warm(dir string) error {
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		_, err = os.ReadFile(path)
		return err
	})
}
