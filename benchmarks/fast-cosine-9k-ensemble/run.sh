#!/usr/bin/env bash
# Scores the second training seed of fast-cosine-9k and the two-network seed ensemble with the protocol fixed
# in HEADER.md (benchmarks/lib/score-fixed-budget.sh: DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell,
# seeds 0-2, and for the seed-1 network alone unguided DDPM-1000, one sample, seed 0; MATR-1 and MATR-2).
# Usage: benchmarks/fast-cosine-9k-ensemble/run.sh [seed-1 model dir (default benchmarks/fast-cosine-9k-ensemble/seed-1-model)]
#        SPLITS=matr_1 benchmarks/fast-cosine-9k-ensemble/run.sh   (one split only)
#        benchmarks/fast-cosine-9k-ensemble/run.sh --select   (seed-1 and the ensemble on the 20 leakage-free CLO
#        cells of the bundling rule, results/selection/<label>.json; added after the protocol, decides nothing)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/fast-cosine-9k-ensemble
if [ "${1:-}" = --select ]; then # informative, decides nothing: the 20 leakage-free CLO cells of the bundling rule
  exec benchmarks/bundled-model/select.sh "$folder/results/selection" seed-1=$folder/seed-1-model \
    ensemble=benchmarks/fast-cosine-9k/model+$folder/seed-1-model
fi
model=${1:-$folder/seed-1-model}
score() { FOLDER=$folder ID=fast-cosine-9k-ensemble FINAL=seed-1 MODEL=$model benchmarks/lib/score-fixed-budget.sh "$@"; }
score "$model" seed-1
ENSEMBLE=$model score benchmarks/fast-cosine-9k/model ensemble
