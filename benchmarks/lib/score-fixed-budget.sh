#!/usr/bin/env bash
# Scores a fixed-budget training run of issue 14 with the protocol its HEADER.md fixes: DPM-Solver++ 20,
# x0 clipped, w = 0, 32 samples per cell, seeds 0-2, and unguided DDPM-1000, one sample per cell, seed 0, on
# the MATR-1 test split (bundled) and the other splits' test cells in ../shared (matr_2, snl, cruh, ...). Results go to
# <folder>/<split>/<label>/results/, summarised into <folder>/<split>/RESULTS.md and
# benchmarks/results/accuracy-<split>-<id>.json (BENCHMARKS.md after `pnpm bench:report`) by
# benchmarks/summarize-tests.mjs. An EMA snapshot (label step-<n> other than the final one) is scored with
# DPM-Solver++ seed 0 only, as a learning-curve point; another model for comparison (e.g.
# `out/released-weights/matr_1_ema released`) with seeds 0-2 and no DDPM-1000.
# <folder>/<split>/HEADER.md must exist (what was run and why; summarize-tests.mjs puts it above the table).
# Usage: FOLDER=benchmarks/<run> ID=<id> FINAL=step-<budget> MODEL=<run dir>/model \
#          benchmarks/lib/score-fixed-budget.sh [model dir (default $MODEL)] [label (default $FINAL)]
#        SPLITS=matr_1 ... (one split only)
#        ENSEMBLE=<dir,...> ... (pool further networks with the model: diffbatt test --ensemble; label it, e.g. `ensemble`)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${FOLDER:?}" "${ID:?}" "${FINAL:?}" "${MODEL:?}"
for split in ${SPLITS:-matr_1 matr_2}; do
  [ -f "$FOLDER/$split/HEADER.md" ] || { echo "$FOLDER/$split/HEADER.md is missing: write what was run and why first" >&2; exit 1; }
done
shared=${DIFFBATT_SHARED:-../shared}
diffbatt() { node --conditions=@diffbatt/source --import tsx apps/cli/src/bin.ts "$@"; }
model=${1:-$MODEL}
label=${2:-$FINAL}

[ -f "$model/diffbatt.json" ] || { echo "no model at $model (train it first, see $FOLDER/HEADER.md)" >&2; exit 1; }
seeds="0 1 2"
ddpm=yes
if [ "$label" != "$FINAL" ]; then
  case "$label" in step-*) seeds=0 ddpm=no ;; *) ddpm=no ;; esac
fi

score() { # split data seed sampler-options... ; the result file is named after the settings
  local split=$1 data=$2 seed=$3 name=$4
  shift 4
  local out="$FOLDER/$split/$label/results/$name-seed$seed.json"
  [ -f "$out" ] && { echo "$split $label $name seed $seed: cached"; return; }
  mkdir -p "$(dirname "$out")"
  diffbatt test --model "$model" ${ENSEMBLE:+--ensemble "$ENSEMBLE"} --data "$data" --guidance 0 --seed "$seed" --workers 2 --json "$out" "$@" > /dev/null
  echo "$split $label $name seed $seed done"
}
for split in ${SPLITS:-matr_1 matr_2}; do
  data=$shared/data/diffbatt/data/${split}_test_ds
  [ "$split" = matr_1 ] && data=data/matr1/test.dbds
  for seed in $seeds; do
    score "$split" "$data" "$seed" dpm-solver++-20-x32-w0 --sampler dpm-solver++ --steps 20 --samples 32
  done
  [ "$ddpm" = yes ] && score "$split" "$data" 0 ddpm-1000-x1-w0 --sampler ddpm --samples 1
  name=$(echo "$split" | tr 'a-z_' 'A-Z-')
  node --import tsx benchmarks/summarize-tests.mjs "$FOLDER/$split" "accuracy-$split-$ID" "$name" > /dev/null
done
