import { describe, expect, it } from 'vitest';
import {
  bestOfRepsIndex,
  cycleLifeFromSoh,
  EVALUATION_CYCLES,
  firstIndexNotAbove,
  sohPercentAtCycles,
  sohRmse,
} from './protocol.js';

describe('sohPercentAtCycles', () => {
  it('maps 2*SOH-1 to SOH % at 2560 cycles; padding (-1) becomes 0', () => {
    const curve = new Float32Array(256).fill(1);
    curve.fill(-1, 128);
    const soh = sohPercentAtCycles(curve);
    expect(soh).toHaveLength(EVALUATION_CYCLES);
    expect(soh[0]).toBe(100);
    expect(soh[EVALUATION_CYCLES - 1]).toBe(0);
    // The step between points 127 and 128 is interpolated over output 1275..1284.
    expect(soh[1274]).toBe(100);
    expect(soh[1275]).toBeCloseTo(95, 10);
    expect(soh[1285]).toBe(0);
  });
});

describe('cycleLifeFromSoh (the original RUL)', () => {
  it('is the 1-based cycle of the first point at or below EOL', () => {
    expect(cycleLifeFromSoh([100, 95, 81, 80, 70])).toBe(4);
    expect(cycleLifeFromSoh([100, 95, 81, 80.5, 70])).toBe(5);
    expect(cycleLifeFromSoh([100, 95, 90, 85], 90)).toBe(3);
  });

  it('is the last cycle when the curve never crosses', () => {
    expect(cycleLifeFromSoh([100, 99, 98, 97])).toBe(4);
    expect(cycleLifeFromSoh(new Float64Array(EVALUATION_CYCLES).fill(90))).toBe(2560);
  });

  it('counts NaN and padding as the end of life', () => {
    expect(cycleLifeFromSoh([100, 95, Number.NaN, 70])).toBe(3);
    expect(cycleLifeFromSoh([100, 95, 0, 0])).toBe(3);
  });

  it("keeps the original's quirk: a curve starting at or below EOL (an all-padded reference) lives 2560", () => {
    expect(cycleLifeFromSoh([79, 70, 60])).toBe(3);
    expect(cycleLifeFromSoh(sohPercentAtCycles(new Float32Array(256).fill(-1)))).toBe(2560);
  });

  it('firstIndexNotAbove returns -1 when every point is above', () => {
    expect(firstIndexNotAbove([3, 2, 1], 0)).toBe(-1);
    expect(firstIndexNotAbove([3, 2, 1], 2)).toBe(1);
  });
});

describe('sohRmse (the original per-cell SOH RMSE)', () => {
  it('ignores reference <= 60 and prediction <= EOL (hand-computed)', () => {
    // Kept: (100 - 98)^2 = 4 and (90 - 85)^2 = 25; dropped: reference 50, prediction 70 and 80.
    expect(sohRmse([100, 90, 50, 95, 90], [98, 85, 90, 70, 80])).toBeCloseTo(Math.sqrt(29 / 2), 14);
  });

  it('ignores NaN points like nanmean and is NaN when nothing is left to compare', () => {
    expect(sohRmse([100, Number.NaN, 90], [99, 90, Number.NaN])).toBe(1);
    expect(sohRmse([50, 40], [90, 90])).toBeNaN();
    expect(sohRmse(new Float64Array(10), new Float64Array(10).fill(100))).toBeNaN();
  });

  it('can be limited to the first cycles', () => {
    expect(sohRmse([100, 90, 90], [99, 99, 99], 80, 1)).toBe(1);
  });
});

describe('bestOfRepsIndex', () => {
  const reference = new Float64Array(200).fill(100);
  const offset = (early: number, late: number) =>
    Float64Array.from(reference, (_, i) => (i < 100 ? early : late));

  it('picks the sample closest to the reference over cycles 1..100 only', () => {
    expect(bestOfRepsIndex(reference, [offset(97, 100), offset(99, 85), offset(98, 100)])).toBe(1);
  });

  it('takes the first of equally good samples, and ranks samples without comparable points last', () => {
    expect(bestOfRepsIndex(reference, [offset(99, 100), offset(99, 90)])).toBe(0);
    expect(bestOfRepsIndex(reference, [offset(70, 100), offset(95, 100)])).toBe(1);
    expect(bestOfRepsIndex(reference, [offset(70, 100), offset(75, 100)])).toBe(0);
  });
});
