#!/bin/bash
# Builds examples/board-app - a separate Meson project taking gctrain as a subproject - for a
# Cortex-M4F and runs it in qemu-system-arm:
#   1. data: 8x8 gray CIFAR-100 images of 10 classes, 2000 training and 1000 test (cifar2blob
#      --c-array) from ARCHIVE (default ../shared/data/cifar-100-binary.tar.gz), or from synthetic
#      CIFAR-100 files when the archive is absent;
#   2. the model: pre-trained on the host on the first 1000 training images (gctrain train
#      --save-model), written as C (gctrain export --c-array);
#   3. the board project: configured with its own cross file, subprojects/gctrain pointing at this
#      repository; it predicts, fine-tunes on the other 1000 images one at a time, and predicts again.
#   scripts/board-app.sh [ARCHIVE]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ARCHIVE=${1:-../shared/data/cifar-100-binary.tar.gz}
HOSTBUILD=${HOSTBUILD:-build}
if [ ! -x "$HOSTBUILD/src/cli/gctrain" ]; then scripts/build.sh; HOSTBUILD=build; fi
DATA=$ROOT/build-board-data
rm -rf "$DATA" "$DATA.src"
src=$ARCHIVE
if [ ! -f "$ARCHIVE" ]; then
  echo "board-app.sh: $ARCHIVE not found, using synthetic CIFAR-100 files"
  mkdir -p "$DATA.src"
  "$HOSTBUILD/tests/make_cifar100" "$DATA.src" 5000 1000
  src=$DATA.src
fi
"$HOSTBUILD/tools/cifar2blob" "$src" "$DATA" --resize 8x8 --grayscale --classes 10 --limit 2000 --c-array -q
"$HOSTBUILD/src/cli/gctrain" train --data "$DATA" --layers 64,32,10 --subset 1000 --epochs 10 --batch 16 \
  --optimizer adam --lr 0.003 --gc grad --schedule constant -q --save-model "$DATA/model.gmod"
"$HOSTBUILD/src/cli/gctrain" evaluate --model "$DATA/model.gmod" --data "$DATA" | sed 's/^/host: /'
"$HOSTBUILD/src/cli/gctrain" export --model "$DATA/model.gmod" --c-array "$DATA/model.c" >/dev/null

# The board project as its developer has it: its own folder, gctrain under subprojects/.
work=$ROOT/build-board-app
rm -rf "$work"
mkdir -p "$work/subprojects"
cp -r examples/board-app "$work/src"
mkdir -p "$work/src/subprojects"
ln -s "$ROOT" "$work/src/subprojects/gctrain"
meson setup "$work/build" "$work/src" --cross-file "$work/src/cortex-m4f.ini" -Ddata="$DATA" >"$work/setup.txt" 2>&1 ||
  { cat "$work/setup.txt"; exit 1; }
if grep -n "WARNING" "$work/setup.txt"; then echo "board-app.sh: configuring the board project warns"; exit 1; fi
meson compile -C "$work/build" >"$work/compile.txt" 2>&1 || { tail -40 "$work/compile.txt"; exit 1; }
meson test -C "$work/build" --print-errorlogs
grep -E "^(board app|predictor arena|fine-tuning|  [a-z_]+ [0-9]|  \(training|before|after|prediction)" \
  "$work/build/meson-logs/testlog.txt" || true
elf=$work/build/board-app.elf
echo "size report (board app, cortex-m4f):"
arm-none-eabi-size -A "$elf" | awk '$1 ~ /^\.(text|data|bss|stack)$/ { printf "  %-8s %8d bytes\n", $1, $2 }'
blobs=$(( $(stat -c %s "$DATA/train.blob") + $(stat -c %s "$DATA/test.blob") + $(stat -c %s "$DATA/model.gmod") ))
text=$(arm-none-eabi-size -A "$elf" | awk '$1 == ".text" { print $2 }')
echo "  flash: $text bytes of .text: $blobs of data and model, $((text - blobs)) code and constants"
