#!/usr/bin/env bash
# End-to-end test of cluster/sage.sbatch under real Slurm, on this machine (Debian 12, root):
#
#   cluster/test-slurm.sh [--launcher srun|mpirun|both] [--binary PATH] [--ranks-per-run K] [--keep]
#
# It installs Debian's slurmctld, slurmd and munge if missing (apt-get; the only network access), starts a
# one-node cluster of this host (munged, slurmctld, slurmd), simulates a tiny cohort, submits a 2 x 2 sweep with
# `sbatch --ntasks=2 cluster/sage.sbatch sweep ...`, waits for the job, checks that results.csv has every run
# finished, prints the job's output and the table, and stops the daemons. With --launcher both (the default)
# it submits the sweep once with srun --mpi=pmix and once with mpirun inside the allocation (SAGE_LAUNCHER) and
# checks the two tables are equal (but for the seconds column).
#
# Everything lives in $SAGE_SLURM_DIR (default /tmp/sage-slurm): munge's key and socket, slurm.conf, the state,
# spool and logs, the cohort and the sweeps. Nothing in /etc is written; the daemons use ports 16817/16818 (not
# Slurm's defaults) and munge its own socket, so a Slurm or munge already on the host is not touched; srun and
# sbatch find this cluster through SLURM_CONF. A second run stops what a first one left and starts afresh. The
# directory is removed at the end unless --keep (or the test failed: then it is kept for its logs). The Debian
# packages stay installed (apt-get purge slurmctld slurmd munge slurm-client to remove them).
#
# --binary: the sage-mpi to run (default: this checkout's .build/release/sage-mpi, built if absent).
# --ranks-per-run: ranks that train each run (default 1: two groups of one rank taking runs from the queue).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SAGE_SLURM_DIR:-/tmp/sage-slurm}"
launchers=(srun mpirun) binary="" ranks_per_run=1 keep=0 timeout=900
while [ $# -gt 0 ]; do
  case "$1" in
    --launcher) case "$2" in both) launchers=(srun mpirun) ;; srun|mpirun) launchers=("$2") ;;
                  *) echo "test-slurm: --launcher must be srun, mpirun or both, got '$2'" >&2; exit 2 ;; esac; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --ranks-per-run) ranks_per_run="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test-slurm: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$dir" in /?*) ;; *) echo "test-slurm: SAGE_SLURM_DIR must be an absolute path, got '$dir'" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "test-slurm: run as root (it installs packages and starts slurmd)" >&2; exit 2; }
say() { echo "test-slurm: $*"; }
fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  say "installing slurmctld slurmd munge slurm-client (apt-get)"
  # Debian's postinst scripts would start the system's munge and Slurm services; keep them stopped.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurmctld slurmd munge slurm-client
  [ "$made_policy" -eq 0 ] || rm -f /usr/sbin/policy-rc.d
fi
# srun's MPI plugins: pmix (Slurm's PMIx v4, as Debian's OpenMPI needs) comes with slurm-wlm-basic-plugins.
export SLURM_CONF="$dir/slurm.conf"

# --- stop whatever a previous run left, then start afresh --------------------------------------------------------
ours() {  # the daemon of this pid file is running: the pid is still a program started with our config or socket
  local pid
  pid=$(cat "$dir/run/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$dir/" && echo "$pid"
}
stop_daemons() {
  local name pid jobs
  # Jobs first (every job of this private cluster is one of ours), so that no rank outlives its slurmd.
  if ours slurmctld >/dev/null && jobs=$(squeue -h -o %i 2>/dev/null) && [ -n "$jobs" ]; then
    echo "test-slurm: cancelling job(s) $(echo $jobs)"
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 40); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 1; done
  fi
  for name in slurmd slurmctld munged; do
    if pid=$(ours "$name"); then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/run/$name.pid"
  done
}
ok=0
finish() {
  stop_daemons
  if [ "$ok" -eq 1 ] && [ "$keep" -eq 0 ]; then rm -rf "$dir"; else echo "test-slurm: kept $dir (logs in $dir/log)"; fi
}
stop_daemons
rm -rf "$dir"
trap finish EXIT

host=$(hostname -s)
mkdir -p "$dir"/{munge,run,log,ctld,slurmd}
chmod 755 "$dir" "$dir/run"   # munged wants its socket's directory world-searchable,
chmod 700 "$dir/munge"        # and its key private.
mungekey --create --keyfile="$dir/munge/munge.key"
munged --socket="$dir/run/munge.socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/run/munged.pid" \
       --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"

