#!/usr/bin/env bash
# Trains a row of the low-resource study's addendum as HEADER.md fixed it (benchmarks/lib/train-row.sh),
# resuming its run folder benchmarks/foundation-low-resource/<row>-run, and copies the network to
# <row>-model for run.sh. (The MATR rows were trained before this script, with the same commands.)
# Usage: benchmarks/foundation-low-resource/train.sh <row>
#   foundation-without-<hust|cruh|snl>, <hust|cruh|clo|snl|crush>-scratch-25, <hust|cruh|clo|snl|crush>-finetune-25,
#   cv-fold-<1-4> (finetune-100's fine-tuning without one CV fold: run cv-folds.ts --dbds out/cv first)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/foundation-low-resource
row=${1:?usage: $0 <row>}
train() { benchmarks/lib/train-row.sh "$1" "$2" "$folder/$row-run" "$folder/$row-model" ${3:+"$3"}; }
quarter() { case "$1" in clo) echo out/pretraining/clo-train-reconstructed-25pct.dbds ;; *) echo "out/pretraining/$1-train-25pct.dbds" ;; esac; }
# CRUSH (CRUH and SNL cells, 20 rows) fine-tunes from the 100-row foundation without CRUH (addendum of 18:20).
held_out() { case "$1" in clo) echo "$folder/foundation-model" ;; crush) echo "$folder/foundation-without-cruh-model" ;; *) echo "$folder/foundation-without-$1-model" ;; esac; }
case "$row" in
  foundation-without-hust | foundation-without-cruh) train foundation "out/pretraining/foundation-100x100-without-${row#foundation-without-}.dbds" ;;
  foundation-without-snl) train foundation out/pretraining/foundation-20x100-without-snl.dbds ;;
  hust-scratch-25 | cruh-scratch-25 | clo-scratch-25 | snl-scratch-25 | crush-scratch-25) train scratch "$(quarter "${row%-scratch-25}")" ;;
  hust-finetune-25 | cruh-finetune-25 | clo-finetune-25 | snl-finetune-25 | crush-finetune-25)
    split=${row%-finetune-25}
    train finetune "$(quarter "$split")" "$(held_out "$split")" ;;
  cv-fold-1 | cv-fold-2 | cv-fold-3 | cv-fold-4)
    data=out/cv/without-${row#cv-}.dbds
    [ -f "$data" ] || { echo "no $data: run node --import tsx $folder/cv-folds.ts --dbds out/cv" >&2; exit 1; }
    train finetune "$data" "$folder/foundation-model" ;;
  *) echo "unknown row $row (see $0)" >&2; exit 1 ;;
esac
