import { type Cell, featuriseCell, inspectCell, inspectSample, type ModelSample } from '@diffbatt/core';
import { sharedPath } from '@diffbatt/core/testing';
import { diffbattDatasetPlugin } from '@diffbatt/datasets-diffbatt';
import { describe, expect, it } from 'vitest';
import { matrDatasetPlugin } from './plugin.js';

/** Pearson correlation of two equally long arrays. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]! / a.length;
    mb += b[i]! / b.length;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * Locks the numbers in packages/core/README.md ("Our featuriser against the DiffBatt tensors"):
 * MATR test1 cell1..4 are the first four cells of DiffBatt's matr_1 test split.
 */
describe('featuriser against the DiffBatt matr_1 test tensors', () => {
  it('reproduces the reported matrix correlations and lives', async () => {
    const cells: Cell[] = [];
    for await (const r of matrDatasetPlugin.load(sharedPath('data', 'raw', 'MATR', 'data', 'test1')))
      if (r.kind === 'cell') cells.push(r.cell);
    const reference: ModelSample[] = [];
    for await (const r of diffbattDatasetPlugin.load(
      sharedPath('data', 'diffbatt', 'data', 'matr_1_test_ds'),
    )) {
      if (r.kind === 'sample') reference.push(r.sample);
    }
    const rows = cells.map((cell, i) => {
      const ours = featuriseCell(cell);
      const unsmoothed = featuriseCell(cell, { crossCycleMedianHalfWindow: 0 });
      return [
        Number(correlation(ours.capacityMatrix!, reference[i]!.capacityMatrix!).toFixed(4)),
        Number(correlation(unsmoothed.capacityMatrix!, reference[i]!.capacityMatrix!).toFixed(4)),
        inspectCell(cell).cycleLife,
        inspectSample(reference[i]!).cycleLife,
      ];
    });
    expect(rows).toEqual([
      [0.9909, 0.3436, 1852, 1850],
      [0.9881, 0.8064, 2237, 2240],
      [0.9849, 0.0447, 1709, 1710],
      [0.9991, 0.9909, 636, 640],
    ]);
  });
});
