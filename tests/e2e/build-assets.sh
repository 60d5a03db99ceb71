#!/usr/bin/env bash
# Builds kube-apiserver and etcd for the e2e tests from the Go module proxy
# into a cache folder named by their versions, only when missing. Prints the
# folder, for KUBEBUILDER_ASSETS. The first build takes ~10 minutes on two
# cores (2.4 GB peak); later calls return at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
KUBE_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
cache="${EDGEGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgegate}"
assets="$cache/kube-assets/kube-apiserver-$KUBE_VERSION-etcd-$ETCD_VERSION"
mkdir -p "$assets"
if [ ! -x "$assets/kube-apiserver" ]; then
  echo "building kube-apiserver $KUBE_VERSION into $assets (first time only)" >&2
  minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  (cd "$here/tools/kube-apiserver" && go build -trimpath \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
    -o "$assets/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$assets/kube-apiserver.tmp" "$assets/kube-apiserver"
fi
if [ ! -x "$assets/etcd" ]; then
  echo "building etcd $ETCD_VERSION into $assets (first time only)" >&2
  (cd "$here/tools/etcd" && go build -trimpath -ldflags "-s -w" -o "$assets/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$assets/etcd.tmp" "$assets/etcd"
fi
echo "$assets"
