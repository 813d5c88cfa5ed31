#!/usr/bin/env bash
# Integration test of the batch templates on a private single-node Slurm
# (slurm-up.sh): jobs/slurm/bqskit-mpi.sbatch and bqskit-detached.sbatch through
# sbatch, jobs/pbs/bqskit-mpi.pbs through qsub (Slurm's Torque wrappers) and run
# directly with bash. Every job's output circuit is checked against the input
# (unitary distance with python/tests/qsim.py, and no more two-qubit gates), every
# job's end state and exit code are checked, and after every job no process of it
# may be left. Each wait is bounded; the cluster is always stopped (EXIT trap).
# Usage: test-jobs.sh BIN_DIR INPUT_QASM     (run by `make test-jobs`; needs root)
# KEEP=1 keeps the work directory (job logs) for inspection.
# shellcheck disable=SC2016  # single-quoted client commands expand inside the job
set -euo pipefail
bin=$(realpath "${1:?usage: test-jobs.sh BIN_DIR INPUT_QASM}")
input=$(realpath "${2:?usage: test-jobs.sh BIN_DIR INPUT_QASM}")
here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../..")
work=$(mktemp -d /tmp/bqskit-jobs.XXXXXX)
chmod 755 "$work" # munge needs world execute on every directory above its socket
pass=0 fail=0 skip=0

# Every process of this test's jobs carries BQSKIT_TEST_TAG in its environment:
# our_procs lists those still alive (by PID), so other users of $bin are left alone.
export BQSKIT_TEST_TAG=$work
our_procs() {
  local p
  for p in $(pgrep -f "$bin/bqskit-" 2>/dev/null); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "BQSKIT_TEST_TAG=$work"; then
      echo "$p"
    fi
  done
}

