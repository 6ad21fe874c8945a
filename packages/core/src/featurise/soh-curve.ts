import type { Cell, Cycle } from '../cell.js';
import { type CapacityPoint, endOfLifeCycle } from '../life.js';
import { CYCLES_PER_SOH_POINT, SOH_CURVE_LENGTH, SOH_CURVE_PADDING } from '../sample.js';
import { finiteMedian, runningMedian } from './numeric.js';

/** End of life as a fraction of the nominal capacity (MATR: 0.88 Ah of 1.1 Ah). */
export const END_OF_LIFE_FRACTION = 0.8;

export interface CapacityFadeOptions {
  /** Half width (cycles) of the running median that outlier cycles are judged against. Default 10. */
  outlierHalfWindow?: number;
  /** A cycle is an outlier when it is further than this many robust sigmas (1.4826 x MAD) from the median. Default 3. */
  outlierSigmas?: number;
  /** ...and further than this fraction of the nominal capacity (so a flat curve keeps its cycles). Default 0.01. */
  outlierMinimumFraction?: number;
}

export interface CapacityFade {
  /** Per-cycle discharge capacity after dropping invalid and outlier cycles, in cycle order. */
  points: CapacityPoint[];
  /** Cycles dropped as outliers (capacity far from its neighbours' median). */
  outlierCycles: number[];
  /**
   * Cycles dropped because their capacity is NaN, infinite or negative: damaged data, not a cycling
   * convention (missing or small positive capacities, aborted and check-up cycles, are skipped silently).
   */
  invalidCycles: number[];
}

/** A cycle's discharge capacity: the stated one, else the maximum of its sampled discharge capacity. */
export function cycleDischargeCapacity(cycle: Cycle): number | undefined {
  if (cycle.dischargeCapacityInAh !== undefined) return cycle.dischargeCapacityInAh;
  const samples = cycle.timeSeries?.dischargeCapacityInAh;
  if (!samples || samples.length === 0) return undefined;
  return samples.reduce((a, b) => (b > a ? b : a), Number.NEGATIVE_INFINITY);
}

/**
 * The cell's capacity fade with outlier cycles removed. Cycles without a capacity, with a non-finite or
 * negative one (listed in `invalidCycles`) or one at or below 10 % of nominal (aborted or check-up cycles)
 * are skipped. Then, as BatteryML's CALCE
 * cleaning (median filter over 21 cycles, 3 x MAD), a cycle whose capacity is more than `outlierSigmas`
 * robust standard deviations and more than `outlierMinimumFraction` x nominal away from the running median
 * of its neighbours is dropped: MATR data has single-cycle glitches that would otherwise end life early.
 */
export function capacityFade(cell: Cell, options: CapacityFadeOptions = {}): CapacityFade {
  const halfWindow = options.outlierHalfWindow ?? 10;
  const sigmas = options.outlierSigmas ?? 3;
  const floor = (options.outlierMinimumFraction ?? 0.01) * cell.nominalCapacityInAh;
  const stated = [...cell.cycles]
    .sort((a, b) => a.cycleNumber - b.cycleNumber)
    .map((cycle) => ({
      cycleNumber: cycle.cycleNumber,
      dischargeCapacityInAh: cycleDischargeCapacity(cycle),
    }));
  const invalidCycles = stated
    .filter(({ dischargeCapacityInAh: q }) => q !== undefined && (!Number.isFinite(q) || q < 0))
    .map((point) => point.cycleNumber);
  const valid = stated.filter(
    (point): point is CapacityPoint =>
      point.dischargeCapacityInAh !== undefined &&
      Number.isFinite(point.dischargeCapacityInAh) &&
      point.dischargeCapacityInAh > 0.1 * cell.nominalCapacityInAh,
  );
  const capacities = valid.map((point) => point.dischargeCapacityInAh);
  const medians = runningMedian(capacities, halfWindow);
  const residuals = capacities.map((value, i) => Math.abs(value - medians[i]!));
  const mad =
    residuals.length > 0
      ? finiteMedian(residuals, 0, residuals.length, new Float64Array(residuals.length))
      : 0;
  const threshold = Math.max(sigmas * 1.4826 * mad, floor);
  const points: CapacityPoint[] = [];
  const outlierCycles: number[] = [];
  valid.forEach((point, i) => {
    if (residuals[i]! > threshold) outlierCycles.push(point.cycleNumber);
    else points.push(point);
  });
  return { points, outlierCycles, invalidCycles };
}

