#!/usr/bin/env bash
# Trains a row of the foundation study as HEADER.md fixed it (benchmarks/lib/train-row.sh), resuming its
# run folder benchmarks/foundation/<row>-run, and copies the network to <row>-model for run.sh.
# Usage: benchmarks/foundation/train.sh <foundation-100x100|foundation-20x100|finetune-<split>|cv-[unseen-]<split>-fold-<1-4>>
#   split: matr_1, hust, cruh, clo (from foundation-100x100-model), snl, crush (from foundation-20x100-model)
#   cv-<split>-fold-<k>: finetune-<split> without fold k of cv-folds-<split>.json (run cv-folds.ts --split <split> first)
#   cv-unseen-<split>-fold-<k>: the same from the foundation-low-resource foundation that never saw the split
#     (the second CV addendum; matr_1 has none: its fold networks are foundation-low-resource/cv-fold-<k>)
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
  cv-matr_1-fold-[1-4] | cv-hust-fold-[1-4] | cv-cruh-fold-[1-4] | cv-clo-fold-[1-4] | cv-snl-fold-[1-4] | cv-crush-fold-[1-4] | \
  cv-unseen-hust-fold-[1-4] | cv-unseen-cruh-fold-[1-4] | cv-unseen-clo-fold-[1-4] | cv-unseen-snl-fold-[1-4] | cv-unseen-crush-fold-[1-4])
    split=${row#cv-} split=${split#unseen-} split=${split%-fold-*}
    data=out/cv-foundation/$split/without-fold-${row##*-}.dbds
    [ -f "$data" ] || { echo "no $data: run node --import tsx $folder/cv-folds.ts --split $split" >&2; exit 1; }
    case "$row:$split" in
      cv-unseen-*:clo) from=benchmarks/foundation-low-resource/foundation ;;
      cv-unseen-*:crush) from=benchmarks/foundation-low-resource/foundation-without-cruh ;;
      cv-unseen-*) from=benchmarks/foundation-low-resource/foundation-without-$split ;;
      *:snl | *:crush) from=$folder/foundation-20x100 ;;
      *) from=$folder/foundation-100x100 ;;
    esac
    train finetune "$data" "$from-model" ;;
  *) echo "unknown row $row (see $0)" >&2; exit 1 ;;
esac
