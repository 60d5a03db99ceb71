# edgegate's build and test entry points. `make test` is what CI runs.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Test modules with heavy dependencies, kept out of the main go.mod.
MODULES := tests/istio tests/flux tests/e2e policy/internal/schemagen

.PHONY: all build test lint unit race istio flux e2e golden fuzz fuzz-smoke bench clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN)/edgegate ./cmd/edgegate

# Everything, on a fresh clone with Go and gcc installed: formatting and vet;
# unit, golden, bad-input, fuzz-seed, kustomize, kpt and Argo CD contract tests;
# the concurrent packages under the race detector;
# a short run of every fuzz target;
# the proof against Istio's pilot and analyzers; the Flux OCI round trip through
# a real registry; server-side apply against a real kube-apiserver.
test: lint unit race istio flux e2e fuzz-smoke

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
