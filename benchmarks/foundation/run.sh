#!/usr/bin/env bash
# Scores the foundation study with the protocol fixed in HEADER.md (benchmarks/lib/score-fixed-budget.sh:
# DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seeds 0-2; DDPM-1000 seed 0 for the fine-tuned rows).
# Copy each run's model/, run.json and training.json to benchmarks/foundation/<row>-model first.
# Usage: benchmarks/foundation/run.sh <row> ...
#   foundation-100x100 | foundation-20x100   the foundation alone on every test split of its matrix size
#   finetune-<split>                         split: matr_1 (scored on MATR-1 and MATR-2), hust, cruh, clo, snl, crush
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/foundation
[ $# -gt 0 ] || { echo "usage: $0 <foundation-100x100|foundation-20x100|finetune-<split>> ..." >&2; exit 1; }
for row in "$@"; do
  case "$row" in
    foundation-100x100) splits="matr_1 matr_2 hust cruh clo" label=foundation ;;
    foundation-20x100) splits="snl crush" label=foundation ;;
    finetune-matr_1) splits="matr_1 matr_2" label=finetune ;;
    finetune-hust | finetune-cruh | finetune-clo | finetune-snl | finetune-crush) splits=${row#finetune-} label=finetune ;;
    *) echo "unknown row $row (see $0)" >&2; exit 1 ;;
  esac
  SPLITS=$splits FOLDER=$folder ID=foundation FINAL=finetune MODEL=$folder/$row-model \
    benchmarks/lib/score-fixed-budget.sh "$folder/$row-model" "$label"
done
