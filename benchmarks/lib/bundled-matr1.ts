import { spawnSync } from 'node:child_process';
import { fail } from './args.js';
import { REPOSITORY_ROOT } from './results.js';

/** What the synthesis benchmarks share: the bundled MATR-1 model and split, the sampler, argument checks. */

export const MODEL = 'models/matr1';
export const TRAIN = 'data/matr1/train.dbds';
export const TEST = 'data/matr1/test.dbds';
/** The synthesize defaults, spelled out so the results file says what ran. */
export const SAMPLER = { sampler: 'dpm-solver++', steps: 20, clip: 'auto' } as const;

/** Runs `diffbatt <command> --model MODEL <args> <SAMPLER options>` from the repository root; its stdout. */
export function runBundledModel(command: string, args: string[]): string {
  const child = spawnSync(
    process.execPath,
    [
      '--conditions=@diffbatt/source',
      '--import',
      'tsx',
      'apps/cli/src/bin.ts',
      command,
      '--model',
      MODEL,
      ...args,
      '--sampler',
      SAMPLER.sampler,
      '--steps',
      String(SAMPLER.steps),
      '--clip',
      SAMPLER.clip,
    ],
    { cwd: REPOSITORY_ROOT, encoding: 'utf8' },
  );
  if (child.status !== 0) {
    fail(`diffbatt ${command} failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  }
  return child.stdout;
}
