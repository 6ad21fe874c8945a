import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ModelSample, readDatasetFile } from '../../packages/core/src/index.js';
import { readDiffBattSplit } from '../../packages/datasets-diffbatt/src/index.js';
import { REPOSITORY_ROOT } from './results.js';

/** The original DiffBatt data: ../shared beside the repository, or DIFFBATT_SHARED. */
export const SHARED = resolve(process.env['DIFFBATT_SHARED'] ?? join(REPOSITORY_ROOT, '..', 'shared'));

/**
 * Reads a bundled `.dbds` (relative to the repository) or a split of the original's data (`../shared/...`,
 * as result files name them); undefined when ../shared is absent.
 */
export async function readCells(path: string): Promise<ModelSample[] | undefined> {
  if (path.endsWith('.dbds')) return (await readDatasetFile(join(REPOSITORY_ROOT, path))).samples;
  const directory = path.startsWith('../shared/') ? join(SHARED, path.slice('../shared/'.length)) : path;
  return existsSync(directory) ? readDiffBattSplit(directory) : undefined;
}
