#!/usr/bin/env bash
# test-build.sh [nonroot] [openmpi-prefix] [mpich] [refblas] [flags]: tests of the build
# logic (run by `make test-build`; default: all of them).
#
#   flags           scripts/cgo-flags.sh: OpenMPI --showme and MPICH -show
#                   parsing, BLAS from pkg-config or by hand, error messages;
#                   scripts/check-no-binaries.sh fails on a tracked ELF file.
#   nonroot         `make build` as an unprivileged user with a fresh copy of
#                   the repository and its own Go caches: succeeds without apt.
#   openmpi-prefix  OpenMPI relocated into another prefix (OPAL_PREFIX) and
#                   Debian's OpenMPI include/lib directories hidden by bind
#                   mounts in a private mount namespace: the plain build fails,
#                   the build with MPICC (and with MPI_CFLAGS/MPI_LDFLAGS) works.
#   mpich           Debian's MPICH (libmpich-dev, mpich; installed if missing,
#                   keeping OpenMPI the default `mpi`/`mpirun` alternative):
#                   bqskit-mpi built with MPICC=mpicc.mpich, run under
#                   `mpiexec.mpich -n 4`, a circuit compiled through its gateway
#                   with bqskit-compile --ip, stopped by SIGINT to rank 0.
#   refblas         Debian's reference BLAS and LAPACK (libblas-dev,
#                   liblapack-dev; installed if missing) named by BLAS_CFLAGS
#                   and BLAS_LDFLAGS: builds without OpenBLAS, compiles and
#                   verifies a circuit, passes the linalg tests.
#
# Needs root for nonroot (useradd), openmpi-prefix (unshare -m), mpich and
# refblas (apt); a test that cannot run says why and counts as skipped.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
circuit="$repo/testdata/circuits/bqskit/qft5.qasm"
work="$(mktemp -d /tmp/bqskit-test-build.XXXXXX)"
chmod 755 "$work"
pass=0 fail=0 skip=0
children=()
cleanup() {
  local p
  for p in "${children[@]+"${children[@]}"}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2" >&2; fail=$((fail + 1)); }
skipped() { echo "SKIP $1: $2"; skip=$((skip + 1)); }
is_root() { [[ "$(id -u)" == 0 ]]; }

# expect_flags NAME WANT_REGEX CMD...: the exported flags of cgo-flags.sh,
# run with the environment given as CMD's assignments, match WANT_REGEX.
expect_flags() {
  local name="$1" want="$2" out
  shift 2
  if out="$(env "$@" "$repo/scripts/cgo-flags.sh" 2>&1 | tr '\n' ' ')" && grep -Eq -- "$want" <<<"$out"; then
    ok "flags: $name"
  else
    bad "flags: $name" "want /$want/, got: $out"
  fi
}

test_flags() {
  local fake="$work/fake-mpi"
  mkdir -p "$fake"
  # An OpenMPI-style and an MPICH-style wrapper, at made-up prefixes.
  cat >"$fake/mpicc-ompi" <<'EOF'
#!/bin/sh
case "$1" in
  --showme:compile) echo "-I/opt/ompi/include -pthread" ;;
  --showme:link) echo "-L/opt/ompi/lib -Wl,-rpath -Wl,/opt/ompi/lib -lmpi" ;;
  *) exit 1 ;;
esac
EOF
  cat >"$fake/mpicc-mpich" <<EOF