/** End of life of a cleaned capacity fade: first cycle below 0.8 x nominal, or null when never reached. */
/**
 * 80 % of nominal, rounded to 12 significant digits: 0.8 * 1.1 is 0.8800000000000001 in binary, which
 * would count a cycle of exactly 0.88 Ah (the published threshold) as below end of life.
 */
export function endOfLifeCapacity(nominalCapacityInAh: number): number {
  return Number((END_OF_LIFE_FRACTION * nominalCapacityInAh).toPrecision(12));
}

export function fadeEndOfLife(points: readonly CapacityPoint[], nominalCapacityInAh: number): number | null {
  return endOfLifeCycle(points, endOfLifeCapacity(nominalCapacityInAh));
}

/**
 * Encodes a capacity fade as the DiffBatt SOH curve (256 float32 points, `2*SOH - 1`):
 * 1. point p summarises cycles 10p+1 .. 10p+10 (cycles 1..2560) by the mean of the capacities measured in
 *    that window (averaging, not picking one cycle, so one noisy cycle moves a point by a tenth);
 * 2. a window without measurements inside the measured span takes the linear interpolation of its
 *    neighbouring points (gaps in the cycling record are not end of life);
 * 3. SOH is relative to the first point, so the curve starts at exactly 1 (encoded 1), as DiffBatt's;
 * 4. points after the window holding the last measured cycle are padding (-1), as DiffBatt's.
 * Capacities past cycle 2560 are cut (the curve cannot hold them).
 */
export function encodeSohCurve(points: readonly CapacityPoint[]): Float32Array {
  const sums = new Float64Array(SOH_CURVE_LENGTH);
  const counts = new Uint32Array(SOH_CURVE_LENGTH);
  let last = -1;
  for (const { cycleNumber, dischargeCapacityInAh } of points) {
    const index = Math.floor((Math.max(cycleNumber, 1) - 1) / CYCLES_PER_SOH_POINT);
    if (index >= SOH_CURVE_LENGTH) break;
    sums[index]! += dischargeCapacityInAh;
    counts[index]! += 1;
    last = Math.max(last, index);
  }
  const curve = new Float32Array(SOH_CURVE_LENGTH).fill(SOH_CURVE_PADDING);
  const first = counts.findIndex((count) => count > 0);
  if (first < 0) return curve;
  const means = Array.from(sums, (sum, i) => (counts[i]! > 0 ? sum / counts[i]! : Number.NaN));
  const reference = means[first]!;
  let previous = first;
  for (let i = first; i <= last; i++) {
    if (counts[i] === 0) continue;
    for (let gap = previous + 1; gap < i; gap++) {
      const t = (gap - previous) / (i - previous);
      means[gap] = means[previous]! + t * (means[i]! - means[previous]!);
    }
    previous = i;
  }
  // Windows before the first measurement (data starting late) take the first point's value.
  for (let i = 0; i <= last; i++) curve[i] = 2 * ((i < first ? reference : means[i]!) / reference) - 1;
  return curve;
}

/** What an encoded SOH curve says about its cell: measured span and the cycle where SOH first drops below 0.8. */
export function sohCurveSummary(sohCurve: ArrayLike<number>): {
  lastMeasuredCycle: number;
  endOfLifeCycle: number | null;
} {
  let measured = sohCurve.length;
  while (measured > 0 && sohCurve[measured - 1] === SOH_CURVE_PADDING) measured--;
  const threshold = 2 * END_OF_LIFE_FRACTION - 1;
  let endOfLife: number | null = null;
  for (let i = 0; i < measured; i++) {
    if (sohCurve[i]! < threshold) {
      endOfLife = (i + 1) * CYCLES_PER_SOH_POINT;
      break;
    }
  }
  return { lastMeasuredCycle: measured * CYCLES_PER_SOH_POINT, endOfLifeCycle: endOfLife };
}
