#!/bin/bash
# Runs a small study on a real single-node Slurm cluster (munge + slurmctld + slurmd, configured in
# a temporary folder) and proves that it equals the same study run in one process, metric for
# metric except timings. Then cancels one array task midway, checks that collect reports it
# missing, resubmits it and collects a complete result. The cluster is always shut down.
# Needs root and Debian's slurm-wlm, slurmctld, slurmd, slurm-client, munge.
#   tests/slurm_test.sh GCTRAIN CIFAR2BLOB MAKE_CIFAR100 [DATA_DIR [STUDY OPTIONS...]]
# With DATA_DIR (blobs, e.g. the real CIFAR-100) and options, that study is run instead of the
# small synthetic one; it must still have 8 runs (e.g. 2 optimizers x 2 seeds).
set -u
GCTRAIN=$(realpath "$1") CIFAR2BLOB=$(realpath "$2") MAKE=$(realpath "$3")
DATA_DIR=${4:-}
shift 3
[ $# -gt 0 ] && shift
EXTRA=("$@")
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/gct_slurm_XXXXXX)
chmod 755 "$T"
export SLURM_CONF="$T/slurm.conf"  # tools/slurm/local-cluster.sh writes it there
passed=0 failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
started=$(date +%s.%N)

cleanup() {
  "$HERE/tools/slurm/local-cluster.sh" stop "$T"
  rm -rf "$T"
}
trap cleanup EXIT

# --- start munge and a one-node cluster
if "$HERE/tools/slurm/local-cluster.sh" start "$T" >/dev/null; then ok; else bad "cluster did not start"; exit 1; fi
echo "cluster up in $(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { printf "%.1f", a - b }') s"

# --- data and the study plan: 2 optimizers x 2 GC modes x 2 seeds = 8 runs
if [ -n "$DATA_DIR" ]; then
  STUDY=(study --data "$(realpath "$DATA_DIR")" "${EXTRA[@]}")
else
  mkdir -p "$T/src"
  "$MAKE" "$T/src" 2000 200 >/dev/null && "$CIFAR2BLOB" -q "$T/src" "$T/data" || { bad "data"; exit 1; }
  # About 1.3 s a run: long enough that a task caught running is still running when it is cancelled
  # (a 0.15 s run could finish first, and leave a result the test says a cancel must not).
  STUDY=(study --data "$T/data" --layers 3072,512,100 --optimizers sgdm,adam --seeds 2 --epochs 6 --batch 64)
fi
"$GCTRAIN" "${STUDY[@]}" --out "$T/cluster" --plan-only >/dev/null && ok || bad "plan-only"
[ "$(grep -vc '^#' "$T/cluster/jobs.tsv")" = 8 ] && ok || bad "jobs.tsv should list 8 runs"

wait_for() {  # job id: poll squeue until the array is gone
  for _ in $(seq 1 1200); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 0.25
  done
  return 1
}

# --- submit the array; cancel task 5 while it runs
t0=$(date +%s.%N)
job=$("$HERE/tools/slurm/submit.sh" "$T/cluster") && ok || { bad "submit: $job"; exit 1; }
cancelled=0
for _ in $(seq 1 800); do
  state=$(squeue -h -j "${job}_5" -o %T 2>/dev/null)
  if [ "$state" = RUNNING ]; then sleep 0.1; scancel "${job}_5" && cancelled=1; break; fi
  [ -f "$T/cluster/runs/5.json" ] && break
  sleep 0.05
done
wait_for "$job" && ok || bad "array did not finish"
t1=$(date +%s.%N)
[ "$cancelled" = 1 ] && ok || bad "could not catch task 5 running"
out=$("$GCTRAIN" study --out "$T/cluster" --collect -q 2>&1); rc=$?
[ "$rc" = 3 ] && grep -q -- "--run-job 5" <<<"$out" && ok || bad "collect should report run 5 missing (rc $rc): $out"
[ ! -f "$T/cluster/runs/5.json" ] && ok || bad "a cancelled task left a result"

