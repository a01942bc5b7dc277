#!/bin/bash
# End-to-end checks of the command-line tools on synthetic CIFAR-100 files:
# the happy paths, machine-readable output, and that bad input gives a clear error, the right exit
# code, and leaves nothing behind.
# usage: cli_test.sh GCTRAIN CIFAR2BLOB MAKE_CIFAR100
set -u
GCTRAIN=$(realpath "$1") CIFAR2BLOB=$(realpath "$2") MAKE=$(realpath "$3")
T=$(mktemp -d /tmp/gct_cli_XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/cli_helpers.sh"

mkdir -p "$T/src/cifar-100-binary"
"$MAKE" "$T/src/cifar-100-binary" 600 200 || { echo "cannot make data"; exit 1; }
tar -C "$T/src" -czf "$T/cifar-100-binary.tar.gz" cifar-100-binary

expect 0 "wrote .*/train.blob: 600 records" -- "$CIFAR2BLOB" "$T/cifar-100-binary.tar.gz" "$T/data"
expect 0 "" -- test -f "$T/data/test.blob"
expect 0 "arena plan" -- "$GCTRAIN" plan
expect 0 '"arena_bytes":' -- "$GCTRAIN" plan --optimizer adam --json
expect 0 '"train_samples":600' -- "$GCTRAIN" plan --data "$T/data" --json
expect 0 '"scalar":"fixed".*"optimizer_state":20764896' -- "$GCTRAIN" plan --scalar fixed --optimizer adam --json
expect 0 '"scalar":"fixed"' -- "$GCTRAIN" train --data "$T/data" --layers 3072,16,100 --scalar fixed --optimizer adam --gc grad --epochs 1 -q --json
expect 2 "scalar" -- "$GCTRAIN" train --data "$T/data" --scalar double
expect 2 "fixed point needs lr" -- "$GCTRAIN" train --data "$T/data" --scalar fixed --lr 300
expect 0 "warning: up to [0-9]* parameters sat at the fixed-point limit" -- "$GCTRAIN" train --data "$T/data" --layers 3072,16,100 --scalar fixed --optimizer sgd --lr 200 --epochs 1 -q

# train: JSON result with honest metrics in range
out=$("$GCTRAIN" train --data "$T/data" --layers 3072,64,100 --optimizer sgdm --gc grad --epochs 2 --schedule constant --json -q)
if [ $? -eq 0 ] && grep -q '"top1":' <<<"$out" && grep -q '"coarse_top1":' <<<"$out" && grep -q '"arena_bytes":' <<<"$out"; then ok; else bad "train --json: $out"; fi
field() { sed -n "s/.*\"$1\":\([0-9.e-]*\).*/\1/p" <<<"$2"; }
# The synthetic classes are noisy copies of 100 prototypes: two epochs learn most of the 200 test
# samples, and each rate is a count out of 200.
top1=$(field top1 "$out") top5=$(field top5 "$out") coarse=$(field coarse_top1 "$out")
awk -v a="$top1" -v b="$top5" -v c="$coarse" 'BEGIN { exit !(a >= 0.85 && b >= a && c >= a && b <= 1 && c <= 1 &&
  a * 200 == int(a * 200 + 0.5) && b * 200 == int(b * 200 + 0.5)) }' && ok || bad "metrics of a learnt model: top1 $top1 top5 $top5 coarse $coarse"
# A model that learns nothing (lr 1e-6) is near chance on every honest metric, while the old study's
# element-wise score still looks excellent.
out0=$("$GCTRAIN" train --data "$T/data" --layers 3072,64,100 --optimizer sgdm --lr 1e-6 --epochs 2 --json -q)
awk -v a="$(field top1 "$out0")" -v b="$(field top5 "$out0")" -v c="$(field coarse_top1 "$out0")" -v e="$(field elementwise_acc "$out0")" \
  'BEGIN { exit !(a < 0.05 && b < 0.15 && c < 0.2 && e >= 0.98) }' && ok || bad "metrics of an untrained model: $out0"
grep -q '"schedule":"cosine"' <<<"$out0" && ok || bad "the default schedule is not cosine: $out0"

# determinism through the CLI: same seed, same metrics
out2=$("$GCTRAIN" train --data "$T/data" --layers 3072,64,100 --optimizer sgdm --gc grad --epochs 2 --schedule constant --json -q)
[ "$(sed 's/"train_seconds":[^,]*,"steps_per_second":[^,]*,//' <<<"$out")" = "$(sed 's/"train_seconds":[^,]*,"steps_per_second":[^,]*,//' <<<"$out2")" ] && ok || bad "same seed gave different results"
# the low-memory data mode (batches read with pread, evaluation in released slices) changes nothing
out3=$("$GCTRAIN" train --data "$T/data" --layers 3072,64,100 --optimizer sgdm --gc grad --epochs 2 --schedule constant --json -q --low-memory)
[ "$(sed 's/"train_seconds":[^,]*,"steps_per_second":[^,]*,//' <<<"$out")" = "$(sed 's/"train_seconds":[^,]*,"steps_per_second":[^,]*,//' <<<"$out3")" ] && ok || bad "--low-memory changed the results"

