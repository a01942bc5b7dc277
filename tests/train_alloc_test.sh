#!/bin/bash
# `gctrain train` as a user runs it allocates nothing per step: the whole process's allocations,
# counted by an interposed allocator (alloc_count.c, LD_PRELOAD), are equal for runs of different
# numbers of steps over the same number of epochs and evaluations. zero_alloc_test proves this for the
# engine's calls; this proves it for the host's loop around them (progress display, evaluation,
# validation, checkpoints at epoch ends, staged reads, threads), quiet, shown in a log, and shown on
# a terminal (a pty), where a status line is drawn every 0.1 s.
# usage: train_alloc_test.sh GCTRAIN CIFAR2BLOB MAKE_CIFAR100 ALLOC_COUNT_SO
set -u
GCTRAIN=$(realpath "$1") CIFAR2BLOB=$(realpath "$2") MAKE=$(realpath "$3") SHIM=$(realpath "$4")
T=$(mktemp -d /tmp/gct_alloc_XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/cli_helpers.sh"

mkdir -p "$T/src"
"$MAKE" "$T/src" 1100 200 >/dev/null || { echo "cannot make data"; exit 1; }
"$CIFAR2BLOB" -q "$T/src" "$T/data" || exit 1

# count NAME STEPS_SUBSET [gctrain train options...]: the run's allocations, in $T/NAME.count;
# stderr in $T/NAME.err.
count() {
  local name=$1 subset=$2; shift 2
  rm -rf "$T/ck"; mkdir "$T/ck"  # each run starts a new checkpoint (an existing one is read first)
  GCT_ALLOC_COUNT_FILE="$T/$name.count" LD_PRELOAD="$SHIM" \
    "$GCTRAIN" train --data "$T/data" --batch 32 --subset "$subset" "$@" >/dev/null 2>"$T/$name.err" </dev/null ||
    bad "$name: gctrain train failed: $(cat "$T/$name.err")"
  cat "$T/$name.count" 2>/dev/null
}
# same_count NAME [options...]: 10 steps per epoch against 30, the same epochs.
same_count() {
  local name=$1; shift
  local a b
  a=$(count "$name.10" 320 "$@") b=$(count "$name.30" 960 "$@")
  [ -n "$a" ] && [ "$a" -gt 0 ] && [ "$a" = "$b" ] && ok ||
    bad "$name: $a allocations with 10 steps per epoch, $b with 30 (options: $*)"
  echo "$name: $a / $b allocations (10 / 30 steps per epoch)"
}

# A shim that counts nothing would pass every comparison: it must see the process's allocations.
n=$(count shim_sees 320 --layers 3072,64,100 --epochs 1 -q --no-test)
[ -n "$n" ] && [ "$n" -gt 100 ] && ok || bad "the allocation shim counted '$n' allocations of a whole gctrain run"

same_count quiet --layers 3072,64,100 --epochs 1 -q --no-test
same_count log --layers 3072,64,100 --epochs 1 --no-test
same_count evaluated --layers 3072,64,100 --epochs 2 --val 100 --schedule step --warmup 1 --augment crop,flip
same_count fixed --layers 3072,64,100 --epochs 2 --scalar fixed --optimizer adam --gc grad -q
same_count checkpointed --layers 3072,64,100 --epochs 2 -q --checkpoint "$T/ck/run.ck"
same_count low_memory --layers 3072,64,100 --epochs 2 -q --low-memory
same_count threads --layers 3072,256,100 --epochs 1 -q --threads 2
same_count conv --net conv3x3:8,maxpool2,dense:100 --epochs 1 -q --no-test

# On a terminal the status line is redrawn every 0.1 s: steps slow enough (about 10 GFLOP each, 0.05 s
# on a fast AVX-512 core) that 30 of them draw it several times on any machine.
on_pty() { python3 -c 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))' "$@"; }
if python3 -c 'import os, pty; os.waitstatus_to_exitcode' 2>/dev/null; then
  for steps in 10 30; do
    # Preloaded into gctrain alone, not into python, whose allocations follow the output it relays.
    on_pty env GCT_ALLOC_COUNT_FILE="$T/tty.$steps.count" LD_PRELOAD="$SHIM" "$GCTRAIN" train --data "$T/data" \
      --layers 3072,4096,4096,100 --batch 32 --subset $((steps * 32)) --epochs 1 --no-test </dev/null >"$T/tty.$steps.out" 2>&1 ||
      bad "train on a terminal failed: $(cat "$T/tty.$steps.out")"
  done
  a=$(cat "$T/tty.10.count") b=$(cat "$T/tty.30.count")
  [ "$a" = "$b" ] && ok || bad "on a terminal: $a allocations with 10 steps, $b with 30"
  shown=$(grep -ao 'step [0-9]*/30' "$T/tty.30.out" | wc -l)
  [ "$shown" -ge 2 ] && ok || bad "the terminal showed $shown status lines, too few to prove anything: $(tr '\r' '\n' < "$T/tty.30.out")"
  echo "terminal: $a / $b allocations (10 / 30 steps), $shown status lines shown"
fi

echo "train_alloc_test: $passed passed, $failed failed"
[ "$failed" = 0 ]
