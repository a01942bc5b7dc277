#!/bin/bash
# The main job in one command: set up, build, convert the CIFAR-100 archive and run the GC study.
#   scripts/run-study.sh [ARCHIVE] [OUTDIR] [gctrain study options...]
# ARCHIVE defaults to ../shared/data/cifar-100-binary.tar.gz, OUTDIR to out/study. Without study
# options it runs the README's study: 10 seeds, learning rates tuned on 5,000 held-out samples.
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHIVE=${1:-../shared/data/cifar-100-binary.tar.gz}
OUT=${2:-out/study}
shift $(( $# > 2 ? 2 : $# ))
scripts/setup-debian.sh
scripts/build.sh
./build/tools/cifar2blob "$ARCHIVE" out/cifar100
[ $# -gt 0 ] || set -- --seeds 10 --tune --val 5000
./build/src/cli/gctrain study --data out/cifar100 --out "$OUT" --jobs "$(nproc)" "$@"
echo "report: $OUT/report.md"
