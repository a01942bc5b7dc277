#!/bin/bash
# Model files through the command line: train --save-model, evaluate, export --c-array, fine-tuning
# with --from-model and --freeze, plan --freeze/--predict, and the refusals that protect files.
# usage: model_cli_test.sh GCTRAIN CIFAR2BLOB MAKE_CIFAR100
set -u
GCTRAIN=$(realpath "$1") CIFAR2BLOB=$(realpath "$2") MAKE=$(realpath "$3")
T=$(mktemp -d /tmp/gct_model_XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/cli_helpers.sh"
field() { sed -n "s/.*\"$1\":\([0-9.e-]*\).*/\1/p" <<<"$2"; }

mkdir -p "$T/src"
"$MAKE" "$T/src" 600 200 >/dev/null || { echo "cannot make data"; exit 1; }
"$CIFAR2BLOB" "$T/src" "$T/data" -q || { echo "cannot convert data"; exit 1; }
M=(--layers 3072,32,100 --optimizer sgdm --gc grad --epochs 2 -q)

# A saved model scores on the test split exactly what its training run's last evaluation scored:
# float, and fixed point (evaluated at its training batch by default).
for scalar in float fixed; do
  out=$("$GCTRAIN" train --data "$T/data" "${M[@]}" --scalar "$scalar" --save-model "$T/$scalar.gmod" --json)
  grep -q "\"model\":\"$T/$scalar.gmod\"" <<<"$out" && ok || bad "train --save-model ($scalar): $out"
  ev=$("$GCTRAIN" evaluate --model "$T/$scalar.gmod" --data "$T/data" --json)
  [ -n "$(field top1 "$out")" ] && [ "$(field top1 "$out")" = "$(field top1 "$ev")" ] &&
    [ "$(field test_loss "$out")" = "$(field loss "$ev")" ] && ok ||
    bad "evaluate ($scalar) does not repeat the training run's figures: $out // $ev"
  grep -q '"parameters":0,"gradients":0,"optimizer_state":0' <<<"$ev" && ok || bad "the predictor's arena holds training state: $ev"
done
expect 0 "model .*float.gmod \(3072-32-100, float32, trained 10 steps at batch 128\).*test split, 200 samples" -- \
  "$GCTRAIN" evaluate --model "$T/float.gmod" --data "$T/data"
expect 0 "train split, 600 samples, batch 7" -- "$GCTRAIN" evaluate --model "$T/float.gmod" --data "$T/data" --split train --batch 7

# export: a C array that compiles as C, and a header with the shape.
expect 1 "cannot write .*out/model.c" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/model.c"
mkdir -p "$T/out"
expect 0 "model.c and .*model.h: gct_model \([0-9]* bytes, 3072-32-100" -- \
  "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/model.c"
grep -q "#define GCT_MODEL_LAYER_SIZE_1 32u" "$T/out/model.h" && grep -q "#define GCT_MODEL_FIXED_POINT 0u" "$T/out/model.h" &&
  ok || bad "export: header constants: $(cat "$T/out/model.h")"
if command -v cc >/dev/null; then
  cc -std=c11 -Wall -Werror -c "$T/out/model.c" -o "$T/out/model.o" && ok || bad "the exported model does not compile as C"
fi
expect 0 "gct_model" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/model.c"  # its own output: replaced
echo "int main(void) { return 0; }" > "$T/out/main.c"
expect 1 "refusing to overwrite .*main.c" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/main.c"
grep -q "int main" "$T/out/main.c" && ok || bad "export overwrote a file of the user's"
expect 2 "must end in .c" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/model.txt"
expect 2 "not a C identifier" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/x.c" --name 9lives

# Fine-tuning: the layers and arithmetic come from the model; frozen layers keep its bytes exactly.
out=$("$GCTRAIN" train --data "$T/data" --from-model "$T/float.gmod" --freeze 1 --optimizer adam --epochs 1 -q \
  --save-model "$T/tuned.gmod" --json)
grep -q '"layers":"3072-32-100".*"freeze":1' <<<"$out" && ok || bad "train --from-model --freeze: $out"
w1=$((4 * 32 * 3072))
cmp -s <(tail -c +257 "$T/float.gmod" | head -c $w1) <(tail -c +257 "$T/tuned.gmod" | head -c $w1) &&
  ok || bad "the frozen layer's weights changed in fine-tuning"
cmp -s "$T/float.gmod" "$T/tuned.gmod" && bad "fine-tuning changed nothing" || ok
expect 1 "the model file has layers 3072-32-100, this run 3072-64-100" -- \
  "$GCTRAIN" train --data "$T/data" --from-model "$T/float.gmod" --layers 3072,64,100 --epochs 1 -q
expect 2 "freezing 2 layers leaves nothing to train: the model has 2 weight layers" -- \
  "$GCTRAIN" train --data "$T/data" --from-model "$T/float.gmod" --freeze 2 --epochs 1 -q
expect 1 "missing.gmod" -- "$GCTRAIN" train --data "$T/data" --from-model "$T/missing.gmod" --epochs 1 -q
# A resume must start from the same model file as the run it continues.
expect 0 "" -- "$GCTRAIN" train --data "$T/data" --from-model "$T/float.gmod" --freeze 1 --epochs 1 -q --checkpoint "$T/ft.ckpt"
expect 1 "checkpoint was made starting from model file [0-9a-f]{8}, this run from no model file" -- \
  "$GCTRAIN" train --data "$T/data" --layers 3072,32,100 --freeze 1 --epochs 2 -q --checkpoint "$T/ft.ckpt" --resume
expect 0 "" -- "$GCTRAIN" train --data "$T/data" --from-model "$T/float.gmod" --freeze 1 --epochs 2 -q --checkpoint "$T/ft.ckpt" --resume

# Plans: frozen layers need no gradients or optimizer state; predictions need neither parameters.
full=$("$GCTRAIN" plan --optimizer adam --json)
frozen=$("$GCTRAIN" plan --optimizer adam --freeze 2 --json)
predict=$("$GCTRAIN" plan --predict --batch 1 --json)
[ "$(field arena_bytes "$frozen")" -lt "$(field arena_bytes "$full")" ] && grep -q '"freeze":2' <<<"$frozen" && ok ||
  bad "plan --freeze 2 is not smaller: $frozen // $full"
grep -q '"predictions_only":true.*"parameters":0,"gradients":0,"optimizer_state":0' <<<"$predict" && ok ||
  bad "plan --predict: $predict"

# Refusals: a corrupt model, a foreign file or an input as --save-model.
cp "$T/float.gmod" "$T/bad.gmod"
printf '\x55' | dd of="$T/bad.gmod" bs=1 seek=5000 conv=notrunc status=none
expect 1 "bad.gmod: model file payload checksum mismatch" -- "$GCTRAIN" evaluate --model "$T/bad.gmod" --data "$T/data"
expect 1 "data.*not a gctrain model file" -- "$GCTRAIN" evaluate --model "$T/data/test.blob" --data "$T/data"
echo "my notes" > "$T/notes.txt"
expect 1 "refusing to overwrite .*notes.txt with a model file" -- "$GCTRAIN" train --data "$T/data" "${M[@]}" --save-model "$T/notes.txt"
grep -q "my notes" "$T/notes.txt" && ok || bad "--save-model overwrote a foreign file"
expect 1 "--save-model .*train.blob is the data file" -- "$GCTRAIN" train --data "$T/data" "${M[@]}" --save-model "$T/data/train.blob"
expect 1 "--save-model .*float.gmod is the model file" -- \
  "$GCTRAIN" train --data "$T/data" --from-model "$T/float.gmod" --epochs 1 -q --save-model "$T/float.gmod"
expect 2 "--save-model" -- "$GCTRAIN" train --data "$T/data" "${M[@]}" --save-model ""

# export --name: a name the generated C cannot declare is refused before anything is written; the
# names allowed compile, as C and as C++.
for name in int _Bool register bool class; do
  expect 2 "$name is a C or C\+\+ keyword" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/kw.c" --name "$name"
done
expect 2 "_Foo is reserved to the C implementation" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/kw.c" --name _Foo
expect 2 "__x is reserved to the C implementation" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/kw.c" --name __x
for name in size_t uint8_t NULL INT8_MAX; do
  expect 2 "$name is already defined by <stddef.h> or <stdint.h>" -- "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/kw.c" --name "$name"
done
[ ! -e "$T/out/kw.c" ] && ok || bad "a refused --name wrote its file"
if command -v cc >/dev/null; then
  for name in int8 model_int If x_t; do
    "$GCTRAIN" export --model "$T/float.gmod" --c-array "$T/out/n_$name.c" --name "$name" >/dev/null &&
      printf '#include "n_%s.h"\nsize_t f(void) { return %s_size + sizeof %s; }\n' "$name" "$name" "$name" > "$T/out/use_$name.c" &&
      cc -std=c11 -Wall -Werror -c "$T/out/n_$name.c" -o "$T/out/n_$name.o" &&
      cc -std=c11 -Wall -Werror -c "$T/out/use_$name.c" -I "$T/out" -o "$T/out/use_$name.o" && ok ||
      bad "export --name $name does not compile"
  done
fi

echo "model_cli_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
