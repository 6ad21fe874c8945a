#!/usr/bin/env bash
# Scores issue 14's time-to-accuracy run (`--preset fast`, cosine decay, 9000 steps) with the protocol fixed in HEADER.md
# (benchmarks/lib/score-fixed-budget.sh: DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seeds 0-2,
# and unguided DDPM-1000, one sample, seed 0, on the MATR-1 and MATR-2 test splits).
# Usage: benchmarks/fast-cosine-9k/run.sh [model dir (default out/fast-cosine-9k/model)] [label (default step-9000)]
#        benchmarks/fast-cosine-9k/run.sh out/fast-cosine-9k/snapshots/step-4500 step-4500
#        SPLITS=matr_1 benchmarks/fast-cosine-9k/run.sh ...   (one split only)
#        benchmarks/fast-cosine-9k/run.sh --select   (the bundled-model rule of HEADER.md: both candidates on the
#        20 leakage-free CLO cells, results/selection/<label>.json)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/fast-cosine-9k
if [ "${1:-}" = --select ]; then
  exec benchmarks/bundled-model/select.sh "$folder/results/selection" step-9000=out/fast-cosine-9k/model fast-12k=packages/model-matr1/model
fi
FOLDER=$folder ID=fast-cosine-9k FINAL=step-9000 MODEL=out/fast-cosine-9k/model exec benchmarks/lib/score-fixed-budget.sh "$@"
