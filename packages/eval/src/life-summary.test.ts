import { describe, expect, it } from 'vitest';
import { lifeSummary, SOH_CURVE_CYCLES, sampledCycleLives, sohCurveBand, sohPercent } from './index.js';

/** A synthetic encoded curve falling linearly from SOH 100 % by `perPoint` % per point (10 cycles). */
const fallingCurve = (perPoint: number) =>
  Float32Array.from({ length: 256 }, (_, i) => 2 * ((100 - perPoint * i) / 100) - 1);

describe('life summaries of generated curves', () => {
  it('puts the curve points at cycles 10..2560 and reads padding as no data', () => {
    expect(SOH_CURVE_CYCLES).toHaveLength(256);
    expect([SOH_CURVE_CYCLES[0], SOH_CURVE_CYCLES[255]]).toEqual([10, 2560]);
    expect(sohPercent([1, 0, -1])).toEqual([100, 50, Number.NaN]);
  });

  it('gives each curve its life by the original protocol, then median and intervals over them', () => {
    // 0.1 % per 10 cycles crosses SOH 80 % near cycle 2000; 0.2 % near 1000; 0.4 % near 500.
    const curves = [0.1, 0.2, 0.4].map(fallingCurve);
    const lives = sampledCycleLives(curves, 80);
    lives.forEach((life, i) => {
      expect(Math.abs(life - [2000, 1000, 500][i]!)).toBeLessThanOrEqual(10);
    });
    const summary = lifeSummary(lives, [0.8]);
    expect(summary.median).toBe(lives[1]);
    expect(summary.mean).toBeCloseTo((lives[0]! + lives[1]! + lives[2]!) / 3, 9);
    expect(summary.intervals[0]!.lower).toBeGreaterThan(lives[2]!);
    expect(summary.intervals[0]!.upper).toBeLessThan(lives[0]!);
    expect(lifeSummary([Number.NaN, 100, 300], [0.5]).median).toBe(200); // non-finite lives left out
  });

  it('bands the curves point by point in SOH %', () => {
    const band = sohCurveBand([0.1, 0.2, 0.4].map(fallingCurve), 0.8);
    expect(band.median[0]).toBeCloseTo(100, 4);
    expect(band.median[100]).toBeCloseTo(80, 4); // the middle curve: 100 - 0.2 * 100
    expect(band.low[100]).toBeLessThan(band.median[100]!);
    expect(band.high[100]).toBeGreaterThan(band.median[100]!);
  });
});
