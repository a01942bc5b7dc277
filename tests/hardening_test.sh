#!/bin/bash
# What a careless or hostile user does to the command-line tools: every case must end with a clear
# message and the right exit code, and lose nothing. Each block names the failure it guards against.
# usage: hardening_test.sh GCTRAIN CIFAR2BLOB MAKE_CIFAR100
set -u
GCTRAIN=$(realpath "$1") CIFAR2BLOB=$(realpath "$2") MAKE=$(realpath "$3")
T=$(mktemp -d /tmp/gct_hard_XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/cli_helpers.sh"
same() { [ "$(cksum < "$1")" = "$2" ]; }
wait_for() { for _ in $(seq 1 2000); do [ -e "$1" ] && return 0; sleep 0.005; done; return 1; }
SANITIZED=0
ldd "$CIFAR2BLOB" 2>/dev/null | grep -q 'libasan' && SANITIZED=1
field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<<"$2"; }

mkdir -p "$T/src"
"$MAKE" "$T/src" 600 200 >/dev/null || { echo "cannot make data"; exit 1; }
"$CIFAR2BLOB" -q "$T/src" "$T/data" || exit 1
D=$T/data
M=(--layers 3072,32,100 --batch 50)

# --- empty output paths are refused, not taken as the filesystem root or "no checkpoint"
expect 2 "--out: must not be empty" -- "$GCTRAIN" study --data "$D" --out "" --optimizers sgd --seeds 1 --epochs 1
expect 2 "--checkpoint: must not be empty" -- "$GCTRAIN" train --data "$D" "${M[@]}" --checkpoint ""
expect 2 "--data: must not be empty" -- "$GCTRAIN" train --data ""

# --- a checkpoint never overwrites the data or a file that is not a checkpoint
sum=$(cksum < "$D/train.blob")
expect 1 "is the data file .*train.blob" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$D/train.blob"
same "$D/train.blob" "$sum" && ok || bad "the data set was overwritten by a checkpoint"
echo "my notes" > "$T/notes.txt"
expect 1 "refusing to overwrite .*notes.txt with a checkpoint: it holds something else" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/notes.txt"
grep -q "my notes" "$T/notes.txt" && ok || bad "a foreign file was overwritten by a checkpoint"

# --- cifar2blob replaces both blobs together or neither, and leaves no folder or temporary behind
cp -r "$D" "$T/pair"
train_sum=$(cksum < "$T/pair/train.blob") test_sum=$(cksum < "$T/pair/test.blob")
mkdir -p "$T/src_notest"
cp "$T/src/train.bin" "$T/src/fine_label_names.txt" "$T/src/coarse_label_names.txt" "$T/src_notest/"
# one test record of class 50: nothing is left of the test split under --classes 10
{ printf '\x0a\x32'; head -c 3072 /dev/zero; } > "$T/src_notest/test.bin"
expect 1 "no test records left" -- "$CIFAR2BLOB" "$T/src_notest" "$T/pair" --classes 10
same "$T/pair/train.blob" "$train_sum" && same "$T/pair/test.blob" "$test_sum" && ok || bad "a failed conversion replaced one blob of the pair"
[ -z "$(ls "$T/pair" | grep tmp)" ] && ok || bad "temporaries left in pair: $(ls "$T/pair")"
mkdir -p "$T/short"; head -c 10000 "$T/src/train.bin" > "$T/short/train.bin"
expect 1 "not a multiple of the 3074-byte record" -- "$CIFAR2BLOB" "$T/short/train.bin" "$T/new/nested/out"
[ ! -e "$T/new" ] && ok || bad "a failed conversion left the folders it created: $(find "$T/new")"
mkdir -p "$T/bigsrc"
"$MAKE" "$T/bigsrc" 30000 100 >/dev/null
"$CIFAR2BLOB" -q "$T/bigsrc" "$T/bigout" &
pid=$!
for _ in $(seq 1 15000); do ls "$T/bigout" 2>/dev/null | grep -q '\.tmp\.' && break; sleep 0.002; done  # up to 30 s
kill -INT "$pid"; wait "$pid"; rc=$?
[ -z "$(ls "$T/bigout" 2>/dev/null | grep '\.tmp\.')" ] && ok || bad "Ctrl-C left temporaries: $(ls "$T/bigout")"
[ "$rc" = 130 ] && ok || bad "cifar2blob after SIGINT: exit $rc, want 130 (killed by the signal)"
# too little memory for the input: a sentence, not "std::bad_alloc" (a sanitizer build reserves
# terabytes of address space and cannot start under ulimit -v, nor be measured for memory)
if [ "$SANITIZED" = 0 ]; then
  expect 1 "out of memory while converting .*bigsrc" -- bash -c "ulimit -v 200000; '$CIFAR2BLOB' '$T/bigsrc' '$T/ulimit_out'"
  [ ! -e "$T/ulimit_out" ] && ok || bad "a conversion out of memory left its folder"
