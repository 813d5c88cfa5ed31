#!/usr/bin/env bash
# make demo: compile the project's own 5-qubit QFT at optimization level 2 on
# the embedded runtime, verify it, and print before/after two-qubit counts,
# time and verified distance. `make demo` builds ./bin first; this script
# builds nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/bin/bqskit-compile"
if [[ ! -x "$bin" ]]; then
  echo "demo: $bin not found; run 'make demo' (it builds ./bin first)" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

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
stats="$(cat "$work/stats.json")"
field() { sed -E "s/.*\"$1\":\{[^}]*\"two_qubit_gates\":([0-9]+).*/\1/" <<<"$stats"; }
before="$(field input)"
after="$(field output)"
seconds="$(sed -E 's/.*"seconds":([0-9.eE+-]+).*/\1/' <<<"$stats")"
distance="$(sed -E 's/.*"distance":([0-9.eE+-]+).*/\1/' <<<"$stats")"

echo "demo: two-qubit gates: $before before, $after after"
printf 'demo: time %.2f s, verified distance %s\n' "$seconds" "$distance"
echo "demo: compiled circuit:"
head -n 12 "$work/qft5_out.qasm"
echo "..."
