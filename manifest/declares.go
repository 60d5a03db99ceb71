package manifest

import (
	"bufio"
	"io"
	"os"
	"regexp"
)

// FilesDeclaring lists the files under dir, as WalkFiles reads them, that
// have a top-level line `kind: KIND` (quoted or not, a comment after it):
// a cheap look that needs no parse, for Argo CD's discovery, which asks of
// every directory whether edgegate is meant to render it. A file it cannot
// read, or one past the input size limit, only makes it answer no for that
// file: the render itself reports what is wrong.
func FilesDeclaring(dir, kind string) []string {
	files, _ := WalkFiles(dir)
	line := regexp.MustCompile(`^kind:[ \t]*(` + regexp.QuoteMeta(kind) + `|"` + regexp.QuoteMeta(kind) + `"|'` + regexp.QuoteMeta(kind) + `')[ \t]*(#.*)?\r?$`)
	var found []string
	for _, f := range files {
		if declares(f, line) {
			found = append(found, f)
		}
	}
	return found
}

func declares(file string, line *regexp.Regexp) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, DefaultMaxFileBytes))
	sc.Buffer(make([]byte, 0, 64<<10), DefaultMaxFileBytes)
	for sc.Scan() {
		if line.Match(sc.Bytes()) {
			return true
		}
	}
	return false
}