# --- resubmit only what is missing, then collect a complete study
job2=$("$HERE/tools/slurm/submit.sh" "$T/cluster" --missing) && ok || bad "resubmit"
wait_for "$job2" && ok || bad "resubmitted task did not finish"
t2=$(date +%s.%N)
"$GCTRAIN" study --out "$T/cluster" --collect -q >/dev/null && ok || bad "collect after resubmit"
[ "$(wc -l < "$T/cluster/results.csv")" = 9 ] && ok || bad "results.csv incomplete"

# --- the same study in one process, and the comparison
l0=$(date +%s.%N)
"$GCTRAIN" "${STUDY[@]}" --out "$T/local" --jobs 2 -q >/dev/null && ok || bad "local study"
l1=$(date +%s.%N)
strip() {  # drop timing columns by name
  awk -F, -v drop="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if (index("," drop ",", "," $i ",")) skip[i] = 1 }
    { line = ""; for (i = 1; i <= NF; i++) if (!skip[i]) line = line $i ","; print line }' "$1"
}
if diff <(strip "$T/cluster/results.csv" train_seconds,seconds_per_epoch) \
        <(strip "$T/local/results.csv" train_seconds,seconds_per_epoch) >/dev/null; then ok
else bad "cluster and local results.csv differ"; diff <(strip "$T/cluster/results.csv" train_seconds,seconds_per_epoch) <(strip "$T/local/results.csv" train_seconds,seconds_per_epoch) | head; fi
if diff <(strip "$T/cluster/epochs.csv" seconds) <(strip "$T/local/epochs.csv" seconds) >/dev/null; then ok
else bad "cluster and local epochs.csv differ"; fi
grep -q "Paired difference" "$T/cluster/report.md" && ok || bad "cluster report"

# --- GNU parallel recipe from the README, on the same plan
"$GCTRAIN" "${STUDY[@]}" --out "$T/parallel" --plan-only >/dev/null
tail -n +2 "$T/parallel/jobs.tsv" | cut -f7 | parallel -j2 --joblog "$T/parallel/joblog.txt" >/dev/null 2>&1 && ok || bad "GNU parallel run"
"$GCTRAIN" study --out "$T/parallel" --collect -q >/dev/null && ok || bad "collect after parallel"
diff <(strip "$T/parallel/results.csv" train_seconds,seconds_per_epoch) <(strip "$T/local/results.csv" train_seconds,seconds_per_epoch) >/dev/null && ok || bad "parallel and local differ"

# --- a tuned study: the tuning array, then the study's array held by a dependency until it is done
if [ -z "$DATA_DIR" ]; then
  TUNED=(study --data "$T/data" --layers 3072,32,100 --optimizers sgd --seeds 2 --epochs 2 --batch 64 --tune --val 400
         --lr-grid sgd=0.01,0.05)
  "$GCTRAIN" "${TUNED[@]}" --out "$T/tcluster" --plan-only >/dev/null && ok || bad "plan-only (tuned)"
  ids=$("$HERE/tools/slurm/submit.sh" "$T/tcluster") && [ "$(wc -l <<<"$ids")" = 2 ] && ok || bad "submit (tuned): $ids"
  study_id=$(tail -1 <<<"$ids")
  [[ "$(scontrol show job "$study_id" 2>/dev/null)" == *"Dependency=afterany:$(head -1 <<<"$ids")"* ]] && ok ||
    bad "the study's array does not wait for the tuning array"
  wait_for "$study_id" && ok || bad "tuned arrays did not finish"
  "$GCTRAIN" study --out "$T/tcluster" --collect -q >/dev/null && ok || bad "collect (tuned)"
  "$GCTRAIN" "${TUNED[@]}" --out "$T/tlocal" --jobs 2 -q >/dev/null && ok || bad "local tuned study"
  diff <(strip "$T/tcluster/results.csv" train_seconds,seconds_per_epoch) \
       <(strip "$T/tlocal/results.csv" train_seconds,seconds_per_epoch) >/dev/null && ok || bad "tuned: cluster and local differ"
fi

printf 'wall time: Slurm %.1f s (array %.1f s with task 5 cancelled, then its resubmission), in one process with --jobs 2 %.1f s; whole test %.1f s\n' \
  "$(awk -v a="$t2" -v b="$t0" 'BEGIN { print a - b }')" "$(awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }')" \
  "$(awk -v a="$l1" -v b="$l0" 'BEGIN { print a - b }')" \
  "$(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { print a - b }')"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
