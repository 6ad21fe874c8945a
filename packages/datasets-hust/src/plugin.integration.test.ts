import { type Cell, endOfLifeCycle } from '@diffbatt/core';
import { collectCells, sharedPath } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import { hustDatasetPlugin, tjuDatasetPlugin } from './plugin.js';

const cells = collectCells;

/** Cell id, cycles, first and last capacity, and the first cycle below 80 % of nominal (or null). */
function summary(cell: Cell) {
  const points = cell.cycles.map((c) => ({
    cycleNumber: c.cycleNumber,
    dischargeCapacityInAh: c.dischargeCapacityInAh!,
  }));
  return [
    cell.cellId,
    cell.cycles.length,
    Number(points[0]!.dischargeCapacityInAh.toFixed(3)),
    Number(points.at(-1)!.dischargeCapacityInAh.toFixed(3)),
    endOfLifeCycle(points, 0.8 * cell.nominalCapacityInAh),
  ];
}

describe('PINN4SOH feature CSVs in ../shared (real data)', () => {
  it('HUST: 3 cells, truncated just above 0.88 Ah so the data never shows end of life', async () => {
    const folder = sharedPath('data', 'raw', 'HUST');
    expect(await hustDatasetPlugin.detect(folder)).toBe(true);
    expect(await tjuDatasetPlugin.detect(folder)).toBe(false);
    expect((await cells(hustDatasetPlugin, folder)).map(summary)).toEqual([
      ['HUST_1-1', 1487, 1.17, 0.88, null],
      ['HUST_2-2', 2613, 1.221, 0.88, null],
      ['HUST_5-1', 2499, 1.201, 0.88, null],
    ]);
  });

  it('TJU: the NCA cell passes 80 % of 3.5 Ah, the NCM cell does not', async () => {
    const folder = sharedPath('data', 'raw', 'TJU');
    expect(await tjuDatasetPlugin.detect(folder)).toBe(true);
    expect(await hustDatasetPlugin.detect(folder)).toBe(false);
    const found = (await cells(tjuDatasetPlugin, folder)).map(summary);
    expect(found[0]).toEqual(['TJU_NCA_CY25-025_1-#1', 478, 3.247, 2.507, 293]);
    expect(found[1]).toEqual(['TJU_NCM_CY25-05_1-#1', 192, 3.222, 2.921, null]);
  });
});
