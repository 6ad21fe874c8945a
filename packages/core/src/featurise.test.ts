import { describe, expect, it } from 'vitest';
import { CELL_SCHEMA_VERSION, type Cell, type Cycle } from './cell.js';
import {
  capacityFade,
  capacityMatrix,
  encodeSohCurve,
  featuriseCell,
  inspectCell,
  inspectSample,
} from './featurise.js';

/** A synthetic cell (named so: not measured data): linear fade, optional Q(V) samples per cycle. */
function syntheticCell(cycles: Cycle[], extra: Partial<Cell> = {}): Cell {
  return {
    schemaVersion: CELL_SCHEMA_VERSION,
    cellId: 'synthetic-1',
    source: 'test',
    nominalCapacityInAh: 1,
    maxVoltageLimitInV: 3.6,
    minVoltageLimitInV: 2,
    cycles,
    ...extra,
  };
}

const linearFade = (count: number, from = 1.05, perCycle = 0.0003): Cycle[] =>
  Array.from({ length: count }, (_, i) => ({
    cycleNumber: i + 1,
    dischargeCapacityInAh: from - perCycle * i,
  }));

/** Discharge samples whose Q(V) is (3.6 - V) * scale: a straight line, so interpolation is exact. */
function dischargeCycle(cycleNumber: number, scale: number): Cycle {
  const voltageInV = Array.from({ length: 161 }, (_, i) => 3.6 - i * 0.01);
  return {
    cycleNumber,
    timeSeries: {
      timeInS: voltageInV.map((_, i) => i),
      voltageInV,
      currentInA: voltageInV.map(() => -4),
      dischargeCapacityInAh: voltageInV.map((v) => (3.6 - v) * scale),
    },
  };
}

describe('encodeSohCurve', () => {
  it('averages 10 cycles per point, starts at exactly 1 and pads with -1 after the last measured window', () => {
    const points = linearFade(1852).map((c) => ({
      cycleNumber: c.cycleNumber,
      dischargeCapacityInAh: c.dischargeCapacityInAh!,
    }));
    const curve = encodeSohCurve(points);
    expect(curve[0]).toBe(1);
    // Point 1 = mean of cycles 11..20 = capacity at cycle 15.5, relative to the mean of cycles 1..10.
    const firstMean = 1.05 - 0.0003 * 4.5;
    expect(curve[1]).toBeCloseTo(2 * ((1.05 - 0.0003 * 14.5) / firstMean) - 1, 6);
    expect(curve[185]).not.toBe(-1); // cycles 1851..1860 hold measured cycles 1851, 1852
    expect(Array.from(curve.subarray(186)).every((v) => v === -1)).toBe(true);
  });

  it('interpolates windows without measurements inside the span and cuts after cycle 2560', () => {
    const points = [
      { cycleNumber: 1, dischargeCapacityInAh: 1 },
      { cycleNumber: 41, dischargeCapacityInAh: 0.9 },
      { cycleNumber: 3000, dischargeCapacityInAh: 0.5 },
    ];
    const curve = encodeSohCurve(points);
    expect(Array.from(curve.subarray(0, 6)).map((v) => Number(v.toFixed(4)))).toEqual([
      1, 0.95, 0.9, 0.85, 0.8, -1,
    ]);
  });
});

describe('capacityFade', () => {
  it('drops a single glitch cycle but keeps a flat or smoothly fading record', () => {
    const cycles = linearFade(200);
    cycles[50] = { cycleNumber: 51, dischargeCapacityInAh: 0.7 };
    const fade = capacityFade(syntheticCell(cycles));
    expect(fade.outlierCycles).toEqual([51]);
    expect(fade.points).toHaveLength(199);
    expect(capacityFade(syntheticCell(linearFade(200, 1, 0))).outlierCycles).toEqual([]);
  });

  it('skips cycles without a usable capacity (missing, NaN, aborted) and derives it from samples', () => {
    const cell = syntheticCell([
      { cycleNumber: 1 },
      { cycleNumber: 2, dischargeCapacityInAh: Number.NaN },
      { cycleNumber: 3, dischargeCapacityInAh: 0.05 },
      dischargeCycle(4, 0.6),
    ]);
    expect(capacityFade(cell).points).toEqual([
      { cycleNumber: 4, dischargeCapacityInAh: expect.closeTo(0.96, 9) },
    ]);
    expect(capacityFade(cell).invalidCycles).toEqual([2]);
  });
});

