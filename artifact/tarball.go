package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// File is one file of the artifact.
type File struct {
	// Name is the slash-separated path inside the artifact ("apps/apps.yaml").
	// A name ending in "/" is a directory with no content.
	Name string
	Data []byte
}

// epoch is the modification time of every entry: times say nothing about
// the content, and a fixed one keeps the digest stable.
var epoch = time.Unix(0, 0).UTC()

// Tarball returns the gzip-compressed tar of files, reproducibly: entries
// sorted by name, every parent directory present before its files,
// directories 0755 and files 0644, owned by uid/gid 0 with no user or group
// names, all times the Unix epoch, and a gzip header with no name and no time.
func Tarball(files []File) ([]byte, error) {
	entries := map[string][]byte{}
	dirs := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name, "/")
		if name == "" || path.IsAbs(name) || path.Clean(name) != name || strings.HasPrefix(name, "../") || name == ".." {
			return nil, fmt.Errorf("artifact file name %q is not a clean relative path", f.Name)
		}
		if strings.HasSuffix(f.Name, "/") {
			dirs[name] = true
		} else {
			if _, dup := entries[name]; dup {
				return nil, fmt.Errorf("artifact file %q is given twice", name)
			}
			entries[name] = f.Data
		}
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		if _, clash := entries[d]; clash {
			return nil, fmt.Errorf("artifact path %q is both a file and a directory", d)
		}
	}
	names := make([]string, 0, len(entries)+len(dirs))
	for n := range entries {
		names = append(names, n)
	}
	for d := range dirs {
		names = append(names, d+"/")
	}
	sort.Strings(names) // "apps/" sorts before "apps/apps.yaml"

	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	for _, n := range names {
		hdr := &tar.Header{Name: n, ModTime: epoch, Format: tar.FormatUSTAR}
		data, isFile := entries[n]
		if isFile {
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, int64(len(data))
		} else {
			hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("writing %s to the tarball: %w", n, err)
		}
		if isFile {
			if _, err := tw.Write(data); err != nil {
				return nil, fmt.Errorf("writing %s to the tarball: %w", n, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
