#!/usr/bin/env bash
# Trains one network of a foundation study with the recipes its HEADER.md fixed (the built CLI,
# apps/cli/dist, after `npx pnpm build`), resuming the run folder if it holds a checkpoint, then copies the
# network and its run record to the model folder that run.sh scores.
# Usage: benchmarks/lib/train-row.sh <recipe> <data> <run dir> <model dir> [pretrained model dir]
#   foundation  6000 steps, batch 40, peak lr 2e-3, 250 warm-up steps, cosine
#   scratch     6000 steps, full batch, the same rate schedule
#   finetune    2000 steps, full batch, from the pretrained model, peak lr 5e-4, 100 warm-up steps, cosine
# All `--preset fast`, seed 0, two workers, a checkpoint every 250 steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
recipe=${1:?recipe} data=${2:?data} run=${3:?run dir} model=${4:?model dir} from=${5:-}
common=(--preset fast --data "$data" --out "$run" --checkpoint-every 250 --seed 0 --workers 2)
[ -f "$run/checkpoint.json" ] && common+=(--resume)
case "$recipe" in
  foundation) args=(train --steps 6000 --batch-size 40 --learning-rate 2e-3 --lr-warmup 250 --lr-decay cosine --snapshot-every 1500) ;;
  scratch) args=(train --steps 6000 --learning-rate 2e-3 --lr-warmup 250 --lr-decay cosine) ;;
  finetune)
    [ -f "$from/diffbatt.json" ] || { echo "no pretrained model at '$from' (train it first)" >&2; exit 1; }
    args=(finetune --from "$from" --steps 2000 --learning-rate 5e-4 --lr-warmup 100 --lr-decay cosine) ;;
  *) echo "unknown recipe $recipe (foundation, scratch, finetune)" >&2; exit 1 ;;
esac
node apps/cli/dist/bin.js "${args[@]}" "${common[@]}"
mkdir -p "$model"
cp "$run"/model/* "$run/run.json" "$run/training.json" "$model/"