#!/bin/sh
[ "\$1" = -show ] || exit 1
echo "gcc -O2 -flto=auto -I/opt/mpich/include -L$fake -Wl,-rpath,$fake -lmpich"
EOF
  touch "$fake/libmpich.so"
  printf '#!/bin/sh\nexit 1\n' >"$fake/mpicc-broken"
  chmod +x "$fake"/mpicc-*
  expect_flags "OpenMPI --showme" 'CGO_CFLAGS=.*-I/opt/ompi/include' MPICC="$fake/mpicc-ompi" BLAS_PKG=none
  expect_flags "OpenMPI --showme link" 'CGO_LDFLAGS=.*-L/opt/ompi/lib.*-lmpi' MPICC="$fake/mpicc-ompi" BLAS_PKG=none
  expect_flags "MPICH -show drops compiler options" "CGO_CFLAGS=-O2\\\\ -g\\\\ -I/opt/mpich/include export" MPICC="$fake/mpicc-mpich" BLAS_PKG=none
  expect_flags "MPICH -lmpi shim first" "CGO_LDFLAGS=-O2\\\\ -g\\\\ -L$work/shim\\\\ -L$fake.*-lmpich" \
    MPICC="$fake/mpicc-mpich" BLAS_PKG=none MPI_SHIM_DIR="$work/shim"
  if [[ "$(readlink "$work/shim/libmpi.so")" == "$fake/libmpich.so" ]]; then ok "flags: shim libmpi.so -> libmpich.so"
  else bad "flags: shim" "$work/shim/libmpi.so -> $(readlink "$work/shim/libmpi.so" || true)"; fi
  expect_flags "MPI by hand" 'CGO_LDFLAGS=-O2\\ -g\\ -L/x\\ -lmpi_x' MPICC="$fake/mpicc-broken" MPI_CFLAGS=-I/x MPI_LDFLAGS="-L/x -lmpi_x" BLAS_PKG=none
  expect_flags "caller's CGO_CFLAGS kept first" 'CGO_CFLAGS=-O3\\ -I/opt/ompi' CGO_CFLAGS=-O3 MPICC="$fake/mpicc-ompi" BLAS_PKG=none
  expect_flags "BLAS by hand sets siteblas" 'CGO_LDFLAGS=.*-lmkl_rt.*BQSKIT_GO_TAGS=siteblas' MPICC=none BLAS_LDFLAGS=-lmkl_rt
  expect_flags "no BLAS flags, no tag" "BQSKIT_GO_TAGS=''" MPICC=none BLAS_PKG=none
  if command -v pkg-config >/dev/null && pkg-config --exists lapacke openblas; then
    expect_flags "BLAS from pkg-config" "CGO_LDFLAGS=.*$(pkg-config --libs-only-l lapacke | awk '{print $1}').*BQSKIT_GO_TAGS=siteblas" MPICC=none
  else
    skipped "flags: BLAS from pkg-config" "pkg-config has no lapacke/openblas modules here"
  fi
  local out
  if out="$(MPICC="$fake/mpicc-broken" "$repo/scripts/cgo-flags.sh" 2>&1)"; then bad "flags: broken MPICC" "accepted: $out"
  elif grep -q "set MPI_CFLAGS and MPI_LDFLAGS" <<<"$out"; then ok "flags: broken MPICC is a clear error"
  else bad "flags: broken MPICC" "unclear error: $out"; fi
  if out="$(MPICC=/nonexistent/mpicc "$repo/scripts/cgo-flags.sh" 2>&1)"; then bad "flags: missing MPICC" "accepted: $out"
  else ok "flags: missing MPICC is an error ($out)"; fi

  # The ELF check fails on a tracked binary, naming it, and passes without.
  local r="$work/elf-repo"
  mkdir -p "$r" && git -C "$r" init -q && echo text >"$r/a.txt"
  git -C "$r" add a.txt
  if "$repo/scripts/check-no-binaries.sh" "$r" >/dev/null; then ok "check-no-binaries: clean repo passes"
  else bad "check-no-binaries" "clean repo rejected"; fi
  cp "$(type -P true)" "$r/tool" && git -C "$r" add tool
  if out="$("$repo/scripts/check-no-binaries.sh" "$r" 2>&1)"; then bad "check-no-binaries" "tracked ELF accepted"
  elif grep -q "tool is a tracked ELF binary" <<<"$out"; then ok "check-no-binaries: tracked ELF named"
  else bad "check-no-binaries" "message does not name the file: $out"; fi
}

# The module download cache (zips and go.mod files) as a GOPROXY directory,
# so that a fresh GOMODCACHE fills without the network.
modproxy() {
  local dst="$1"
  mkdir -p "$dst"
  cp -a "$(go env GOMODCACHE)/cache/download/." "$dst/"
}

