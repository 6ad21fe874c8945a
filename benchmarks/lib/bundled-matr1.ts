/** What the synthesis benchmarks share: the bundled MATR-1 model and split, the sampler, argument checks. */

export const MODEL = 'models/matr1';
export const TRAIN = 'data/matr1/train.dbds';
export const TEST = 'data/matr1/test.dbds';
/** The synthesize defaults, spelled out so the results file says what ran. */
export const SAMPLER = { sampler: 'dpm-solver++', steps: 20, clip: 'auto' } as const;

/** A benchmark's usage error: one line, no stack trace. */
export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
