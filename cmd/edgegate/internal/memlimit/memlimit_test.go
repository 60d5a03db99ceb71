package memlimit

import (
	"testing"
	"testing/fstest"
)

func TestContainer(t *testing.T) {
	v1Mounts := "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	v2Mounts := "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  int64
		ok    bool
	}{
		{"v1 limit on the process's cgroup", map[string]string{
			"proc/self/mountinfo": v1Mounts,
			"proc/self/cgroup":    "4:memory:/ci/job\n3:cpu:/\n",
			"sys/fs/cgroup/memory/ci/job/memory.limit_in_bytes": "314572800\n",
			"sys/fs/cgroup/memory/ci/memory.limit_in_bytes":     "9223372036854771712\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes":        "9223372036854771712\n",
		}, 300 << 20, true},
		{"v1 tighter parent", map[string]string{
			"proc/self/mountinfo": v1Mounts,
			"proc/self/cgroup":    "4:memory:/ci/job\n",
			"sys/fs/cgroup/memory/ci/job/memory.limit_in_bytes": "1073741824\n",
			"sys/fs/cgroup/memory/ci/memory.limit_in_bytes":     "536870912\n",
		}, 512 << 20, true},
		{"v1 unlimited", map[string]string{
			"proc/self/mountinfo":                        v1Mounts,
			"proc/self/cgroup":                           "4:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
		}, 0, false},
		{"v2 memory.max", map[string]string{
			"proc/self/mountinfo":                        v2Mounts,
			"proc/self/cgroup":                           "0::/kubepods/pod1/ctr\n",
			"sys/fs/cgroup/kubepods/pod1/ctr/memory.max": "268435456\n",
			"sys/fs/cgroup/kubepods/pod1/memory.max":     "max\n",
		}, 256 << 20, true},
		{"v2 in a cgroup namespace: the container's cgroup at the mount root", map[string]string{
			"proc/self/mountinfo":        "30 23 0:26 /kubepods/pod1/ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			"proc/self/cgroup":           "0::/\n",
			"sys/fs/cgroup/memory.max":   "268435456\n",
			"sys/fs/cgroup/cgroup.procs": "1\n",
		}, 256 << 20, true},
		{"v2 max", map[string]string{
			"proc/self/mountinfo":      v2Mounts,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "max\n",
		}, 0, false},
		{"no /proc", map[string]string{}, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, data := range c.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			got, ok := Container(fsys)
			if got != c.want && ok || ok != c.ok {
				t.Errorf("Container = %d, %v; want %d, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestSoft(t *testing.T) {
	const budget = 950 << 20
	for _, c := range []struct{ container, want int64 }{
		{0, budget},
		{4 << 30, budget},
		{1 << 30, budget},
		{450 << 20, 376 << 20},
		{100 << 20, 50 << 20},
	} {
		if got := Soft(budget, c.container); got != c.want {
			t.Errorf("Soft(%d MiB) = %d MiB, want %d MiB", c.container>>20, got>>20, c.want>>20)
		}
	}
}