fi

# --- a failed write of results is a failure
expect 1 "cannot write the output" -- bash -c "'$GCTRAIN' train --data '$D' ${M[*]} --epochs 1 --json -q > /dev/full"
expect 1 "cannot write the output" -- bash -c "'$GCTRAIN' plan --json > /dev/full"
expect 1 "cannot write the output" -- bash -c "'$GCTRAIN' plan > /dev/full"

# --- checkpoints: stale temporaries of the same checkpoint removed, a second writer refused
"$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/ck" >/dev/null || bad "checkpointed run failed"
echo junk > "$T/ck.tmp.Ab12Cd"; echo mine > "$T/ck.tmp.keep-me"
"$GCTRAIN" train --data "$D" "${M[@]}" --epochs 2 -q --checkpoint "$T/ck" --resume >/dev/null || bad "resume failed"
[ ! -e "$T/ck.tmp.Ab12Cd" ] && ok || bad "a stale checkpoint temporary was left"
[ -e "$T/ck.tmp.keep-me" ] && ok || bad "a file that is not a temporary of ours was removed"
[ ! -e "$T/ck.lock" ] && ok || bad "the lock file stayed after the run"
"$GCTRAIN" train --data "$D" --layers 3072,256,100 --batch 10 --epochs 200 -q --checkpoint "$T/busy.ck" >/dev/null 2>&1 &
pid=$!
wait_for "$T/busy.ck.lock"
expect 1 "busy.ck is in use by another gctrain process \(pid $pid\)" -- "$GCTRAIN" train --data "$D" --layers 3072,256,100 --batch 10 --epochs 1 -q --checkpoint "$T/busy.ck"
kill -9 "$pid"; wait "$pid" 2>/dev/null

# --- wrong data is refused: swapped splits, other data or seed on resume
mkdir -p "$T/swapped" "$T/twice"
cp "$D/train.blob" "$T/swapped/test.blob"; cp "$D/test.blob" "$T/swapped/train.blob"
expect 1 "swapped/train.blob holds the test split" -- "$GCTRAIN" train --data "$T/swapped" "${M[@]}" --epochs 1
cp "$D/train.blob" "$T/twice/train.blob"; cp "$D/train.blob" "$T/twice/test.blob"
expect 1 "twice/test.blob holds the training split" -- "$GCTRAIN" train --data "$T/twice" "${M[@]}" --epochs 1
"$CIFAR2BLOB" -q "$T/src" "$T/inter" --layout interleaved
"$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/r.ck" >/dev/null
expect 1 "checkpoint was made on other training data \(blob fingerprint [0-9a-f]{8}, this data [0-9a-f]{8}\)" -- \
  "$GCTRAIN" train --data "$T/inter" "${M[@]}" --epochs 2 -q --checkpoint "$T/r.ck" --resume
expect 1 "checkpoint was made with seed 1, this run has 7" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 2 -q --checkpoint "$T/r.ck" --resume --seed 7

# --- ambiguous inputs are refused
mkdir -p "$T/amb/a" "$T/amb/b" "$T/amb/both"
cp "$T/src/train.bin" "$T/amb/a/"; head -c $((3074 * 10)) "$T/src/train.bin" > "$T/amb/b/train.bin"
tar -cf "$T/amb/two.tar" -C "$T/amb/a" train.bin -C "$T/amb/b" train.bin
expect 1 "two inputs named train.bin" -- "$CIFAR2BLOB" "$T/amb/two.tar" "$T/amb/out1"
cp "$T/src/"* "$T/amb/both/"; gzip -c "$T/amb/b/train.bin" > "$T/amb/both/train.bin.gz"
expect 1 "two inputs named train.bin .*train.bin.gz" -- "$CIFAR2BLOB" "$T/amb/both" "$T/amb/out2"
mkdir -p "$T/amb/gz"; cp "$T/src/"* "$T/amb/gz/"; gzip "$T/amb/gz/train.bin"
tar -cf "$T/amb/nested.tar" -C "$T/amb" gz
expect 1 "train.bin.gz: is itself gzip-compressed inside the archive" -- "$CIFAR2BLOB" "$T/amb/nested.tar" "$T/amb/out3"