describe('capacityMatrix', () => {
  const qvCells = (count: number) =>
    syntheticCell(Array.from({ length: count }, (_, i) => dischargeCycle(i + 1, 0.6 - 0.001 * i)));

  it('subtracts the base row (index 9 = cycle 11 from cycle 2) on a 100-point grid from 3.6 V', () => {
    const result = capacityMatrix(qvCells(101), { crossCycleMedianHalfWindow: 0 });
    if ('problem' in result) throw new Error(result.problem);
    expect(result.rows).toBe(100);
    expect(result.cycleNumbers[0]).toBe(2);
    expect(result.cycleNumbers[9]).toBe(11);
    expect(result.voltagesInV[0]).toBe(3.6);
    expect(result.voltagesInV[1]).toBeCloseTo(3.6 - (1.6 * 10) / 999, 12);
    expect(Array.from(result.matrix.subarray(900, 1000)).every((v) => v === 0)).toBe(true);
    // Row 0 (cycle 2, index 1 of the fade) minus row 9 (cycle 11, index 10): 0.009 * (3.6 - V) where measured.
    const v = result.voltagesInV[50]!;
    expect(result.matrix[50]).toBeCloseTo(0.009 * (3.6 - v), 6);
    // Samples stop at 2.0 V exactly; the grid's last point 2.0160 V is inside, nothing beyond: no NaN left.
    expect(result.matrix.every(Number.isFinite)).toBe(true);
  });

  it('replaces one outlier cycle by the median of its neighbours across cycles', () => {
    const cell = qvCells(101);
    cell.cycles[20] = dischargeCycle(21, 40);
    const raw = capacityMatrix(cell, { crossCycleMedianHalfWindow: 0 });
    const smoothed = capacityMatrix(cell);
    if ('problem' in raw || 'problem' in smoothed) throw new Error('no matrix');
    const row = 19; // cycle 21
    expect(Math.abs(raw.matrix[row * 100 + 50]!)).toBeGreaterThan(10);
    expect(Math.abs(smoothed.matrix[row * 100 + 50]!)).toBeLessThan(0.05);
  });

  it('builds 20-row matrices with base row 2, pads short records and sets values outside the data to 0', () => {
    const short = syntheticCell(
      Array.from({ length: 15 }, (_, i) => {
        const cycle = dischargeCycle(i + 1, 0.6 - 0.01 * i);
        const series = cycle.timeSeries!;
        // Only discharge down to 2.8 V: lower grid points are outside the measured range.
        const keep = series.voltageInV.findIndex((x) => x < 2.8);
        return {
          cycleNumber: i + 1,
          timeSeries: {
            timeInS: series.timeInS.slice(0, keep),
            voltageInV: series.voltageInV.slice(0, keep),
            currentInA: series.currentInA.slice(0, keep),
            dischargeCapacityInAh: series.dischargeCapacityInAh!.slice(0, keep),
          },
        };
      }),
    );
    const result = capacityMatrix(short, { rows: 20 });
    if ('problem' in result) throw new Error(result.problem);
    expect(result.rows).toBe(20);
    expect(result.paddedRows).toBe(6);
    // Featurising and inspecting say it in the same words (one source for both).
    const padded = '6 capacity-matrix row(s) repeat cycle 15 (fewer Q(V) cycles than rows)';
    const featurised: string[] = [];
    featuriseCell(short, { rows: 20, onWarning: (w) => featurised.push(w) });
    expect(featurised).toContain(`${short.cellId}: ${padded}`);
    expect(inspectCell(short, { rows: 20 }).warnings).toContain(padded);
    const outside = Array.from(result.voltagesInV, (v, column) => (v < 2.8 ? column : -1)).filter(
      (c) => c >= 0,
    );
    expect(outside.length).toBeGreaterThan(40);
    for (let row = 0; row < 20; row++) {
      expect(outside.every((column) => result.matrix[row * 100 + column] === 0)).toBe(true);
    }
    // Row 10 (cycle 12) minus base row 2 (cycle 4); a linear trend across cycles keeps its median.
    expect(result.matrix[10 * 100 + 10]).toBeCloseTo(-0.08 * (3.6 - result.voltagesInV[10]!), 5);
    expect(capacityMatrix(syntheticCell(linearFade(200)))).toEqual({
      problem: 'only 0 cycles with Q(V) data from cycle 2; the base row is 9',
    });
    const { maxVoltageLimitInV: _, ...noLimits } = qvCells(20);
    expect(capacityMatrix(noLimits as Cell)).toEqual({
      problem: 'no voltage range (the cell states no max/min voltage limits)',
    });
  });
});

