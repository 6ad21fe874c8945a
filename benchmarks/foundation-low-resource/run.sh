#!/usr/bin/env bash
# Scores the low-resource foundation study with the protocol fixed in HEADER.md
# (benchmarks/lib/score-fixed-budget.sh: DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seeds 0-2;
# DDPM-1000 for the finetune-25 rows). Copy each run's model/, run.json and training.json to
# benchmarks/foundation-low-resource/<row>-model first (train.sh does).
# Usage: benchmarks/foundation-low-resource/run.sh [row ...]   (default: foundation scratch-25 finetune-25 finetune-100)
#   MATR rows (scored on MATR-1 and MATR-2): foundation, scratch-25, finetune-25, finetune-100
#   addendum rows (scored on the split's test cells): <hust|cruh|clo|snl|crush>-<scratch-25|finetune-25>
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/foundation-low-resource
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(foundation scratch-25 finetune-25 finetune-100)
for row in "${rows[@]}"; do
  case "$row" in
    foundation | scratch-25 | finetune-25 | finetune-100) splits="matr_1 matr_2" label=$row ;;
    hust-* | cruh-* | clo-* | snl-* | crush-*) splits=${row%%-*} label=${row#*-} ;;
    *) echo "unknown row $row (see $0)" >&2; exit 1 ;;
  esac
  SPLITS=$splits FOLDER=$folder ID=foundation-low-resource FINAL=finetune-25 MODEL=$folder/$row-model \
    benchmarks/lib/score-fixed-budget.sh "$folder/$row-model" "$label"
done
