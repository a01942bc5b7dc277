#!/bin/bash
# Builds the bare-metal firmware for a Cortex-M cross file and runs it in qemu-system-arm.
#   scripts/firmware.sh [cortex-m4f|cortex-m7|cortex-m3|cortex-m4] [ARCHIVE]
#   (cortex-m3, cortex-m4: no FPU, fixed point; cortex-m4 with the DSP extension's SMLAD)
# The training data is a CIFAR-100 subset (10 classes, 8x8 grayscale, 1000 images per split) made by
# cifar2blob --c-array from ARCHIVE (default ../shared/data/cifar-100-binary.tar.gz); without the
# archive, from synthetic CIFAR-100 files. Prints the size report (flash and RAM).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-cortex-m4f}
ARCHIVE=${2:-../shared/data/cifar-100-binary.tar.gz}
HOSTBUILD=${HOSTBUILD:-build}
if [ ! -x "$HOSTBUILD/tools/cifar2blob" ]; then scripts/build.sh; HOSTBUILD=build; fi
DATA="$PWD/build-fw-data"
rm -rf "$DATA" "$DATA.src"
if [ ! -f "$DATA/train_blob.c" ]; then
  if [ -f "$ARCHIVE" ]; then
    src="$ARCHIVE"
  else
    echo "firmware.sh: $ARCHIVE not found, using synthetic CIFAR-100 files"
    mkdir -p "$DATA.src"
    "$HOSTBUILD/tests/make_cifar100" "$DATA.src" 5000 1000
    src="$DATA.src"
  fi
  "$HOSTBUILD/tools/cifar2blob" "$src" "$DATA" --resize 8x8 --grayscale --classes 10 --limit 1000 --c-array -q
fi
dir="build-$TARGET"
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" --cross-file "cross/$TARGET.ini" -Dfirmware_data="$DATA" >/dev/null
fi
meson compile -C "$dir" >/dev/null
meson test -C "$dir" --print-errorlogs
grep -E "^(gctrain|arena|instruction|epoch|training|soft-float|step|products|outside|evaluation|parameters|qgemm check)" "$dir/meson-logs/testlog.txt" || true
echo "size report ($TARGET):"
arm-none-eabi-size -A "$dir/firmware/firmware.elf" | awk '$1 ~ /^\.(text|ARM.exidx|data|bss|stack)$/ { printf "  %-11s %8d bytes\n", $1, $2 }'
arena=$(grep -E "^arena: plan" "$dir/meson-logs/testlog.txt" | sed -n 's/.*static array \([0-9]*\).*/\1/p' | sort -n | head -1)  # the MLP's: the smaller
blobs=$(( $(stat -c %s "$DATA/train.blob") + $(stat -c %s "$DATA/test.blob") ))
text=$(arm-none-eabi-size -A "$dir/firmware/firmware.elf" | awk '$1 == ".text" { print $2 }')
echo "  flash: $text bytes of .text, of which $blobs are the two blobs and $((text - blobs)) code and constants"
echo "  RAM: arena ${arena:-?} bytes + stack 16384 bytes + the rest (.data, other .bss)"
# The products' code: the float kernels (gct::dense) or the integer GEMM (qgemm and its helpers).
products=$(arm-none-eabi-nm -S -C "$dir/firmware/firmware.elf" |
  grep -E " gct::dense::| gct::qgemm|gct::\(anonymous namespace\)::(run_block|kernel|pack<|store_tile)" |
  while read -r _ size _; do echo $((16#$size)); done | awk '{ s += $1 } END { print s + 0 }')
echo "  products code: ${products} bytes"
# The CNN firmware: its flash and its arena (the second "arena: plan" line of the log).
cnn_text=$(arm-none-eabi-size -A "$dir/firmware/firmware_cnn.elf" | awk '$1 == ".text" { print $2 }')
cnn_arena=$(grep -E "^arena: plan" "$dir/meson-logs/testlog.txt" | sed -n 's/.*static array \([0-9]*\).*/\1/p' | sort -n | tail -1)
echo "  CNN firmware: flash $((cnn_text - blobs)) bytes of code and constants; RAM: arena ${cnn_arena:-?} bytes + stack 16384 bytes"
