#!/usr/bin/env bash
# setup.sh build|test: make sure what `make build` (or `make test`) needs is
# present, installing Debian packages only when something is missing.
#
#   build  Probes the C toolchain, MPI (mpi.h, libmpi) and CBLAS/LAPACKE
#          (cblas.h, lapacke.h, the libraries) by compiling and linking a tiny
#          C program with the flags the Go build will use (scripts/cgo-flags.sh).
#          When the probe links, nothing is installed and neither root nor
#          dpkg/apt is needed. Otherwise, on Debian, the missing packages of
#          BUILD_PACKAGES are installed (as root or through sudo -n) and the
#          probe is run again.
#   test   build, then the packages of TEST_PACKAGES (Slurm, munge, Python
#          venv for the job and Python tests), through dpkg/apt.
#
# BUILD_PACKAGES and TEST_PACKAGES come from the Makefile.
set -euo pipefail

mode="${1:?usage: setup.sh build|test}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_pkgs="${BUILD_PACKAGES:-openmpi-bin libopenmpi-dev libopenblas-dev liblapacke-dev pkg-config gcc libc6-dev}"
test_pkgs="${TEST_PACKAGES:-slurm-wlm munge slurm-wlm-torque python3-pip python3-venv iproute2}"

# probe compiles and links a C program that calls MPI, CBLAS and LAPACKE with
# the flags of the Go build: the derived ones, then the ones gompi and linalg
# add themselves. It prints the compiler's error on failure.
probe() {
  local work cc flags rc=0 extra_l=()
  flags="$("$here/cgo-flags.sh" 2>&1)" || { echo "$flags"; return 1; }
  eval "$flags"
  cc="$(go env CC 2>/dev/null || true)"
  cc="${cc:-${CC:-cc}}"
  if ! command -v "${cc%% *}" >/dev/null 2>&1; then
    echo "no C compiler ($cc) on PATH (cgo needs one)"
    return 1
  fi
  [[ -z "$BQSKIT_GO_TAGS" ]] && extra_l=(-llapacke -lopenblas)
  work="$(mktemp -d)"
  cat >"$work/probe.c" <<'EOF'
#include <complex.h>
#include <mpi.h>
#include <cblas.h>
#include <lapacke.h>
int main(void) {
  double complex a = 1, b = 1, c = 0, one = 1, zero = 0, w = 0;
  double s = 0, rw = 0;
  int ok = 0;
  MPI_Initialized(&ok);
  cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, &one, &a, 1, &b, 1, &zero, &c, 1);
  return LAPACKE_zgesvd_work(LAPACK_COL_MAJOR, 'N', 'N', 1, 1, &a, 1, &s, 0, 1, 0, 1, &w, -1, &rw) + ok;
}
EOF
  # shellcheck disable=SC2086 # flag lists
  "${cc%% *}" $CGO_CFLAGS -I/usr/lib/x86_64-linux-gnu/openmpi/include/openmpi \
    -I/usr/lib/x86_64-linux-gnu/openmpi/include -pthread -o "$work/probe" "$work/probe.c" \
    $CGO_LDFLAGS -pthread -L/usr/lib/x86_64-linux-gnu/openmpi/lib -lmpi "${extra_l[@]+"${extra_l[@]}"}" \
    >"$work/log" 2>&1 || rc=$?
  if ((rc)); then grep -E 'error|cannot find|undefined' "$work/log" | head -5 || head -5 "$work/log"; fi
  rm -rf "$work"
  return "$rc"
}

# install PKGS...: the Debian packages not yet installed, through apt-get.
install() {
  local missing="" p sudo=""
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "setup: no dpkg here; install by hand the equivalent of: $*" >&2
    return 1
  fi
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [[ -z "$missing" ]]; then return 0; fi
  echo "setup: installing:$missing"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get not found; install these packages by hand:$missing" >&2
    return 1
  fi
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=sudo
    else
      echo "setup: need root to install:$missing (run 'sudo make setup' or install them by hand)" >&2
      return 1
    fi
  fi
  # shellcheck disable=SC2086
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    { echo "setup: apt-get install failed for:$missing" >&2; return 1; }
}

if err="$(probe)"; then
  echo "setup: MPI, CBLAS and LAPACKE found (probe linked); nothing to install for build"
else
  echo "setup: build probe failed: ${err:-unknown error}"
  # shellcheck disable=SC2086
  if ! install $build_pkgs; then
    echo "setup: set MPICC, or MPI_CFLAGS/MPI_LDFLAGS and BLAS_CFLAGS/BLAS_LDFLAGS, to the site's libraries (README: Building)" >&2
    exit 1
  fi
  if ! err="$(probe)"; then
    echo "setup: build probe still fails after installing packages: $err" >&2
    exit 1
  fi
  echo "setup: build probe links"
fi

if [[ "$mode" == test ]]; then
  # shellcheck disable=SC2086
  install $test_pkgs
  echo "setup: test packages present"
fi