# --- a missing test split is said up front; --no-test makes it explicit
mkdir -p "$T/notest"; cp "$D/train.blob" "$T/notest/"
expect 1 "notest/test.blob does not exist.*--no-test" -- "$GCTRAIN" train --data "$T/notest" "${M[@]}" --epochs 1 -q
out=$("$GCTRAIN" train --data "$T/notest" "${M[@]}" --epochs 1 -q --no-test --json); rc=$?
[ "$rc" = 0 ] && [ "$(field top1 "$out")" = null ] && [ "$(field epochs "$out")" = 1 ] && ok || bad "--no-test: rc $rc: $out"

# --- divergence: the checkpoint from before it is kept, and resuming with a lower lr continues
"$GCTRAIN" train --data "$D" "${M[@]}" --optimizer sgd --lr 0.01 --epochs 1 -q --checkpoint "$T/div.ck" >/dev/null
sum=$(cksum < "$T/div.ck")
expect 1 "step 1[34] \(epoch 2\): training loss is (NaN|infinite).*kept in .*div.ck.*--resume --lr" -- \
  "$GCTRAIN" train --data "$D" "${M[@]}" --optimizer sgd --lr 1e30 --epochs 3 -q --checkpoint "$T/div.ck" --resume
same "$T/div.ck" "$sum" && ok || bad "divergence replaced the good checkpoint"
out=$("$GCTRAIN" train --data "$D" "${M[@]}" --optimizer sgd --lr 0.005 --epochs 3 --json -q --checkpoint "$T/div.ck" --resume 2>"$T/div.err"); rc=$?
[ "$rc" = 0 ] && [ "$(field hyperparameter_changes "$out")" = 1 ] && [ "$(field hyperparameters_changed_at_step "$out")" = 12 ] &&
  [ "$(field epochs "$out")" = 3 ] && ok || bad "resume with a lower lr: rc $rc: $out"
grep -q "resumed at step 12 with new hyper-parameters: lr 0.01 -> 0.005" "$T/div.err" && ok || bad "no notice of the change: $(cat "$T/div.err")"
# A new schedule on resume is a new hyper-parameter, reported like one; more epochs of a constant
# rate are not.
"$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 --schedule constant -q --checkpoint "$T/sch.ck" >/dev/null
cp "$T/sch.ck" "$T/sch2.ck"
out=$("$GCTRAIN" train --data "$D" "${M[@]}" --epochs 2 --schedule constant --json -q --checkpoint "$T/sch2.ck" --resume 2>"$T/sch.err"); rc=$?
[ "$rc" = 0 ] && [ "$(field hyperparameter_changes "$out")" = 0 ] && ! grep -q "new hyper-parameters" "$T/sch.err" && ok ||
  bad "a longer constant-rate run counted as a change: rc $rc: $out $(cat "$T/sch.err")"
out=$("$GCTRAIN" train --data "$D" "${M[@]}" --epochs 3 --schedule cosine --json -q --checkpoint "$T/sch.ck" --resume 2>"$T/sch.err"); rc=$?
[ "$rc" = 0 ] && [ "$(field hyperparameter_changes "$out")" = 1 ] &&
  grep -q "resumed at step 12 with new hyper-parameters: schedule constant -> cosine over 36 steps, 0 of warm-up" "$T/sch.err" &&
  ok || bad "a new schedule on resume was not reported: rc $rc: $out $(cat "$T/sch.err")"

# --- in a study, a diverged run is a result: recorded, counted, and collect completes
expect 0 "diverged \(recorded as such\)" -- "$GCTRAIN" study --data "$D" --out "$T/dstudy" "${M[@]}" --optimizers sgd,adam --lr sgd=1e30 --seeds 2 --epochs 1
grep -q "| sgd | — (2 of 2 diverged) | — (2 of 2 diverged) |" "$T/dstudy/report.md" && grep -q "## Diverged runs" "$T/dstudy/report.md" &&
  ok || bad "report does not count the diverged runs: $(grep -A3 'old report' "$T/dstudy/report.md")"
