import { describe, expect, it } from 'vitest';
import { type InspectedCell, inspectRaw } from '../testing/inspect.js';

/** `diffbatt datasets inspect <dir> --json` on the raw CALCE, HUST, TJU and CLO folders (issue 6). */
const inspect = inspectRaw;

const lives = (cells: InspectedCell[]) =>
  cells.map((c) => [c.cellId, c.cycles, c.cycleLife, c.cycleLifeSource]);

describe('diffbatt datasets inspect on ../shared/data/raw (issue 6 done-when checks)', () => {
  it('CALCE: CS2_35, 734 cleaned cycles, life 507 from the data, a 100x100 capacity matrix', async () => {
    const report = await inspect('CALCE');
    expect(report.plugin).toBe('calce');
    expect(lives(report.cells)).toEqual([['CS2_35', 734, 507, 'data']]);
    expect(report.cells[0]!.capacityMatrixShape).toEqual([100, 100]);
  });

  it('HUST: 3 cells that never show end of life in the data, and no capacity matrix', async () => {
    const report = await inspect('HUST');
    expect(report.plugin).toBe('hust');
    expect(lives(report.cells)).toEqual([
      ['HUST_1-1', 1487, null, null],
      ['HUST_2-2', 2613, null, null],
      ['HUST_5-1', 2499, null, null],
    ]);
    expect(report.cells.every((c) => c.capacityMatrixShape === null)).toBe(true);
    expect(report.cells.every((c) => c.warnings.some((w) => w.startsWith('no capacity matrix')))).toBe(true);
  });

  it('TJU: the NCA cell reaches 80 % of 3.5 Ah at cycle 293, the NCM cell never does', async () => {
    const report = await inspect('TJU');
    expect(report.plugin).toBe('tju');
    expect(lives(report.cells)).toEqual([
      ['TJU_NCA_CY25-025_1-#1', 478, 293, 'data'],
      ['TJU_NCM_CY25-05_1-#1', 192, null, null],
    ]);
  });

  it('CLO: 45 Qn.csv cells with their published lives (+2 SI cells); the two early dips are reported', async () => {
    const report = await inspect('CLO');
    expect(report.plugin).toBe('clo');
    expect(report.cells).toHaveLength(47);
    const qn = report.cells.slice(0, 45);
    expect(qn.every((c) => c.publishedCycleLife !== null)).toBe(true);
    // Rows 8 and 17 dip below 0.88 Ah for one cycle (872, 1056) long before their published lives
    // (1089, 1166): inspect must say so, as an outlier it ignored or as a life disagreement.
    for (const row of [8, 17]) {
      expect(qn[row]!.warnings.some((w) => /outlier|differs from the published/.test(w))).toBe(true);
    }
    // Every other cell's life in the data is its published life, including row 30 whose cycle 777 sits at
    // exactly 0.88 Ah (not below it) just before its published life 778.
    qn.forEach((cell, row) => {
      if (row === 8 || row === 17) return;
      expect([row, cell.cycleLife]).toEqual([row, cell.publishedCycleLife]);
    });
  });
});
