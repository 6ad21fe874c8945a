/**
 * The foundation study's fine-tuning data per split (HEADER.md; train.sh reads the same) and the test
 * splits each fine-tuned network is scored on (run.sh).
 */
import { join } from 'node:path';
import { fail } from '../lib/args.js';
import { TRAIN } from '../lib/bundled-matr1.js';
import { SHARED_DATA } from '../lib/calibrated-rows.js';

export const FOLDER = 'benchmarks/foundation';
export const FINETUNED_SPLITS = ['snl', 'cruh', 'hust', 'matr_1', 'clo', 'crush'] as const;
export type FinetunedSplit = (typeof FINETUNED_SPLITS)[number];

export const finetuningData = (split: FinetunedSplit): { data: string; howToGet: string } =>
  split === 'matr_1'
    ? { data: TRAIN, howToGet: 'it is bundled' }
    : split === 'clo'
      ? {
          data: 'out/pretraining/clo-train-reconstructed.dbds',
          howToGet: 'run npx pnpm bench:pretraining-sets --dbds out/pretraining',
        }
      : {
          data: join(SHARED_DATA, `${split}_train_ds`),
          howToGet: 'it is in ../shared (or set DIFFBATT_SHARED)',
        };

export const testSplits = (split: FinetunedSplit): string[] =>
  split === 'matr_1' ? ['matr_1', 'matr_2'] : [split];

/** Reads --split/--splits values, refusing a split the study did not fine-tune on. */
export function finetunedSplits(list: string): FinetunedSplit[] {
  return list.split(',').map((split) => {
    if (!(FINETUNED_SPLITS as readonly string[]).includes(split)) {
      fail(`unknown split ${split}: one of ${FINETUNED_SPLITS.join(', ')}`);
    }
    return split as FinetunedSplit;
  });
}
