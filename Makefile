# edgegate's build and test entry points. `make test` is what CI runs.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Test modules with heavy dependencies, kept out of the main go.mod.
MODULES := tests/istio tests/flux tests/e2e tests/image policy/internal/schemagen

.PHONY: all build test lint unit race istio flux e2e image image-push image-test release golden fuzz fuzz-smoke bench clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN)/edgegate ./cmd/edgegate

# Everything, on a fresh clone with Go and gcc installed: formatting and vet;
# unit, golden, bad-input, fuzz-seed, kustomize, kpt and Argo CD contract tests;
# the concurrent packages under the race detector;
# a short run of every fuzz target;
# the proof against Istio's pilot and analyzers; the Flux OCI round trip through
# a real registry; server-side apply against a real kube-apiserver; the
# function image run by the real kpt, kustomize and podman.
test: lint unit race istio flux e2e image-test fuzz-smoke

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done

unit:
	$(GO) test -count=1 ./...
	cd policy/internal/schemagen && $(GO) test -count=1 ./...

# The race detector (cgo: needs gcc) over the packages that work on several
# goroutines — manifest.Parallel (reading, parsing in parts, writing), the
# parsers and emitters pooled in fastyaml, policy's index and checks, render —
# and the commands that drive them. -short trims fastyaml's long
# single-goroutine differential loops; RACE_SKIP names the exhaustive
# single-goroutine tests the detector only slows down. About 20 s on 2 cores
# once the race build is cached (40 s on a loaded machine); the first build of
# the race-instrumented packages takes a few minutes more.
RACE_PKGS := ./manifest/... ./policy/... ./render/... ./fn/... ./cmd/... ./artifact/...
RACE_SKIP := ^(TestEG014NamesMatchTheRegexps|TestEG012MaxReadPorts)$$
race:
	CGO_ENABLED=1 $(GO) test -race -short -count=1 -skip '$(RACE_SKIP)' $(RACE_PKGS)

# The proof against Istio itself (first build of istio.io/istio ≈ 5 minutes).
istio:
	cd tests/istio && $(GO) test -count=1 ./...

# Push to a real registry (Debian's docker-registry, installed when missing)
# and read back with Flux's own OCI client.
flux:
	cd tests/flux && $(GO) test -count=1 ./...

# Server-side apply of every example against kube-apiserver v1.37.2 with
# Istio's CRDs, the way Flux applies. The API server and etcd are built from
# the Go module proxy once (≈ 10 minutes) into a cache folder named by version.
e2e:
	cd tests/e2e && KUBEBUILDER_ASSETS="$$(./build-assets.sh)" $(GO) test -count=1 -timeout 20m ./...

# The function image, without Docker: tests/image/cmd/build-image builds an
# OCI index for linux/amd64 and linux/arm64 with go-containerregistry from the
# static binary (-X main.version=$(VERSION)), stamped with the commit time
# (SOURCE_DATE_EPOCH) so the same commit and version give the same digest,
# writes it as an OCI layout to bin/image/oci, and loads this machine's image
# into podman (or docker) as $(IMAGE_TAG). It prints the index digest.
# podman reads tests/image/podman's configuration unless CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF say otherwise (Debian's podman with runc and vfs,
# as these machines need).
IMAGE_TAG         ?= ghcr.io/edgegate/edgegate:dev
REVISION          ?= $(shell git rev-parse HEAD 2>/dev/null)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
IMAGE_ENGINE      ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || { command -v docker >/dev/null 2>&1 && echo docker; })
BUILD_IMAGE = cd tests/image && \
	CONTAINERS_CONF="$${CONTAINERS_CONF:-$(CURDIR)/tests/image/podman/containers.conf}" \
	CONTAINERS_STORAGE_CONF="$${CONTAINERS_STORAGE_CONF:-$(CURDIR)/tests/image/podman/storage.conf}" \
	$(GO) run ./cmd/build-image --source-dir $(CURDIR) --out $(CURDIR)/$(BIN)/image \
	--version "$(VERSION)" --revision "$(REVISION)" --source-date-epoch "$(SOURCE_DATE_EPOCH)"

image:
	$(BUILD_IMAGE) --tag $(IMAGE_TAG) --load "$(IMAGE_ENGINE)"

# Push the same index to IMAGE=REGISTRY/REPO:TAG (credentials from the docker
# config, as crane and podman login write it).
image-push:
	@test -n "$(IMAGE)" || { echo "usage: make image-push IMAGE=REGISTRY/REPO:TAG" >&2; exit 2; }
	$(BUILD_IMAGE) --tag $(IMAGE_TAG) --push "$(IMAGE)"

# A release, from a checkout of the tag vX.Y.Z with nothing uncommitted: the
# binary says vX.Y.Z, and ghcr.io/edgegate/edgegate:vX.Y.Z carries it in its
# binary and its version label. Prints the index digest to publish.
RELEASE_REPO ?= ghcr.io/edgegate/edgegate
release:
	@case "$(VERSION)" in v[0-9]*.[0-9]*.[0-9]*) ;; *) echo "release: VERSION=$(VERSION) is not a tag vX.Y.Z checked out clean (git describe --tags --dirty)" >&2; exit 2 ;; esac
	@case "$(VERSION)" in *-dirty|*-g[0-9a-f]*) echo "release: $(VERSION) is not a clean checkout of a tag" >&2; exit 2 ;; esac
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory image-push IMAGE=$(RELEASE_REPO):$(VERSION)

# The image run by the real kpt, kustomize and podman, pushed to a real
# registry (installs Debian's podman, runc and docker-registry when missing).
image-test:
	cd tests/image && $(GO) test -count=1 -timeout 15m ./...

# Rewrite the golden files after an intended change; read the diff before committing.
golden:
	$(GO) test ./tests/golden -update

# Each fuzz target for FUZZTIME (default 1m); `make test` runs them briefly
# (fuzz-smoke). Go keeps what they learn in its cache, so the corpus grows run
# by run; a failing input is written to the package's testdata/fuzz and then
# replayed by every `go test`.
FUZZTIME ?= 1m
FUZZ_TARGETS := \
	FuzzHostname:./hostname FuzzParseDecode:./manifest FuzzParseLimited:./manifest FuzzPipeline:./fn \
	FuzzParse:./manifest/fastyaml FuzzEmit:./manifest/fastyaml FuzzResolve:./manifest/fastyaml
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $${t#*:} || exit 1; \
	done

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=10s

# Speed and scale: render, the KRM function, the kyaml floor, check and Istio's
# analyzers at n = 100, 1000, 10000; rewrites BENCHMARKS.md (BENCH_SIZES and
# BENCH_RUNS narrow it).
bench:
	cd tests/istio && $(GO) build -o ../../$(BIN)/istio-analyze ./cmd/istio-analyze
	$(GO) run ./tests/bench/cmd/bench -write

clean:
	rm -rf $(BIN)
