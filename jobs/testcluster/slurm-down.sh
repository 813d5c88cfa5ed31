#!/usr/bin/env bash
# Stop a cluster started by slurm-up.sh DIR.
set -uo pipefail
dir=$(realpath -m "${1:?usage: slurm-down.sh DIR}")
export SLURM_CONF="$dir/slurm.conf"
scontrol shutdown >/dev/null 2>&1
for _ in $(seq 1 50); do
  pgrep -f "slurm(ctld|d) -f $dir/slurm.conf" >/dev/null || break
  sleep 0.1
done
pkill -f "slurm(ctld|d) -f $dir/slurm.conf" 2>/dev/null
munged --stop --socket="$dir/munge/munge.socket" >/dev/null 2>&1 || true
exit 0
