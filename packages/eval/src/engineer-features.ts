import { CYCLES_PER_SOH_POINT, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { kneePointIndex } from './knee-point.js';
import { sohPercent } from './life-summary.js';
import { largestRise } from './monotonicity.js';
import {
  DEFAULT_EOL_SOH,
  EVALUATION_CYCLES,
  firstIndexNotAbove,
  SOH_RMSE_REFERENCE_FLOOR,
} from './protocol.js';

/**
 * Features of an SOH curve that a battery engineer reads off a fade plot (feature space `engineer-v1`), in
 * the order of the vector `engineerFeatureVector` returns.
 */
export const ENGINEER_FEATURE_NAMES = [
  'kneeCycle',
  'cyclesTo90',
  'cyclesTo80',
  'earlyFadeSlope',
  'midFadeSlope',
  'smoothness',
] as const;
export type EngineerFeatureName = (typeof ENGINEER_FEATURE_NAMES)[number];

/** Id of the feature vector, recorded with every number computed in it. */
export const ENGINEER_FEATURES_ID = 'engineer-v1';

/** Early life: the points covering cycles 1..100 (Severson et al.'s window). */
const EARLY_POINTS = 100 / CYCLES_PER_SOH_POINT;
/** The mid-life fit spans at least this many points (50 cycles), reaching back before 90 % if needed. */
const MID_LIFE_MIN_POINTS = 5;

/** `engineerFeatures`' values; every cycle count is a curve point's last cycle (10, 20, ..., 2560). */
export interface EngineerFeatures extends Record<EngineerFeatureName, number> {
  /** Knee by the maximum distance to the chord (`kneePointIndex`) over the life window, in cycles. */
  kneeCycle: number;
  /** First cycle at or below 90 % SOH; the end of the observed data counts as reaching it; 2560 = never. */
  cyclesTo90: number;
  /** The same for 80 % (end of life). */
  cyclesTo80: number;
  /** Least-squares slope of SOH % against cycle over cycles 1..100, in SOH % per 100 cycles (fade < 0). */
  earlyFadeSlope: number;
  /** Least-squares slope from the first point at or below 90 % to the end of the life window, % / 100 cycles. */
  midFadeSlope: number;
  /** Mean |second difference| of SOH % over the life window (per 10-cycle point), percentage points. */
  smoothness: number;
  /** `largestRise` of SOH % over the life window, percentage points (not part of the feature vector). */
  largestRise: number;
  /** Points in the life window. */
  lifeWindowPoints: number;
}

/** How many leading points of SOH % are observed: those before the first at or below 60 % (or NaN). */
export function observedPoints(soh: readonly number[]): number {
  const end = firstIndexNotAbove(soh, SOH_RMSE_REFERENCE_FLOOR);
  return end < 0 ? soh.length : end;
}

/**
 * The life window of an encoded curve (`2 * SOH - 1`, 256 points, padded with -1): SOH % of its points from
 * the first up to the first at or below 80 % (end of life) or, when it ends first, up to its last observed
 * point. Observed points are those before the first at or below 60 % SOH (`SOH_RMSE_REFERENCE_FLOOR`, the
 * protocol's cut-off for padding): a measured curve's padding, and the fall of a generated curve to its
 * own padding after end of life, are not part of the curve's shape.
 */
export function lifeWindow(sohCurve: ArrayLike<number>): number[] {
  const soh = sohPercent(sohCurve);
  const observed = observedPoints(soh);
  const endOfLife = firstIndexNotAbove(soh, DEFAULT_EOL_SOH);
  return soh.slice(0, endOfLife >= 0 && endOfLife < observed ? endOfLife + 1 : observed);
}

/** Least-squares slope of `values[from..to]` (inclusive) against cycle, in units per 100 cycles. */
function slopePer100Cycles(values: readonly number[], from: number, to: number): number {
  const n = to - from + 1;
  if (n < 2) return Number.NaN;
  const meanIndex = (from + to) / 2;
  let meanValue = 0;
  for (let i = from; i <= to; i++) meanValue += values[i]! / n;
  let covariance = 0;
  let variance = 0;
  for (let i = from; i <= to; i++) {
    covariance += (i - meanIndex) * (values[i]! - meanValue);
    variance += (i - meanIndex) ** 2;
  }
  return ((covariance / variance) * 100) / CYCLES_PER_SOH_POINT;
}

/** The cycle of the first point at or below `threshold` % (NaN, padding included, counts); never: 2560. */
function cyclesTo(soh: readonly number[], threshold: number): number {
  const index = firstIndexNotAbove(soh, threshold);
  return index < 0 ? EVALUATION_CYCLES : (index + 1) * CYCLES_PER_SOH_POINT;
}

/**
 * Engineer-recognisable features of an encoded SOH curve (see `EngineerFeatures` and `lifeWindow`):
 * knee cycle, cycles to 90 and 80 % SOH, fade slopes in early life (cycles 1..100, observed points) and mid
 * life (from the first point at or below 90 % to the end of the life window, at least 5 points, reaching
 * back before 90 % when fewer remain; the last 5 points of the window when the curve never falls to 90 %),
 * smoothness and the largest rise. A value the curve is too short for (fewer than 2 early or mid-life
 * points, fewer than 3 points for smoothness, an empty window) is NaN; cycle counts use the whole curve.
 */
export function engineerFeatures(sohCurve: ArrayLike<number>): EngineerFeatures {
  if (sohCurve.length !== SOH_CURVE_LENGTH) {
    throw new RangeError(`an SOH curve has ${SOH_CURVE_LENGTH} points, got ${sohCurve.length}`);
  }
  const soh = sohPercent(sohCurve);
  const window = lifeWindow(sohCurve);
  const end = window.length - 1;
  const observedEarly = Math.min(EARLY_POINTS, observedPoints(soh));
  const at90 = firstIndexNotAbove(window, 90);
  const midStart = Math.max(0, Math.min(at90 < 0 ? end : at90, end - MID_LIFE_MIN_POINTS + 1));
  let curvature = 0;
  for (let i = 1; i < end; i++) curvature += Math.abs(window[i + 1]! - 2 * window[i]! + window[i - 1]!);
  return {
    kneeCycle: window.length === 0 ? Number.NaN : (kneePointIndex(window) + 1) * CYCLES_PER_SOH_POINT,
    cyclesTo90: cyclesTo(soh, 90),
    cyclesTo80: cyclesTo(soh, DEFAULT_EOL_SOH),
    earlyFadeSlope: slopePer100Cycles(soh, 0, observedEarly - 1),
    midFadeSlope: slopePer100Cycles(window, midStart, end),
    smoothness: end >= 2 ? curvature / (end - 1) : Number.NaN,
    largestRise: largestRise(window),
    lifeWindowPoints: window.length,
  };
}

/** `engineerFeatures` as a vector in the order of `ENGINEER_FEATURE_NAMES` (NaN where undefined). */
export function engineerFeatureVector(sohCurve: ArrayLike<number>): Float64Array {
  const features = engineerFeatures(sohCurve);
  return Float64Array.from(ENGINEER_FEATURE_NAMES, (name) => features[name]);
}
