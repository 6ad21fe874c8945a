import { describe, expect, it } from 'vitest';
import { inspectRaw } from '../testing/inspect.js';

/** `diffbatt datasets inspect <dir> --json` on the raw NASA and RWTH folders (MATLAB .mat files, issue 6). */
const inspect = inspectRaw;

describe('diffbatt datasets inspect on the raw MATLAB datasets', () => {
  it('NASA: B0025 has 28 discharges and never reaches end of life; the derived B0005 series does at 75', async () => {
    const report = await inspect('NASA');
    expect(report.plugin).toBe('nasa');
    const [b0025, b0005] = report.cells;
    expect(report.cells).toHaveLength(2);
    expect(b0025).toMatchObject({ cellId: 'B0025', cycles: 28, cycleLife: null, cycleLifeSource: null });
    expect(b0025!.publishedCycleLife).toBeNull();
    // Q(V) under load from the measured voltage and current gives a capacity matrix.
    expect(b0025!.capacityMatrixShape).toEqual([100, 100]);
    expect(b0005).toMatchObject({
      cellId: 'B0005-derived',
      cycles: 168,
      cycleLife: 75,
      cycleLifeSource: 'data',
    });
    expect(b0005!.capacityMatrixShape).toBeNull();
  });

  it('RWTH: epSanyo002 has 17 check-ups and reaches 80 % of 1.85 Ah at the check-up after 1252 cycles', async () => {
    const report = await inspect('RWTH');
    expect(report.plugin).toBe('rwth');
    expect(
      report.cells.map((cell) => [cell.cellId, cell.cycles, cell.cycleLife, cell.cycleLifeSource]),
    ).toEqual([['epSanyo002', 17, 1252, 'data']]);
    expect(report.cells[0]!.capacityMatrixShape).toBeNull();
  });
});