describe('featuriseCell', () => {
  it('stops the SOH curve at end of life and builds the matrix', () => {
    const cycles = linearFade(1000, 1.0, 0.0004).map((c, i) => ({
      ...c,
      ...(i < 101 ? dischargeCycle(i + 1, 0.6) : {}),
    }));
    const cell = syntheticCell(cycles.map((c, i) => ({ ...c, dischargeCapacityInAh: 1.0 - 0.0004 * i })));
    const warnings: string[] = [];
    const sample = featuriseCell(cell, { onWarning: (w) => warnings.push(w) });
    // Capacity < 0.8 first at cycle 502 (1 - 0.0004 * 501 = 0.7996): window 50 (cycles 501..510) is the last.
    expect(sample.sohCurve[50]).not.toBe(-1);
    expect(sample.sohCurve[51]).toBe(-1);
    expect(sample.capacityMatrixRows).toBe(100);
    expect(warnings).toEqual([]);
    const full = featuriseCell(cell, { truncateAtEndOfLife: false });
    expect(full.sohCurve[99]).not.toBe(-1);
  });

  it('warns when data ends before end of life or has no Q(V), and refuses a cell without capacities', () => {
    const warnings: string[] = [];
    const sample = featuriseCell(syntheticCell(linearFade(300)), { onWarning: (w) => warnings.push(w) });
    expect(sample.capacityMatrix).toBeNull();
    expect(warnings).toEqual([
      'synthetic-1: capacity data ends at cycle 300 before end of life; the SOH curve is padded from there (fine as a condition, not as a training or evaluation target)',
      'synthetic-1: no capacity matrix: only 0 cycles with Q(V) data from cycle 2; the base row is 9',
    ]);
    expect(() => featuriseCell(syntheticCell([{ cycleNumber: 1 }]))).toThrow(
      'synthetic-1: no cycle with a valid discharge capacity',
    );
  });

  it('drops NaN, infinite and negative capacities with a warning naming the cycles (every plugin alike)', () => {
    const cycles = linearFade(300);
    for (const [index, capacity] of [
      [9, Number.NaN],
      [19, Number.POSITIVE_INFINITY],
      [29, -5],
    ] as const) {
      cycles[index] = { cycleNumber: index + 1, dischargeCapacityInAh: capacity };
    }
    const warnings: string[] = [];
    featuriseCell(syntheticCell(cycles), { onWarning: (w) => warnings.push(w) });
    expect(warnings[0]).toBe(
      'synthetic-1: dropped 3 cycle(s) whose discharge capacity is NaN, infinite or negative: cycle(s) 10, 20, 30',
    );
    expect(inspectCell(syntheticCell(cycles)).warnings).toContain(
      'dropped 3 cycle(s) whose discharge capacity is NaN, infinite or negative: cycle(s) 10, 20, 30',
    );
  });
});

