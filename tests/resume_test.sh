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

mkdir -p "$T/src"
"$MAKE" "$T/src" 1500 100 >/dev/null || exit 1
"$CIFAR2BLOB" -q "$T/src" "$T/data" || exit 1
ARGS=(train --data "$T/data" --layers 3072,96,100 --batch 50 --epochs 3 --optimizer adam --gc grad --json -q)

start=$(date +%s.%N)
"$GCTRAIN" "${ARGS[@]}" > "$T/ref.json" || { echo "reference run failed"; exit 1; }
ref_seconds=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')
ref=$(crc_of "$T/ref.json")
[ -n "$ref" ] && ok || bad "no reference hash"
# With checkpoints but no interruption: same weights.
"$GCTRAIN" "${ARGS[@]}" --checkpoint "$T/plain.ckpt" --checkpoint-every 7 > "$T/plain.json"
[ "$(crc_of "$T/plain.json")" = "$ref" ] && ok || bad "checkpointing changed the result"

kills=0
for trial in $(seq 1 "$TRIALS"); do
  ck="$T/trial$trial.ckpt"
  attempts=0
  while :; do
    attempts=$((attempts + 1))
    if [ -f "$ck" ]; then resume=(--resume); else resume=(); fi
    "$GCTRAIN" "${ARGS[@]}" --checkpoint "$ck" --checkpoint-every 5 "${resume[@]}" > "$T/out$trial.json" 2>"$T/err$trial.txt" &
    pid=$!
    if [ "$attempts" -le 2 ]; then
      # Kill at a random moment within the reference run time.
      sleep "$(awk -v s="$RANDOM" -v t="$ref_seconds" 'BEGIN { srand(s); printf "%.3f", 0.05 + rand() * t * 0.9 }')"
      if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    fi
    if wait "$pid"; then break; fi
    if [ "$attempts" -gt 6 ]; then bad "trial $trial never finished: $(cat "$T/err$trial.txt")"; break; fi
  done
  got=$(crc_of "$T/out$trial.json")
  if [ "$got" = "$ref" ]; then ok; else bad "trial $trial: hash $got, want $ref ($(cat "$T/err$trial.txt"))"; fi
done
echo "kill/resume: $TRIALS trials, $kills SIGKILLs, reference hash $ref"

# SIGTERM: finishes the step, writes a checkpoint, exits 130; resuming completes identically.
"$GCTRAIN" "${ARGS[@]}" --checkpoint "$T/term.ckpt" > "$T/term.json" 2>/dev/null &
pid=$!
# Signal once training is surely under way: after the first epoch's checkpoint appeared.
for _ in $(seq 1 500); do [ -f "$T/term.ckpt" ] && break; sleep 0.01; done
kill -TERM "$pid"
wait "$pid"; rc=$?
if [ "$rc" = 130 ] || [ "$rc" = 0 ]; then ok; else bad "SIGTERM exit code $rc"; fi
[ -f "$T/term.ckpt" ] && ok || bad "no checkpoint after SIGTERM"
"$GCTRAIN" "${ARGS[@]}" --checkpoint "$T/term.ckpt" --resume > "$T/term2.json"
[ "$(crc_of "$T/term2.json")" = "$ref" ] && ok || bad "resume after SIGTERM differs"

# A mismatched or corrupt checkpoint is refused with a clear message.
out=$("$GCTRAIN" train --data "$T/data" --layers 3072,64,100 --batch 50 --epochs 3 --optimizer adam --gc grad -q --checkpoint "$T/term.ckpt" --resume 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "another layer sizes" <<<"$out" && ok || bad "mismatch: rc $rc: $out"
cp "$T/term.ckpt" "$T/corrupt.ckpt"; printf 'x' | dd of="$T/corrupt.ckpt" bs=1 seek=9000 conv=notrunc 2>/dev/null
out=$("$GCTRAIN" "${ARGS[@]}" --checkpoint "$T/corrupt.ckpt" --resume 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "checksum mismatch" <<<"$out" && ok || bad "corrupt: rc $rc: $out"

# Divergence: an absurd learning rate stops with a message naming the step; the checkpoint stays.
cp "$T/plain.ckpt" "$T/div.ckpt"; before=$(cksum < "$T/div.ckpt")
out=$("$GCTRAIN" train --data "$T/data" --layers 3072,96,100 --batch 50 --epochs 3 --optimizer sgd --lr 1e30 -q --checkpoint "$T/div.ckpt" 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "step [0-9]*" <<<"$out" && grep -q "NaN\|infinite" <<<"$out" && ok || bad "divergence: rc $rc: $out"
[ "$(cksum < "$T/div.ckpt")" = "$before" ] && ok || bad "divergence touched the last good checkpoint"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
