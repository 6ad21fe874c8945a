#!/usr/bin/env bash
# Scores the extra training seeds of fast-cosine-9k and the seed ensembles with the protocol fixed in HEADER.md
# (benchmarks/lib/score-fixed-budget.sh: DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seeds 0-2, and
# for a network alone unguided DDPM-1000, one sample, seed 0; MATR-1 and MATR-2).
# Usage: benchmarks/fast-cosine-9k-ensemble/run.sh [seed-1|seed-2]
#          seed-1 (default): seed-1-model alone, and seeds 0 + 1 pooled (row `ensemble`)
#          seed-2: seed-2-model alone (copy the run's model/, run.json and training.json there first), and seeds
#          0 + 1 + 2 pooled (row `ensemble-3`, 11 / 11 / 10 of the 32 samples)
#        SPLITS=matr_1 benchmarks/fast-cosine-9k-ensemble/run.sh ...   (one split only)
#        benchmarks/fast-cosine-9k-ensemble/run.sh --select   (every network and ensemble here on the 20 leakage-free
#        CLO cells of the bundling rule, results/selection/<label>.json; added after the protocol, decides nothing)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/fast-cosine-9k-ensemble
if [ "${1:-}" = --select ]; then # informative, decides nothing: the 20 leakage-free CLO cells of the bundling rule
  exec benchmarks/bundled-model/select.sh "$folder/results/selection" seed-1=$folder/seed-1-model \
    ensemble=benchmarks/fast-cosine-9k/model+$folder/seed-1-model seed-2=$folder/seed-2-model \
    ensemble-3=benchmarks/fast-cosine-9k/model+$folder/seed-1-model+$folder/seed-2-model
fi
network=${1:-seed-1}
case "$network" in
  seed-1) ensemble=$folder/seed-1-model label=ensemble ;;
  seed-2) ensemble=$folder/seed-1-model,$folder/seed-2-model label=ensemble-3 ;;
  *) echo "usage: $0 [seed-1|seed-2|--select]" >&2; exit 1 ;;
esac
model=$folder/$network-model
score() { FOLDER=$folder ID=fast-cosine-9k-ensemble FINAL=$network MODEL=$model benchmarks/lib/score-fixed-budget.sh "$@"; }
score "$model" "$network"
ENSEMBLE=$ensemble score benchmarks/fast-cosine-9k/model "$label"
