import { type Cell, endOfLifeCycle } from '@diffbatt/core';
import { sharedPath } from '@diffbatt/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { nasaDatasetPlugin } from './plugin.js';

const capacityPoints = (cell: Cell) =>
  cell.cycles.map(({ cycleNumber, dischargeCapacityInAh }) => ({
    cycleNumber,
    dischargeCapacityInAh: dischargeCapacityInAh!,
  }));

describe('nasaDatasetPlugin on ../shared/data/raw/NASA', () => {
  const cells = new Map<string, Cell>();

  beforeAll(async () => {
    const folder = sharedPath('data', 'raw', 'NASA');
    expect(await nasaDatasetPlugin.detect(folder)).toBe(true);
    for await (const record of nasaDatasetPlugin.load(folder)) {
      if (record.kind === 'cell') cells.set(record.cell.cellId, record.cell);
    }
  });

  it('does not claim the other raw folders', async () => {
    for (const other of ['RWTH', 'CALCE', 'HUST', 'TJU', 'CLO', 'MATR']) {
      expect(await nasaDatasetPlugin.detect(sharedPath('data', 'raw', other)), other).toBe(false);
    }
  });

  it('gives the two cells B0025 and the derived B0005 series', () => {
    expect([...cells.keys()]).toEqual(['B0025', 'B0005-derived']);
  });

  it('B0025: 28 discharges from 1.847 to 1.768 Ah, never reaching 80 % of 2 Ah', () => {
    const cell = cells.get('B0025')!;
    expect(cell.cycles).toHaveLength(28);
    expect(cell.cycles[0]!.dischargeCapacityInAh).toBeCloseTo(1.847, 3);
    expect(cell.cycles.at(-1)!.dischargeCapacityInAh).toBeCloseTo(1.768, 3);
    expect(cell.temperatureInC).toBe(24);
    expect(endOfLifeCycle(capacityPoints(cell), 0.8 * cell.nominalCapacityInAh)).toBeNull();
    expect(cell.publishedCycleLife).toBeUndefined();
  });

  it('B0025: the Coulomb count to 2.7 V reproduces NASA Capacity, and every discharge has Q(V)', () => {
    const cell = cells.get('B0025')!;
    for (const cycle of cell.cycles) {
      const curve = cycle.dischargeCurve!;
      // Within 1e-9 Ah for 20 of the 28 discharges, within 1.5e-5 Ah for the rest.
      expect(curve.dischargeCapacityInAh.at(-1)).toBeCloseTo(cycle.dischargeCapacityInAh!, 4);
      expect(curve.voltageInV[0]).toBeGreaterThan(3.6);
      expect(curve.voltageInV.at(-1)).toBeLessThan(2.7);
      expect(curve.voltageInV.length).toBeGreaterThan(100);
    }
    expect(cell.description).not.toContain('Notes:');
  });

  it('B0005-derived: 168 capacities from 1.856 to 1.325 Ah, below 1.6 Ah first at discharge 75', () => {
    const cell = cells.get('B0005-derived')!;
    expect(cell.cycles).toHaveLength(168);
    expect(cell.cycles[0]!.dischargeCapacityInAh).toBeCloseTo(1.856, 3);
    expect(cell.cycles.at(-1)!.dischargeCapacityInAh).toBeCloseTo(1.325, 3);
    expect(endOfLifeCycle(capacityPoints(cell), 0.8 * cell.nominalCapacityInAh)).toBe(75);
    // NASA's own end-of-life criterion for B0005 was 1.4 Ah (30 % fade).
    expect(endOfLifeCycle(capacityPoints(cell), 1.4)).toBe(125);
  });
});
