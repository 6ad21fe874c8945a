#!/usr/bin/env bash
# Scores the SNL network trained on the leakage-free pretraining set for SNL with the protocol fixed in
# HEADER.md (benchmarks/lib/score-fixed-budget.sh: DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell,
# seeds 0-2, and unguided DDPM-1000, one sample, seed 0, on the 25 SNL test cells).
# Usage: benchmarks/snl-pretraining-set/run.sh [model dir (default benchmarks/snl-pretraining-set/model)] [label (default step-6000)]
#        benchmarks/snl-pretraining-set/run.sh benchmarks/snl-pretraining-set/train-run/snapshots/step-3000 step-3000
set -euo pipefail
cd "$(dirname "$0")/../.."
SPLITS=snl FOLDER=benchmarks/snl-pretraining-set ID=snl-pretraining-set FINAL=step-6000 \
  MODEL=benchmarks/snl-pretraining-set/model exec benchmarks/lib/score-fixed-budget.sh "$@"