test_nonroot() {
  if ! is_root; then skipped nonroot "needs root to create the user (useradd)"; return; fi
  local user=bqskit-builder home
  id "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
  home="$(getent passwd "$user" | cut -d: -f6)"
  rm -rf "$home/repo" "$home/proxy"
  mkdir -p "$home/repo"
  git -C "$repo" ls-files -z --cached --others --exclude-standard |
    (cd "$repo" && xargs -0 cp --parents -t "$home/repo" 2>/dev/null) || true
  modproxy "$home/proxy"
  chown -R "$user:" "$home/repo" "$home/proxy"
  local log="$work/nonroot.log" rc=0
  # The user has no sudo; PATH and the Go toolchain are the system's.
  su - "$user" -c "cd ~/repo && env PATH='$(dirname "$(command -v go)"):/usr/bin:/bin' \
      GOPATH=\$HOME/go GOCACHE=\$HOME/.cache/go-build GOFLAGS=-modcacherw \
      GOPROXY=file://\$HOME/proxy GOSUMDB=off GOTOOLCHAIN=local make build" >"$log" 2>&1 || rc=$?
  sed "s/^/  nonroot: /" "$log"
  if ((rc)); then bad nonroot "make build as $user exited $rc: $(tail -5 "$log")"; return; fi
  if ! grep -q "nothing to install" "$log"; then bad nonroot "setup did not report the probe: $(head -3 "$log")"; return; fi
  if grep -qi "apt-get\|installing:" "$log"; then bad nonroot "apt was invoked: $(grep -i 'apt-get\|installing:' "$log")"; return; fi
  if ! su - "$user" -c "~/repo/bin/bqskit-compile --info '$circuit'" >/dev/null; then
    bad nonroot "the built bqskit-compile does not run"; return
  fi
  ok "nonroot: make build as $user (its own GOPATH/GOCACHE, kept between runs), no apt, no root"
}

# build_mpi OUT: build ./cmd/bqskit-mpi into OUT with the flags cgo-flags.sh
# derives from the current environment.
build_mpi() {
  (cd "$repo" && eval "$(scripts/cgo-flags.sh)" && go build -tags "$BQSKIT_GO_TAGS" -o "$1" ./cmd/bqskit-mpi)
}

test_openmpi_prefix() {
  if ! is_root; then skipped openmpi-prefix "needs root for unshare -m and bind mounts"; return; fi
  if ! command -v mpicc.openmpi >/dev/null; then skipped openmpi-prefix "no Debian OpenMPI (mpicc.openmpi)"; return; fi
  local multi=/usr/lib/x86_64-linux-gnu
  local p="$work/ompi-prefix" empty="$work/empty"
  # A relocated OpenMPI: OPAL_PREFIX=$p makes mpicc answer with $p paths.
  mkdir -p "$p/share/openmpi" "$p/lib/x86_64-linux-gnu/openmpi/lib" "$empty"
  # (the wrapper reads <its name>-wrapper-data.txt)
  cp /usr/share/openmpi/mpicc-wrapper-data.txt "$p/share/openmpi/mpicc.openmpi-wrapper-data.txt"
  cp -a "$multi/openmpi/include" "$p/lib/x86_64-linux-gnu/openmpi/"
  cp -L "$multi/openmpi/lib/libmpi.so" "$p/lib/x86_64-linux-gnu/openmpi/lib/libmpi.so"
  cat >"$work/ns.sh" <<EOF
set -euo pipefail
# Hide Debian's OpenMPI headers and link-time library (the libmpi.so
# alternative then points to nowhere) from every default path.
mount --bind "$empty" "$multi/openmpi/include"
mount --bind "$empty" "$multi/openmpi/lib"
cd "$repo"
if MPICC=none BLAS_PKG=none go build -o "$work/plain/bqskit-mpi" ./cmd/bqskit-mpi >"$work/plain.log" 2>&1; then
  echo "plain build succeeded although Debian's OpenMPI paths are hidden"; exit 3
fi
# (mpi.h when gompi's cgo step runs; -lmpi at link time when the build cache
# already holds it.)
grep -Eq "mpi\.h|cannot find -lmpi" "$work/plain.log" || { echo "plain build failed, but not on MPI:"; tail -3 "$work/plain.log"; exit 3; }
echo "hidden: plain build fails: \$(grep -E -m1 "mpi\.h|cannot find -lmpi" "$work/plain.log")"
eval "\$(OPAL_PREFIX="$p" MPICC=mpicc.openmpi scripts/cgo-flags.sh --explain)"
echo "derived CGO_CFLAGS=\$CGO_CFLAGS"
echo "derived CGO_LDFLAGS=\$CGO_LDFLAGS"
go build -tags "\$BQSKIT_GO_TAGS" -o "$work/prefix/bqskit-mpi" ./cmd/bqskit-mpi
eval "\$(MPICC=none MPI_CFLAGS="-I$p/lib/x86_64-linux-gnu/openmpi/include -I$p/lib/x86_64-linux-gnu/openmpi/include/openmpi" \
  MPI_LDFLAGS="-L$p/lib/x86_64-linux-gnu/openmpi/lib -lmpi" scripts/cgo-flags.sh)"
go build -tags "\$BQSKIT_GO_TAGS" -o "$work/byhand/bqskit-mpi" ./cmd/bqskit-mpi
EOF
  local rc=0
  unshare -m --propagation private bash "$work/ns.sh" >"$work/ns.log" 2>&1 || rc=$?
  sed 's/^/  openmpi-prefix: /' "$work/ns.log"
  if ((rc)); then bad openmpi-prefix "exit $rc"; return; fi
  local b
  for b in prefix byhand; do
    if ldd "$work/$b/bqskit-mpi" | grep -q "not found" || ! "$work/$b/bqskit-mpi" --help >/dev/null 2>&1; then
      bad "openmpi-prefix ($b)" "built binary does not start: $(ldd "$work/$b/bqskit-mpi" | grep "not found")"; return
    fi
  done
  ok "openmpi-prefix: default paths hidden, plain build fails; MPICC+OPAL_PREFIX and MPI_CFLAGS/MPI_LDFLAGS builds work"
}

