# bqskit-mpi build, test and demo entry points.
# The README's two set-up commands are `make demo` and `make test`.

SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
# Debian packages, installed by `make setup` only when the build probe
# (scripts/setup.sh) cannot compile and link against MPI, CBLAS and LAPACKE.
# `make build` and `make demo` need only BUILD_PACKAGES; `make test` also
# installs TEST_PACKAGES (Slurm and munge for the job tests, Python venv,
# iproute2 for the detached mode's network-namespace test).
BUILD_PACKAGES := openmpi-bin libopenmpi-dev libopenblas-dev liblapacke-dev pkg-config gcc libc6-dev
TEST_PACKAGES := slurm-wlm munge slurm-wlm-torque python3-pip python3-venv iproute2
export BUILD_PACKAGES TEST_PACKAGES
# Every go command runs with the cgo flags of the site's MPI and BLAS/LAPACKE
# (MPICC, MPI_CFLAGS/MPI_LDFLAGS, BLAS_PKG, BLAS_CFLAGS/BLAS_LDFLAGS; see
# scripts/cgo-flags.sh and README "Building"). GOENV prefixes a recipe line;
# GOTAGS adds the build tags it chose (siteblas when BLAS flags are known).
GOENV = eval "$$($(CURDIR)/scripts/cgo-flags.sh)" &&
GOTAGS = -tags "$$BQSKIT_GO_TAGS"
FUZZTIME ?= 60s
# Heavy acceptance tests (whole-circuit compiles) run without -race; they are
# selected with the `heavy` build tag.
HEAVY_TIMEOUT ?= 60m

export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
export OMPI_MCA_mpi_yield_when_idle := 1
export OPENBLAS_NUM_THREADS := 1

.PHONY: all setup setup-test flags check-binaries test-build test-build-mpich test-container build test test-unit test-heavy test-slow test-python test-jobs vet fmt-check fuzz \
        bench bench-quick bench-venv bench-prep bench-micro bench-runtime demo clean soak

all: build

## setup: probe for MPI, CBLAS and LAPACKE; install Debian packages only if missing
setup:
	@scripts/setup.sh build

## setup-test: setup, plus the packages only the tests need (Slurm, munge, venv)
setup-test:
	@scripts/setup.sh test

## flags: the cgo flags and tags a build uses, and where they came from
flags:
	@scripts/cgo-flags.sh --explain

## build: every command into ./bin
build: setup
	@mkdir -p $(BIN)
	$(GOENV) $(GO) build -buildvcs=auto $(GOTAGS) -o $(BIN)/ ./cmd/...

## check-binaries: no tracked file is an ELF binary (a committed `go build` output)
check-binaries:
	@scripts/check-no-binaries.sh

vet:
	$(GOENV) $(GO) vet $(GOTAGS) ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# The detached mode's process tests run the commands in ./bin
# (BQSKIT_MPI_BIN), hence the build first.
test-unit: build
	BQSKIT_MPI_BIN=$(BIN) $(GOENV) $(GO) test $(GOTAGS) -race -count=1 -timeout 20m ./...

test-heavy: build
	BQSKIT_MPI_BIN=$(BIN) $(GOENV) $(GO) test -tags "heavy,$$BQSKIT_GO_TAGS" -count=1 -timeout $(HEAVY_TIMEOUT) -run 'Heavy' ./...

test-python: build
	@if [ -d python ]; then \
	  python3 -m venv --system-site-packages .venv-test >/dev/null && \
	  .venv-test/bin/pip install -q pytest ./python && \
	  { .venv-test/bin/pip install -q bqskit==1.2.1 || echo "test-python: bqskit 1.2.1 not installable; its tests will skip"; } && \
	  BQSKIT_MPI_BIN=$(BIN) .venv-test/bin/python -m pytest -q python/tests; \
	else echo "test-python: no python/ package yet"; fi

## test-slow: long acceptance runs kept out of CI (10 random 3-qubit syntheses, the
## level-monotonicity matrix: 22 min on 2 cores; the device matrix: hours). Choose with
## SLOW_RUN, e.g. make test-slow SLOW_RUN='TestSlowLevelsMonotone' SLOW_TIMEOUT=1h
SLOW_RUN ?= Slow
SLOW_TIMEOUT ?= 12h
test-slow: build
	$(GOENV) $(GO) test -tags "slow,$$BQSKIT_GO_TAGS" -count=1 -timeout $(SLOW_TIMEOUT) -run '$(SLOW_RUN)' -v ./...

## soak: 16 random clients (submit, cancel, disconnect, bad frames) against bqskit-server,
## then mpirun -n 3 bqskit-mpi, SOAK_DURATION each (default 3m; bounded to 10 minutes in all)
SOAK_DURATION ?= 3m
soak: build
	SOAK_DURATION=$(SOAK_DURATION) $(GO) test -tags soak -count=1 -timeout 10m -run Soak -v ./service/soak/

## test-jobs: the Slurm and PBS templates on a private single-node Slurm (needs root)
test-jobs: build
	@if [ "$$(id -u)" != 0 ]; then echo "test-jobs: skipped: the private Slurm needs root" ; \
	else jobs/testcluster/test-jobs.sh $(BIN) testdata/circuits/bqskit/qft5.qasm; fi

## test-build: the build logic (cgo flag derivation, ELF check, non-root build,
## OpenMPI in another prefix, MPICH end to end; the last three need root)
test-build: build
	scripts/test-build.sh

## test-container: build Dockerfile.hpc from a debootstrap'ed Debian 12 base and
## run it (needs root; a first run takes several minutes, so not in `make test`)
test-container:
	scripts/test-container.sh

## test: everything CI runs
test: setup-test check-binaries vet fmt-check build test-build test-unit test-heavy test-python test-jobs

## fuzz: each fuzz target for FUZZTIME
fuzz: setup
	@set -e; $(GOENV) for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test $(GOTAGS) -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz: $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test $(GOTAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
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
	$(GOENV) $(GO) build $(GOTAGS) -o bench/.build/rtbench ./bench/runtime
	$(GOENV) $(GO) build $(GOTAGS) -o bench/.build/sidebyside ./bench/sidebyside

## bench-micro: the Go micro-benchmarks (linalg, circuit, hierarchy, instantiate)
bench-micro: setup
	$(GOENV) $(GO) test $(GOTAGS) -run '^$$' -bench . -benchmem ./linalg/ ./circuit/ ./hierarchy/ ./instantiate/

## bench-runtime: runtime figures, one JSON object per line (embedded, then MPI with 4 ranks)
bench-runtime: build
	$(GOENV) $(GO) run $(GOTAGS) ./bench/runtime --mode embedded
	$(GOENV) $(GO) run $(GOTAGS) ./bench/runtime --mode mpi

demo: build
	./scripts/demo.sh

clean:
	rm -rf $(BIN) .venv-test
