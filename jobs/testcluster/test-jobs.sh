#!/usr/bin/env bash
# Integration test of the batch templates on a private single-node Slurm:
# submits jobs/slurm/bqskit-mpi.sbatch with sbatch and jobs/pbs/bqskit-mpi.pbs with
# qsub (Slurm's Torque wrappers), waits for each, and checks that the compiled
# circuit exists, parses, and has no more two-qubit gates than the input.
# Usage: test-jobs.sh BIN_DIR INPUT_QASM     (run by `make test-jobs`; needs root)
set -euo pipefail
bin=$(realpath "${1:?usage: test-jobs.sh BIN_DIR INPUT_QASM}")
input=$(realpath "${2:?usage: test-jobs.sh BIN_DIR INPUT_QASM}")
here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../..")
work=$(mktemp -d /tmp/bqskit-jobs.XXXXXX)
chmod 755 "$work"   # munge needs world execute on every directory above its socket
pass=0 fail=0

cleanup() {
  "$here/slurm-down.sh" "$work/cluster" >/dev/null 2>&1 || true
  pkill -f "$bin/bqskit-mpi" 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

"$here/slurm-up.sh" "$work/cluster"
# shellcheck disable=SC1091
source "$work/cluster/env"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1

two_qubit() { "$bin/bqskit-compile" --info "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["two_qubit_gates"])'; }
in2q=$(two_qubit "$input")

# wait_job ID LOG: wait until the job leaves the queue (at most 240 s).
wait_job() {
  local id=$1
  for _ in $(seq 1 1200); do
    if [[ -z "$(squeue -h -j "$id" 2>/dev/null)" ]]; then return 0; fi
    sleep 0.2
  done
  echo "job $id still queued or running after 240 s; cancelling" >&2
  scancel "$id" || true
  return 1
}

check() { # NAME LOG OUT JOBID
  local name=$1 log=$2 out=$3 id=$4
  local state
  state=$(scontrol show job "$id" 2>/dev/null | grep -o 'JobState=[A-Z]* .*\|ExitCode=[0-9:]*' | tr '\n' ' ')
  if [[ "$state" != *"JobState=COMPLETED"* || "$state" != *"ExitCode=0:0"* ]]; then
    echo "FAIL $name: job did not end cleanly: ${state:-no record}" >&2
    fail=$((fail + 1))
  fi
  if [[ -s "$out" ]] && out2q=$(two_qubit "$out") && (( out2q <= in2q )); then
    echo "PASS $name: two-qubit gates $in2q -> $out2q; $state"
    pass=$((pass + 1))
  else
    echo "FAIL $name: no valid output at $out; job log:" >&2
    sed 's/^/    /' "$log" >&2 || true
    fail=$((fail + 1))
  fi
  if pgrep -f "$bin/bqskit-mpi" >/dev/null; then
    echo "FAIL $name: bqskit-mpi processes left after the job" >&2
    fail=$((fail + 1))
  fi
}

# Slurm template.
mkdir -p "$work/slurm"
id=$(sbatch --parsable -D "$work/slurm" -o "$work/slurm/job.log" -n 4 \
  --export=ALL,BQSKIT_BIN="$bin",BQSKIT_INPUT="$input",BQSKIT_OUTPUT="$work/slurm/out.qasm",BQSKIT_LEVEL=1,BQSKIT_PORT=0,BQSKIT_BIND=127.0.0.1 \
  "$repo/jobs/slurm/bqskit-mpi.sbatch")
wait_job "$id" || true
check "slurm sbatch template" "$work/slurm/job.log" "$work/slurm/out.qasm" "$id"

# PBS template through qsub (Slurm's Torque wrapper: -j oe ignores -o, so the
# log lands in the working directory as <name>.o<id>).
mkdir -p "$work/pbs"
pid=$(cd "$work/pbs" && qsub -v BQSKIT_BIN="$bin",BQSKIT_INPUT="$input",BQSKIT_OUTPUT="$work/pbs/out.qasm",BQSKIT_LEVEL=1,BQSKIT_RANKS=4,BQSKIT_PORT=0,BQSKIT_BIND=127.0.0.1,PBS_O_WORKDIR="$work/pbs",BQSKIT_MPIRUN_ARGS=--oversubscribe,OMPI_ALLOW_RUN_AS_ROOT=1,OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  "$repo/jobs/pbs/bqskit-mpi.pbs")
pid=${pid%%.*}
wait_job "$pid" || true
check "pbs qsub template" "$(ls "$work"/pbs/*.o* 2>/dev/null | head -1 || echo /dev/null)" "$work/pbs/out.qasm" "$pid"

echo "jobs: $pass passed, $fail failed"
(( fail == 0 ))
