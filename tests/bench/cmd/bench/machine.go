package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where and when the numbers were measured.
type machine struct {
	CPU       string
	Cores     int // logical CPUs in /proc/cpuinfo (runtime.NumCPU elsewhere)
	Usable    int // runtime.NumCPU: the CPUs this process may run on
	Memory    string
	Kernel    string
	OSArch    string
	GoVersion string
	Commit    string
	Date      time.Time
	LoadStart string
	LoadEnd   string
	Duration  time.Duration
	// HarnessRSS is the harness's own peak RSS: no child's can be reported
	// below it.
	HarnessRSS int64
}

func describeMachine(root string) machine {
	m := machine{
		CPU:       "unknown",
		Cores:     runtime.NumCPU(),
		Usable:    runtime.NumCPU(),
		Memory:    "unknown",
		Kernel:    strings.TrimSpace(readSmall("/proc/sys/kernel/osrelease")),
		OSArch:    runtime.GOOS + "/" + runtime.GOARCH,
		GoVersion: runtime.Version(),
		Date:      time.Now().UTC(),
		LoadStart: loadAverage(),
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(f)
		n := 0
		for s.Scan() {
			k, v, ok := strings.Cut(s.Text(), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "processor":
				n++
			case "model name":
				if m.CPU == "unknown" {
					m.CPU = strings.Join(strings.Fields(v), " ")
				}
			}
		}
		f.Close()
		if n > 0 {
			m.Cores = n
		}
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
					m.Memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
		f.Close()
	}
	// The toolchain that builds edgegate: the go command on PATH.
	if b, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		m.GoVersion = strings.TrimSpace(string(b))
	}
	cmd := exec.Command("git", "describe", "--always", "--dirty", "--abbrev=12")
	cmd.Dir = root
	if b, err := cmd.Output(); err == nil {
		m.Commit = strings.TrimSpace(string(b))
	} else {
		m.Commit = "unknown"
	}
	return m
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute averages.
func loadAverage() string {
	f := strings.Fields(readSmall("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
