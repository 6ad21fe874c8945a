import { CYCLES_PER_SOH_POINT, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { type ResizeArithmetic, resizeBilinearHalfPixel, roundingFor } from './resize.js';

/** The original protocol scores curves at cycles 1..2560: each of the 256 points covers 10 cycles. */
export const EVALUATION_CYCLES = SOH_CURVE_LENGTH * CYCLES_PER_SOH_POINT;
/** End of life: SOH at or below 80 % of the first point. */
export const DEFAULT_EOL_SOH = 80;
/** SOH RMSE ignores reference points at or below this SOH % (the padding after the end of data). */
export const SOH_RMSE_REFERENCE_FLOOR = 60;
/** Best-of-reps selection compares samples with the reference over these first cycles. */
export const SELECTION_CYCLES = 100;

/**
 * An encoded curve (`2 * SOH - 1`, 256 points) as SOH % at cycles 1..2560, as the original `PostProcess`:
 * bilinear resize with half-pixel centres, then `(x + 1) / 2 * 100`. Padding (-1) becomes SOH 0.
 */
export function sohPercentAtCycles(
  sohCurve: ArrayLike<number>,
  arithmetic: ResizeArithmetic = 'float64',
): Float64Array {
  const round = roundingFor(arithmetic);
  const resized = resizeBilinearHalfPixel(sohCurve, EVALUATION_CYCLES, arithmetic);
  return resized.map((x) => round(round(round(x + 1) / 2) * 100));
}

/**
 * The original's "RUL" (really total cycle life): the first cycle (1-based) whose SOH % is not above
 * `eolSoh`. NaN counts as not above, and so does the reference's padding (SOH 0), so the end of data ends
 * life. Quirk kept from the original: when that first index is 0 (the curve never crosses, or already
 * starts at or below the threshold) the life is the last cycle, `sohPercent.length`.
 */
export function cycleLifeFromSoh(sohPercent: ArrayLike<number>, eolSoh = DEFAULT_EOL_SOH): number {
  const index = firstIndexNotAbove(sohPercent, eolSoh);
  return index <= 0 ? sohPercent.length : index + 1;
}

/** Index of the first point not above `threshold` (NaN counts), or -1 when every point is above it. */
export function firstIndexNotAbove(values: ArrayLike<number>, threshold: number): number {
  for (let i = 0; i < values.length; i++) {
    if (!(values[i]! > threshold)) return i;
  }
  return -1;
}

/**
 * Per-cell SOH RMSE of the original (SOH percentage points) over the first `cycles` points, ignoring points
 * where the reference is at or below 60 % or the prediction at or below `eolSoh` (and NaNs, as `nanmean`).
 * NaN when no point is left to compare.
 */
export function sohRmse(
  referenceSoh: ArrayLike<number>,
  predictedSoh: ArrayLike<number>,
  eolSoh = DEFAULT_EOL_SOH,
  cycles = Math.min(referenceSoh.length, predictedSoh.length),
): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < cycles; i++) {
    const reference = referenceSoh[i]!;
    const predicted = predictedSoh[i]!;
    if (reference > SOH_RMSE_REFERENCE_FLOOR && predicted > eolSoh) {
      sum += (reference - predicted) ** 2;
      count++;
    }
  }
  return count === 0 ? Number.NaN : Math.sqrt(sum / count);
}

/**
 * Best-of-reps selection of the original: the index of the sample whose SOH RMSE over cycles 1..100 is the
 * lowest. This peeks at the reference's early cycles, so results chosen this way are labelled as such.
 * A sample with no comparable point (NaN RMSE) ranks last here; NumPy's argmin would pick it first.
 */
export function bestOfRepsIndex(
  referenceSoh: ArrayLike<number>,
  samplesSoh: readonly ArrayLike<number>[],
  eolSoh = DEFAULT_EOL_SOH,
): number {
  let best = 0;
  let bestRmse = Number.POSITIVE_INFINITY;
  samplesSoh.forEach((sample, index) => {
    const rmse = sohRmse(referenceSoh, sample, eolSoh, SELECTION_CYCLES);
    if (rmse < bestRmse) {
      best = index;
      bestRmse = rmse;
    }
  });
  return best;
}
