package argocd

import (
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/edgegate/edgegate/tests/argocd/cmpserver"
	"github.com/edgegate/edgegate/tests/testutil"
)

// repoServer stands in for the argocd-repo-server Deployment of Argo CD's
// install.yaml: the volumes the sidecar shares with it, and the init
// container that copies argocd-cmp-server into var-files.
const repoServer = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: argocd-repo-server}
  template:
    metadata:
      labels: {app.kubernetes.io/name: argocd-repo-server}
    spec:
      initContainers:
      - name: copyutil
        image: quay.io/argoproj/argocd:v3.2.1
        command: [/bin/cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd-cmp-server]
        volumeMounts:
        - {name: var-files, mountPath: /var/run/argocd}
      containers:
      - name: argocd-repo-server
        image: quay.io/argoproj/argocd:v3.2.1
        volumeMounts:
        - {name: tmp, mountPath: /tmp}
        - {name: var-files, mountPath: /var/run/argocd}
        - {name: plugins, mountPath: /home/argocd/cmp-server/plugins}
      volumes:
      - {name: tmp, emptyDir: {}}
      - {name: var-files, emptyDir: {}}
      - {name: plugins, emptyDir: {}}
`

// TestSidecarComponent builds examples/argocd/argocd as a component of an
// Argo CD install, as its README shows, with the real kustomize: the
// repo-server gains the CMP sidecar running argocd-cmp-server as user 999,
// with var-files and plugins shared, plugin.yaml mounted from the
// ConfigMap at /home/argocd/cmp-server/config/plugin.yaml, and a /tmp of its own.
func TestSidecarComponent(t *testing.T) {
	_, pluginText := cmpserver.LoadPlugin(t)
	root := t.TempDir()
	testutil.CopyDir(t, filepath.Join(testutil.Root, "examples", "argocd", "argocd"), filepath.Join(root, "edgegate-cmp"))
	install := filepath.Join(root, "install")
	writeFile(t, filepath.Join(install, "repo-server.yaml"), repoServer)
	writeFile(t, filepath.Join(install, "kustomization.yaml"), `namespace: argocd
resources:
- repo-server.yaml
components:
- ../edgegate-cmp
images:
- {name: ghcr.io/edgegate/edgegate, newTag: v1.0.0}
`)
	res := testutil.Exec(t, root, nil, testutil.Kustomize(t), "build", install)
	if res.Code != 0 {
		t.Fatalf("kustomize build: exit %d\n%s", res.Code, res.Stderr)
	}
	objs := testutil.Objects(t, []byte(res.Stdout), "kustomize build")

	var deploy struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []container `yaml:"containers"`
					Volumes    []struct {
						Name      string `yaml:"name"`
						ConfigMap *struct {
							Name string `yaml:"name"`
						} `yaml:"configMap"`
						EmptyDir any `yaml:"emptyDir"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	remarshal(t, objs["apps/v1 Deployment argocd/argocd-repo-server"], &deploy)
	pod := deploy.Spec.Template.Spec
	containers := map[string]container{}
	for _, c := range pod.Containers {
		containers[c.Name] = c
	}
	if _, ok := containers["argocd-repo-server"]; !ok || len(pod.Containers) != 2 {
		t.Fatalf("containers %v, want argocd-repo-server and the sidecar", pod.Containers)
	}
	sidecar, ok := containers["edgegate"]
	if !ok {
		t.Fatal("no edgegate sidecar container")
	}
	if len(sidecar.Command) != 1 || sidecar.Command[0] != "/var/run/argocd/argocd-cmp-server" {
		t.Errorf("sidecar command %v, want [/var/run/argocd/argocd-cmp-server]", sidecar.Command)
	}
	if sidecar.Image != "ghcr.io/edgegate/edgegate:v1.0.0" {
		t.Errorf("sidecar image %q: the images: entry for ghcr.io/edgegate/edgegate did not apply", sidecar.Image)
	}
	if sc := sidecar.SecurityContext; sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 999 || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("the sidecar must run as user 999, non-root (Argo CD's CMP contract): %+v", sc)
	}

	volumes := map[string]int{}
	for i, v := range pod.Volumes {
		volumes[v.Name] = i
	}
	mounts := map[string]mount{}
	for _, m := range sidecar.VolumeMounts {
		mounts[m.MountPath] = m
		if _, ok := volumes[m.Name]; !ok {
			t.Errorf("the sidecar mounts volume %s, which the pod does not have", m.Name)
		}
	}
	for path, volume := range map[string]string{"/var/run/argocd": "var-files", "/home/argocd/cmp-server/plugins": "plugins"} {
		if mounts[path].Name != volume {
			t.Errorf("%s is mounted from %q, want the repo-server's %s", path, mounts[path].Name, volume)
		}
	}
	cfg := mounts["/home/argocd/cmp-server/config/plugin.yaml"]
	if cfg.SubPath != "plugin.yaml" {
		t.Fatalf("plugin.yaml mount: %+v, want subPath plugin.yaml", cfg)
	}
	v, ok := volumes[cfg.Name]
	if !ok || pod.Volumes[v].ConfigMap == nil {
		t.Fatalf("volume %s is not a ConfigMap", cfg.Name)
	}
	cm := objs["v1 ConfigMap argocd/"+pod.Volumes[v].ConfigMap.Name]
	if cm == nil {
		t.Fatalf("ConfigMap argocd/%s, mounted as plugin.yaml, is not in the build", pod.Volumes[v].ConfigMap.Name)
	}
	if got := cm["data"].(map[string]any)["plugin.yaml"]; got != pluginText {
		t.Errorf("the mounted plugin.yaml differs from the one tested here")
	}
	tmp := mounts["/tmp"]
	if tmp.Name == "" || tmp.Name == "tmp" || pod.Volumes[volumes[tmp.Name]].EmptyDir == nil {
		t.Errorf("the sidecar's /tmp is %q: it must be an emptyDir of its own, not the repo-server's", tmp.Name)
	}
}

type container struct {
	Name            string   `yaml:"name"`
	Image           string   `yaml:"image"`
	Command         []string `yaml:"command"`
	SecurityContext *struct {
		RunAsUser    *int  `yaml:"runAsUser"`
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
	} `yaml:"securityContext"`
	VolumeMounts []mount `yaml:"volumeMounts"`
}

type mount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	SubPath   string `yaml:"subPath"`
}

func remarshal(t *testing.T, in any, out any) {
	t.Helper()
	if in == nil {
		t.Fatal("object missing from the build")
	}
	data, err := yaml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, out); err != nil {
		t.Fatal(err)
	}
}
