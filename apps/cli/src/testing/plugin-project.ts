import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchDirectory, type ScratchDirectory } from '@diffbatt/core/testing';

/** The README's example plugin: a made-up SYNTHETIC CSV format, one cell per file. */
export const examplePluginPath = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'synthetic-csv-plugin.mjs',
);

/**
 * A SYNTHETIC cell in the example plugin's format, fading linearly from 1.1 Ah by 0.01 Ah a cycle (end of
 * life, 0.88 Ah, at cycle 22).
 */
export function syntheticCellCsv(cycles = 30): string {
  const rows = Array.from({ length: cycles }, (_, i) => `${i + 1},${(1.1 - 0.01 * (i + 1)).toFixed(3)}`);
  return ['cycle,capacity_ah', ...rows].join('\n');
}

/**
 * A scratch folder outside the workspace, as a user's project: the example plugin copied to
 * `plugins/synthetic-csv-plugin.mjs` (no dependencies of its own) and `synthetic-a.synthetic.csv`.
 */
export async function createPluginProject(): Promise<ScratchDirectory> {
  const project = await createScratchDirectory('diffbatt-plugin-project');
  await mkdir(join(project.path, 'plugins'));
  await copyFile(examplePluginPath, join(project.path, 'plugins', 'synthetic-csv-plugin.mjs'));
  await project.write('synthetic-a.synthetic.csv', syntheticCellCsv());
  return project;
}