cleanup() {
  local ids
  ids=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ' || true)
  if [[ -n "${ids// /}" ]]; then
    # shellcheck disable=SC2086
    scancel $ids 2>/dev/null || true
    for _ in $(seq 1 50); do [[ -z "$(squeue -h 2>/dev/null)" ]] && break; sleep 0.2; done
  fi
  "$here/slurm-down.sh" "$work/cluster" >/dev/null 2>&1 || true
  local p
  for p in $(our_procs); do kill -KILL "$p" 2>/dev/null || true; done
  if [[ -n "${KEEP:-}" ]]; then echo "test-jobs: work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

"$here/slurm-up.sh" "$work/cluster"
# shellcheck disable=SC1091
source "$work/cluster/env"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
# The runtimes' default token file (~/.config/bqskit-mpi/token) lives in the work
# directory, so the clients find it without flags and no real home is touched.
export XDG_CONFIG_HOME=$work/config
export BQSKIT_BIN=$bin BQSKIT_BIND=127.0.0.1
export PYTHONPATH=$repo/python${PYTHONPATH:+:$PYTHONPATH}
sbatch_mpi=$repo/jobs/slurm/bqskit-mpi.sbatch
sbatch_detached=$repo/jobs/slurm/bqskit-detached.sbatch
pbs=$repo/jobs/pbs/bqskit-mpi.pbs

ok() { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*" >&2; fail=$((fail + 1)); }

two_qubit() { "$bin/bqskit-compile" --info "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["two_qubit_gates"])'; }
in2q=$(two_qubit "$input")

# verify OUT: OUT is a circuit equal to the input (unitary distance below 1e-3:
# a wrong circuit is far above; qsim's distance is sqrt(1-f^2), so a 1e-8 cost
# reads about 1e-4) with no more two-qubit gates.
verify() {
  local out=$1 out2q dist
  [[ -s "$out" ]] || { echo "no output file $out"; return 1; }
  out2q=$(two_qubit "$out") || { echo "$out does not parse"; return 1; }
  dist=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import qsim
print("%.3g" % qsim.distance(open(sys.argv[2]).read(), open(sys.argv[3]).read()))' \
    "$repo/python/tests" "$input" "$out") || { echo "cannot simulate $out"; return 1; }
  if ! python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 1e-3 else 1)' "$dist"; then
    echo "distance to the input $dist"
    return 1
  fi
  if ((out2q > in2q)); then
    echo "two-qubit gates $in2q -> $out2q"
    return 1
  fi
  echo "two-qubit gates $in2q -> $out2q, distance $dist"
}

# submit DIR SBATCH-ARGS...: submit from DIR (log DIR/job.log); prints the job id.
submit() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cp "$input" "$dir/qft5.qasm"
  sbatch --parsable -D "$dir" -o "$dir/job.log" "$@"
}

# wait_jobs SECONDS ID...: wait until the jobs leave the queue; false (and
# cancels them) after SECONDS. Sets waited to the seconds it took.
waited=0
wait_jobs() {
  local limit=$1 start=$SECONDS
  shift
  local ids
  ids=$(IFS=,; echo "$*")
  until [[ -z "$(squeue -h -j "$ids" 2>/dev/null)" ]]; do
    if ((SECONDS - start >= limit)); then
      echo "jobs $ids still queued or running after $limit s; cancelling" >&2
      scancel "$@" 2>/dev/null || true
      waited=$((SECONDS - start))
      return 1
    fi
    sleep 0.2
  done
  waited=$((SECONDS - start))
}

# job_end ID: "STATE EXITCODE" from slurmctld (e.g. "COMPLETED 0:0").
job_end() {
  scontrol show job "$1" 2>/dev/null |
    sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p; s/.*[^d]ExitCode=\([0-9:]*\).*/\1/p' |
    tr '\n' ' ' | sed 's/ $//'
}

# job_times ID: "queued Q s, ran R s" from the job's submit, start and end times.
job_times() {
  local rec sub st en
  rec=$(scontrol show job "$1" 2>/dev/null)
  sub=$(date -d "$(sed -n 's/.*SubmitTime=\([^ ]*\).*/\1/p' <<<"$rec")" +%s 2>/dev/null) || return 0
  st=$(date -d "$(sed -n 's/.*StartTime=\([^ ]*\).*/\1/p' <<<"$rec")" +%s 2>/dev/null) || return 0
  en=$(date -d "$(sed -n 's/.*EndTime=\([^ ]*\).*/\1/p' <<<"$rec")" +%s 2>/dev/null) || return 0
  echo "queued $((st - sub)) s, ran $((en - st)) s"
}

# no_leftovers NAME: no process of this test's jobs is alive (after up to 10 s
# for the step's processes to be reaped).
no_leftovers() {
  local left
  for _ in $(seq 1 50); do
    left=$(our_procs)
    [[ -z "$left" ]] && return 0
    sleep 0.2
  done
  bad "$1: processes left after the job: $(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
}

show_log() { sed 's/^/    /' "$1" >&2 2>/dev/null || true; }

# expect_job NAME ID DIR WANT_STATE [OUT]: the job ended in WANT_STATE (exit 0:0
# for COMPLETED) and, with OUT, OUT verifies.
expect_job() {
  local name=$1 id=$2 dir=$3 want=$4 out=${5:-} end v
  end=$(job_end "$id")
  if [[ "$want" == COMPLETED && "$end" != "COMPLETED 0:0" ]] || [[ "$end" != "$want"* ]]; then
    bad "$name: job $id ended '$end', want $want; log:"
    show_log "$dir/job.log"
    return 1
  fi
  # The templates log "... stopped (exit status N)" for the runtime: a clean stop
  # through rank 0 (or the server) is 0; a killed runtime is 137.
  if grep -q 'stopped (exit status [1-9]' "$dir/job.log" 2>/dev/null; then
    bad "$name: the runtime did not stop cleanly: $(grep 'stopped (exit status' "$dir/job.log" | tr '\n' ' ')"
    return 1
  fi
  if [[ -n "$out" ]]; then
    if ! v=$(verify "$out"); then
      bad "$name: output does not verify: $v; log:"
      show_log "$dir/job.log"
      return 1
    fi
    ok "$name: $end in ${waited} s ($(job_times "$id")); $v"
  else
    ok "$name: $end in ${waited} s ($(job_times "$id"))"
  fi
}

echo "test-jobs: load average $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. The issue's own client command: bqskit-compile with the job's address.
d=$work/slurm-cli
id=$(submit "$d" -n 4 "$sbatch_mpi" bash -c 'bqskit-compile --ip "$BQSKIT_MPI_ADDRESS" qft5.qasm -O 2 -o out.qasm')
wait_jobs 240 "$id" || true
expect_job "sbatch -n 4 bqskit-mpi.sbatch bash -c 'bqskit-compile --ip \$BQSKIT_MPI_ADDRESS ...'" "$id" "$d" COMPLETED "$d/out.qasm" || true
no_leftovers "slurm bqskit-compile client"

# 2. A Python client with no address (bqskit_mpi.Compiler() reads
# $BQSKIT_MPI_ADDRESS), with its token in a non-default file that only
# $BQSKIT_MPI_TOKEN_FILE names.
d=$work/slurm-python
mkdir -p "$d"
cat >"$d/client.py" <<'PY'
import os
from bqskit_mpi import Compiler

assert "BQSKIT_MPI_ADDRESS" in os.environ and "BQSKIT_MPI_TOKEN_FILE" in os.environ
with Compiler() as compiler:
    out = compiler.compile("qft5.qasm", optimization_level=2, seed=1)
with open("out.qasm", "w") as f:
    f.write(out if isinstance(out, str) else out.to("qasm"))
print("client.py: compiled on", os.environ["BQSKIT_MPI_ADDRESS"])
PY
id=$(submit "$d" -n 4 "--export=ALL,BQSKIT_MPI_TOKEN_FILE=$d/token" "$sbatch_mpi" python3 client.py)
wait_jobs 240 "$id" || true
if expect_job "sbatch -n 4 bqskit-mpi.sbatch python3 client.py (Compiler() without address)" "$id" "$d" COMPLETED "$d/out.qasm"; then
  [[ -s "$d/token" ]] || bad "python client: the runtime did not use BQSKIT_MPI_TOKEN_FILE=$d/token"
fi
no_leftovers "slurm python client"

# 3. A failing client command: the job ends FAILED with the client's status, fast.
d=$work/slurm-client-fails
id=$(submit "$d" -n 4 "$sbatch_mpi" bash -c 'echo client fails; exit 3')
wait_jobs 60 "$id" || true
if expect_job "failing client command" "$id" "$d" "FAILED 3:0"; then
  ((waited <= 30)) || bad "failing client command: took $waited s (want at most 30 s)"
fi
no_leftovers "failing client"

# 4. A runtime that cannot start (an unknown bqskit-mpi flag): the job ends
# non-zero at once, not at its 10-minute time limit, and never runs the client.
d=$work/slurm-bad-flag
id=$(submit "$d" -n 4 -t 10 --export=ALL,BQSKIT_MPI_ARGS=--no-such-flag "$sbatch_mpi" touch client-ran)
wait_jobs 90 "$id" || true
if expect_job "runtime that cannot start (bad flag)" "$id" "$d" FAILED; then
  [[ ! -e "$d/client-ran" ]] || bad "bad flag: the client command ran without a runtime"
fi
no_leftovers "bad flag"

# 5. Two jobs at once on the node: each client waits for the other job's
# gateway before compiling, so both runtimes are up together; ports differ.
both=()
for j in a b; do
  other=$([[ $j == a ]] && echo b || echo a)
  d=$work/slurm-two-$j
  both+=("$(submit "$d" -n 4 "$sbatch_mpi" bash -c "echo \"\$BQSKIT_MPI_ADDRESS\" >../two-$j.addr
for _ in \$(seq 1 900); do [ -s ../two-$other.addr ] && break; sleep 0.1; done
[ -s ../two-$other.addr ] || { echo 'the other job never came up' >&2; exit 9; }
bqskit-compile --ip \"\$BQSKIT_MPI_ADDRESS\" qft5.qasm -O 2 -o out.qasm")")
done
wait_jobs 300 "${both[@]}" || true
expect_job "two jobs at once (a)" "${both[0]}" "$work/slurm-two-a" COMPLETED "$work/slurm-two-a/out.qasm" || true
expect_job "two jobs at once (b)" "${both[1]}" "$work/slurm-two-b" COMPLETED "$work/slurm-two-b/out.qasm" || true
if [[ -s $work/two-a.addr && "$(cat "$work/two-a.addr")" == "$(cat "$work/two-b.addr" 2>/dev/null)" ]]; then
  bad "two jobs at once: both gateways at $(cat "$work/two-a.addr")"
fi
no_leftovers "two jobs at once"

# 6. Without a command the template keeps compiling $BQSKIT_INPUT.
d=$work/slurm-input
id=$(submit "$d" -n 4 "--export=ALL,BQSKIT_INPUT=$d/qft5.qasm,BQSKIT_OUTPUT=$d/out.qasm,BQSKIT_LEVEL=1" "$sbatch_mpi")
wait_jobs 240 "$id" || true
expect_job "bqskit-mpi.sbatch without a command (BQSKIT_INPUT)" "$id" "$d" COMPLETED "$d/out.qasm" || true
no_leftovers "BQSKIT_INPUT"

# 6b. Serving jobs (BQSKIT_SERVE_ONLY=1): compile from outside the job, then stop
# the job cleanly with the stop file, or with SIGINT to the batch script only.
for how in stop-file scancel-batch-int; do
  d=$work/slurm-serve-$how
  id=$(submit "$d" -n 4 --export=ALL,BQSKIT_SERVE_ONLY=1 "$sbatch_mpi")
  addr=""
  for _ in $(seq 1 600); do
    [[ -s "$d/bqskit-$id.addr" ]] && { addr=$(cat "$d/bqskit-$id.addr"); break; }
    [[ -z "$(squeue -h -j "$id" 2>/dev/null)" ]] && break
    sleep 0.2
  done
  if [[ -z "$addr" ]]; then
    bad "serving job ($how): no address file within 120 s; log:"
    show_log "$d/job.log"
  elif ! (cd "$d" && timeout 120 "$bin/bqskit-compile" --ip "$addr" qft5.qasm -O 2 -o out.qasm); then
    bad "serving job ($how): bqskit-compile --ip $addr failed; log:"
    show_log "$d/job.log"
  fi
  start=$SECONDS
  if [[ $how == stop-file ]]; then
    touch "$d/bqskit-$id.stop"
  else
    scancel --batch --signal=INT "$id"
  fi
  wait_jobs 60 "$id" || true
  if expect_job "serving job stopped by $how (stop took $((SECONDS - start)) s)" "$id" "$d" COMPLETED "$d/out.qasm"; then
    grep -q "stop file found\|signal received" "$d/job.log" || bad "serving job ($how): the log does not say why it stopped"
    grep -q "bqskit-mpi stopped (exit status 0)" "$d/job.log" || bad "serving job ($how): the runtime did not stop cleanly"
  fi
  no_leftovers "serving job ($how)"
done

# 7. BQSKit's detached layout: a bqskit-manager per node, bqskit-server, client.
d=$work/slurm-detached
if [[ ! -x "$bin/bqskit-manager" ]]; then
  echo "SKIP bqskit-detached.sbatch: $bin/bqskit-manager does not exist (not built yet)"
  skip=$((skip + 1))
else
  mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
  id=$(submit "$d" -n 2 "--export=ALL,BQSKIT_MANAGER_PORT=$mport" \
    "$sbatch_detached" bash -c 'bqskit-compile --ip "$BQSKIT_MPI_ADDRESS" qft5.qasm -O 2 -o out.qasm')
  wait_jobs 240 "$id" || true
  expect_job "sbatch -n 2 bqskit-detached.sbatch bash -c 'bqskit-compile ...'" "$id" "$d" COMPLETED "$d/out.qasm" || true
  no_leftovers "detached"
fi

# 8. The PBS template through qsub (Slurm's Torque wrapper), the client command
# as words after the script (the wrapper has no -F; it leaves PBS_NODEFILE and
# PBS_O_WORKDIR empty and names the log <script>.o<id> in the submit directory).
d=$work/pbs-qsub-args
mkdir -p "$d"
cp "$input" "$d/qft5.qasm"
printf '#!/bin/bash\nexec bqskit-compile --ip "$BQSKIT_MPI_ADDRESS" qft5.qasm -O 2 -o "${1:-out.qasm}"\n' >"$d/client.sh"
chmod +x "$d/client.sh"
id=$(cd "$d" && qsub "$pbs" ./client.sh out.qasm)
id=${id%%.*}
wait_jobs 240 "$id" || true
cat "$d"/bqskit-mpi.pbs.[oe]"$id" >"$d/job.log" 2>/dev/null || true
expect_job "qsub bqskit-mpi.pbs ./client.sh out.qasm" "$id" "$d" COMPLETED "$d/out.qasm" || true
no_leftovers "pbs qsub (arguments)"

# 9. The same with the command in BQSKIT_CLIENT_COMMAND through qsub -v (which
# exports only the listed variables).
d=$work/pbs-qsub-env
mkdir -p "$d"
cp "$input" "$d/qft5.qasm"
cp "$work/pbs-qsub-args/client.sh" "$d/"
id=$(cd "$d" && qsub -v "BQSKIT_CLIENT_COMMAND=./client.sh,BQSKIT_BIN=$bin,BQSKIT_BIND=127.0.0.1,BQSKIT_TEST_TAG=$work,XDG_CONFIG_HOME=$work/config,PBS_O_WORKDIR=$d,OMPI_ALLOW_RUN_AS_ROOT=1,OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1,PATH=$PATH" "$pbs")
id=${id%%.*}
wait_jobs 240 "$id" || true
cat "$d"/bqskit-mpi.pbs.[oe]"$id" >"$d/job.log" 2>/dev/null || true
expect_job "qsub -v BQSKIT_CLIENT_COMMAND=./client.sh bqskit-mpi.pbs" "$id" "$d" COMPLETED "$d/out.qasm" || true
no_leftovers "pbs qsub (BQSKIT_CLIENT_COMMAND)"

# 10. The PBS template run directly with bash (no batch system): PBS_NODEFILE lists
# this host 4 times (mpirun's host file: 4 ranks), PBS_O_WORKDIR is the job directory.
d=$work/pbs-direct
mkdir -p "$d"
cp "$input" "$d/qft5.qasm"
for _ in 1 2 3 4; do hostname; done >"$d/nodefile"
start=$SECONDS rc=0
(cd / && PBS_NODEFILE=$d/nodefile PBS_O_WORKDIR=$d PBS_JOBID=direct.local \
  timeout -k 10 240 bash "$pbs" bash -c 'bqskit-compile --ip "$BQSKIT_MPI_ADDRESS" qft5.qasm -O 2 -o out.qasm') >"$d/job.log" 2>&1 || rc=$?
waited=$((SECONDS - start))
if ((rc != 0)); then
  bad "bash bqskit-mpi.pbs with PBS_NODEFILE: exit status $rc; log:"
  show_log "$d/job.log"
elif ! grep -q '4 ranks' "$d/job.log" || ! grep -q 'bqskit-mpi stopped (exit status 0)' "$d/job.log"; then
  bad "bash bqskit-mpi.pbs with PBS_NODEFILE: not 4 ranks, or no clean stop; log:"
  show_log "$d/job.log"
elif v=$(verify "$d/out.qasm"); then
  ok "bash bqskit-mpi.pbs with PBS_NODEFILE (4 x $(hostname)): exit 0 in $waited s; $v"
else
  bad "bash bqskit-mpi.pbs with PBS_NODEFILE: output does not verify: $v"
fi
no_leftovers "pbs direct"

echo "test-jobs: $pass passed, $fail failed, $skip skipped"
((fail == 0))
