#!/usr/bin/env bash
# The released DiffBatt matr_1 EMA weights, imported into our port, on the MATR-1 test split:
# DDPM 1000 steps (the original sampler) and 20/50-step fast samplers (with and without clipping the
# predicted clean curve), w = 0, 1 sample per cell, over seeds.
# Needs ../shared (the released weights and the test split). Results: results/*.json, summarised into
# RESULTS.md by benchmarks/summarize-tests.mjs. Usage: benchmarks/released-weights/run.sh [seeds...]
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${DIFFBATT_SHARED:-../shared}
out=benchmarks/released-weights
seeds=${*:-0 1 2}
diffbatt() { node --conditions=@diffbatt/source --import tsx apps/cli/src/bin.ts "$@"; }

# the import goes to an ignored folder inside the repo, so the results name a relative path
model=out/released-weights/matr_1_ema
diffbatt import "$shared/data/diffbatt/trained_models/matr_1_ema_network" --out "$model"
mkdir -p "$out/results"
for seed in $seeds; do
  # sampler, steps, clipping of the predicted clean curve (auto = few-step samplers only)
  for run in "ddpm 1000 auto" "dpm-solver++ 20 auto" "dpm-solver++ 50 auto" "ddim 50 auto" "ddim 50 off"; do
    set -- $run
    name=$1-$2-clip-$3-seed$seed
    steps=$([ "$1" = ddpm ] || echo "--steps $2")
    diffbatt test --model "$model" --data "$shared/data/diffbatt/data/matr_1_test_ds" --sampler "$1" $steps --clip "$3" \
      --samples 1 --guidance 0 --seed "$seed" --json "$out/results/$name.json" > /dev/null
    echo "$name done"
  done
done
node benchmarks/summarize-tests.mjs "$out"
