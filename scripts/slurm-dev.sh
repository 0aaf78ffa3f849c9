#!/usr/bin/env bash
# pnpm slurm:dev [start|stop|status]: a real single-node Slurm cluster on this (Debian, root) machine
# for development and the Slurm executor's integration tests. Idempotent: `start` installs Debian's
# slurm-wlm and munge when missing, writes the config, starts munged + slurmctld + slurmd as plain
# daemons (no systemd here) and waits until the node is idle; running it again with the same config
# changes nothing. Two fake GPUs (character devices) are declared as GRES gpu:fake:2, and two
# partitions make preemption real: `low` (PriorityTier 1, PreemptMode CANCEL, GraceTime 20 s) and
# `high` (PriorityTier 10), which preempts it. Recorded on Slurm 22.05: with CANCEL + GraceTime the
# job *step* (the trainer, started with srun) gets SIGTERM at once and GraceTime to checkpoint;
# REQUEUE on a --no-requeue job only waits GraceTime without any signal, then kills the job.
# No slurmdbd: there is no accounting, so jobs are followed with squeue/scontrol (MinJobAge keeps a
# finished job visible for an hour).
set -euo pipefail

ROOT=/var/lib/medgrade-slurm
CONF_DIR=/etc/slurm
MARK="# written by medgrade scripts/slurm-dev.sh"
NODE=$(hostname -s)
CMD=${1:-start}

log() { printf 'slurm:dev: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

pids_of() { pgrep -x "$1" || true; }

stop_all() {
  for d in slurmd slurmctld; do
    for pid in $(pids_of "$d"); do kill "$pid"; done
  done
  for _ in $(seq 1 20); do
    [ -z "$(pids_of slurmd)$(pids_of slurmctld)" ] && break
    sleep 0.5
  done
  log "stopped slurmctld and slurmd (munged left running: other tools may use it)"
}

install_packages() {
  local missing=()
  for p in slurm-wlm munge; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root: run as root on Debian"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

fake_gpus() {
  mkdir -p "$ROOT/dev"
  # Major 195 is the NVIDIA driver's; no driver is loaded, so nothing can open them. Slurm only
  # needs device files to count and index (CUDA_VISIBLE_DEVICES) the GRES.
  for i in 0 1; do
    [ -c "$ROOT/dev/fakegpu$i" ] || mknod "$ROOT/dev/fakegpu$i" c 195 "$i"
  done
}

write_config() {
  if [ -f "$CONF_DIR/slurm.conf" ] && ! grep -qF "$MARK" "$CONF_DIR/slurm.conf"; then
    die "$CONF_DIR/slurm.conf exists and was not written by this script; refusing to overwrite it"
  fi
  mkdir -p "$ROOT/state" "$ROOT/spool" "$ROOT/log" "$ROOT/jobs" "$CONF_DIR"
  cat >"$CONF_DIR/slurm.conf.new" <<EOF
$MARK (dev cluster; see README "Node pools")
ClusterName=medgrade-dev
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$ROOT/state
SlurmdSpoolDir=$ROOT/spool
SlurmctldPidFile=$ROOT/slurmctld.pid
SlurmdPidFile=$ROOT/slurmd.pid
SlurmctldLogFile=$ROOT/log/slurmctld.log
SlurmdLogFile=$ROOT/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
GresTypes=gpu
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=3600
KillWait=10
PreemptType=preempt/partition_prio
PreemptMode=CANCEL
SchedulerParameters=preempt_send_user_signal
NodeName=$NODE CPUs=4 RealMemory=2048 Gres=gpu:fake:2 State=UNKNOWN
PartitionName=low Nodes=$NODE Default=YES MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=CANCEL GraceTime=20
PartitionName=high Nodes=$NODE MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF
EOF
  cat >"$CONF_DIR/gres.conf.new" <<EOF
$MARK
NodeName=$NODE Name=gpu Type=fake File=$ROOT/dev/fakegpu[0-1]
EOF
  cat >"$CONF_DIR/cgroup.conf.new" <<EOF
$MARK
CgroupPlugin=autodetect
IgnoreSystemd=yes
EOF
  CHANGED=0
  for f in slurm.conf gres.conf cgroup.conf; do
    if cmp -s "$CONF_DIR/$f.new" "$CONF_DIR/$f"; then rm "$CONF_DIR/$f.new"; else mv "$CONF_DIR/$f.new" "$CONF_DIR/$f"; CHANGED=1; fi
  done
}

start_munge() {
  [ -n "$(pids_of munged)" ] && return
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  [ -f /etc/munge/munge.key ] || { runuser -u munge -- mungekey --create || /usr/sbin/create-munge-key; }
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 1 20); do munge -n >/dev/null 2>&1 && return; sleep 0.5; done
  die "munged did not start (see /var/log/munge/munged.log)"
}

start_slurm() {
  if [ "$CHANGED" = 1 ] && [ -n "$(pids_of slurmctld)$(pids_of slurmd)" ]; then
    log "config changed: restarting"
    stop_all
  fi
  [ -n "$(pids_of slurmctld)" ] || slurmctld
  [ -n "$(pids_of slurmd)" ] || slurmd
}

wait_idle() {
  local state=""
  for _ in $(seq 1 60); do
    state=$(sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -1 || true)
    case "$state" in
      idle | mixed | allocated) return ;;
      down* | drain*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 1
  done
  die "node $NODE is '$state', not idle after 60 s (see $ROOT/log/slurmctld.log and slurmd.log)"
}

print_pools() {
  cat <<EOF
{"nodePools":[
  {"name":"slurm-low","executor":"slurm","gpuType":"fake","gpusPerNode":2,"capacityGpus":2,"spot":true,
   "slurm":{"partition":"low","gresType":"fake","logDir":"$ROOT/jobs"}},
  {"name":"slurm-high","executor":"slurm","gpuType":"fake","gpusPerNode":2,"capacityGpus":2,"spot":false,
   "slurm":{"partition":"high","gresType":"fake","logDir":"$ROOT/jobs"}}
]}
EOF
}

case "$CMD" in
  stop) stop_all ;;
  status) sinfo; squeue --states=all ;;
  start)
    install_packages
    fake_gpus
    write_config
    start_munge
    start_slurm
    wait_idle
    log "node $NODE is up: $(sinfo -h -o '%P %T %G' | tr '\n' ';')"
    log "node pools to register (MEDGRADE node pool file, see README):"
    print_pools
    ;;
  *) die "usage: pnpm slurm:dev [start|stop|status]" ;;
esac