[ "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "diverged_at_step") c = i; next }
  c && $c != "" { n++ } END { print n + 0 }' "$T/dstudy/results.csv")" = 4 ] && ok || bad "results.csv lacks diverged_at_step"
expect 0 "4 of 4 runs|8 of 8 runs" -- "$GCTRAIN" study --out "$T/dstudy" --collect -q

# --- decompression bombs are refused from the header, without the memory
mkdir -p "$T/bomb/cifar-100-binary"; truncate -s 400M "$T/bomb/cifar-100-binary/train.bin"
tar -C "$T/bomb" -czf "$T/bomb.tar.gz" cifar-100-binary; rm -rf "$T/bomb"
out=$(/usr/bin/time -f "peak %M KiB" "$CIFAR2BLOB" "$T/bomb.tar.gz" "$T/bomb_out" 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "declares 419430400 bytes, more than a valid file of its kind can hold" <<<"$out" && ok || bad "bomb: rc $rc: $out"
kib=$(sed -n 's/.*peak \([0-9]*\) KiB.*/\1/p' <<<"$out")
[ "$SANITIZED" = 1 ] || { [ -n "$kib" ] && [ "$kib" -lt 100000 ] && ok || bad "bomb: peak memory $kib KiB"; }
yes 0123456789abcdef | head -c 400000000 | gzip -1 > "$T/train.bin.gz"  # not zeros: those read as a tar's end
expect 1 "decompresses to more than 293 MiB" -- "$CIFAR2BLOB" "$T/train.bin.gz" "$T/bomb_out2"

# --- a data file truncated under a running training: a message naming it, and the checkpoint kept
cp -r "$D" "$T/live"; cp "$D/train.blob" "$T/train.blob.orig"
"$GCTRAIN" train --data "$T/live" --layers 3072,256,100 --batch 10 --epochs 200 -q --checkpoint "$T/live.ck" --checkpoint-every 5 \
  >/dev/null 2>"$T/live.err" &
pid=$!
wait_for "$T/live.ck"
truncate -s 100000 "$T/live/train.blob"
wait "$pid"; rc=$?
[ "$rc" = 1 ] && grep -q "live/train.blob was truncated or changed while it was being read" "$T/live.err" && ok ||
  bad "truncated data: rc $rc: $(cat "$T/live.err")"
cp "$T/train.blob.orig" "$T/live/train.blob"
out=$("$GCTRAIN" train --data "$T/live" --layers 3072,256,100 --batch 10 --epochs 1 --json -q --checkpoint "$T/live.ck" --resume 2>&1); rc=$?
[ "$rc" = 0 ] && grep -q '"resumed":true' <<<"$out" && ok || bad "resume after the truncation: rc $rc: $out"

# --- a model larger than the memory available is refused before allocating
expect 1 "the arena needs [0-9]+ bytes, but (the system has [0-9]+ bytes available|the container's memory limit)" -- \
  "$GCTRAIN" train --data "$D" --layers 3072,2000000,100 --optimizer adam --epochs 1 -q

# --- study.json is validated like the options, with messages for people
"$GCTRAIN" study --data "$D" --out "$T/spec" "${M[@]}" --optimizers sgd --seeds 1 --epochs 1 --plan-only >/dev/null
cp "$T/spec/study.json" "$T/study.json.good"
sed -i 's/"epochs": 1/"epochs": -5/' "$T/spec/study.json"
expect 1 "'epochs' must be a whole number from 1 to 100000, got -5" -- "$GCTRAIN" study --out "$T/spec" --run-job 0
sed 's/"3072,32,100"/"3072,99999999,100"/' "$T/study.json.good" > "$T/spec/study.json"
expect 1 "a layer size in '3072,99999999,100' is larger than 16777216" -- "$GCTRAIN" study --out "$T/spec" --run-job 0
head -c 200 "$T/study.json.good" > "$T/spec/study.json"
expect 1 "study.json: is not valid JSON at byte [0-9]+ \(truncated or edited\?\)" -- "$GCTRAIN" study --out "$T/spec" --collect
expect 1 "is not valid JSON" -- "$GCTRAIN" study --data "$D" --out "$T/spec" "${M[@]}" --optimizers sgd --seeds 1 --epochs 1
if grep -q "json.exception" <<<"$("$GCTRAIN" study --out "$T/spec" --collect 2>&1)"; then bad "raw library text in a message"; else ok; fi

# --- jobs.tsv commands run from any folder
(cd "$T" && "$GCTRAIN" study --data "$D" --out relstudy "${M[@]}" --optimizers sgd --seeds 1 --epochs 1 --plan-only >/dev/null)
cmd=$(sed -n '2p' "$T/relstudy/jobs.tsv" | cut -f7)
grep -q "study --out '$T/relstudy' --run-job 0" <<<"$cmd" && ok || bad "jobs.tsv names the folder relatively: $cmd"
(cd / && eval "$cmd" -q >/dev/null) && [ -s "$T/relstudy/runs/0.json" ] && ok || bad "the listed command failed from another folder"

# --- messages and validation
expect 2 "--lr: must be greater than 0, got 0 " -- "$GCTRAIN" train --data "$D" --lr 0
expect 2 "--subset: must be at least 1, got 0" -- "$GCTRAIN" train --data "$D" --subset 0
expect 2 "--limit: must be at least 1, got 0" -- "$CIFAR2BLOB" "$T/src" "$T/lim" --limit 0
expect 2 "--checkpoint-every: must be at least 1, got 0" -- "$GCTRAIN" train --data "$D" --checkpoint-every 0
expect 2 "--eps: must be at least 0, got -1" -- "$GCTRAIN" train --data "$D" --optimizer adam --eps -1
expect 2 "--run-job: must be at least 0, got -1" -- "$GCTRAIN" study --out "$T/spec" --run-job -1
expect 2 "--seed: must be at least 0, got -1" -- "$GCTRAIN" train --data "$D" --seed -1
if "$GCTRAIN" train --data "$D" --lr 0 2>&1 | grep -q "[0-9]\{30\}"; then bad "a 309-digit number in a message"; else ok; fi
expect 1 "train.blob is a file, not a folder" -- "$GCTRAIN" train --data "$D/train.blob"
mkdir -p "$T/fifo"; mkfifo "$T/fifo/train.blob"
expect 1 "fifo/train.blob is not a regular file" -- "$GCTRAIN" train --data "$T/fifo"
out=$("$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/done.ck" --json)
out=$("$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/done.ck" --resume 2>&1)
grep -q "nan" <<<"$out" && bad "resuming a finished run prints nan: $out" || ok
out=$("$GCTRAIN" train --data "$D" "${M[@]}" --epochs 3 -q --checkpoint "$T/e3.ck" --json)
out=$("$GCTRAIN" train --data "$D" "${M[@]}" --epochs 3 -q --checkpoint "$T/e3.ck" --resume --json)
[ "$(field epochs "$out")" = 3 ] && ok || bad "the JSON of a resumed finished run does not describe the whole run: $out"
expect 1 "the model's output layer has 1 units, but the data has 100 classes" -- "$GCTRAIN" train --data "$D" --layers 3072,1
expect 2 "--momentum has no effect on adam" -- "$GCTRAIN" train --data "$D" --optimizer adam --momentum 0.5
expect 2 "--beta1 has no effect on sgdm" -- "$GCTRAIN" train --data "$D" --optimizer sgdm --beta1 0.5
expect 2 "learning rate 0.1 is listed twice for sgd" -- "$GCTRAIN" study --data "$D" --out "$T/dup" --optimizers sgd --lr-grid sgd=0.1,0.1
expect 2 "--lr wants OPTIMIZER=VALUE for an optimizer of the study, got 'adam=0.1'" -- "$GCTRAIN" study --data "$D" --out "$T/dup" --optimizers sgd --lr adam=0.1
expect 2 "--lr wants OPTIMIZER=VALUE for an optimizer of the study, got 'sg=0.1'" -- "$GCTRAIN" study --data "$D" --out "$T/dup" --optimizers sgd --lr sg=0.1
expect 2 "bad learning rate in --lr 'sgd=-1'" -- "$GCTRAIN" study --data "$D" --out "$T/dup" --optimizers sgd --lr sgd=-1
expect 2 "bad learning rate 'x' in --lr-grid" -- "$GCTRAIN" study --data "$D" --out "$T/dup" --optimizers sgd,adam --lr-grid adam=0.1,x
[ ! -e "$T/dup" ] && ok || bad "a refused study left its folder"
# A rate given with --lr is kept in a tuned study; the other optimizers get the default grid.
"$GCTRAIN" study --data "$D" --out "$T/given" --optimizers sgd,adam --lr sgd=0.05 --tune --val 100 --plan-only -q >/dev/null
python3 -c 'import json,sys; o={x["name"]: x["lr_grid"] for x in json.load(open(sys.argv[1]))["optimizers"]}; sys.exit(not (o["sgd"] == [0.05000000074505806] and len(o["adam"]) == 4))' "$T/given/study.json" &&
  ok || bad "a tuned study did not keep the rate given with --lr: $(grep -A3 lr_grid "$T/given/study.json" | head -12)"
expect 2 "--plan-only excludes --collect" -- "$GCTRAIN" study --out "$T/spec" --plan-only --collect
expect 2 "--run-job excludes --collect" -- "$GCTRAIN" study --out "$T/spec" --run-job 0 --collect
expect 2 "unknown command 'bogus'" -- "$GCTRAIN" bogus

# --- a lock file is never followed through a link, nor taken over from a file that is not ours
echo "victim" > "$T/victim.txt"
ln -s victim.txt "$T/sl.ck.lock"
expect 1 "sl.ck.lock is a symbolic link, not a lock file of gctrain's" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/sl.ck"
[ "$(cat "$T/victim.txt")" = victim ] && [ ! -e "$T/sl.ck" ] && ok || bad "a symlinked lock was followed: $(cat "$T/victim.txt")"
ln -s "$T/created-by-lock.txt" "$T/dl.ck.lock"
expect 1 "dl.ck.lock is a symbolic link" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/dl.ck"
[ ! -e "$T/created-by-lock.txt" ] && ok || bad "a dangling lock link created its target"
ln "$T/victim.txt" "$T/hl.ck.lock"
expect 1 "hl.ck.lock has 2 links" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/hl.ck"
[ "$(cat "$T/victim.txt")" = victim ] && ok || bad "a hard-linked lock overwrote its other name: $(cat "$T/victim.txt")"
echo "my notes" > "$T/fl.ck.lock"
expect 1 "fl.ck.lock holds something other than a gctrain process id" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/fl.ck"
grep -q "my notes" "$T/fl.ck.lock" && ok || bad "a foreign lock file was overwritten"
echo 999999 > "$T/stale.ck.lock"  # left by a run killed with -9: taken over
expect 0 "" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/stale.ck"
[ ! -e "$T/stale.ck.lock" ] && ok || bad "a stale lock stayed"

# --- outputs follow the umask, as any program's would
(umask 077
 "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/um.ck" --save-model "$T/um.gmod" >/dev/null
 "$GCTRAIN" export --model "$T/um.gmod" --c-array "$T/um.c" >/dev/null
 "$CIFAR2BLOB" -q "$T/src" "$T/um_data"
 "$GCTRAIN" study --data "$D" --out "$T/um_study" "${M[@]}" --optimizers sgd --seeds 1 --epochs 1 --subset 50 -q >/dev/null)
modes=$(stat -c '%a' "$T/um.ck" "$T/um.gmod" "$T/um.c" "$T/um.h" "$T/um_data/train.blob" "$T/um_data/test.blob" \
  "$T/um_study/report.md" "$T/um_study/study.json" "$T/um_study/runs/0.json" | sort -u | tr '\n' ' ')
[ "$modes" = "600 " ] && ok || bad "under umask 077 outputs were written with modes $modes"
(umask 022; "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --save-model "$T/um022.gmod" >/dev/null)
[ "$(stat -c '%a' "$T/um022.gmod")" = 644 ] && ok || bad "under umask 022: mode $(stat -c '%a' "$T/um022.gmod")"

# --- evaluate and export stop on a signal, exit 128 + its number and leave nothing; train stops on
# SIGHUP (a closed terminal) as on SIGTERM
mkdir -p "$T/evsrc"; "$MAKE" "$T/evsrc" 2000 10 >/dev/null; "$CIFAR2BLOB" -q "$T/evsrc" "$T/evdata"
"$GCTRAIN" train --data "$T/evdata" --net conv3x3:64,conv3x3:64,conv3x3:64,gap,dense:100 --batch 10 --epochs 1 --subset 10 -q \
  --save-model "$T/slow.gmod" >/dev/null
"$GCTRAIN" evaluate --model "$T/slow.gmod" --data "$T/evdata" --split train >/dev/null 2>&1 &
pid=$!; sleep 0.3; kill -INT "$pid"; wait "$pid"; rc=$?
[ "$rc" = 130 ] && ok || bad "evaluate after SIGINT: exit $rc, want 130"
"$GCTRAIN" train --data "$D" --layers 3072,2000,100 --batch 50 --epochs 1 --subset 50 -q --save-model "$T/big.gmod" >/dev/null
for sig in TERM HUP INT; do
  mkdir -p "$T/exp_$sig"
  "$GCTRAIN" export --model "$T/big.gmod" --c-array "$T/exp_$sig/model.c" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 15000); do ls "$T/exp_$sig" | grep -q '\.tmp\.' && break; sleep 0.002; done
  kill -"$sig" "$pid"; wait "$pid"; rc=$?
  want=$((128 + $(kill -l "$sig")))
  [ "$rc" = "$want" ] && [ -z "$(ls "$T/exp_$sig")" ] && ok || bad "export after SIG$sig: exit $rc (want $want), left: $(ls "$T/exp_$sig")"
done
"$GCTRAIN" train --data "$D" --layers 3072,256,100 --batch 10 --epochs 200 -q --checkpoint "$T/hup.ck" >/dev/null 2>&1 &
pid=$!
wait_for "$T/hup.ck"
kill -HUP "$pid"; wait "$pid"; rc=$?
[ "$rc" = 130 ] && [ ! -e "$T/hup.ck.lock" ] && [ -z "$(ls "$T" | grep 'hup.ck.tmp')" ] && ok || bad "train after SIGHUP: exit $rc, $(ls "$T" | grep hup)"

# --- outputs that are one file under two names are refused before training, not after it
cd "$T"
expect 1 "--save-model ./same.ck and --checkpoint same.ck are the same file" -- \
  "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint same.ck --save-model ./same.ck
cd - >/dev/null
[ ! -e "$T/same.ck" ] && ok || bad "the run trained before refusing its outputs"
mkdir -p "$T/linked"; ln -s "$T/linked" "$T/linkdir"
expect 1 "are the same file" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$T/linked/x.ck" --save-model "$T/linkdir/x.ck"
ln -s "$D/test.blob" "$T/test_link"
expect 1 "--save-model .*test_link is the data file" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --save-model "$T/test_link"
expect 1 "--checkpoint .*data/./train.blob is the data file" -- "$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --checkpoint "$D/./train.blob"

# --- shapes are checked against the data before any run: plan, and a study that leaves nothing
expect 1 "the network reads 1x32x96 images, the data has 3x32x32" -- "$GCTRAIN" plan --net conv3x3:4,dense:100 --image 1x32x96 --data "$D"
expect 1 "the network reads 1x32x96 images, the data has 3x32x32" -- \
  "$GCTRAIN" study --data "$D" --out "$T/img_study" --net conv3x3:4,dense:100 --image 1x32x96 --optimizers sgd --seeds 1 --epochs 1 --subset 50 -q
[ ! -e "$T/img_study" ] && ok || bad "a refused study left its folder: $(ls "$T/img_study")"
expect 0 "2 of 2 runs" -- \
  "$GCTRAIN" study --data "$D" --out "$T/img_study" --net conv3x3:4,dense:100 --image 3x32x32 --optimizers sgd --seeds 1 --epochs 1 --subset 50 -q
expect 1 "the arena of one run needs [0-9]+ bytes, but" -- \
  "$GCTRAIN" study --data "$D" --out "$T/mem_study" --layers 3072,2000000,100 --optimizers adam --seeds 1 --epochs 1 -q
[ ! -e "$T/mem_study" ] && ok || bad "a study refused for its memory left its folder: $(ls "$T/mem_study")"
expect 0 "planned 2 runs" -- "$GCTRAIN" study --data "$D" --out "$T/mem_plan" --layers 3072,2000000,100 --optimizers adam --seeds 1 --epochs 1 --plan-only
expect 2 "--net and --layers-grid cannot be combined" -- \
  "$GCTRAIN" study --data "$D" --out "$T/grid" --net conv3x3:4,dense:100 --layers-grid '3072,10,100;3072,20,100'
expect 2 "--layers and --layers-grid cannot be combined" -- \
  "$GCTRAIN" study --data "$D" --out "$T/grid" --layers 3072,10,100 --layers-grid '3072,10,100;3072,20,100'
[ ! -e "$T/grid" ] && ok || bad "a refused study left its folder"

# --- evaluate checks the memory as train does
"$GCTRAIN" train --data "$D" --net conv3x3:256,gap,dense:100 --batch 10 --epochs 1 --subset 10 -q --save-model "$T/wide.gmod" >/dev/null
expect 1 "the predictor's arena needs [0-9]+ bytes, but (the system has [0-9]+ bytes available|the container's memory limit).*--ignore-memory-limit" -- \
  "$GCTRAIN" evaluate --model "$T/wide.gmod" --data "$D" --batch 65536

# --- the study's report says which augmentation was used
for a in crop flip crop,flip; do
  "$GCTRAIN" study --data "$D" --out "$T/aug_$a" "${M[@]}" --optimizers sgd --seeds 1 --epochs 1 --augment "$a" --plan-only -q >/dev/null
  "$GCTRAIN" study --out "$T/aug_$a" --collect -q >/dev/null
done
grep -q "augmentation: crop (random crop of the image padded by 4 pixels)$" "$T/aug_crop/report.md" &&
  grep -q "augmentation: flip (horizontal flip of half the images)$" "$T/aug_flip/report.md" &&
  grep -q "augmentation: crop,flip (random crop of the image padded by 4 pixels, horizontal flip of half the images)$" "$T/aug_crop,flip/report.md" &&
  ok || bad "the report describes augmentation wrongly: $(grep -h augmentation "$T"/aug_*/report.md)"

# --- integer options out of their type's range are refused, not clamped
expect 2 "--seed: must be at most 18446744073709551615, got 18446744073709551616" -- "$GCTRAIN" train --data "$D" --seed 18446744073709551616
expect 2 "--checkpoint-every: must be at most 18446744073709551615, got 99999999999999999999999" -- "$GCTRAIN" train --data "$D" --checkpoint-every 99999999999999999999999
expect 2 "--first-seed: must be at most 18446744073709551615" -- "$GCTRAIN" study --data "$D" --out "$T/big_seed" --first-seed 18446744073709551616
expect 2 "--run-job: must be at most 9223372036854775807" -- "$GCTRAIN" study --out "$T/spec" --run-job 9223372036854775808
expect 2 "--subset: must be at most 4294967295, got 4294967296" -- "$GCTRAIN" train --data "$D" --subset 4294967296
expect 2 "--batch: must be a whole number from 1 to 65536, got '1.5'" -- "$GCTRAIN" train --data "$D" --batch 1.5
expect 2 "--limit: must be at most 4294967295" -- "$CIFAR2BLOB" "$T/src" "$T/lim" --limit 4294967296
out=$("$GCTRAIN" train --data "$D" "${M[@]}" --epochs 1 -q --seed 18446744073709551615 --json); rc=$?
[ "$rc" = 0 ] && [ "$(field seed "$out")" = 18446744073709551615 ] && ok || bad "the largest seed: rc $rc: $out"

# --- cifar2blob: no mixed pair from an input with one split, no foreign file replaced, no empty path
cp -r "$D" "$T/pair100"; mkdir -p "$T/trainonly"; cp "$T/src/train.bin" "$T/src/"*names.txt "$T/trainonly/"
train_sum=$(cksum < "$T/pair100/train.blob") test_sum=$(cksum < "$T/pair100/test.blob")
expect 1 "has no test split, but .*pair100/test.blob holds one from another conversion" -- "$CIFAR2BLOB" "$T/trainonly" "$T/pair100" --classes 10
same "$T/pair100/train.blob" "$train_sum" && same "$T/pair100/test.blob" "$test_sum" && ok || bad "a train-only input made a mixed pair"
expect 0 "wrote .*trainonly_out/train.blob" -- "$CIFAR2BLOB" "$T/trainonly" "$T/trainonly_out" --classes 10
mkdir -p "$T/foreign"; echo "my notes" > "$T/foreign/test.blob"
expect 1 "refusing to overwrite .*foreign/test.blob with a blob: it holds something else" -- "$CIFAR2BLOB" "$T/src" "$T/foreign"
grep -q "my notes" "$T/foreign/test.blob" && [ ! -e "$T/foreign/train.blob" ] && ok || bad "cifar2blob replaced a file that is not a blob"
mkdir -p "$T/testonly"; cp "$T/src/test.bin" "$T/src/"*names.txt "$T/testonly/"
expect 1 "has no train split, but .*pair100/train.blob holds one from another conversion" -- "$CIFAR2BLOB" "$T/testonly" "$T/pair100" --classes 10
same "$T/pair100/train.blob" "$train_sum" && same "$T/pair100/test.blob" "$test_sum" && ok || bad "a test-only input made a mixed pair"
mkdir -p "$T/foreign_c"; echo "int main(void) { return 0; }" > "$T/foreign_c/train_blob.c"
expect 1 "refusing to overwrite .*foreign_c/train_blob.c with generated C source" -- "$CIFAR2BLOB" "$T/src" "$T/foreign_c" --c-array
grep -q "int main" "$T/foreign_c/train_blob.c" && [ ! -e "$T/foreign_c/train.blob" ] && ok || bad "cifar2blob --c-array replaced a file of the user's"
expect 2 "OUTDIR: must not be empty" -- "$CIFAR2BLOB" "$T/src" ""
expect 2 "INPUT: must not be empty" -- "$CIFAR2BLOB" "" "$T/empty_in"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
