#!/bin/bash
# Builds the libFuzzer targets with clang and runs each for a bounded time.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
# Crashes are saved as fuzz-crash-* files in build-fuzz/; turn each into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
if [ ! -f build-fuzz/build.ninja ]; then
  CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dtests=false -Dbench=false -Dnative=false \
    --buildtype=debugoptimized >/dev/null
fi
meson compile -C build-fuzz >/dev/null
mkdir -p build-fuzz/corpus
./build-fuzz/fuzz/make_seeds build-fuzz/corpus
status=0
for target in blob_fuzz checkpoint_fuzz model_fuzz cifar_fuzz archive_fuzz; do
  mkdir -p "build-fuzz/corpus/$target"
  log="build-fuzz/$target.log"
  if ./build-fuzz/fuzz/$target -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -max_len=65536 \
       -artifact_prefix="build-fuzz/fuzz-crash-$target-" "build-fuzz/corpus/$target" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -z "$execs" ] && execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
    echo "$target: ${execs:-?} executions in ${SECONDS_PER_TARGET}s, no crash"
  else
    echo "$target: CRASH — see $log and build-fuzz/fuzz-crash-$target-*"
    status=1
  fi
done
exit $status
