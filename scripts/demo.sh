#!/usr/bin/env bash
# make demo: compile the project's own 5-qubit QFT at optimization level 2 on
# the embedded runtime, verify it, and print before/after two-qubit counts,
# time and verified distance; then start the MPI runtime (mpirun -n 4
# bqskit-mpi), compile the same circuit at level 3 through its gateway, and
# shut the runtime down cleanly through rank 0. `make demo` builds ./bin
# first; this script builds nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/bin/bqskit-compile"
if [[ ! -x "$bin" ]]; then
  echo "demo: $bin not found; run 'make demo' (it builds ./bin first)" >&2
  exit 1
fi

work="$(mktemp -d)"
mpi_pid=""
cleanup() {
  if [[ -n "$mpi_pid" ]] && kill -0 "$mpi_pid" 2>/dev/null; then
    [[ -s "$work/mpi.pid" ]] && kill -INT "$(cat "$work/mpi.pid")" 2>/dev/null
    wait "$mpi_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A textbook n-qubit QFT written over {cx, u1, h}: H, then controlled
# phases cp(pi/2^k) as u1/cx/u1/cx/u1, then the qubit-reversing swaps as
# three cx each.
n=5
{
  echo 'OPENQASM 2.0;'
  echo 'include "qelib1.inc";'
  echo "qreg q[$n];"
  for ((i = 0; i < n; i++)); do
    echo "h q[$i];"
    for ((j = i + 1; j < n; j++)); do
      d=$((1 << (j - i + 1)))
      echo "u1(pi/$d) q[$j];"
      echo "cx q[$j],q[$i];"
      echo "u1(-pi/$d) q[$i];"
      echo "cx q[$j],q[$i];"
      echo "u1(pi/$d) q[$i];"
    done
  done
  for ((i = 0; i < n / 2; i++)); do
    a=$i b=$((n - 1 - i))
    echo "cx q[$a],q[$b];"
    echo "cx q[$b],q[$a];"
    echo "cx q[$a],q[$b];"
  done
} > "$work/qft5.qasm"

workers="$(nproc 2>/dev/null || echo 2)"
echo "demo: compiling a $n-qubit QFT at optimization level 2 ($workers workers, seed 7)"
"$bin" "$work/qft5.qasm" -o "$work/qft5_out.qasm" -O 2 --seed 7 --workers "$workers" \
  --json "$work/stats.json" --verify

# Pull numbers out of the one-line stats object without extra tools.
report() { # STATS_FILE
stats="$(cat "$1")"
field() { sed -E "s/.*\"$1\":\{[^}]*\"two_qubit_gates\":([0-9]+).*/\1/" <<<"$stats"; }
before="$(field input)"
after="$(field output)"
seconds="$(sed -E 's/.*"seconds":([0-9.eE+-]+).*/\1/' <<<"$stats")"
distance="$(sed -E 's/.*"distance":([0-9.eE+-]+).*/\1/' <<<"$stats")"

echo "demo: two-qubit gates: $before before, $after after"
printf 'demo: time %.2f s, verified distance %s\n' "$seconds" "$distance"
}
report "$work/stats.json"
echo "demo: compiled circuit:"
head -n 12 "$work/qft5_out.qasm"
echo "..."

# The same circuit through the MPI runtime: every rank starts at once, rank 0
# opens the gateway and writes its address once every rank is ready. Rank 0
# creates a fresh token in $work/token (mode 0600); the client presents it.
if ! command -v mpirun >/dev/null; then
  echo "demo: mpirun not found; skipping the MPI part (make setup installs OpenMPI)"
  exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
echo "demo: starting mpirun -n 4 bqskit-mpi (1 server, 3 workers)"
mpirun -n 4 --oversubscribe --bind-to none "$root/bin/bqskit-mpi" --port 0 --bind 127.0.0.1 \
  --token-file "$work/token" --address-file "$work/mpi.addr" --pid-file "$work/mpi.pid" >"$work/mpi.log" 2>&1 &
mpi_pid=$!
for _ in $(seq 1 300); do
  [[ -s "$work/mpi.addr" ]] && break
  kill -0 "$mpi_pid" 2>/dev/null || { echo "demo: bqskit-mpi exited early:" >&2; cat "$work/mpi.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$work/mpi.addr" ]] || { echo "demo: bqskit-mpi not ready after 30 s" >&2; cat "$work/mpi.log" >&2; exit 1; }
grep -h "tree:" "$work/mpi.log" | sed 's/^/demo: /' || true
echo "demo: compiling at optimization level 3 through the gateway at $(cat "$work/mpi.addr")"
"$bin" "$work/qft5.qasm" --ip "$(cat "$work/mpi.addr")" --token-file "$work/token" -o "$work/qft5_mpi.qasm" -O 3 --seed 7 \
  --json "$work/stats_mpi.json" --verify
report "$work/stats_mpi.json"
start=$(date +%s%N)
kill -INT "$(cat "$work/mpi.pid")"
rc=0; wait "$mpi_pid" || rc=$?
mpi_pid=""
echo "demo: SIGINT to rank 0: mpirun exited $rc after $(( ($(date +%s%N) - start) / 1000000 )) ms"
exit "$rc"