# One node: this host with its real CPUs (slurmd -C). No cgroups (this container's are not Slurm's to manage):
# processes tracked by parent, tasks bound by sched_setaffinity. No accounting daemon: the job's state comes from
# scontrol, which keeps a finished job for MinJobAge (300 s).
cpus=$(nproc) sockets=$(lscpu | awk -F: '/^Socket\(s\)/ {gsub(/ /,"",$2); print $2}')
cores=$(lscpu | awk -F: '/^Core\(s\) per socket/ {gsub(/ /,"",$2); print $2}')
threads=$(lscpu | awk -F: '/^Thread\(s\) per core/ {gsub(/ /,"",$2); print $2}')
cat > "$SLURM_CONF" <<EOF
ClusterName=sagetest
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/run/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/slurmd
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$cpus Sockets=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do sinfo -h -o %t 2>/dev/null | grep -qx idle && break; sleep 0.5; done
sinfo -h -o %t | grep -qx idle || { tail -n 20 "$dir"/log/*.log >&2; fail "the node did not come up idle"; }
say "one-node cluster up: $(sinfo -h -o '%P %D node %N %c cpus %t'); srun --mpi=list: $(srun --mpi=list 2>&1 | awk '/^\t/ {printf "%s ", $1}')"

# --- the binary and a tiny cohort -------------------------------------------------------------------------------
if [ -z "$binary" ]; then
  binary="$repo/.build/release/sage-mpi"
  [ -x "$binary" ] || { say "building $binary"; (cd "$repo" && swift build -c release); }
fi
[ -x "$binary" ] || fail "$binary is not an executable"
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"  # the jobs run in another directory
export SAGE_MPI_BINARY="$binary"
# slurmd runs as root here, so the ranks do: OpenMPI refuses root without these (sbatch exports the environment).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
"$binary" simulate --out "$dir/cohort" --regions 18 --individuals 30 --input-len 300 --seed 8 > "$dir/log/simulate.log" 2>&1 || { cat "$dir/log/simulate.log" >&2; fail "simulate"; }
"$binary" prepare --config "$dir/cohort/sage.toml" > "$dir/log/prepare.log" 2>&1 || { cat "$dir/log/prepare.log" >&2; fail "prepare"; }
# The launches sage.sbatch does not use, for the record (not checked): Debian's OpenMPI has no PMI-2 client, and
# without any PMI every task would run alone.
for mpi in pmi2 none; do
  say "srun --mpi=$mpi -n 2 sage-mpi info: $(srun --mpi=$mpi -n 2 "$binary" info 2>&1 | grep -m1 -E 'world size|ERROR|error' || true)"
done
printf '[grid]\nlearning_rate = [1e-3, 5e-4]\nseed = [1, 2]\n' > "$dir/grid.toml"
# A model that trains in seconds (SweepTests.tiny).
tiny=(first_layer_kernel_number=8 int_layers_kernel_number=8 hidden_size=8 n_conv_blocks=2 pooling_size=5 patience=0 batch_size=4 max_epochs=2)
sets=(); for s in "${tiny[@]}"; do sets+=(--set "$s"); done

# results.csv without its seconds column, rows sorted.
table() { awk -F, 'NR==1 {for (i=1;i<=NF;i++) if ($i=="seconds") s=i} {out=""; for (i=1;i<=NF;i++) if (i!=s) out=out (out==""?"":",") $i; print out}' "$1" | sort; }

# --- the sweep, once per launcher --------------------------------------------------------------------------------
for launcher in "${launchers[@]}"; do
  out="$dir/sweep-$launcher"
  # sage.sbatch's #SBATCH lines are for 2 nodes x 2 sockets x 16 cores; the command line overrides them for
  # one node with this machine's cores: 2 tasks on it (however many sockets), one core each.
  start=$(date +%s)
  job=$(SAGE_LAUNCHER=$launcher sbatch --parsable --nodes=1 --ntasks=2 --ntasks-per-node=2 --ntasks-per-socket=2 \
          --cpus-per-task=1 --chdir="$dir" --output="$dir/job-$launcher-%j.out" --job-name="sage-$launcher" \
          "$repo/cluster/sage.sbatch" sweep --config "$dir/cohort/sage.toml" --grid "$dir/grid.toml" \
          --ranks-per-run "$ranks_per_run" --out "$out" "${sets[@]}")
  say "submitted job $job: SAGE_LAUNCHER=$launcher sbatch --ntasks=2 cluster/sage.sbatch sweep (2 x 2 grid, --ranks-per-run $ranks_per_run)"
  while squeue -h -j "$job" 2>/dev/null | grep -q .; do
    [ $(( $(date +%s) - start )) -lt "$timeout" ] || { scancel "$job"; fail "job $job still running after $timeout s"; }
    sleep 2
  done
  state=$(scontrol show job "$job" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  exitcode=$(scontrol show job "$job" | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2)
  say "job $job ended: $state, exit code $exitcode, $(( $(date +%s) - start )) s"
  output="$dir/job-$launcher-$job.out"
  echo "----- job output ($output) -----"
  cat "$output"
  echo "----- $out/results.csv -----"
  cat "$out/results.csv" 2>/dev/null || true
  echo "-----"
  job=""
  [ "$state" = COMPLETED ] && [ "$exitcode" = 0:0 ] || fail "job ended $state with exit code $exitcode"
  [ -f "$out/results.csv" ] || fail "no $out/results.csv"
  rows=$(tail -n +2 "$out/results.csv" | grep -c . || true)
  finished=$(awk -F, 'NR==1 {for (i=1;i<=NF;i++) if ($i=="status") s=i; next} s && $s=="finished"' "$out/results.csv" | grep -c . || true)
  [ "$rows" -eq 4 ] && [ "$finished" -eq 4 ] || fail "results.csv has $rows runs, $finished finished; 4 expected"
  grep -q "world size:   2 ranks (MPI)" "$output" || fail "the job did not run 2 MPI ranks"
  say "$launcher: results.csv has all 4 runs finished"
done
if [ "${#launchers[@]}" -eq 2 ]; then
  diff <(table "$dir/sweep-srun/results.csv") <(table "$dir/sweep-mpirun/results.csv") \
    || fail "srun and mpirun gave different tables"
  say "srun --mpi=pmix and mpirun gave the same table (but for seconds)"
fi
ok=1
say "PASS"