# the initialisation scheme is chosen, reported, and recorded by a study
out=$("$GCTRAIN" train --data "$T/data" --layers 3072,64,100 --optimizer sgdm --epochs 1 --init torch --json -q)
grep -q '"init":"torch"' <<<"$out" && ok || bad "train --init torch: $out"
[ "$(sed 's/"train_seconds":[^,]*,"steps_per_second":[^,]*,//; s/"init":"[a-z-]*"//' <<<"$out")" != \
  "$("$GCTRAIN" train --data "$T/data" --layers 3072,64,100 --optimizer sgdm --epochs 1 --init he-normal --json -q | sed 's/"train_seconds":[^,]*,"steps_per_second":[^,]*,//; s/"init":"[a-z-]*"//')" ] &&
  ok || bad "--init torch trained the same weights as he-normal"
# PyTorch's initialisation is the default (it measured best on validation data)
expect 0 '"init":"torch"' -- "$GCTRAIN" train --data "$T/data" --layers 3072,16,100 --epochs 1 --json -q
expect 2 "--init" -- "$GCTRAIN" train --data "$T/data" --init glorot

# usage errors: exit 2 with a clear message
expect 2 "optimizer" -- "$GCTRAIN" train --data "$T/data" --optimizer adamw
expect 2 "" -- "$GCTRAIN" train --data "$T/data" --bogus
expect 2 "learning rate|lr" -- "$GCTRAIN" train --data "$T/data" --lr -1
expect 2 "bad layer sizes" -- "$GCTRAIN" plan --layers 3072,,100
expect 2 "" -- "$GCTRAIN"
expect 2 "" -- "$CIFAR2BLOB" "$T/src" "$T/x" --resize 16by16
expect 2 "nesterov" -- "$GCTRAIN" train --data "$T/data" --optimizer adam --nesterov

# runtime errors: exit 1, file named
expect 1 "does not exist" -- "$GCTRAIN" train --data "$T/nowhere"
expect 1 "model input is 100 values" -- "$GCTRAIN" train --data "$T/data" --layers 100,10,100
cp -r "$T/data" "$T/corrupt"
printf '\x01' | dd of="$T/corrupt/train.blob" bs=1 seek=5000 conv=notrunc 2>/dev/null
expect 1 "corrupt/train.blob: payload checksum mismatch" -- "$GCTRAIN" train --data "$T/corrupt"
expect 1 "corrupt/train.blob: payload checksum mismatch" -- "$GCTRAIN" train --data "$T/corrupt" --low-memory
cp -r "$T/data" "$T/trunc"
truncate -s -1 "$T/trunc/test.blob"
expect 1 "trunc/test.blob: truncated" -- "$GCTRAIN" train --data "$T/trunc"
mkdir -p "$T/short"; head -c 10000 "$T/src/cifar-100-binary/train.bin" > "$T/short/train.bin"
expect 1 "not a multiple of the 3074-byte record" -- "$CIFAR2BLOB" "$T/short/train.bin" "$T/short_out"
[ -z "$(ls -A "$T/short_out" 2>/dev/null)" ] && ok || bad "partial output left in short_out: $(ls "$T/short_out")"
expect 1 "no such file" -- "$CIFAR2BLOB" "$T/missing.tar.gz" "$T/o"

# the study, small: every output file, and a resume that keeps finished runs
expect 0 "wrote .*/report.md" -- "$GCTRAIN" study --data "$T/data" --out "$T/study" --layers 3072,32,100 --optimizers sgd,adam --seeds 2 --epochs 1 --jobs 2 -q
for f in results.csv epochs.csv report.md study.json jobs.tsv plots/test_top1.svg plots/train_loss.svg plots/final_top1.svg runs/7.json; do
  [ -s "$T/study/$f" ] && ok || bad "study output $f missing"
