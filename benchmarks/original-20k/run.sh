#!/usr/bin/env bash
# Scores issue 14's reproduction run (`--preset original`, 20000 steps) with the protocol fixed in HEADER.md:
# DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seeds 0-2, and unguided DDPM-1000, one sample per
# cell, seed 0, on the MATR-1 test split (bundled) and the MATR-2 test split (../shared). Results go to
# <folder>/<model label>/results/ and are summarised into RESULTS.md by benchmarks/summarize-tests.mjs.
# An EMA snapshot of the run is scored the same way, DPM-Solver++ seed 0 only, as a learning-curve point.
# Usage: benchmarks/original-20k/run.sh [model dir (default out/original-20k/model)] [label (default step-20000)]
#        benchmarks/original-20k/run.sh out/original-20k/snapshots/step-10000 step-10000
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${DIFFBATT_SHARED:-../shared}
folder=benchmarks/original-20k
model=${1:-out/original-20k/model}
label=${2:-step-20000}
diffbatt() { node --conditions=@diffbatt/source --import tsx apps/cli/src/bin.ts "$@"; }

[ -f "$model/diffbatt.json" ] || { echo "no model at $model (train it first, see $folder/HEADER.md)" >&2; exit 1; }
seeds="0 1 2"
ddpm=yes
case "$label" in step-20000) ;; *) seeds=0 ddpm=no ;; esac

score() { # split data seed sampler-options... ; the result file is named after the settings
  local split=$1 data=$2 seed=$3 name=$4
  shift 4
  local out="$folder/$split/$label/results/$name-seed$seed.json"
  [ -f "$out" ] && { echo "$split $label $name seed $seed: cached"; return; }
  mkdir -p "$(dirname "$out")"
  diffbatt test --model "$model" --data "$data" --guidance 0 --seed "$seed" --workers 2 --json "$out" "$@" > /dev/null
  echo "$split $label $name seed $seed done"
}
for split in matr_1 matr_2; do
  data=data/matr1/test.dbds
  [ "$split" = matr_2 ] && data=$shared/data/diffbatt/data/matr_2_test_ds
  for seed in $seeds; do
    score "$split" "$data" "$seed" dpm-solver++-20-x32-w0 --sampler dpm-solver++ --steps 20 --samples 32
  done
  [ "$ddpm" = yes ] && score "$split" "$data" 0 ddpm-1000-x1-w0 --sampler ddpm --samples 1
  [ -f "$folder/$split/HEADER.md" ] ||
    printf '# `--preset original`, 20000 steps and its snapshots, on the %s test split\n\nProtocol: ../HEADER.md. Rows name the step of the run.\n' "$split" > "$folder/$split/HEADER.md"
  node benchmarks/summarize-tests.mjs "$folder/$split" > /dev/null
done
