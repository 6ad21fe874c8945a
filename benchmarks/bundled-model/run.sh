#!/usr/bin/env bash
# The bundled model (models/matr1, trained by `diffbatt train` on data/matr1/train.dbds) on the bundled
# MATR-1 test split: the quick-start setting (DPM-Solver++ 20 steps, 8 samples per cell) over seeds, and
# the original sampler (DDPM 1000 steps, 1 sample per cell). Needs nothing outside the repository.
# Usage: benchmarks/bundled-model/run.sh [seeds...]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=benchmarks/bundled-model
seeds=${*:-0 1 2}
diffbatt() { node --conditions=@diffbatt/source --import tsx apps/cli/src/bin.ts "$@"; }
mkdir -p "$out/results"
for seed in $seeds; do
  diffbatt test --model models/matr1 --data data/matr1/test.dbds --sampler dpm-solver++ --steps 20 --samples 8 \
    --seed "$seed" --json "$out/results/dpm-solver++-20-x8-seed$seed.json" > /dev/null
  echo "dpm-solver++ seed $seed done"
done
diffbatt test --model models/matr1 --data data/matr1/test.dbds --sampler ddpm --samples 1 --seed 0 \
  --json "$out/results/ddpm-1000-x1-seed0.json" > /dev/null
echo "ddpm seed 0 done"
node benchmarks/summarize-tests.mjs "$out"
