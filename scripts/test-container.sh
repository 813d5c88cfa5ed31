#!/usr/bin/env bash
# test-container.sh: build Dockerfile.hpc for real and run the image (run by
# `make test-container`; needs root).
#
#  1. A Debian 12 base: debootstrap --variant=minbase bookworm, cached as a
#     tarball in CACHE (default /var/tmp/bqskit-mpi-container), imported with
#     `podman import` under the name Dockerfile.hpc's FROM uses (debian:12-slim).
#  2. buildah bud -f Dockerfile.hpc (Debian packages from the mirror, the Go
#     toolchain through the Go module proxy; no registry).
#  3. In the image: bqskit-compile --info on a circuit, an embedded compile
#     (--verify), and mpirun -n 2 bqskit-mpi: start, compile through the
#     gateway, SIGINT to rank 0, exit 0.
#
# Containers run with `buildah run --isolation chroot` (no OCI runtime): in
# the sandbox this was written in (a Firecracker VM, cgroup v1 with a cgroup2
# "unified" mount) crun cannot start one: `podman run` fails with "crun:
# setrlimit `RLIMIT_NOFILE`: Operation not permitted", with --ulimit for
# nofile and nproc on "setrlimit `RLIMIT_NPROC`", and with lower limits (also
# with --cgroups=disabled) on "cgroups in hybrid mode not supported". The
# script tries `podman run` first and prints its error when it falls back. The image stays (buildah --layers reuses its layers
# on the next run); remove it with `podman rmi localhost/bqskit-mpi:hpc`.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${CACHE:-/var/tmp/bqskit-mpi-container}"
base_name="docker.io/library/debian:12-slim"
image="localhost/bqskit-mpi:hpc"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
step() { echo "test-container: $*"; }
cannot() { echo "test-container: CANNOT RUN: $*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || cannot "needs root (debootstrap, rootful podman/buildah storage)"
for tool in debootstrap podman buildah; do
  if ! command -v "$tool" >/dev/null; then
    if command -v apt-get >/dev/null; then
      step "installing debootstrap podman buildah"
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
        debootstrap podman buildah >/dev/null || cannot "apt-get install debootstrap podman buildah failed"
      break
    fi
    cannot "$tool is not installed and there is no apt-get"
  fi
done

t0=$(date +%s)
mkdir -p "$cache"
if [[ ! -s "$cache/debian12-minbase.tar" ]]; then
  step "debootstrap bookworm from $mirror into $cache (cached for later runs)"
  rm -rf "$cache/rootfs.tmp"
  debootstrap --variant=minbase bookworm "$cache/rootfs.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    cannot "debootstrap failed: $(tail -3 "$cache/debootstrap.log")"
  rm -rf "$cache/rootfs.tmp/var/cache/apt/archives/"*.deb "$cache/rootfs.tmp/var/lib/apt/lists/"*
  tar -C "$cache/rootfs.tmp" -cf "$cache/debian12-minbase.tar.tmp" .
  mv "$cache/debian12-minbase.tar.tmp" "$cache/debian12-minbase.tar"
  rm -rf "$cache/rootfs.tmp"
fi
if ! podman image exists "$base_name"; then
  step "podman import $cache/debian12-minbase.tar as $base_name"
  podman import "$cache/debian12-minbase.tar" "$base_name" >/dev/null
fi
t1=$(date +%s)
step "base image ready in $((t1 - t0)) s"

log="$cache/build.log"
step "buildah bud -f Dockerfile.hpc -t $image (log: $log)"
# The host's CA bundle, for the Go module proxy behind a TLS-intercepting proxy.
ca=()
if [[ -s /etc/ssl/certs/ca-certificates.crt ]]; then
  ca=(-v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro --build-arg SSL_CERT_FILE=/run/host-ca.crt)
fi
if ! buildah bud --isolation chroot --network host --pull=never --layers "${ca[@]+"${ca[@]}"}" \
  -f "$repo/Dockerfile.hpc" -t "$image" "$repo" >"$log" 2>&1; then
  tail -20 "$log" >&2
  cannot "buildah bud failed (above)"
fi
t2=$(date +%s)
step "image $image built in $((t2 - t1)) s ($(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"

ctr=""
cleanup() {
  if [[ -n "$ctr" ]]; then buildah rm "$ctr" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

err="$(podman run --rm --network host --entrypoint bqskit-compile "$image" --help 2>&1 >/dev/null)" && podman_ok=1 || podman_ok=0
if ((podman_ok)); then
  step "podman run works here"
else
  step "podman run cannot start a container in this sandbox: $(tail -1 <<<"$err"); using buildah run --isolation chroot"
fi
ctr="$(buildah from --pull=never "$image")"
buildah copy "$ctr" "$repo/testdata/circuits/bqskit/qft5.qasm" /work/qft5.qasm >/dev/null
run() { buildah run --isolation chroot --network host "$ctr" -- "$@"; }

info="$(run bqskit-compile --info /work/qft5.qasm)" || cannot "bqskit-compile --info failed in the image"
step "bqskit-compile --info: $info"
run bqskit-compile /work/qft5.qasm -O 2 --seed 1 -o /work/embedded.qasm --verify >/dev/null ||
  cannot "embedded compile failed in the image"
step "embedded compile -O 2 --verify: ok ($(run bqskit-compile --info /work/embedded.qasm))"

run bash -c '
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd /work
mpirun -n 2 --oversubscribe --bind-to none bqskit-mpi --port 0 --bind 127.0.0.1 --token-file token \
  --address-file addr --pid-file pid >mpi.log 2>&1 &
mpi=$!
for _ in $(seq 1 600); do [[ -s addr ]] && break; kill -0 $mpi 2>/dev/null || break; sleep 0.1; done
[[ -s addr ]] || { echo "bqskit-mpi not ready:"; cat mpi.log; exit 1; }
a="$(cat addr)"
bqskit-compile qft5.qasm --ip "$a" --token-file token -O 2 --seed 1 -o mpi.qasm --verify >/dev/null
kill -INT "$(cat pid)"
rc=0; wait $mpi || rc=$?
[[ $rc == 0 ]] || { echo "mpirun exited $rc after SIGINT to rank 0:"; tail -5 mpi.log; exit 1; }
echo "mpirun -n 2 bqskit-mpi: compiled through the gateway at $a, SIGINT exit 0; $(bqskit-compile --info mpi.qasm)"
' || cannot "mpirun -n 2 bqskit-mpi in the image failed (above)"
t3=$(date +%s)
step "PASS: base $((t1 - t0)) s, image build $((t2 - t1)) s, runs $((t3 - t2)) s, total $((t3 - t0)) s"
