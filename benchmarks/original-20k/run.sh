#!/usr/bin/env bash
# Scores issue 14's reproduction run (`--preset original`, 20000 steps) with the protocol fixed in HEADER.md:
# DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seeds 0-2, and unguided DDPM-1000, one sample per
# cell, seed 0, on the MATR-1 test split (bundled) and the MATR-2 test split (../shared). Results go to
# <folder>/<split>/<label>/results/, summarised into <folder>/<split>/RESULTS.md and benchmarks/results/accuracy-<split>-original-20k.json (BENCHMARKS.md after `pnpm bench:report`) by benchmarks/summarize-tests.mjs.
# An EMA snapshot of the run is scored the same way, DPM-Solver++ seed 0 only, as a learning-curve point.
# Usage: benchmarks/original-20k/run.sh [model dir (default out/original-20k/model)] [label (default step-20000)]
#        benchmarks/original-20k/run.sh out/original-20k/snapshots/step-10000 step-10000
#        SPLITS=matr_1 benchmarks/original-20k/run.sh ...   (one split only)
#        benchmarks/original-20k/run.sh --select   (the bundled-model rule of HEADER.md: both candidates on the
#        20 leakage-free CLO cells, results/selection/<label>.json)
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${DIFFBATT_SHARED:-../shared}
folder=benchmarks/original-20k
diffbatt() { node --conditions=@diffbatt/source --import tsx apps/cli/src/bin.ts "$@"; }

if [ "${1:-}" = --select ]; then
  exec benchmarks/bundled-model/select.sh "$folder/results/selection" step-20000=out/original-20k/model fast-12k=packages/model-matr1/model
fi
model=${1:-out/original-20k/model}
label=${2:-step-20000}

[ -f "$model/diffbatt.json" ] || { echo "no model at $model (train it first, see $folder/HEADER.md)" >&2; exit 1; }
seeds="0 1 2"
ddpm=yes
# snapshots: seed 0 only; another model for comparison (e.g. `out/released-weights/matr_1_ema released`, imported
# by benchmarks/released-weights/run.sh): seeds 0-2, no DDPM-1000 (the released-weights bench has it)
case "$label" in step-20000) ;; step-*) seeds=0 ddpm=no ;; *) ddpm=no ;; esac

score() { # split data seed sampler-options... ; the result file is named after the settings
  local split=$1 data=$2 seed=$3 name=$4
  shift 4
  local out="$folder/$split/$label/results/$name-seed$seed.json"
  [ -f "$out" ] && { echo "$split $label $name seed $seed: cached"; return; }
  mkdir -p "$(dirname "$out")"
  diffbatt test --model "$model" --data "$data" --guidance 0 --seed "$seed" --workers 2 --json "$out" "$@" > /dev/null
  echo "$split $label $name seed $seed done"
}
for split in ${SPLITS:-matr_1 matr_2}; do
  data=data/matr1/test.dbds
  [ "$split" = matr_2 ] && data=$shared/data/diffbatt/data/matr_2_test_ds
  for seed in $seeds; do
    score "$split" "$data" "$seed" dpm-solver++-20-x32-w0 --sampler dpm-solver++ --steps 20 --samples 32
  done
  [ "$ddpm" = yes ] && score "$split" "$data" 0 ddpm-1000-x1-w0 --sampler ddpm --samples 1
  name=MATR-1
  [ "$split" = matr_2 ] && name=MATR-2
  node --import tsx benchmarks/summarize-tests.mjs "$folder/$split" "accuracy-$split-original-20k" "$name" > /dev/null
done
