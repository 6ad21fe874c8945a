import { describe, expect, it } from 'vitest';
import { conditionalSynthesisErrors } from './conditional-synthesis.js';
import { sampledCycleLives } from './life-summary.js';

/** A SYNTHETIC encoded curve falling linearly from SOH 100 % by `perPoint` % per 10 cycles. */
const falling = (perPoint: number) =>
  Float64Array.from({ length: 256 }, (_, i) => 2 * (Math.max(100 - perPoint * i, 0) / 100) - 1);

describe('conditionalSynthesisErrors', () => {
  it('is 0 everywhere when each cell is given its own measured curve', () => {
    const measured = [0.2, 0.4].map(falling);
    const errors = conditionalSynthesisErrors(measured, [[measured[0]!], [measured[1]!, measured[1]!]]);
    expect(errors).toMatchObject({ cells: 2, curves: 3, lifeMape: 0, medianLifeMape: 0, lifeBias: 0 });
    expect(errors.cellsWithin15).toBe(1);
    expect(Object.values(errors.featureMae)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('scores every curve against its own cell: a 25 % faster fade shortens life by about 20 %', () => {
    // Lives near 1000 (0.2 % per point) and 800 (0.25 %): one exact curve, one 20 % short.
    const [exact, faster] = sampledCycleLives([falling(0.2), falling(0.25)]);
    expect(Math.abs(exact! - 1000)).toBeLessThanOrEqual(10);
    expect(Math.abs(faster! - 800)).toBeLessThanOrEqual(10);
    const errors = conditionalSynthesisErrors([falling(0.2)], [[falling(0.2), falling(0.25)]]);
    expect(errors.lifeMape).toBeCloseTo((exact! - faster!) / exact! / 2, 12);
    expect(errors.lifeBias).toBeCloseTo(-errors.lifeMape, 12);
    expect(errors.perCell[0]!.medianLife).toBe((exact! + faster!) / 2);
    expect(errors.medianLifeMape).toBeCloseTo(0.1, 2);
    expect(errors.cellsWithin15).toBe(1);
    // The 80 % crossing moves from cycle 1010 to 810, half of the curves off by 200 cycles.
    expect(errors.featureMae.cyclesTo80).toBe(100);
    expect(errors.featureMae.midFadeSlope).toBeCloseTo(0.25, 9); // (2.5 - 2) / 2 % per 100 cycles
  });

  it('leaves non-finite curves out and refuses a cell without a finite one or mismatched groups', () => {
    const broken = falling(0.2).fill(Number.NaN, 3, 4);
    expect(conditionalSynthesisErrors([falling(0.2)], [[broken, falling(0.2)]]).curves).toBe(1);
    expect(() => conditionalSynthesisErrors([falling(0.2)], [[broken]])).toThrow('no finite generated curve');
    expect(() => conditionalSynthesisErrors([falling(0.2)], [])).toThrow('1 measured cells but 0');
  });
});
