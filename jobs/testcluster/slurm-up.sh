#!/usr/bin/env bash
# Start a private single-node Slurm (munge + slurmctld + slurmd) for tests.
# Usage: slurm-up.sh DIR   — writes DIR/slurm.conf and DIR/env (source it to use
# sinfo/sbatch/srun against this cluster). Stop it with slurm-down.sh DIR.
# Needs root (munge and slurmd as root, no cgroups) and Debian's slurm-wlm + munge.
set -euo pipefail
dir=$(realpath -m "${1:?usage: slurm-up.sh DIR}")
mkdir -p "$dir"/{state,spool,log,run}
install -d -m 755 "$dir/munge"
install -m 600 -o root /etc/munge/munge.key "$dir/munge/munge.key"
host=$(hostname -s)
# Private ports, chosen from the directory's hash so parallel clusters do not collide.
base=$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 ))
cat >"$dir/slurm.conf" <<CONF
ClusterName=bqskit-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=pmix
SlurmdParameters=config_overrides
SlurmctldPort=$base
SlurmdPort=$((base + 1))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
ReturnToService=2
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=16 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/munged.seed"
slurmctld -f "$dir/slurm.conf"
slurmd -f "$dir/slurm.conf"
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"
export SLURM_CONF="$dir/slurm.conf"
for _ in $(seq 1 100); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  if [[ "$state" == idle* ]]; then echo "slurm-up: ready ($host, conf $dir/slurm.conf)"; exit 0; fi
  sleep 0.2
done
echo "slurm-up: node did not become idle; logs in $dir/log" >&2
exit 1
