package testutil

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// registryBinary is Debian's docker-registry (CNCF distribution 2.8).
const registryBinary = "/usr/bin/docker-registry"

// EnsureRegistryInstalled installs Debian's docker-registry when it is
// missing: CI starts from a fresh machine. The package does not start a
// registry by itself; the tests start their own.
func EnsureRegistryInstalled() error {
	return AptInstall([]string{registryBinary}, "docker-registry")
}

// AptInstall installs Debian's packages when any of the commands (names on
// PATH or absolute paths) is missing, running apt-get update first when the
// package lists are too old or absent (a fresh machine). It starts nothing.
func AptInstall(commands []string, packages ...string) error {
	missing := func() string {
		for _, c := range commands {
			if _, err := exec.LookPath(c); err != nil {
				return c
			}
		}
		return ""
	}
	if missing() == "" {
		return nil
	}
	args := append([]string{"install", "-y", "--no-install-recommends"}, packages...)
	install := func() error {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := install(); err != nil {
		if out, uerr := exec.Command("apt-get", "update").CombinedOutput(); uerr != nil {
			return fmt.Errorf("%v\napt-get update: %v\n%s", err, uerr, out)
		}
		if err := install(); err != nil {
			return err
		}
	}
	if c := missing(); c != "" {
		return fmt.Errorf("%s installed, but %s is missing", strings.Join(packages, " "), c)
	}
	return nil
}

// Registry is a docker-registry process serving on 127.0.0.1.
type Registry struct {
	Host string // 127.0.0.1:PORT
	cmd  *exec.Cmd
	log  *bytes.Buffer
	dir  string
}

// StartRegistry starts docker-registry on a free loopback port with its own
// configuration and storage under a temporary directory, and waits until it
// answers.
func StartRegistry() (*Registry, error) {
	dir, err := os.MkdirTemp("", "edgegate-registry-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	host := fmt.Sprintf("127.0.0.1:%d", port)
	config := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "storage"), host)
	configFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		return nil, err
	}
	r := &Registry{Host: host, log: &bytes.Buffer{}, dir: dir}
	r.cmd = exec.Command(registryBinary, "serve", configFile)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	r.cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none")
	dieWithParent(r.cmd)
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r, nil
			}
		}
		if time.Now().After(deadline) {
			r.Stop()
			return nil, fmt.Errorf("docker-registry did not answer on %s within 20s: %v\n%s", host, err, r.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the registry by its PID and removes its storage.
func (r *Registry) Stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- r.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = r.cmd.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(r.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
