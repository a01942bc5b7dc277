#!/bin/bash
# Kill/resume trials: training killed with SIGKILL at random moments and resumed from its last
# checkpoint must end with weights bit-identical (CRC-32 of every parameter) to an uninterrupted run.
# Also: SIGTERM writes a checkpoint and exits cleanly; divergence keeps the last good checkpoint.
# usage: resume_test.sh GCTRAIN CIFAR2BLOB MAKE_CIFAR100 [TRIALS]
set -u
GCTRAIN=$1 CIFAR2BLOB=$2 MAKE=$3 TRIALS=${4:-8}
T=$(mktemp -d /tmp/gct_resume_XXXXXX)
trap 'rm -rf "$T"' EXIT
passed=0 failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
crc_of() { sed -n 's/.*"parameters_crc32":\([0-9]*\).*/\1/p' "$1"; }

num_of() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$2"; }
resumed_inside() {  # JSON TOTAL_STEPS: the run resumed from a checkpoint strictly inside the run
  grep -q '"resumed":true' "$1" && awk -v s="$(num_of resumed_from_step "$1")" -v t="$2" 'BEGIN { exit !(s > 0 && s < t) }'
}
wait_for() { for _ in $(seq 1 2000); do [ -f "$1" ] && return 0; sleep 0.005; done; return 1; }

mkdir -p "$T/src"
"$MAKE" "$T/src" 1500 100 >/dev/null || exit 1
"$CIFAR2BLOB" -q "$T/src" "$T/data" || exit 1
# 1500 samples, batch 20: 75 steps an epoch, 225 in all.
STEPS=225
ARGS=(train --data "$T/data" --layers 3072,256,100 --batch 20 --epochs 3 --optimizer adam --gc grad --json -q)

start=$(date +%s.%N)
"$GCTRAIN" "${ARGS[@]}" > "$T/ref.json" || { echo "reference run failed"; exit 1; }
ref_seconds=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')
ref=$(crc_of "$T/ref.json")
[ -n "$ref" ] && ok || bad "no reference hash"
# With checkpoints but no interruption: same weights.
"$GCTRAIN" "${ARGS[@]}" --checkpoint "$T/plain.ckpt" --checkpoint-every 7 > "$T/plain.json"
[ "$(crc_of "$T/plain.json")" = "$ref" ] && ok || bad "checkpointing changed the result"
grep -q '"resumed":false' "$T/plain.json" && ok || bad "an uninterrupted run says it resumed"

# Each trial: SIGKILL at a random moment after the first checkpoint exists, then resume (killed once
# more at random on the first resume) until done. The final run must have resumed from a checkpoint
# strictly inside the run, and end bit-identical to the reference. A run that finished before its
# kill arrived proves nothing: the trial starts again (at most 4 times).
kills=0
for trial in $(seq 1 "$TRIALS"); do
  ck="$T/trial$trial.ckpt"
  for round in 1 2 3 4; do
    rm -f "$ck"
    attempts=0 killed=0
    while :; do
      attempts=$((attempts + 1))
      if [ -f "$ck" ]; then resume=(--resume); else resume=(); fi
      "$GCTRAIN" "${ARGS[@]}" --checkpoint "$ck" --checkpoint-every 5 "${resume[@]}" > "$T/out$trial.json" 2>"$T/err$trial.txt" &
      pid=$!
      if [ "$attempts" -le 2 ]; then
        [ "$attempts" = 1 ] && wait_for "$ck"
        sleep "$(awk -v s="$RANDOM" -v t="$ref_seconds" 'BEGIN { srand(s); printf "%.3f", rand() * t * 0.5 }')"
        if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); killed=$((killed + 1)); fi
      fi
      if wait "$pid"; then break; fi
      if [ "$attempts" -gt 6 ]; then bad "trial $trial never finished: $(cat "$T/err$trial.txt")"; break; fi
    done
    [ "$killed" -gt 0 ] && break
  done
  resumed_inside "$T/out$trial.json" "$STEPS" && ok || bad "trial $trial did not end in a resume from inside the run: $(cat "$T/out$trial.json")"
  got=$(crc_of "$T/out$trial.json")
  if [ "$got" = "$ref" ]; then ok; else bad "trial $trial: hash $got, want $ref ($(cat "$T/err$trial.txt"))"; fi
done
echo "kill/resume: $TRIALS trials, $kills SIGKILLs, reference hash $ref"

# SIGTERM during training: finishes the step, writes a checkpoint, exits 130; resuming completes
# identically. A longer run (15 epochs, 1125 steps) so that the signal surely arrives mid-training.
LONG=(train --data "$T/data" --layers 3072,256,100 --batch 20 --epochs 15 --optimizer sgdm --gc grad --json -q)
"$GCTRAIN" "${LONG[@]}" > "$T/long_ref.json" || bad "long reference run failed"
"$GCTRAIN" "${LONG[@]}" --checkpoint "$T/term.ckpt" --checkpoint-every 5 > "$T/term.json" 2>/dev/null &
pid=$!
wait_for "$T/term.ckpt" || bad "no checkpoint appeared"
kill -TERM "$pid"
wait "$pid"; rc=$?
[ "$rc" = 130 ] && ok || bad "SIGTERM during training: exit code $rc, want 130"
grep -q '"interrupted":true' "$T/term.json" && ok || bad "SIGTERM: the JSON does not say interrupted: $(cat "$T/term.json")"
"$GCTRAIN" "${LONG[@]}" --checkpoint "$T/term.ckpt" --resume > "$T/term2.json"
resumed_inside "$T/term2.json" 1125 && ok || bad "after SIGTERM: not resumed from inside the run: $(cat "$T/term2.json")"
[ "$(crc_of "$T/term2.json")" = "$(crc_of "$T/long_ref.json")" ] && ok || bad "resume after SIGTERM differs"

# A mismatched or corrupt checkpoint is refused with a clear message.
out=$("$GCTRAIN" train --data "$T/data" --layers 3072,64,100 --batch 20 --epochs 15 --optimizer sgdm --gc grad -q --checkpoint "$T/term.ckpt" --resume 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "checkpoint was made with layers 3072-256-100, this run has 3072-64-100" <<<"$out" && ok || bad "mismatch: rc $rc: $out"
cp "$T/term.ckpt" "$T/corrupt.ckpt"; printf 'x' | dd of="$T/corrupt.ckpt" bs=1 seek=9000 conv=notrunc 2>/dev/null
out=$("$GCTRAIN" "${LONG[@]}" --checkpoint "$T/corrupt.ckpt" --resume 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "checksum mismatch" <<<"$out" && ok || bad "corrupt: rc $rc: $out"

# Divergence: an absurd learning rate stops with a message naming the step; the checkpoint stays.
cp "$T/plain.ckpt" "$T/div.ckpt"; before=$(cksum < "$T/div.ckpt")
out=$("$GCTRAIN" train --data "$T/data" --layers 3072,256,100 --batch 20 --epochs 3 --optimizer sgd --lr 1e30 -q --checkpoint "$T/div.ckpt" 2>&1); rc=$?
[ "$rc" = 1 ] && grep -Eq "step [0-9]+ \(epoch [0-9]+\): training loss is (NaN|infinite)" <<<"$out" && ok || bad "divergence: rc $rc: $out"
[ "$(cksum < "$T/div.ckpt")" = "$before" ] && ok || bad "divergence touched the last good checkpoint"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
