import { CYCLES_PER_SOH_POINT, SOH_CURVE_LENGTH } from '@diffbatt/core';
import {
  centralInterval,
  cycleLifeFromSoh,
  quantileOfSorted,
  sohPercentAtCycles,
  sortedFinite,
} from '@diffbatt/eval';
import type { ReportCurveCell } from '../report/html-report.js';

/** Cycle number at the end of each SOH point: 10, 20, ..., 2560. */
export const CURVE_CYCLES = Array.from(
  { length: SOH_CURVE_LENGTH },
  (_, i) => (i + 1) * CYCLES_PER_SOH_POINT,
);

/** Encoded curve (2*SOH - 1, padded with -1) to SOH % with NaN after the end of data. */
export function sohPercent(curve: ArrayLike<number>): number[] {
  return Array.from(curve, (x) => (x <= -1 ? Number.NaN : ((x + 1) / 2) * 100));
}

/** Pointwise median and central band (in SOH %) over a cell's generated curves. */
export function curveBand(curves: readonly ArrayLike<number>[], level: number) {
  const median: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  for (let i = 0; i < SOH_CURVE_LENGTH; i++) {
    const values = sortedFinite(curves.map((c) => ((c[i]! + 1) / 2) * 100));
    const [lower, upper] = centralInterval(values, level);
    median.push(quantileOfSorted(values, 0.5));
    low.push(lower);
    high.push(upper);
  }
  return { median, low, high };
}

export function reportCell(
  cellId: string,
  reference: ArrayLike<number> | null,
  curves: readonly ArrayLike<number>[],
  life: { truth: number | null; predicted: number; low: number; high: number },
  level: number,
  synthetic = false,
): ReportCurveCell {
  const band = curveBand(curves, level);
  return {
    cellId,
    cycles: CURVE_CYCLES,
    referenceSoh: reference ? sohPercent(reference) : null,
    predictedMedian: band.median,
    predictedLow: band.low,
    predictedHigh: band.high,
    lifeTrue: life.truth,
    lifePredicted: life.predicted,
    lifeLow: life.low,
    lifeHigh: life.high,
    synthetic,
  };
}

/** Cycle life of each generated curve by the original protocol (resize to 2560 cycles, first SOH <= EOL). */
export function sampleLives(curves: readonly ArrayLike<number>[], eolSoh: number): number[] {
  return curves.map((curve) => cycleLifeFromSoh(sohPercentAtCycles(curve), eolSoh));
}

/** Median and central intervals of a cell's sampled lives. */
export function lifeSummary(lives: readonly number[], levels: readonly number[]) {
  const sorted = sortedFinite(lives);
  return {
    median: quantileOfSorted(sorted, 0.5),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    intervals: levels.map((level) => {
      const [lower, upper] = centralInterval(sorted, level);
      return { level, lower, upper };
    }),
  };
}
