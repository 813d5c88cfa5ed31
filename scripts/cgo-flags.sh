#!/usr/bin/env bash
# cgo-flags.sh: derive the cgo flags for the site's MPI and BLAS/LAPACKE and
# print them as shell `export` lines, for `eval "$(scripts/cgo-flags.sh)"`.
# The Makefile evaluates it before every go command; run it by hand to see
# what a build will use (`scripts/cgo-flags.sh --explain` adds the sources).
#
# Inputs (environment; all optional):
#   MPICC        MPI C compiler wrapper to ask for flags (default: mpicc when on
#                PATH). OpenMPI is asked with --showme:compile/--showme:link,
#                MPICH (and Intel MPI, MVAPICH) with -show. MPICC=none skips it.
#   MPI_CFLAGS   MPI compile flags, set by hand: used instead of asking MPICC.
#   MPI_LDFLAGS  MPI link flags, set by hand: used instead of asking MPICC.
#   BLAS_PKG     pkg-config modules for CBLAS and LAPACKE (default
#                "lapacke openblas"). BLAS_PKG=none skips pkg-config.
#   BLAS_CFLAGS  compile flags for cblas.h and lapacke.h, set by hand.
#   BLAS_LDFLAGS link flags for CBLAS and LAPACKE, set by hand (e.g. MKL:
#                "-L$MKLROOT/lib/intel64 -lmkl_rt").
#   CGO_CFLAGS, CGO_LDFLAGS  kept, in front of the derived flags.
#   MPI_SHIM_DIR where to put the libmpi.so link described below (default:
#                bin/.mpi-shim in the repository).
#
# Output: CGO_ENABLED, CGO_CFLAGS, CGO_LDFLAGS and BQSKIT_GO_TAGS. When BLAS
# link flags are known (from BLAS_LDFLAGS or pkg-config), BQSKIT_GO_TAGS is
# "siteblas": linalg then drops its built-in "-llapacke -lopenblas" and links
# exactly the flags given here (the Makefile passes -tags "$BQSKIT_GO_TAGS").
#
# The MPI binding (github.com/sbromberger/gompi v0.2.0) carries its own
# "-I/usr/lib/x86_64-linux-gnu/openmpi/include ... -lmpi" directives, which
# cannot be removed from outside; flags given here come first on the command
# lines, so the site's mpi.h and library directories win. Its "-lmpi" needs a
# libmpi.so: MPICH-family libraries named only libmpich.so get a link
# MPI_SHIM_DIR/libmpi.so -> libmpich.so put first on the library path, so that
# the binary needs libmpich alone and never another MPI's libmpi.
set -euo pipefail

explain=0
[[ "${1:-}" == "--explain" ]] && explain=1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
note() { if ((explain)); then echo "cgo-flags: $*" >&2; fi; }
die() { echo "cgo-flags: $*" >&2; exit 1; }

mpi_cflags=()
mpi_ldflags=()

# split_show sorts the arguments of an MPICH-style `mpicc -show` line (its
# first word is the compiler) into compile and link flags.
split_show() {
  local first=1 a
  for a in "$@"; do
    if ((first)); then first=0; continue; fi
    case "$a" in
      -I* | -D* | -isystem*) mpi_cflags+=("$a") ;;
      -pthread) mpi_cflags+=("$a"); mpi_ldflags+=("$a") ;;
      -L* | -l* | -Wl,* | -Xlinker | -rpath*) mpi_ldflags+=("$a") ;;
      *.so | *.so.* | *.a) mpi_ldflags+=("$a") ;;
      *) ;; # compiler options (-O2, -flto, ...) are not the MPI's business
    esac
  done
}

if [[ -n "${MPI_CFLAGS:-}" || -n "${MPI_LDFLAGS:-}" ]]; then
  read -r -a mpi_cflags <<<"${MPI_CFLAGS:-}"
  read -r -a mpi_ldflags <<<"${MPI_LDFLAGS:-}"
  note "MPI flags from MPI_CFLAGS/MPI_LDFLAGS"
elif [[ "${MPICC:-}" != none ]]; then
  mpicc="${MPICC:-mpicc}"
  if ! command -v "$mpicc" >/dev/null 2>&1; then
    [[ -n "${MPICC:-}" ]] && die "MPICC=$mpicc: not found on PATH"
    note "no mpicc on PATH; relying on gompi's built-in Debian OpenMPI paths"
  elif out="$("$mpicc" --showme:compile 2>/dev/null)" && link="$("$mpicc" --showme:link 2>/dev/null)"; then
    read -r -a mpi_cflags <<<"$out"
    read -r -a mpi_ldflags <<<"$link"
    note "MPI flags from $mpicc --showme:compile/--showme:link (OpenMPI)"
  elif show="$("$mpicc" -show 2>/dev/null)" && [[ -n "$show" ]]; then
    read -r -a words <<<"$show"
    split_show "${words[@]}"
    note "MPI flags from $mpicc -show (MPICH family)"
  else
    die "MPICC=$mpicc answers neither --showme:compile (OpenMPI) nor -show (MPICH); set MPI_CFLAGS and MPI_LDFLAGS by hand"
  fi
