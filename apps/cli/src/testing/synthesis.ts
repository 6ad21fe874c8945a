import { type ModelSample, writeDatasetFile } from '@diffbatt/core';
import { buildDiffBattUNet, saveDiffBattModel } from '@diffbatt/unet';
import { SMALL_UNET_CONFIG, syntheticSamples } from './synthetic-data.js';

/**
 * Stand-ins for MEASURED cells in tests of how outputs tell measured from synthetic cells: made-up curves
 * (from `syntheticSamples`) flagged `synthetic: false` and named `<prefix>-<n>`. Not real data.
 */
export function measuredStandIns(count: number, seed: number, prefix = 'measured'): ModelSample[] {
  return syntheticSamples(count, seed).map((sample, index) => ({
    ...sample,
    cellId: `${prefix}-${index + 1}`,
    source: 'measured-stand-in',
    synthetic: false,
  }));
}

export async function writeSamples(path: string, samples: readonly ModelSample[]): Promise<string> {
  await writeDatasetFile(path, samples, { description: 'test cells (made up)' });
  return path;
}

/** An untrained small U-Net (20x100 capacity matrices): for command mechanics, not accuracy. */
export async function saveSmallModel(path: string): Promise<string> {
  await saveDiffBattModel(buildDiffBattUNet(SMALL_UNET_CONFIG), path, {
    config: SMALL_UNET_CONFIG,
    provenance: { note: 'untrained test model' },
  });
  return path;
}
