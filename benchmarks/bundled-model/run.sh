#!/usr/bin/env bash
# The bundled model (models/matr1, trained by `diffbatt train` on data/matr1/train.dbds) on the bundled
# MATR-1 test split: the quick-start setting (DPM-Solver++ 20 steps, 8 samples per cell, guidance w = 3,
# chosen on the run's validation cells) over seeds, the same without guidance, and the original sampler
# (DDPM 1000 steps, 1 sample per cell). Needs nothing outside the repository.
# Usage: benchmarks/bundled-model/run.sh [seeds...]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=benchmarks/bundled-model
seeds=${*:-0 1 2}
diffbatt() { node --conditions=@diffbatt/source --import tsx apps/cli/src/bin.ts "$@"; }
mkdir -p "$out/results"
test_run() { # name, then diffbatt test options
  local name=$1
  shift
  diffbatt test --model models/matr1 --data data/matr1/test.dbds "$@" --json "$out/results/$name.json" > /dev/null
  echo "$name done"
}
for seed in $seeds; do
  test_run "dpm-solver++-20-x8-w3-seed$seed" --sampler dpm-solver++ --steps 20 --samples 8 --guidance 3 --seed "$seed"
  test_run "dpm-solver++-20-x8-w0-seed$seed" --sampler dpm-solver++ --steps 20 --samples 8 --guidance 0 --seed "$seed"
done
test_run "ddpm-1000-x1-w3-seed0" --sampler ddpm --samples 1 --guidance 3 --seed 0
# unclipped guided DDPM diverges with this model; the same with the [-1, 1] clip:
test_run "ddpm-1000-x1-w3-clip-seed0" --sampler ddpm --clip on --samples 1 --guidance 3 --seed 0
node benchmarks/summarize-tests.mjs "$out"
