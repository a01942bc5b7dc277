#!/bin/bash
# The main job in one command: set up, build, convert the CIFAR-100 archive and run the GC study.
#   scripts/run-study.sh [ARCHIVE] [OUTDIR] [extra gctrain study options...]
# ARCHIVE defaults to ../shared/data/cifar-100-binary.tar.gz, OUTDIR to out/study.
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHIVE=${1:-../shared/data/cifar-100-binary.tar.gz}
OUT=${2:-out/study}
shift $(( $# > 2 ? 2 : $# ))
scripts/setup-debian.sh
scripts/build.sh
./build/tools/cifar2blob "$ARCHIVE" out/cifar100
./build/src/cli/gctrain study --data out/cifar100 --out "$OUT" --jobs "$(nproc)" "$@"
echo "report: $OUT/report.md"
