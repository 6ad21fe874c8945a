#!/usr/bin/env bash
# A model on the bundled MATR-1 test split: DPM-Solver++ 20 steps, 8 samples per cell, for each guidance
# weight over seeds, and the original sampler (DDPM 1000 steps, 1 sample per cell). By default the bundled
# model (models/matr1, trained by `diffbatt train` on data/matr1/train.dbds) in the quick-start setting
# (w = 3, chosen on the run's validation cells) and without guidance. Needs nothing outside the repository.
# Usage: [MODEL=dir] [OUT=folder] [GUIDANCE="3 0"] [DDPM_GUIDANCE=3] [RESULT_ID=id] benchmarks/bundled-model/run.sh [seeds...]
# RESULT_ID also writes benchmarks/results/<id>.json, so the results appear in BENCHMARKS.md.
# OUT must hold a HEADER.md (what was run and why); RESULTS.md is written beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${MODEL:-models/matr1}
out=${OUT:-benchmarks/bundled-model}
guidance=${GUIDANCE:-3 0}
ddpm_guidance=${DDPM_GUIDANCE:-3}
seeds=${*:-0 1 2}
diffbatt() { node --conditions=@diffbatt/source --import tsx apps/cli/src/bin.ts "$@"; }
mkdir -p "$out/results"
test_run() { # name, then diffbatt test options
  local name=$1
  shift
  diffbatt test --model "$model" --data data/matr1/test.dbds "$@" --json "$out/results/$name.json" > /dev/null
  echo "$name done"
}
for seed in $seeds; do
  for w in $guidance; do
    test_run "dpm-solver++-20-x8-w$w-seed$seed" --sampler dpm-solver++ --steps 20 --samples 8 --guidance "$w" --seed "$seed"
  done
done
test_run "ddpm-1000-x1-w$ddpm_guidance-seed0" --sampler ddpm --samples 1 --guidance "$ddpm_guidance" --seed 0
if [ "$ddpm_guidance" != 0 ]; then
  # unclipped guided DDPM diverges with the bundled model; the same with the [-1, 1] clip:
  test_run "ddpm-1000-x1-w$ddpm_guidance-clip-seed0" --sampler ddpm --clip on --samples 1 --guidance "$ddpm_guidance" --seed 0
fi
node --import tsx benchmarks/summarize-tests.mjs "$out" ${RESULT_ID:-}
