#!/usr/bin/env bash
# Scores issue 14's reproduction run (`--preset original`, 20000 steps) with the protocol fixed in HEADER.md
# (benchmarks/lib/score-fixed-budget.sh: DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seeds 0-2,
# and unguided DDPM-1000, one sample, seed 0, on the MATR-1 and MATR-2 test splits).
# Usage: benchmarks/original-20k/run.sh [model dir (default out/original-20k/model)] [label (default step-20000)]
#        benchmarks/original-20k/run.sh out/original-20k/snapshots/step-10000 step-10000
#        SPLITS=matr_1 benchmarks/original-20k/run.sh ...   (one split only)
#        benchmarks/original-20k/run.sh --select   (the bundled-model rule of HEADER.md: both candidates on the
#        20 leakage-free CLO cells, results/selection/<label>.json)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/original-20k
if [ "${1:-}" = --select ]; then
  exec benchmarks/bundled-model/select.sh "$folder/results/selection" step-20000=out/original-20k/model fast-12k=packages/model-matr1/model
fi
FOLDER=$folder ID=original-20k FINAL=step-20000 MODEL=out/original-20k/model exec benchmarks/lib/score-fixed-budget.sh "$@"
