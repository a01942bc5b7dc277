#!/bin/bash
# cifar2blob on the real archive against plain decompression (gzip -dc > /dev/null), alternated in
# one run; prints the median times and their ratio (target <= 1.5).
#   bench/convert_bench.sh [ARCHIVE] [REPS] [CIFAR2BLOB]
set -euo pipefail
ARCHIVE=${1:-../shared/data/cifar-100-binary.tar.gz}
REPS=${2:-5}
C2B=${3:-build/tools/cifar2blob}
OUT=$(mktemp -d /tmp/gct_convert_bench_XXXXXX)
trap 'rm -rf "$OUT"' EXIT
now() { date +%s.%N; }
c2b=() gz=()
for _ in $(seq 1 "$REPS"); do
  t0=$(now); "$C2B" -q "$ARCHIVE" "$OUT"; t1=$(now)
  gzip -dc "$ARCHIVE" > /dev/null; t2=$(now)
  c2b+=("$(awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }')")
  gz+=("$(awk -v a="$t2" -v b="$t1" 'BEGIN { print a - b }')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mc=$(median "${c2b[@]}") mg=$(median "${gz[@]}")
echo "cifar2blob: ${c2b[*]}"
echo "gzip -dc:   ${gz[*]}"
awk -v c="$mc" -v g="$mg" 'BEGIN { printf "median cifar2blob %.2f s, gzip -dc %.2f s, ratio %.2f\n", c, g, c / g }'
ls -l "$OUT"/*.blob | awk '{ print "  " $5 " bytes  " $9 }'