mpi_alternatives() { readlink -f /etc/alternatives/mpi 2>/dev/null || true; readlink -f /etc/alternatives/mpirun 2>/dev/null || true; }

test_mpich() {
  if ! command -v mpicc.mpich >/dev/null || ! command -v mpiexec.mpich >/dev/null; then
    if ! is_root || ! command -v apt-get >/dev/null; then skipped mpich "MPICH not installed and no root/apt to install libmpich-dev mpich"; return; fi
    local before after
    before="$(mpi_alternatives)"
    echo "mpich: installing libmpich-dev mpich (alternatives before: $(tr '\n' ' ' <<<"$before"))"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends libmpich-dev mpich >/dev/null
    after="$(mpi_alternatives)"
    if [[ "$before" != "$after" ]]; then
      # Keep the machine's default MPI what it was (OpenMPI) for everyone else.
      [[ -n "$(sed -n 1p <<<"$before")" ]] && update-alternatives --set mpi "$(sed -n 1p <<<"$before")"
      [[ -n "$(sed -n 2p <<<"$before")" ]] && update-alternatives --set mpirun "$(sed -n 2p <<<"$before")"
      echo "mpich: the install switched the mpi alternatives; set back to $(tr '\n' ' ' <<<"$before")"
    fi
  fi
  local out="$work/mpich" log="$work/mpich.log" rc=0
  mkdir -p "$out"
  if ! (MPICC=mpicc.mpich MPI_SHIM_DIR="$out/shim" build_mpi "$out/bqskit-mpi") >"$log" 2>&1; then
    bad mpich "build with MPICC=mpicc.mpich failed: $(tail -5 "$log")"; return
  fi
  local libs
  libs="$(ldd "$out/bqskit-mpi")"
  if ! grep -q libmpich <<<"$libs"; then bad mpich "binary does not link libmpich: $libs"; return; fi
  if grep -q 'libmpi\.so' <<<"$libs"; then bad mpich "binary also links OpenMPI's libmpi: $(grep libmpi <<<"$libs")"; return; fi
  echo "mpich: built $out/bqskit-mpi: $(grep -o 'libmpich[^ ]*' <<<"$libs" | head -1)"

  local compile="$repo/bin/bqskit-compile"
  if [[ ! -x "$compile" ]]; then bad mpich "$compile missing (make build first)"; return; fi
  mpiexec.mpich -n 4 "$out/bqskit-mpi" --port 0 --bind 127.0.0.1 --token-file "$out/token" \
    --address-file "$out/addr" --pid-file "$out/pid" >"$out/run.log" 2>&1 &
  local mpi=$!
  children+=("$mpi")
  for _ in $(seq 1 600); do
    [[ -s "$out/addr" ]] && break
    kill -0 "$mpi" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s "$out/addr" ]]; then bad mpich "mpiexec.mpich -n 4 bqskit-mpi not ready: $(tail -5 "$out/run.log")"; return; fi
  if ! "$compile" "$circuit" --ip "$(cat "$out/addr")" --token-file "$out/token" -O 2 --seed 1 -o "$out/out.qasm" --verify >"$out/compile.log" 2>&1; then
    bad mpich "compile through the gateway failed: $(tail -5 "$out/compile.log")"; kill -INT "$(cat "$out/pid")" 2>/dev/null || true; return
  fi
  kill -INT "$(cat "$out/pid")"
  for _ in $(seq 1 300); do kill -0 "$mpi" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$mpi" 2>/dev/null; then bad mpich "mpiexec.mpich still running 30 s after SIGINT to rank 0"; return; fi
  wait "$mpi" || rc=$?
  if ((rc)); then bad mpich "mpiexec.mpich exited $rc after SIGINT to rank 0: $(tail -5 "$out/run.log")"; return; fi
  if ! "$compile" --info "$out/out.qasm" >/dev/null; then bad mpich "output does not parse"; return; fi
  ok "mpich: MPICC=mpicc.mpich build, mpiexec.mpich -n 4, compile via gateway ($(grep -h -o 'tree:.*' "$out/run.log" | head -1)), SIGINT exit 0"
}

