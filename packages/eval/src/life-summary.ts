import { CYCLES_PER_SOH_POINT, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { centralInterval, quantileOfSorted, sortedFinite } from './probabilistic.js';
import { cycleLifeFromSoh, DEFAULT_EOL_SOH, sohPercentAtCycles } from './protocol.js';

/** Cycle number at the end of each point of an encoded SOH curve: 10, 20, ..., 2560. */
export const SOH_CURVE_CYCLES: readonly number[] = Array.from(
  { length: SOH_CURVE_LENGTH },
  (_, i) => (i + 1) * CYCLES_PER_SOH_POINT,
);

/** An encoded curve (2 * SOH - 1, padded with -1) as SOH %, NaN after the end of data. */
export function sohPercent(curve: ArrayLike<number>): number[] {
  return Array.from(curve, (x) => (x <= -1 ? Number.NaN : ((x + 1) / 2) * 100));
}

/** Pointwise median and central band of a cell's generated curves, in SOH % at `SOH_CURVE_CYCLES`. */
export interface SohCurveBand {
  level: number;
  median: number[];
  low: number[];
  high: number[];
}

/** The pointwise median and central `level` band (e.g. 0.8) over a cell's generated curves. */
export function sohCurveBand(curves: readonly ArrayLike<number>[], level: number): SohCurveBand {
  const band: SohCurveBand = { level, median: [], low: [], high: [] };
  for (let i = 0; i < SOH_CURVE_LENGTH; i++) {
    const values = sortedFinite(curves.map((c) => ((c[i]! + 1) / 2) * 100));
    const [lower, upper] = centralInterval(values, level);
    band.median.push(quantileOfSorted(values, 0.5));
    band.low.push(lower);
    band.high.push(upper);
  }
  return band;
}

/** Cycle life of each generated curve by the original protocol (resized to 2560 cycles, first SOH <= EOL). */
export function sampledCycleLives(curves: readonly ArrayLike<number>[], eolSoh = DEFAULT_EOL_SOH): number[] {
  return curves.map((curve) => cycleLifeFromSoh(sohPercentAtCycles(curve), eolSoh));
}

/** Median, mean and central intervals of a cell's sampled cycle lives (non-finite lives are left out). */
export interface LifeSummary {
  median: number;
  mean: number;
  intervals: { level: number; lower: number; upper: number }[];
}

export function lifeSummary(lives: readonly number[], levels: readonly number[]): LifeSummary {
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
