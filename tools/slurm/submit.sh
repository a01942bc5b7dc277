#!/bin/bash
# Submits a planned gctrain study (gctrain study ... --plan-only) as a Slurm job array.
#   tools/slurm/submit.sh OUTDIR [--missing] [extra sbatch options...]
# --missing submits only the runs without a result (after a failure or a cancelled task).
# Prints the array job id. A tuned study (--tune) is two arrays: the tuning runs, then the study's
# runs (lr "tuned" in jobs.tsv) with a dependency on the first, which choose their rates from its
# results; both ids are printed, the study's last. Collect afterwards with:
#   gctrain study --out OUTDIR --collect
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:?usage: submit.sh OUTDIR [--missing] [sbatch options...]}" && pwd)
shift
missing=0
if [ "${1:-}" = "--missing" ]; then missing=1; shift; fi
[ -f "$out/jobs.tsv" ] || { echo "submit.sh: $out/jobs.tsv not found: plan the study with --plan-only" >&2; exit 2; }
# The binary that planned the study (column 7 of jobs.tsv starts with it).
gctrain=$(awk -F'\t' 'NR == 2 { print $7 }' "$out/jobs.tsv" | sed "s/^'\([^']*\)'.*/\1/")
first=() second=()
while IFS=$'\t' read -r index _ _ _ lr _; do
  [[ "$index" == \#* ]] && continue
  if [ "$missing" = 1 ] && [ -f "$out/runs/$index.json" ]; then continue; fi
  if [ "$lr" = tuned ]; then second+=("$index"); else first+=("$index"); fi
done < "$out/jobs.tsv"
if [ "${#first[@]}" = 0 ] && [ "${#second[@]}" = 0 ]; then echo "submit.sh: nothing to run" >&2; exit 0; fi
# Consecutive indices become ranges: 0-7,9,12-15.
ranges() {
  printf '%s\n' "$@" | awk '
    NR == 1 { start = prev = $1; next }
    $1 == prev + 1 { prev = $1; next }
    { out = out (out ? "," : "") (start == prev ? start : start "-" prev); start = prev = $1 }
    END { print out (out ? "," : "") (start == prev ? start : start "-" prev) }'
}
mkdir -p "$out/logs"
submit() {
  sbatch --parsable --array="$1" --output="$out/logs/%A_%a.out" \
    --export=ALL,GCTRAIN="$gctrain",STUDY_OUT="$out" "${@:2}" "$here/gctrain-array.sbatch"
}
after=()
if [ "${#first[@]}" -gt 0 ]; then
  id=$(submit "$(ranges "${first[@]}")" "$@")
  echo "$id"
  # afterany: a study run whose tuning runs failed stops with a message naming them.
  after=(--dependency="afterany:${id%%;*}")
fi
if [ "${#second[@]}" -gt 0 ]; then submit "$(ranges "${second[@]}")" "${after[@]}" "$@"; fi
