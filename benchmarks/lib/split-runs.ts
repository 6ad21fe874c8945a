/**
 * Which scored folders hold each split's networks (issue 19's table): fixed here, not chosen by score, and
 * read by `bench:overview` and `bench:novelty`. Every training seed a study scored counts.
 */
import { join } from 'node:path';
import type { PUBLISHED } from './published.js';
import { REPOSITORY_ROOT } from './results.js';

export const SAMPLING_SEEDS = [0, 1, 2];
/** A scored folder's `diffbatt test --json` result for one sampling seed (DPM-Solver++ 20, 32 samples, w = 0). */
export const resultFile = (folder: string, seed: number) =>
  join(REPOSITORY_ROOT, 'benchmarks', folder, 'results', `dpm-solver++-20-x32-w0-seed${seed}.json`);

export interface SplitRuns {
  split: keyof typeof PUBLISHED;
  /** Scored folders under benchmarks/ (`<study>/<split>/<label>`), one per trained network. */
  released: string[];
  scratch: string[];
  finetuned: string[];
  /** The foundation of the split's matrix size alone, never fine-tuned (it trained on every split's training cells). */
  foundation: string[];
  scratch25: string[];
  finetuned25: string[];
  /** Why a split has no row of ours, where none can exist. */
  absent?: string;
}

export const SPLITS: SplitRuns[] = [
  ...(['matr_1', 'matr_2'] as const).map((split) => ({
    split,
    released: [`fast-cosine-9k/${split}/released`],
    scratch: [
      `fast-cosine-9k/${split}/step-9000`,
      `fast-cosine-9k-ensemble/${split}/seed-1`,
      `fast-cosine-9k-ensemble/${split}/seed-2`,
    ],
    finetuned: [`foundation/${split}/finetune`],
    foundation: [`foundation/${split}/foundation`],
    scratch25: [`foundation-low-resource/${split}/scratch-25`],
    finetuned25: [`foundation-low-resource/${split}/finetune-25`],
  })),
  ...(['hust', 'snl', 'clo', 'cruh', 'crush'] as const).map((split) => ({
    split,
    // ../shared holds no released HUST weights.
    released: split === 'hust' ? [] : [`fast-cosine-6k/${split}/released`],
    // Addenda 1 and 3 trained a second seed on SNL and CRUSH.
    scratch: [
      `fast-cosine-6k/${split}/step-6000`,
      ...(split === 'snl' || split === 'crush' ? [`fast-cosine-6k/${split}/seed-1`] : []),
    ],
    finetuned: [`foundation/${split}/finetune`],
    foundation: [`foundation/${split}/foundation`],
    scratch25: [`foundation-low-resource/${split}/scratch-25`],
    finetuned25: [`foundation-low-resource/${split}/finetune-25`],
  })),
  {
    split: 'mix',
    released: [],
    scratch: [],
    finetuned: [],
    foundation: [],
    scratch25: [],
    finetuned25: [],
    absent: 'no data',
  },
];