describe('implausible discharge samples', () => {
  it('leaves -5 V and -5 Ah samples out of the Q(V) curves, with a warning naming the cycles', () => {
    const cycles = Array.from({ length: 101 }, (_, i) => dischargeCycle(i + 1, 0.6 - 0.001 * i));
    const clean = capacityMatrix(syntheticCell(cycles.map((c) => structuredClone(c))));
    const damaged = cycles.map((c) => structuredClone(c));
    damaged[14]!.timeSeries!.voltageInV[40] = -5;
    damaged[30]!.timeSeries!.dischargeCapacityInAh![60] = -5;
    damaged[30]!.timeSeries!.voltageInV[61] = 1e6;
    const result = capacityMatrix(syntheticCell(damaged));
    if ('problem' in result || 'problem' in clean) throw new Error('no matrix');
    expect(result.implausibleSamples).toEqual({ cycles: [15, 31], samples: 3 });
    // The samples around them describe the straight line exactly: the matrix is the clean one.
    expect(Array.from(result.matrix)).toEqual(Array.from(clean.matrix));
    const warnings: string[] = [];
    featuriseCell(syntheticCell(damaged), { onWarning: (w) => warnings.push(w) });
    expect(warnings).toContain(
      'synthetic-1: left out 3 sample(s) with a voltage outside 0 .. 10 V or a capacity below minus the nominal capacity: cycle(s) 15, 31',
    );
    expect(inspectCell(syntheticCell(damaged)).warnings).toContain(
      'left out 3 sample(s) with a voltage outside 0 .. 10 V or a capacity below minus the nominal capacity: cycle(s) 15, 31',
    );
  });
});

describe('inspectCell and inspectSample', () => {
  it('takes life from the data, else the published life, and warns on disagreement', () => {
    const reaches = syntheticCell(linearFade(1000, 1.0, 0.0004), { publishedCycleLife: 510 });
    expect(inspectCell(reaches)).toMatchObject({
      cycles: 1000,
      cycleLife: 502,
      cycleLifeSource: 'data',
      publishedCycleLife: 510,
      capacityMatrixShape: null,
    });
    expect(inspectCell(reaches).warnings[0]).toBe(
      'life in the data (502) differs from the published life (510)',
    );
    const short = syntheticCell(linearFade(100), { publishedCycleLife: 900 });
    expect(inspectCell(short)).toMatchObject({ cycleLife: 900, cycleLifeSource: 'published' });
    expect(inspectCell(syntheticCell(linearFade(100)))).toMatchObject({
      cycleLife: null,
      cycleLifeSource: null,
    });
  });

  it('reads life from an encoded curve: first point below SOH 0.8, else the end of a curve that stops early', () => {
    const curve = new Float32Array(256).fill(-1);
    curve.fill(0.7, 0, 185);
    const sample = {
      cellId: 's',
      source: 'x',
      sohCurve: curve,
      capacityMatrix: null,
      capacityMatrixRows: null,
      synthetic: false,
    };
    expect(inspectSample(sample)).toMatchObject({ cycles: 1850, cycleLife: 1850, cycleLifeSource: 'data' });
    curve[100] = 0.5;
    expect(inspectSample(sample).cycleLife).toBe(1010);
    expect(inspectSample({ ...sample, sohCurve: new Float32Array(256).fill(0.9) }).cycleLife).toBeNull();
  });
});

describe('end-of-life threshold', () => {
  it('is exactly 0.88 Ah for a 1.1 Ah cell, so a cycle at 0.88 Ah is not yet end of life', async () => {
    const { endOfLifeCapacity, fadeEndOfLife } = await import('./featurise/soh-curve.js');
    expect(endOfLifeCapacity(1.1)).toBe(0.88);
    const points = [1.1, 0.95, 0.88, 0.8799].map((q, i) => ({
      cycleNumber: i + 1,
      dischargeCapacityInAh: q,
    }));
    expect(fadeEndOfLife(points, 1.1)).toBe(4);
  });
});
