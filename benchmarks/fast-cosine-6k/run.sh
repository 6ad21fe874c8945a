#!/usr/bin/env bash
# Scores the SNL and CRUH runs of `--preset fast` with cosine decay (6000 steps) with the protocol fixed in
# HEADER.md (benchmarks/lib/score-fixed-budget.sh: DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell,
# seeds 0-2, and unguided DDPM-1000, one sample, seed 0, on the split's test cells).
# Usage: benchmarks/fast-cosine-6k/run.sh <snl|cruh|hust|crush|clo> [model dir (default benchmarks/fast-cosine-6k/<split>-model)] [label (default step-6000)]
#        benchmarks/fast-cosine-6k/run.sh snl out/fast-cosine-6k-snl/snapshots/step-3000 step-3000
#        benchmarks/fast-cosine-6k/run.sh snl out/released-weights/snl_ema released
#        benchmarks/fast-cosine-6k/run.sh <snl|crush> seed-1   (addenda 1 and 3: <split>-seed-1-model alone, and
#        pooled with <split>-model as row `ensemble`; copy the run's model/, run.json and training.json to
#        <split>-seed-1-model first)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=benchmarks/fast-cosine-6k
split=${1:-}
case "$split" in snl | cruh | hust | crush | clo) shift ;; *) echo "usage: $0 <snl|cruh|hust|crush|clo> [model dir|seed-1] [label]" >&2; exit 1 ;; esac
if { [ "$split" = snl ] || [ "$split" = crush ]; } && [ "${1:-}" = seed-1 ]; then
  member=$folder/$split-seed-1-model
  SPLITS=$split FOLDER=$folder ID=fast-cosine-6k FINAL=seed-1 MODEL=$member benchmarks/lib/score-fixed-budget.sh
  SPLITS=$split FOLDER=$folder ID=fast-cosine-6k FINAL=step-6000 MODEL=$folder/$split-model ENSEMBLE=$member \
    exec benchmarks/lib/score-fixed-budget.sh "$folder/$split-model" ensemble
fi
SPLITS=$split FOLDER=$folder ID=fast-cosine-6k FINAL=step-6000 MODEL=$folder/$split-model \
  exec benchmarks/lib/score-fixed-budget.sh "$@"
