import { readFileSync } from 'node:fs';
import { parseNpy } from '@diffbatt/core';
import { sharedPath } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import { scoreSohCurves } from './index.js';

interface Expected {
  n_cells: number;
  rul_rmse: number;
  soh_rmse_mean: number;
  rul_reference: number[];
  rul_predicted: number[];
  soh_rmse_per_cell: number[];
}

function readCurves(file: string): Float32Array[] {
  // A copy: core's parseNpy misreads a Node Buffer that is a view into a larger ArrayBuffer.
  const array = parseNpy(new Uint8Array(readFileSync(file)), file);
  const [cells, length] = array.shape;
  if (array.dtype !== 'float32' || cells === undefined || length === undefined)
    throw new Error(`${file}: unexpected array`);
  return Array.from(
    { length: cells },
    (_, cell) => array.data.subarray(cell * length, (cell + 1) * length) as Float32Array,
  );
}

const golden = (file: string) => sharedPath('reference', 'golden', 'eval', 'matr_1', file);

describe('original DiffBatt protocol on the matr_1 golden file', () => {
  const expected = JSON.parse(readFileSync(golden('expected.json'), 'utf8')) as Expected;
  const reference = readCurves(golden('reference.npy'));
  const generated = readCurves(golden('generated.npy')).map((curve) => [curve]);

  it('reproduces every cycle life, the RUL RMSE and the SOH RMSE (float64, as the golden run)', () => {
    const results = scoreSohCurves({ reference, generated });
    expect(results.cells).toBe(expected.n_cells);
    expect(results.rulReference).toEqual(expected.rul_reference);
    expect(results.rulPredicted).toEqual(expected.rul_predicted);
    expect(Math.abs(results.rulRmse / expected.rul_rmse - 1)).toBeLessThan(1e-12);
    expect(Math.abs(results.sohRmse / expected.soh_rmse_mean - 1)).toBeLessThan(1e-12);
    results.sohRmsePerCell.forEach((value, cell) => {
      expect(Math.abs(value / expected.soh_rmse_per_cell[cell]! - 1)).toBeLessThan(1e-12);
    });
  });

  it("emulating TensorFlow's float32 kernel keeps every life and moves SOH RMSE by only ~1e-6", () => {
    const results = scoreSohCurves({ reference, generated }, { arithmetic: 'float32' });
    expect(results.rulReference).toEqual(expected.rul_reference);
    expect(results.rulPredicted).toEqual(expected.rul_predicted);
    expect(Math.abs(results.rulRmse / expected.rul_rmse - 1)).toBeLessThan(1e-12);
    // Measured on this file: 3.9e-7 relative on the mean, at most 2.4e-6 per cell (not zero: float32 differs).
    const meanError = Math.abs(results.sohRmse / expected.soh_rmse_mean - 1);
    expect(meanError).toBeLessThan(1e-6);
    expect(meanError).toBeGreaterThan(0);
    results.sohRmsePerCell.forEach((value, cell) => {
      expect(Math.abs(value / expected.soh_rmse_per_cell[cell]! - 1)).toBeLessThan(1e-5);
    });
  });

  it('with one sample per cell, the median rule equals best-of-reps and synthesis metrics are defined', () => {
    const results = scoreSohCurves({ reference, generated });
    expect(results.medianOfSamples.rulPredicted).toEqual(expected.rul_predicted);
    expect(results.medianOfSamples.rulRmse).toBe(results.rulRmse);
    expect(results.medianOfSamples.sohRmse).toBe(results.sohRmse);
    expect(results.synthesis).not.toBeNull();
    expect(results.synthesis!.frechetDistance).toBeGreaterThan(0);
    expect(results.synthesis!.precision).toBeGreaterThan(0);
    expect(results.synthesis!.recall).toBeGreaterThan(0);
  });
});
