#!/usr/bin/env bash
# Trains a row of the foundation study as HEADER.md fixed it (benchmarks/lib/train-row.sh), resuming its
# run folder benchmarks/foundation/<row>-run, and copies the network to <row>-model for run.sh.
# Usage: benchmarks/foundation/train.sh <foundation-100x100|foundation-20x100|finetune-<split>>
#   split: matr_1, hust, cruh, clo (from foundation-100x100-model), snl, crush (from foundation-20x100-model)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/foundation
shared=${DIFFBATT_SHARED:-../shared}
row=${1:?usage: $0 <row>}
train() { benchmarks/lib/train-row.sh "$1" "$2" "$folder/$row-run" "$folder/$row-model" ${3:+"$3"}; }
case "$row" in
  foundation-100x100 | foundation-20x100) train foundation "out/pretraining/$row.dbds" ;;
  finetune-matr_1) train finetune data/matr1/train.dbds "$folder/foundation-100x100-model" ;;
  finetune-hust | finetune-cruh) train finetune "$shared/data/diffbatt/data/${row#finetune-}_train_ds" "$folder/foundation-100x100-model" ;;
  finetune-clo) train finetune out/pretraining/clo-train-reconstructed.dbds "$folder/foundation-100x100-model" ;;
  finetune-snl | finetune-crush) train finetune "$shared/data/diffbatt/data/${row#finetune-}_train_ds" "$folder/foundation-20x100-model" ;;
  *) echo "unknown row $row (see $0)" >&2; exit 1 ;;
esac