done
[ "$(wc -l < "$T/study/results.csv")" = 9 ] && ok || bad "results.csv should have 8 runs"
grep -q '"schedule": "cosine"' "$T/study/study.json" && ok || bad "the study's default schedule is not cosine"
expect 0 "already finished" -- "$GCTRAIN" study --out "$T/study" --run-job 3
expect 2 "different study" -- "$GCTRAIN" study --data "$T/data" --out "$T/study" --layers 3072,32,100 --optimizers sgd --seeds 2 --epochs 1
rm "$T/study/runs/6.json"
expect 3 "run-job 6" -- "$GCTRAIN" study --out "$T/study" --collect
expect 0 "finished" -- "$GCTRAIN" study --out "$T/study" --run-job 6 -q
expect 0 "8 of 8 runs" -- "$GCTRAIN" study --out "$T/study" --collect -q
# a fixed-point study records its arithmetic in study.json and the report
expect 0 "wrote .*/report.md" -- "$GCTRAIN" study --data "$T/data" --out "$T/fstudy" --layers 3072,16,100 --optimizers sgdm --seeds 1 --epochs 1 --scalar fixed -q
grep -q '"scalar": "fixed"' "$T/fstudy/study.json" && ok || bad "study.json lacks the scalar kind"
grep -q "Arithmetic: integer fixed point" "$T/fstudy/report.md" && ok || bad "report lacks the arithmetic"
# the report names the data folder as it was given (a report travels; this machine's paths do not)
(cd "$T" && "$GCTRAIN" study --data data --out rstudy --layers 3072,16,100 --optimizers sgd --seeds 1 --epochs 1 -q >/dev/null)
grep -q 'Data: `data` ' "$T/rstudy/report.md" && ! grep -q "$T" "$T/rstudy/report.md" && ok ||
  bad "the report names the data folder other than as given: $(grep 'Data:' "$T/rstudy/report.md")"
expect 0 "wrote .*/report.md" -- "$GCTRAIN" study --data "$T/data" --out "$T/istudy" --layers 3072,16,100 --optimizers sgd --seeds 1 --epochs 1 --init xavier-uniform -q
grep -q '"init": "xavier-uniform"' "$T/istudy/study.json" && grep -q "xavier-uniform initialisation" "$T/istudy/report.md" && ok ||
  bad "a study does not record its initialisation"

# the recipe: schedule, warm-up, augmentation and a validation split, in train and study
out=$("$GCTRAIN" train --data "$T/data" --layers 3072,16,100 --optimizer sgdm --lr 0.01 --epochs 3 --schedule cosine --warmup 1 \
  --augment crop,flip --val 100 --json -q)
grep -q '"schedule":"cosine","warmup_epochs":1,"augment":"crop,flip"' <<<"$out" && grep -q '"train_samples":500,"validation_samples":100,"val_top1":0' <<<"$out" &&
  ok || bad "train with a recipe: $out"
# cosine over 3 epochs of 4 steps after a 1-epoch warm-up: the last step is d = 7 of 8
awk -v lr="$(field final_lr "$out")" 'BEGIN { want = 0.01 * 0.5 * (1 + cos(3.14159265358979 * 7 / 8)); exit !(lr > want * 0.9999 && lr < want * 1.0001) }' &&
  ok || bad "final lr of the cosine schedule: $(field final_lr "$out")"
expect 0 "val top-1" -- "$GCTRAIN" train --data "$T/data" --layers 3072,16,100 --epochs 1 --val 50 --scalar fixed --augment flip
expect 2 "--schedule: linear not in" -- "$GCTRAIN" train --data "$T/data" --schedule linear
expect 1 "a validation split of 600 samples leaves none to train on" -- "$GCTRAIN" train --data "$T/data" --val 600
expect 1 "a warm-up of 2 epochs leaves none of the 2 epochs for the step schedule" -- "$GCTRAIN" train --data "$T/data" --epochs 2 --schedule step --warmup 2
expect 2 "give its size \(--val N\)" -- "$GCTRAIN" study --data "$T/data" --out "$T/tstudy" --tune
expect 0 "wrote .*/report.md" -- "$GCTRAIN" study --data "$T/data" --out "$T/tstudy" --layers 3072,16,100 --optimizers sgd --seeds 1 --epochs 1 \
  --tune --val 100 --lr-grid sgd=0.01,0.1 --augment flip -q
grep -q "## Learning rates chosen on validation data" "$T/tstudy/report.md" && grep -q "augmentation: flip" "$T/tstudy/report.md" &&
  [ "$(grep -c tuned "$T/tstudy/jobs.tsv")" = 2 ] && ok || bad "a tuned study's plan or report"
expect 0 "already finished" -- "$GCTRAIN" study --out "$T/tstudy" --run-job 5

