# edgegate's build and test entry points. `make test` is what CI runs.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: all build test lint unit istio golden clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN)/edgegate ./cmd/edgegate

# Everything: formatting and vet, unit, golden and bad-input tests, and the
# proof against Istio's own pilot and analyzers (its own module: the first
# build of istio.io/istio takes ~5 minutes, later runs use Go's build cache).
test: lint unit istio

lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd tests/istio && $(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

istio:
	cd tests/istio && $(GO) test -count=1 ./...

# Rewrite the golden files after an intended change; read the diff before committing.
golden:
	$(GO) test ./tests/golden -update

clean:
	rm -rf $(BIN)
