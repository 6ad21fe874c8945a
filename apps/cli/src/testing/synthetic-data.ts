import { type ModelSample, SeededRandom, writeDatasetFile } from '@diffbatt/core';

/** A small U-Net (two levels, one block each) so CLI tests run in seconds: mechanics, not accuracy. */
export const SMALL_UNET_CONFIG = {
  widths: [8, 16],
  hasAttention: [false, true],
  numResBlocks: 1,
  capacityMatrixRows: 20 as const,
};

/**
 * SYNTHETIC cells for CLI tests (no real data is needed or implied): smooth, monotonically fading SOH
 * curves with a random knee, and small random capacity matrices. Written in the project's dataset format.
 */
export function syntheticSamples(count: number, seed: number, rows: 20 | 100 = 20): ModelSample[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, cell) => {
    const life = 60 + Math.floor(random.uniform() * 150); // points until end of life
    const sohCurve = new Float32Array(256).fill(-1);
    for (let i = 0; i < Math.min(life, 256); i++) {
      const soh = 1 - 0.2 * (i / life) ** 2;
      sohCurve[i] = 2 * soh - 1;
    }
    const capacityMatrix = Float32Array.from({ length: rows * 100 }, () => 0.01 * random.normal());
    return {
      cellId: `synthetic-${cell + 1}`,
      source: 'synthetic-test',
      sohCurve,
      capacityMatrix,
      capacityMatrixRows: rows,
      synthetic: true,
    };
  });
}

export async function writeSyntheticDataset(path: string, count: number, seed: number, rows: 20 | 100 = 20) {
  await writeDatasetFile(path, syntheticSamples(count, seed, rows), { description: 'synthetic test cells' });
}
