#!/bin/bash
# Integration test of `gradscope slurm` against a real Slurm: stands up a private single-node
# cluster (munged, slurmctld, slurmd, all state in a temporary folder), runs a small sweep as a
# job array plus merge job, and checks the merged CSVs equal a single-machine run byte for byte.
# Then cancels one task: the merge job must be cancelled, and a resubmission must complete the
# sweep with identical results. Daemons are stopped by PID whatever happens (trap).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/.build/release/gradscope
work=$(mktemp -d /tmp/gradscope-slurm.XXXXXX)
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

log() { echo "slurm-test: $*"; }

# --- Install (Debian 12: 8 packages, a few seconds) -------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    packages=(slurmctld slurmd slurm-client munge)
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; }
fi
log "$(slurmctld -V)"

# --- munge with a private key and socket -------------------------------------------------
mkdir -p "$work/munge/etc" "$work/munge/run" "$work/munge/log" "$work/munge/lib"
chmod 700 "$work/munge/etc" "$work/munge/lib" "$work/munge/log"
chmod 755 "$work/munge/run"
mungekey --create --keyfile "$work/munge/etc/munge.key" --force
chmod 600 "$work/munge/etc/munge.key"
socket=$work/munge/run/munge.socket
setsid munged --foreground --force --key-file="$work/munge/etc/munge.key" --socket="$socket" \
    --pid-file="$work/munge/run/munged.pid" --log-file="$work/munge/log/munged.log" \
    --seed-file="$work/munge/lib/munged.seed" </dev/null >"$work/munge/log/stdout" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { cat "$work/munge/log/"*; echo "munged did not start"; exit 1; }

# --- slurm.conf --------------------------------------------------------------------------
mkdir -p "$work/slurm/state" "$work/slurm/spool"
host=$(hostname -s)
conf=$work/slurm/slurm.conf
cat >"$conf" <<CONF
ClusterName=gradscope
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/slurm/state
SlurmdSpoolDir=$work/slurm/spool
SlurmctldPidFile=$work/slurm/slurmctld.pid
SlurmdPidFile=$work/slurm/slurmd.pid
SlurmctldLogFile=$work/slurm/slurmctld.log
SlurmdLogFile=$work/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
# Loopback only, but only when the hostname resolves (to 127.x): otherwise both daemons die at start.
if getent hosts "$host" | grep -q '^127\.'; then
    echo "CommunicationParameters=NoInAddrAny,NoCtldInAddrAny" >>"$conf"
fi
export SLURM_CONF=$conf

setsid slurmctld -D -f "$conf" </dev/null >"$work/slurm/slurmctld.stdout" 2>&1 &
pids+=($!)
setsid slurmd -D -N localhost -f "$conf" </dev/null >"$work/slurm/slurmd.stdout" 2>&1 &
pids+=($!)
ready=no
for _ in $(seq 200); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then ready=yes; break; fi
    sleep 0.25
done
if [ $ready != yes ]; then
    tail -20 "$work/slurm/"*.log "$work/slurm/"*.stdout || true
    echo "slurm did not come up"; exit 1
fi
log "cluster up: $(sinfo -h -o '%P %D %T %c CPUs')"

# --- helpers -----------------------------------------------------------------------------
# Polls squeue every half second (sbatch --wait polls at 2, 10, 42 s) until the jobs are gone.
wait_for() {
    for _ in $(seq 600); do
        [ -z "$(squeue -h -j "$1" -o '%i' 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    squeue; echo "jobs $1 did not finish"; exit 1
}
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }
same_results() {
    for f in runs.csv layers.csv summary.csv; do
        cmp "$1/$f" "$2/$f" || { echo "$f differs between $1 and $2"; exit 1; }
    done
    log "merged CSVs equal the single-machine ones byte for byte ($1)"
}
submit() {
    out=$("$bin" slurm "$1" --shards "$2" --output "$3" --submit)
    echo "$out" | sed 's/^/slurm-test:   /' >&2
    echo "$out" | sed -n 's/.*submitted array job \([0-9]*\) and merge job \([0-9]*\).*/\1 \2/p'
}

# --- 1. a sweep through the cluster equals the same sweep on one machine -----------------
cat >"$work/tiny.json" <<'JSON'
{"name": "tiny", "width": 24, "batch": 8, "seeds": 2,
 "sweep": {"activation": ["sigmoid", "relu"], "depth": [3, 6], "init": ["xavier_normal", {"name": "orthogonal", "gain": 1.5}]}}
JSON
"$bin" run "$work/tiny.json" --output "$work/single" --quiet
read -r array merge < <(submit "$work/tiny.json" 4 "$work/cluster")
log "array job $array (4 tasks), merge job $merge"
wait_for "$array,$merge"
log "array: $(job_state "$array"), merge: $(job_state "$merge")"
[ "$(job_state "$merge")" = COMPLETED ] || { cat "$work/cluster/tiny/slurm/logs/"* || true; echo "merge job did not complete"; exit 1; }
same_results "$work/single/tiny" "$work/cluster/tiny"

# --- 2. a cancelled task cancels the merge; resubmitting finishes the sweep ---------------
cat >"$work/longer.json" <<'JSON'
{"name": "longer", "width": 128, "batch": 16, "seeds": 3,
 "sweep": {"activation": ["sigmoid", "tanh"], "depth": [60, 120], "init": ["xavier_normal", "orthogonal"]}}
JSON
"$bin" run "$work/longer.json" --output "$work/single" --quiet
read -r array merge < <(submit "$work/longer.json" 4 "$work/failing")
scancel "${array}_1"
log "cancelled task ${array}_1"
wait_for "$array,$merge"
log "array: $(job_state "$array"), merge: $(job_state "$merge") ($(scontrol show job "$merge" | grep -o 'Reason=[A-Za-z]*'))"
[ "$(job_state "$merge")" = CANCELLED ] || { echo "merge job should have been cancelled, is $(job_state "$merge")"; exit 1; }
[ ! -e "$work/failing/longer/results.sqlite" ] || { echo "a cancelled merge wrote results"; exit 1; }
read -r array merge < <(submit "$work/longer.json" 4 "$work/failing")
log "resubmitted: array job $array, merge job $merge"
grep -q '^#SBATCH --array=1$' "$work/failing/longer/slurm/array.sbatch" || { cat "$work/failing/longer/slurm/array.sbatch"; echo "resubmission should run only shard 1"; exit 1; }
wait_for "$array,$merge"
[ "$(job_state "$merge")" = COMPLETED ] || { cat "$work/failing/longer/slurm/logs/"* || true; echo "merge job did not complete"; exit 1; }
same_results "$work/single/longer" "$work/failing/longer"
log "passed"
