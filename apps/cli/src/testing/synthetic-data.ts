import { writeDatasetFile } from '@diffbatt/core';
import { syntheticSamples } from '@diffbatt/core/testing';

export { syntheticSamples };

/** A small U-Net (two levels, one block each) so CLI tests run in seconds: mechanics, not accuracy. */
export const SMALL_UNET_CONFIG = {
  widths: [8, 16],
  hasAttention: [false, true],
  numResBlocks: 1,
  capacityMatrixRows: 20 as const,
};

export async function writeSyntheticDataset(path: string, count: number, seed: number, rows: 20 | 100 = 20) {
  await writeDatasetFile(path, syntheticSamples(count, seed, rows), { description: 'synthetic test cells' });
}
