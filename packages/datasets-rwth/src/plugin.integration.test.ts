import { type Cell, endOfLifeCycle } from '@diffbatt/core';
import { sharedPath } from '@diffbatt/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { rwthDatasetPlugin } from './plugin.js';

describe('rwthDatasetPlugin on ../shared/data/raw/RWTH', () => {
  const cells: Cell[] = [];

  beforeAll(async () => {
    const folder = sharedPath('data', 'raw', 'RWTH');
    expect(await rwthDatasetPlugin.detect(folder)).toBe(true);
    for await (const record of rwthDatasetPlugin.load(folder)) {
      if (record.kind === 'cell') cells.push(record.cell);
    }
  });

  it('does not claim the other raw folders', async () => {
    for (const other of ['NASA', 'CALCE', 'HUST', 'TJU', 'CLO', 'MATR']) {
      expect(await rwthDatasetPlugin.detect(sharedPath('data', 'raw', other)), other).toBe(false);
    }
  });

  it('gives the one cell with a folder (epSanyo002) of the 48 in metadata.mat', () => {
    expect(cells.map((cell) => cell.cellId)).toEqual(['epSanyo002']);
    expect(cells[0]).toMatchObject({
      nominalCapacityInAh: 1.85,
      cathodeMaterial: 'NMC',
      formFactor: 'cylindrical_18650',
    });
  });

  it('has 17 check-ups from 1.834 Ah at cycle 0 to 0.185 Ah at cycle 2639, the repeated one at 932 left out', () => {
    const cell = cells[0]!;
    expect(cell.cycles).toHaveLength(17);
    expect(cell.cycles[0]).toMatchObject({ cycleNumber: 0, equivalentCycles: 0 });
    expect(cell.cycles[0]!.dischargeCapacityInAh).toBeCloseTo(1.834, 3);
    const last = cell.cycles.at(-1)!;
    expect(last.cycleNumber).toBe(2639);
    expect(last.dischargeCapacityInAh).toBeCloseTo(0.1846, 4);
    // About 1702 Ah discharged in the cycling tests, over 1.85 Ah.
    expect(last.equivalentCycles).toBeCloseTo(919.9, 1);
    expect(cell.cycles.filter((cycle) => cycle.cycleNumber === 932)).toHaveLength(1);
    expect(cell.description).toContain('check-up TS013217 (1.5887 Ah) repeats the one at cycle 932');
  });

  it('reaches end of life (below 80 % of 1.85 Ah) at the check-up after 1252 cycles', () => {
    const points = cells[0]!.cycles.map(({ cycleNumber, dischargeCapacityInAh }) => ({
      cycleNumber,
      dischargeCapacityInAh: dischargeCapacityInAh!,
    }));
    expect(endOfLifeCycle(points, 0.8 * 1.85)).toBe(1252);
  });
});
