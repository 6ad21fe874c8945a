/** BatteryML's CALCE cleaning: window of the median filter, MAD multiple and smallest plausible capacity. */
export const OUTLIER_WINDOW = 21;
export const OUTLIER_MAD_MULTIPLE = 3;
export const MIN_DISCHARGE_CAPACITY_IN_AH = 0.1;

/**
 * Median filter with zero padding at both ends, as `scipy.signal.medfilt(values, window)` computes it
 * (so the first and last `window/2` outputs are pulled towards 0, exactly as in BatteryML).
 */
export function medianFilter(values: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0) {
    throw new RangeError(`median filter window must be an odd positive integer, got ${window}`);
  }
  const half = (window - 1) / 2;
  const out = new Float64Array(values.length);
  const buffer = new Float64Array(window);
  for (let i = 0; i < values.length; i++) {
    for (let k = -half; k <= half; k++) {
      const j = i + k;
      buffer[k + half] = j >= 0 && j < values.length ? values[j]! : 0;
    }
    buffer.sort();
    out[i] = buffer[half]!;
  }
  return out;
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Which cycles BatteryML's `CALCEPreprocessor` keeps: `|Qd - medfilt(Qd, 21)| < 3 * median(|Qd - medfilt|)`
 * and `Qd > 0.1 Ah`. Returns one flag per cycle, in order. One deliberate difference: a cycle equal to its
 * filtered value is always kept. BatteryML's strict `<` drops every cycle of a smooth (monotone) series,
 * whose MAD is 0; on noisy measured data the two rules agree.
 */
export function keepNonOutlierCycles(dischargeCapacityInAh: ArrayLike<number>): boolean[] {
  const filtered = medianFilter(dischargeCapacityInAh, OUTLIER_WINDOW);
  const deviation = Float64Array.from(filtered, (value, i) => Math.abs(dischargeCapacityInAh[i]! - value));
  const threshold = OUTLIER_MAD_MULTIPLE * median(deviation);
  return Array.from(
    deviation,
    (d, i) => (d === 0 || d < threshold) && dischargeCapacityInAh[i]! > MIN_DISCHARGE_CAPACITY_IN_AH,
  );
}
