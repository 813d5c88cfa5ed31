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
        bench bench-quick bench-venv bench-prep bench-micro bench-runtime demo clean

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
	$(GO) build -o $(BIN)/ ./cmd/...

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

## bench: bqskit-mpi and BQSKit 1.2.1 side by side (about an hour on 2 cores);
## writes bench/results/latest.json, latest.md and PNG plots. BENCH_ARGS adds flags
## (e.g. --resume after an interruption; see `go run ./bench/sidebyside --help`).
bench: bench-prep
	bench/.build/sidebyside $(BENCH_ARGS)

## bench-quick: the reduced side-by-side run (under 10 minutes), same outputs
bench-quick: bench-prep
	bench/.build/sidebyside --quick $(BENCH_ARGS)

## bench-venv: bench/.venv with bqskit==1.2.1 (pinned); failure is reported, not fatal
bench-venv:
	@if [ -x bench/.venv/bin/python ] && bench/.venv/bin/python -c 'import bqskit, sys; sys.exit(bqskit.__version__ != "1.2.1")' 2>/dev/null; then \
	  echo "bench-venv: bqskit 1.2.1 present"; \
	else \
	  { python3 -m venv bench/.venv && bench/.venv/bin/pip install -q bqskit==1.2.1; } \
	    || echo "bench-venv: could not install bqskit==1.2.1; the bench will run our side only" >&2; \
	fi

bench-prep: build bench-venv
	@mkdir -p bench/.build
	$(GO) build -o bench/.build/rtbench ./bench/runtime
	$(GO) build -o bench/.build/sidebyside ./bench/sidebyside

## bench-micro: the Go micro-benchmarks (linalg, circuit, hierarchy, instantiate)
bench-micro: setup
	$(GO) test -run '^$$' -bench . -benchmem ./linalg/ ./circuit/ ./hierarchy/ ./instantiate/

## bench-runtime: runtime figures, one JSON object per line (embedded, then MPI with 4 ranks)
bench-runtime: build
	$(GO) run ./bench/runtime --mode embedded
	$(GO) run ./bench/runtime --mode mpi

demo: build
	./scripts/demo.sh

clean:
	rm -rf $(BIN) .venv-test
