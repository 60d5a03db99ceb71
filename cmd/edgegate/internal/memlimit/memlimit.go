// Package memlimit finds the memory a process may use in its container:
// the memory limit of its cgroup (v2's memory.max, or v1's
// memory.limit_in_bytes), the tightest along the hierarchy, so that edgegate
// never sets a soft memory limit above what the container allows (an Argo
// CD sidecar, a kpt function container, a CI job with a limit).
package memlimit

import (
	"bufio"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// unlimited is where a limit stops meaning anything: cgroup v1 writes "no
// limit" as the largest page-aligned int64.
const unlimited = 1 << 62

// Container returns the memory limit of the process's cgroup in bytes, and
// false when it has none or none can be read. fsys is the root file system
// (os.DirFS("/") in production).
func Container(fsys fs.FS) (int64, bool) {
	cgroups, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	mounts, err := fsys.Open("proc/self/mountinfo")
	if err != nil {
		return 0, false
	}
	defer mounts.Close()
	best := int64(unlimited)
	sc := bufio.NewScanner(mounts)
	for sc.Scan() {
		m, ok := parseMount(sc.Text())
		if !ok {
			continue
		}
		cgroupPath, ok := memoryCgroup(string(cgroups), m.v2)
		if !ok {
			continue
		}
		file := "memory.limit_in_bytes"
		if m.v2 {
			file = "memory.max"
		}
		// The process's cgroup as seen through this mount, then each parent
		// up to the mount's root: the tightest limit applies.
		rel := strings.TrimPrefix(cgroupPath, m.root)
		if rel == cgroupPath && m.root != "/" {
			rel = "/" // a container's own cgroup mounted at the root
		}
		for dir := path.Clean("/" + rel); ; dir = path.Dir(dir) {
			if limit, ok := readLimit(fsys, strings.TrimPrefix(path.Join(m.point, dir, file), "/")); ok && limit < best {
				best = limit
			}
			if dir == "/" {
				break
			}
		}
	}
	return best, best < unlimited
}

type mount struct {
	root, point string
	v2          bool
}

// parseMount reads a /proc/self/mountinfo line of a cgroup2 mount or a v1
// mount of the memory controller.
func parseMount(line string) (mount, bool) {
	fields := strings.Fields(line)
	sep := -1
	for i, f := range fields {
		if f == "-" {
			sep = i
			break
		}
	}
	if sep < 5 || sep+3 > len(fields) {
		return mount{}, false
	}
	m := mount{root: fields[3], point: fields[4]}
	switch fields[sep+1] {
	case "cgroup2":
		m.v2 = true
	case "cgroup":
		if !hasOption(fields[sep+3], "memory") {
			return mount{}, false
		}
	default:
		return mount{}, false
	}
	return m, true
}

func hasOption(opts, name string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == name {
			return true
		}
	}
	return false
}

// memoryCgroup finds the process's cgroup in /proc/self/cgroup: the v2
// line ("0::/path"), or the v1 line whose controllers include memory.
func memoryCgroup(cgroups string, v2 bool) (string, bool) {
	for _, line := range strings.Split(cgroups, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if v2 && parts[0] == "0" && parts[1] == "" {
			return parts[2], true
		}
		if !v2 && hasOption(parts[1], "memory") {
			return parts[2], true
		}
	}
	return "", false
}

func readLimit(fsys fs.FS, name string) (int64, bool) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || v <= 0 { // "max": no limit
		return 0, false
	}
	return v, true
}

// Headroom is the memory a Go process uses that its soft limit does not
// count (the binary's code and data, the kernel's buffers for it): what a
// soft limit leaves below the hard one.
const Headroom = 74 << 20

// Soft returns the soft memory limit for a process that wants budget bytes
// in a container allowing container bytes (0: no limit): the budget, or
// less in a smaller container, leaving Headroom (at most half of it) for
// what the runtime does not count.
func Soft(budget, container int64) int64 {
	if container <= 0 {
		return budget
	}
	return min(budget, max(container-Headroom, container/2))
}

// Root is the file system Container reads in production.
var Root fs.FS = os.DirFS("/")