# convolutional networks: plan per layer, train in both arithmetics, a study, model files, checkpoints
NET=conv3x3:8,maxpool2,conv3x3:8/s2,gap,dense:100
expect 0 "arena plan: network 3x32x32:conv3x3:8,maxpool2,conv3x3:8/s2,gap,dense:100 \(1708 parameters\)" -- "$GCTRAIN" plan --net "$NET"
expect 0 " 2 conv3x3:8/s2 gap " -- "$GCTRAIN" plan --net "$NET" --optimizer adam
expect 0 '"layers":"3x32x32:conv3x3:8,maxpool2' -- "$GCTRAIN" plan --net "$NET" --json
expect 0 '"layers":"3x32x32:conv3x3:8,maxpool2,conv3x3:8/s2,gap,dense:100".*"top1":' -- "$GCTRAIN" train --data "$T/data" --net "$NET" --epochs 1 --json -q
expect 0 '"scalar":"fixed"' -- "$GCTRAIN" train --data "$T/data" --net "$NET" --scalar fixed --optimizer adam --gc grad --epochs 1 --json -q
expect 2 "bad layer 'conv3x3:8/x2' in the network" -- "$GCTRAIN" plan --net conv3x3:8/x2,dense:100
expect 2 "pooling must follow a convolution" -- "$GCTRAIN" train --data "$T/data" --net maxpool2,dense:100
expect 2 "--layers excludes --net" -- "$GCTRAIN" plan --net "$NET" --layers 3072,100
expect 1 "the network reads 1x32x96 images, the data has 3x32x32" -- "$GCTRAIN" train --data "$T/data" --net "$NET" --image 1x32x96
expect 0 "model: $T/cnn.gmod" -- "$GCTRAIN" train --data "$T/data" --net "$NET" --epochs 1 --save-model "$T/cnn.gmod" --checkpoint "$T/cnn.ckpt"
expect 0 "top-1" -- "$GCTRAIN" evaluate --model "$T/cnn.gmod" --data "$T/data"
expect 0 "resumed" -- "$GCTRAIN" train --data "$T/data" --net "$NET" --epochs 2 --checkpoint "$T/cnn.ckpt" --resume
expect 1 "checkpoint was made with layers 3x32x32:conv3x3:8,maxpool2,conv3x3:8/s2,gap,dense:100, this run has 3x32x32:conv3x3:8,avgpool2" -- \
  "$GCTRAIN" train --data "$T/data" --net conv3x3:8,avgpool2,conv3x3:8/s2,gap,dense:100 --epochs 2 --checkpoint "$T/cnn.ckpt" --resume
expect 0 "wrote .*/report.md" -- "$GCTRAIN" study --data "$T/data" --out "$T/cstudy" --net "$NET" --optimizers sgdm --seeds 1 --epochs 1 -q
grep -q "3x32x32:conv3x3:8,maxpool2,conv3x3:8/s2,gap,dense:100" "$T/cstudy/report.md" && grep -q "conv3x3:8 maxpool2 conv3x3:8/s2 gap dense:100" "$T/cstudy/results.csv" &&
  ok || bad "a CNN study's report or CSV lacks its network"
grep -q "Model: CNN" "$T/cstudy/report.md" && grep -q "convolution filter is centred over its fan-in" "$T/cstudy/report.md" &&
  ! grep -q "say nothing about convolutional" "$T/cstudy/report.md" && ok || bad "a CNN study's report describes an MLP"
# an absolute data path is named by its last folder only
grep -q 'Data: `data` ' "$T/cstudy/report.md" && ! grep -q "$T" "$T/cstudy/report.md" && ok ||
  bad "the report shows an absolute data path: $(grep 'Data:' "$T/cstudy/report.md")"

# --low-memory over several slices: evaluation there runs in slices of 8 batches, so --batch 8 cuts
# the 200 test samples into 4 slices (the last one partial) and a 150-sample validation split into 3.
# Every count must equal the run that evaluates in one pass; the losses, summed slice by slice, may
# differ in the last digits. The model must have learnt, so that a slice scored against another
# slice's labels shows.
lowmem() { "$GCTRAIN" train --data "$T/data" --layers 3072,32,100 --optimizer sgdm --lr 0.01 --batch 8 --epochs 2 \
  --val 150 --schedule constant --json -q "$@"; }
counts() { sed 's/"train_seconds":[^,]*,"steps_per_second":[^,]*,//; s/"\(val\|test\)_loss":[^,]*,//g' <<<"$1"; }
one=$(lowmem) sliced=$(lowmem --low-memory)
[ -n "$one" ] && [ "$(counts "$one")" = "$(counts "$sliced")" ] && ok || bad "--low-memory over several slices changed the results: $one / $sliced"
for loss in val_loss test_loss; do
  awk -v a="$(field $loss "$one")" -v b="$(field $loss "$sliced")" 'BEGIN { d = a - b; exit !(a > 0 && (d < 0 ? -d : d) <= 1e-12 * a) }' &&
    ok || bad "--low-memory over several slices changed $loss: $(field $loss "$one") / $(field $loss "$sliced")"
done
awk -v a="$(field top1 "$one")" -v v="$(field val_top1 "$one")" 'BEGIN { exit !(a >= 0.8 && v >= 0.8) }' && ok ||
  bad "the several-slice run learnt too little to test the slices' labels: $one"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
