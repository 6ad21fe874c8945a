import { sharedPath } from '@diffbatt/core/testing';
import { expect } from 'vitest';
import { runCli } from './run-cli.js';

/** One cell of `diffbatt datasets inspect --json`. */
export interface InspectedCell {
  cellId: string;
  cycles: number;
  cycleLife: number | null;
  cycleLifeSource: 'data' | 'published' | null;
  publishedCycleLife: number | null;
  capacityMatrixShape: number[] | null;
  warnings: string[];
}

/** Runs `diffbatt datasets inspect <../shared/data/raw/...> --json`, expecting a clean exit. */
export async function inspectRaw(...folder: string[]): Promise<{ plugin: string; cells: InspectedCell[] }> {
  const { code, stdout, stderr } = await runCli([
    'datasets',
    'inspect',
    sharedPath('data', 'raw', ...folder),
    '--json',
  ]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}
