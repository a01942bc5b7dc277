#!/bin/bash
# A one-node Slurm cluster on this machine (munge, slurmctld, slurmd), configured and kept in DIR:
# for running a study through the cluster path (tools/slurm/submit.sh) without a cluster, and for
# tests/slurm_test.sh. Needs root and Debian's slurm-wlm, slurmctld, slurmd, slurm-client, munge.
#   eval "$(tools/slurm/local-cluster.sh start DIR)"   # starts it; prints the SLURM_CONF to export
#   tools/slurm/local-cluster.sh stop DIR
set -u
cmd=${1:?usage: local-cluster.sh start|stop DIR}
T=$(realpath -m "${2:?usage: local-cluster.sh start|stop DIR}")
export SLURM_CONF="$T/slurm.conf"

if [ "$cmd" = stop ]; then
  scontrol shutdown >/dev/null 2>&1
  sleep 1
  [ -f "$T/munged.pid" ] && kill "$(cat "$T/munged.pid")" 2>/dev/null
  pkill -f "slurmd -f $SLURM_CONF" 2>/dev/null
  pkill -f "slurmctld -c -f $SLURM_CONF" 2>/dev/null
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: local-cluster.sh start|stop DIR" >&2; exit 2; }

mkdir -p "$T/munge" /run/munge "$T/spool/ctld" "$T/spool/d" "$T/log"
chmod 755 "$T"
chown munge:munge /run/munge "$T/munge" 2>/dev/null
[ -f /etc/munge/munge.key ] || { echo "munge key missing" >&2; exit 1; }
as_munge() { if command -v runuser >/dev/null; then runuser -u munge -- "$@"; else su munge -s /bin/sh -c "$*"; fi; }
as_munge /usr/sbin/munged --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
  --seed-file="$T/munge/munged.seed" --socket=/run/munge/munge.socket.2 >&2 || { echo "munged failed" >&2; exit 1; }
cp "$T/munge/munged.pid" "$T/munged.pid" 2>/dev/null
munge -n | unmunge >/dev/null || { echo "munge does not work" >&2; exit 1; }
host=$(hostname)
node=$(slurmd -C | head -1)
# proctrack/linuxproc and task/none: the cgroup plugins fail without a freezer cgroup, and the
# node then drains. batch_sched_delay=0: no gaps of seconds between an array's waves.
cat > "$SLURM_CONF" <<CONF
ClusterName=gctrain-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$T/spool/ctld
SlurmdSpoolDir=$T/spool/d
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
$node
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -c -f "$SLURM_CONF" >&2 || { echo "slurmctld failed" >&2; exit 1; }
slurmd -f "$SLURM_CONF" >&2 || { echo "slurmd failed" >&2; exit 1; }
for _ in $(seq 1 100); do [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break; sleep 0.2; done
[ "$(sinfo -h -o %t)" = idle ] || { echo "cluster not idle: $(sinfo 2>&1)" >&2; exit 1; }
echo "export SLURM_CONF=$SLURM_CONF"
