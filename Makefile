# bqskit-mpi build, test and demo entry points.
# The README's two set-up commands are `make demo` and `make test`.

SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
APT_PACKAGES := openmpi-bin libopenmpi-dev libopenblas-dev liblapacke-dev pkg-config \
                slurm-wlm munge slurm-wlm-torque python3-pip python3-venv
FUZZTIME ?= 60s
# Heavy acceptance tests (whole-circuit compiles) run without -race; they are
# selected with the `heavy` build tag.
HEAVY_TIMEOUT ?= 60m

export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
export OMPI_MCA_mpi_yield_when_idle := 1
export OPENBLAS_NUM_THREADS := 1

.PHONY: all setup build test test-unit test-heavy test-slow test-python test-jobs vet fmt-check fuzz \
        bench bench-runtime demo clean soak

all: build

## setup: install the Debian packages the project needs, only when missing.
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "setup: all system packages present"; exit 0; fi; \
	echo "setup: installing:$$missing"; \
	if ! command -v apt-get >/dev/null; then echo "setup: apt-get not found; install these packages by hand:$$missing" >&2; exit 1; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; \
	  else echo "setup: need root to install:$$missing (run 'sudo make setup' or install them by hand)" >&2; exit 1; fi; \
	fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	  || { echo "setup: apt-get install failed for:$$missing" >&2; exit 1; }

## build: every command into ./bin
build: setup
	@mkdir -p $(BIN)
	$(GO) build -buildvcs=auto -o $(BIN)/ ./cmd/...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

test-unit:
	$(GO) test -race -count=1 -timeout 20m ./...

test-heavy: build
	$(GO) test -tags heavy -count=1 -timeout $(HEAVY_TIMEOUT) -run 'Heavy' ./...

test-python: build
	@if [ -d python ]; then \
	  python3 -m venv --system-site-packages .venv-test >/dev/null && \
	  .venv-test/bin/pip install -q pytest ./python && \
	  { .venv-test/bin/pip install -q bqskit || echo "test-python: bqskit not installable; its test will skip"; } && \
	  BQSKIT_MPI_BIN=$(BIN) .venv-test/bin/python -m pytest -q python/tests; \
	else echo "test-python: no python/ package yet"; fi

## test-slow: long acceptance runs kept out of CI (10 random 3-qubit syntheses)
test-slow: build
	$(GO) test -tags slow -count=1 -timeout 120m -run 'Slow' -v ./...

## soak: 16 random clients (submit, cancel, disconnect, bad frames) against bqskit-server,
## then mpirun -n 3 bqskit-mpi, SOAK_DURATION each (default 3m; bounded to 10 minutes in all)
SOAK_DURATION ?= 3m
soak: build
	SOAK_DURATION=$(SOAK_DURATION) $(GO) test -tags soak -count=1 -timeout 10m -run Soak -v ./service/soak/

## test-jobs: the Slurm and PBS templates on a private single-node Slurm (needs root)
test-jobs: build
	@if [ "$$(id -u)" != 0 ]; then echo "test-jobs: skipped: the private Slurm needs root" ; \
	else jobs/testcluster/test-jobs.sh $(BIN) testdata/circuits/bqskit/qft5.qasm; fi

## test: everything CI runs
test: setup vet fmt-check build test-unit test-heavy test-python test-jobs

## fuzz: each fuzz target for FUZZTIME
fuzz: setup
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz: $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench: setup
	$(GO) test -run '^$$' -bench . -benchmem ./linalg/ ./circuit/ ./hierarchy/ ./instantiate/

## bench-runtime: runtime figures, one JSON object per line (embedded, then MPI with 4 ranks)
bench-runtime: build
	$(GO) run ./bench/runtime --mode embedded
	$(GO) run ./bench/runtime --mode mpi

demo: build
	./scripts/demo.sh

clean:
	rm -rf $(BIN) .venv-test
