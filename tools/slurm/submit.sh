#!/bin/bash
# Submits a planned gctrain study (gctrain study ... --plan-only) as one Slurm job array.
#   tools/slurm/submit.sh OUTDIR [--missing] [extra sbatch options...]
# --missing submits only the runs without a result (after a failure or a cancelled task).
# Prints the array job id. Collect afterwards with: gctrain study --out OUTDIR --collect
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:?usage: submit.sh OUTDIR [--missing] [sbatch options...]}" && pwd)
shift
missing=0
if [ "${1:-}" = "--missing" ]; then missing=1; shift; fi
[ -f "$out/jobs.tsv" ] || { echo "submit.sh: $out/jobs.tsv not found: plan the study with --plan-only" >&2; exit 2; }
# The binary that planned the study (column 7 of jobs.tsv starts with it).
gctrain=$(awk -F'\t' 'NR == 2 { print $7 }' "$out/jobs.tsv" | sed "s/^'\([^']*\)'.*/\1/")
indices=()
while IFS=$'\t' read -r index _; do
  [[ "$index" == \#* ]] && continue
  if [ "$missing" = 1 ] && [ -f "$out/runs/$index.json" ]; then continue; fi
  indices+=("$index")
done < "$out/jobs.tsv"
if [ "${#indices[@]}" = 0 ]; then echo "submit.sh: nothing to run" >&2; exit 0; fi
# Consecutive indices become ranges: 0-7,9,12-15.
array=$(printf '%s\n' "${indices[@]}" | awk '
  NR == 1 { start = prev = $1; next }
  $1 == prev + 1 { prev = $1; next }
  { out = out (out ? "," : "") (start == prev ? start : start "-" prev); start = prev = $1 }
  END { print out (out ? "," : "") (start == prev ? start : start "-" prev) }')
mkdir -p "$out/logs"
sbatch --parsable --array="$array" --output="$out/logs/%A_%a.out" \
  --export=ALL,GCTRAIN="$gctrain",STUDY_OUT="$out" "$@" "$here/gctrain-array.sbatch"
