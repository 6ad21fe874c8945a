import { readFile } from 'node:fs/promises';
import { type Cell, endOfLifeCycle } from '@diffbatt/core';
import { collectCells, sharedPath } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import { cloDatasetPlugin } from './plugin.js';

const cells = (path: string) => collectCells(cloDatasetPlugin, path);

function dataLife(cell: Cell): number | null {
  return endOfLifeCycle(
    cell.cycles.map((c) => ({ cycleNumber: c.cycleNumber, dischargeCapacityInAh: c.dischargeCapacityInAh! })),
    0.88,
  );
}

describe('CLO files in ../shared (real data)', () => {
  const root = sharedPath('data', 'raw', 'CLO');

  it('reads 45 Qn.csv cells and the 2 SI cell files from the CLO folder', async () => {
    expect(await cloDatasetPlugin.detect(root)).toBe(true);
    const found = await cells(root);
    expect(found).toHaveLength(47);
    expect(found.slice(45).map((c) => [c.cellId, c.cycles.length])).toEqual([
      ['EL150800767959', 563],
      ['EL150800768023', 1095],
    ]);
    // Both SI cells end below 0.88 Ah (0.763 and 0.792 Ah), so their life is in the data.
    expect(found.slice(45).every((c) => dataLife(c) !== null)).toBe(true);
  });

  it('Qn.csv lives match final_results.csv for 43 of 45 cells; rows 8 and 17 dip early and say so', async () => {
    const fig4 = await cells(sharedPath('data', 'raw', 'CLO', 'figures', 'fig4'));
    expect(fig4).toHaveLength(45);
    const disagree = fig4
      .map((cell, row) => ({ row, cell, life: dataLife(cell) }))
      .filter(({ cell, life }) => life !== cell.publishedCycleLife);
    expect(disagree.map(({ row, life, cell }) => [row, life, cell.publishedCycleLife])).toEqual([
      [8, 872, 1089],
      [17, 1056, 1166],
    ]);
    for (const { cell } of disagree) expect(cell.description).toMatch(/an early dip that recovers/);
    // Zero padding is stripped: the last kept cycle is the last non-zero one (row 17 fills all 1176 columns).
    expect(fig4[8]!.cycles).toHaveLength(1099);
    expect(fig4[17]!.cycles).toHaveLength(1176);
  });

  it("derives the policies' C4 exactly as data/policies_all.csv lists it", async () => {
    const listed = (await readFile(sharedPath('data', 'raw', 'CLO', 'data', 'policies_all.csv'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => line.split(',').map(Number));
    const fig4 = await cells(sharedPath('data', 'raw', 'CLO', 'figures', 'fig4'));
    for (const cell of fig4.filter((_, row) => row % 5 === 0)) {
      const [c1, c2, c3, c4] = cell.chargeProtocol!.map((step) => step.rateInC!);
      const row = listed.find(([a, b, c]) => a === c1 && b === c2 && c === c3);
      expect(row, cell.cellId).toBeDefined();
      expect(c4).toBeCloseTo(row![3]!, 3);
    }
  });
});
