package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Flux's kustomize-controller applies as this field manager, and labels what
// it applies with this group.
var fluxOwner = ssa.Owner{Field: "kustomize-controller", Group: "kustomize.toolkit.fluxcd.io"}

// cluster is one kube-apiserver + etcd with Istio's CRDs installed.
type cluster struct {
	client     client.Client
	manager    *ssa.ResourceManager
	kubeconfig string
	warnings   *warningRecorder
}

// startCluster starts a fresh control plane for t and stops it when t ends.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	start := time.Now()
	env := &envtest.Environment{
		BinaryAssetsDirectory: assetsDir,
		CRDInstallOptions: envtest.CRDInstallOptions{
			Paths:              append([]string{istioCRDs}, gatewayAPICRDs...),
			ErrorIfPathMissing: true,
		},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting kube-apiserver and etcd from %s: %v", assetsDir, err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	t.Logf("control plane ready in %v", time.Since(start).Round(100*time.Millisecond))

	warnings := &warningRecorder{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = warnings
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{HTTPClient: httpClient, Mapper: mapper})
	if err != nil {
		t.Fatal(err)
	}
	poller := polling.NewStatusPoller(c, mapper, polling.Options{})
	manager := ssa.NewResourceManager(c, poller, fluxOwner)

	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig, 0o600); err != nil {
		t.Fatal(err)
	}
	return &cluster{client: c, manager: manager, kubeconfig: kubeconfig, warnings: warnings}
}

// ensureNamespace creates namespace ns unless it exists: the app namespaces
// the teams own, which edgegate never renders.
func (c *cluster) ensureNamespace(t *testing.T, ns string) {
	t.Helper()
	ctx := context.Background()
	err := c.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating app namespace %s: %v", ns, err)
	}
}

// warningRecorder collects the warnings the API server sends with its
// responses (deprecations, suspicious values), which client-go would log.
type warningRecorder struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (w *warningRecorder) HandleWarningHeader(code int, agent, text string) {
	if code != 299 || text == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.seen[text] = true
}

// take returns the warnings seen since the last call, sorted.
func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for text := range w.seen {
		out = append(out, text)
	}
	sort.Strings(out)
	w.seen = nil
	return out
}
