#!/usr/bin/env bash
# Scores the low-resource foundation study with the protocol fixed in HEADER.md
# (benchmarks/lib/score-fixed-budget.sh: DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seeds 0-2 on
# the MATR-1 and MATR-2 test cells; DDPM-1000 for finetune-25). Copy each run's model/, run.json and
# training.json to benchmarks/foundation-low-resource/<row>-model first.
# Usage: benchmarks/foundation-low-resource/run.sh [row ...]   (default: foundation scratch-25 finetune-25 finetune-100)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/foundation-low-resource
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(foundation scratch-25 finetune-25 finetune-100)
for label in "${rows[@]}"; do
  FOLDER=$folder ID=foundation-low-resource FINAL=finetune-25 MODEL=$folder/$label-model \
    benchmarks/lib/score-fixed-budget.sh "$folder/$label-model" "$label"
done