fi

# gompi links -lmpi. When the site's MPI links as -lmpich, point -lmpi at it.
shim=()
has_lmpi=0
mpich=""
for a in "${mpi_ldflags[@]+"${mpi_ldflags[@]}"}"; do
  [[ "$a" == -lmpi ]] && has_lmpi=1
  [[ "$a" == -lmpich ]] && mpich=1
done
if ((!has_lmpi)) && [[ -n "$mpich" ]]; then
  lib=""
  for a in "${mpi_ldflags[@]}"; do
    if [[ "$a" == -L* && -e "${a#-L}/libmpich.so" ]]; then lib="${a#-L}/libmpich.so"; break; fi
  done
  if [[ -z "$lib" ]]; then
    cand="$(${CC:-cc} -print-file-name=libmpich.so 2>/dev/null || true)"
    [[ "$cand" == /* && -e "$cand" ]] && lib="$cand"
  fi
  [[ -n "$lib" ]] || die "the MPI links -lmpich but no libmpich.so was found in its -L directories"
  dir="${MPI_SHIM_DIR:-$root/bin/.mpi-shim}"
  mkdir -p "$dir"
  ln -sfn "$(readlink -f "$lib")" "$dir/libmpi.so"
  shim=("-L$dir")
  note "gompi's -lmpi -> $dir/libmpi.so -> $(readlink -f "$lib")"
fi

blas_cflags=()
blas_ldflags=()
tags=""
if [[ -n "${BLAS_CFLAGS:-}" || -n "${BLAS_LDFLAGS:-}" ]]; then
  read -r -a blas_cflags <<<"${BLAS_CFLAGS:-}"
  read -r -a blas_ldflags <<<"${BLAS_LDFLAGS:-}"
  note "BLAS/LAPACKE flags from BLAS_CFLAGS/BLAS_LDFLAGS"
elif [[ "${BLAS_PKG:-}" != none ]] && command -v pkg-config >/dev/null 2>&1; then
  pkgs="${BLAS_PKG:-lapacke openblas}"
  # shellcheck disable=SC2086 # a list of module names
  if pkg-config --exists $pkgs; then
    read -r -a blas_cflags <<<"$(pkg-config --cflags $pkgs)"
    read -r -a blas_ldflags <<<"$(pkg-config --libs $pkgs)"
    note "BLAS/LAPACKE flags from pkg-config $pkgs"
  elif [[ -n "${BLAS_PKG:-}" ]]; then
    die "BLAS_PKG=$pkgs: pkg-config does not know $(pkg-config --print-errors --exists $pkgs 2>&1 | head -1)"
  else
    note "pkg-config has no '$pkgs'; linalg links its built-in -llapacke -lopenblas"
  fi
fi
if ((${#blas_ldflags[@]})); then tags="siteblas"; fi
# BLAS include directories are searched after the system's and after each
# package's own directory (-idirafter, not -I): gonum/netlib ships its own
# cblas.h, and OpenBLAS's or MKL's cblas.h (blasint, MKL_INT) must not
# replace it. linalg's <cblas.h> and <lapacke.h> still find the site's.
for i in "${!blas_cflags[@]}"; do
  case "${blas_cflags[$i]}" in
    -I?*) blas_cflags[$i]="-idirafter${blas_cflags[$i]#-I}" ;;
  esac
done

cflags="${CGO_CFLAGS-"-O2 -g"}"
ldflags="${CGO_LDFLAGS-"-O2 -g"}"
all_c=(${cflags} "${mpi_cflags[@]+"${mpi_cflags[@]}"}" "${blas_cflags[@]+"${blas_cflags[@]}"}")
all_l=(${ldflags} "${shim[@]+"${shim[@]}"}" "${mpi_ldflags[@]+"${mpi_ldflags[@]}"}" "${blas_ldflags[@]+"${blas_ldflags[@]}"}")

q() { printf '%q' "$*"; }
echo "export CGO_ENABLED=1"
echo "export CGO_CFLAGS=$(q "${all_c[*]}")"
echo "export CGO_LDFLAGS=$(q "${all_l[*]}")"
echo "export BQSKIT_GO_TAGS=$(q "$tags")"
