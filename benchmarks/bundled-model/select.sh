#!/usr/bin/env bash
# The bundled-model rule of issue 14's fixed-budget runs (benchmarks/original-20k/HEADER.md): candidates are
# scored on the 20 CLO test cells that are in none of MATR-1 train, MATR-1 test and MATR-2 test (the
# calibration cells of `pnpm bench:calibration`, by @diffbatt/datasets-diffbatt's leakage rules), with
# DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seed 0; the lower median-of-samples life RMSE
# there is bundled. The test splits are never read. Scores are cached as <folder>/<label>.json.
# Usage: benchmarks/bundled-model/select.sh <folder> <label>=<model dir>[+<ensemble dir>...]...
#        (a seed ensemble: the model's curves pooled with those of the dirs after +, diffbatt test --ensemble)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: $0 <results folder> <label>=<model dir>..." >&2; exit 2; }
shared=${DIFFBATT_SHARED:-../shared}
folder=$1
shift
diffbatt() { node --conditions=@diffbatt/source --import tsx apps/cli/src/bin.ts "$@"; }
clo=clo_test/3,clo_test/4,clo_test/5,clo_test/6,clo_test/10,clo_test/14,clo_test/18,clo_test/27,clo_test/31,clo_test/32
clo=$clo,clo_test/33,clo_test/36,clo_test/37,clo_test/42,clo_test/43,clo_test/49,clo_test/50,clo_test/52,clo_test/54,clo_test/59
mkdir -p "$folder"
for candidate in "$@"; do
  label=${candidate%%=*} models=${candidate#*=}
  model=${models%%+*} ensemble=
  [ "$model" = "$models" ] || ensemble=${models#*+}
  out="$folder/$label.json"
  [ -f "$model/diffbatt.json" ] || { echo "$label: no model at $model yet"; continue; }
  [ -f "$out" ] || diffbatt test --model "$model" ${ensemble:+--ensemble "${ensemble//+/,}"} --data "$shared/data/diffbatt/data/clo_test_ds" --cells "$clo" \
    --sampler dpm-solver++ --steps 20 --samples 32 --guidance 0 --seed 0 --workers 2 --json "$out" > /dev/null
  node -e 'const r = require(process.argv[1]); console.log(process.argv[2], r.cells, "CLO cells, life RMSE (median of samples)", r.medianOfSamples.rulRmse.toFixed(1))' "$PWD/$out" "$label"
done