# test_refblas: a site build against a CBLAS/LAPACK that is not OpenBLAS
# (Debian's reference libblas and liblapack, as a stand-in for MKL, BLIS or a
# vendor library): BLAS_CFLAGS/BLAS_LDFLAGS by hand, the binary loads no
# OpenBLAS, compiles and verifies a circuit, and the linalg tests pass with it.
test_refblas() {
  local multi=/usr/lib/x86_64-linux-gnu
  if [[ ! -e "$multi/blas/libblas.so" || ! -e "$multi/lapack/liblapack.so" || ! -e /usr/include/x86_64-linux-gnu/cblas-netlib.h ]]; then
    if ! is_root || ! command -v apt-get >/dev/null; then skipped refblas "reference BLAS not installed and no root/apt to install libblas-dev liblapack-dev"; return; fi
    echo "refblas: installing libblas-dev liblapack-dev (the libblas/liblapack alternatives stay on OpenBLAS)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends libblas-dev liblapack-dev >/dev/null
  fi
  local out="$work/refblas" log="$work/refblas.log"
  mkdir -p "$out/include"
  # The reference cblas.h under its own name, first on the include path.
  ln -sf /usr/include/x86_64-linux-gnu/cblas-netlib.h "$out/include/cblas.h"
  local flags=(BLAS_CFLAGS="-I$out/include" BLAS_LDFLAGS="-L$multi/lapack -L$multi/blas -llapacke -llapack -lblas")
  # liblapacke's own liblapack.so.3 would be the alternative (OpenBLAS's).
  local path="$multi/lapack:$multi/blas"
  if ! (cd "$repo" && eval "$(env "${flags[@]}" scripts/cgo-flags.sh)" && go build -tags "$BQSKIT_GO_TAGS" -o "$out/" ./cmd/bqskit-compile) >"$log" 2>&1; then
    bad refblas "build with the reference BLAS failed: $(tail -5 "$log")"; return
  fi
  local libs
  libs="$(LD_LIBRARY_PATH="$path" ldd "$out/bqskit-compile")"
  if grep -qi openblas <<<"$libs"; then bad refblas "the binary loads OpenBLAS: $(grep -i openblas <<<"$libs")"; return; fi
  if ! grep -q "$multi/blas/libblas.so" <<<"$libs"; then bad refblas "the binary does not load the reference libblas: $libs"; return; fi
  if ! LD_LIBRARY_PATH="$path" "$out/bqskit-compile" "$circuit" -O 2 --seed 1 --verify -q -o "$out/out.qasm" >>"$log" 2>&1; then
    bad refblas "compile --verify with the reference BLAS failed: $(tail -5 "$log")"; return
  fi
  if ! (cd "$repo" && eval "$(env "${flags[@]}" scripts/cgo-flags.sh)" && LD_LIBRARY_PATH="$path" go test -count=1 -tags "$BQSKIT_GO_TAGS" ./linalg) >>"$log" 2>&1; then
    bad refblas "linalg tests with the reference BLAS failed: $(tail -5 "$log")"; return
  fi
  ok "refblas: site build with reference CBLAS/LAPACK (no OpenBLAS loaded), qft5 -O2 verified, linalg tests pass"
}

tests=("$@")
((${#tests[@]})) || tests=(flags nonroot openmpi-prefix mpich refblas)
for t in "${tests[@]}"; do
  case "$t" in
    flags) test_flags ;;
    nonroot) test_nonroot ;;
    openmpi-prefix) test_openmpi_prefix ;;
    mpich) test_mpich ;;
    refblas) test_refblas ;;
    *) echo "test-build: unknown test $t" >&2; exit 2 ;;
  esac
done
echo "test-build: $pass passed, $fail failed, $skip skipped"
((fail == 0))
