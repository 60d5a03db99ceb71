// Package e2e proves that a real Kubernetes API server accepts what edgegate
// renders, applied the way Flux's kustomize-controller applies it
// (fluxcd/pkg/ssa server-side apply), and that it rejects the invalid objects
// edgegate's checks must catch before they reach a cluster.
//
// The API server is kube-apiserver v1.37.2 with etcd v3.7.3, started by
// controller-runtime's envtest with Istio's CRDs (from istio.io/api)
// installed. The binaries come from KUBEBUILDER_ASSETS, else from
// ./build-assets.sh, which builds them once into a cache folder (about ten
// minutes the first time; later runs find them at once).
package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	// Keeps istio.io/api in go.mod: its module directory ships the CRDs.
	_ "istio.io/api/networking/v1"
	// Keeps sigs.k8s.io/gateway-api in go.mod: its module directory ships
	// the standard channel's CRDs.
	_ "sigs.k8s.io/gateway-api/apis/v1"
)

var (
	// assetsDir holds kube-apiserver and etcd.
	assetsDir string
	// istioCRDs is istio.io/api's kubernetes/customresourcedefinitions.gen.yaml.
	istioCRDs string
	// gatewayAPICRDs are sigs.k8s.io/gateway-api's standard channel CRDs.
	gatewayAPICRDs []string
)

func TestMain(m *testing.M) {
	flag.Parse()
	// envtest, client-go and the ssa poller log through these; the tests
	// report what matters themselves.
	ctrllog.SetLogger(logr.Discard())
	klog.SetLogger(logr.Discard())

	var err error
	if assetsDir, err = resolveAssets(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	if istioCRDs, err = resolveIstioCRDs(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	if gatewayAPICRDs, err = resolveGatewayAPICRDs(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// resolveGatewayAPICRDs finds the standard channel's CRD files (Gateway,
// HTTPRoute, ReferenceGrant and the rest) in the sigs.k8s.io/gateway-api
// module this module requires.
func resolveGatewayAPICRDs() ([]string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m sigs.k8s.io/gateway-api: %v\n%s", err, stderr.String())
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "standard")
	var paths []string
	for _, kind := range []string{"gatewayclasses", "gateways", "httproutes", "referencegrants"} {
		path := filepath.Join(dir, "gateway.networking.k8s.io_"+kind+".yaml")
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("gateway-api CRDs: %v", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// resolveAssets returns the folder holding kube-apiserver and etcd: the
// KUBEBUILDER_ASSETS folder when set (it must then hold both), else what
// ./build-assets.sh prints after building whatever is missing. It never
// returns without both binaries: a missing control plane is a failure, not
// a skip.
func resolveAssets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		if err := checkAssets(dir); err != nil {
			return "", fmt.Errorf("KUBEBUILDER_ASSETS=%s: %v (unset it to have ./build-assets.sh build them)", dir, err)
		}
		return dir, nil
	}

	// Leave a minute of go test's -timeout for the tests themselves; a cold
	// build takes about ten minutes on two cores.
	ctx := context.Background()
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, ok := f.Value.(flag.Getter).Get().(time.Duration); ok && d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d-time.Minute)
			defer cancel()
		}
	}

	// One build at a time on this machine: build-assets.sh writes fixed
	// temporary names in the cache folder.
	unlock, err := lockFile(filepath.Join(os.TempDir(), "edgegate-e2e-build-assets.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()

	cmd := exec.Command("./build-assets.sh")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr // "building ... (first time only)" is worth seeing
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("running ./build-assets.sh: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the script and its go build
		<-done
		return "", errors.New("kube-apiserver and etcd are not built yet and building them did not finish within go test's -timeout: " +
			"run `./build-assets.sh` once in tests/e2e (about 10 minutes cold), or `go test -timeout 30m`")
	}
	if err != nil {
		return "", fmt.Errorf("./build-assets.sh failed (%v): kube-apiserver and etcd are needed; see the build output above", err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	dir := strings.TrimSpace(lines[len(lines)-1])
	if err := checkAssets(dir); err != nil {
		return "", fmt.Errorf("./build-assets.sh printed %q: %v", dir, err)
	}
	return dir, nil
}

func checkAssets(dir string) error {
	for _, name := range []string{"kube-apiserver", "etcd"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("no %s: %v", name, err)
		}
		if info.IsDir() || info.Mode()&0o111 == 0 {
			return fmt.Errorf("%s is not an executable file", filepath.Join(dir, name))
		}
	}
	return nil
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %v", path, err)
	}
	return func() { f.Close() }, nil
}

// resolveIstioCRDs finds the CRD file in the istio.io/api module this module
// requires.
func resolveIstioCRDs() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m istio.io/api: %v\n%s", err, stderr.String())
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "kubernetes", "customresourcedefinitions.gen.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("istio CRDs: %v", err)
	}
	for _, crd := range []string{"gateways.networking.istio.io", "virtualservices.networking.istio.io"} {
		if !bytes.Contains(data, []byte("name: "+crd)) {
			return "", fmt.Errorf("%s does not define %s", path, crd)
		}
	}
	return path, nil
}
