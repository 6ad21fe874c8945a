/** Small numeric helpers of the featuriser (float64 throughout; results are cast to float32 at the end). */

/** Median of the finite values in `values[start..end)`; NaN when there are none. Sorts a scratch copy. */
export function finiteMedian(
  values: ArrayLike<number>,
  start: number,
  end: number,
  scratch: Float64Array,
): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    const value = values[i]!;
    if (Number.isFinite(value)) scratch[count++] = value;
  }
  if (count === 0) return Number.NaN;
  const sorted = scratch.subarray(0, count).sort();
  const middle = count >> 1;
  return count % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Centred running median with a window of ±`halfWindow` points, truncated at the ends (as BatteryML's `smooth`). */
export function runningMedian(values: ArrayLike<number>, halfWindow: number): Float64Array {
  const out = new Float64Array(values.length);
  const scratch = new Float64Array(2 * halfWindow + 1);
  for (let i = 0; i < values.length; i++) {
    out[i] = finiteMedian(
      values,
      Math.max(0, i - halfWindow),
      Math.min(values.length, i + halfWindow + 1),
      scratch,
    );
  }
  return out;
}

/**
 * Piecewise-linear interpolation of y(x) at `at`, NaN outside [min x, max x] (scipy's
 * `interp1d(bounds_error=False)`). `x` need not be sorted; points are sorted by x first and equal x values
 * keep their first y.
 */
export function interpolateLinear(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  at: ArrayLike<number>,
): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i)
    .filter((i) => Number.isFinite(x[i]!) && Number.isFinite(y[i]!))
    .sort((a, b) => x[a]! - x[b]! || a - b);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const i of order) {
    if (xs.length > 0 && xs[xs.length - 1] === x[i]) continue;
    xs.push(x[i]!);
    ys.push(y[i]!);
  }
  const out = new Float64Array(at.length).fill(Number.NaN);
  if (xs.length < 2) return out;
  for (let k = 0; k < at.length; k++) {
    const v = at[k]!;
    if (!(v >= xs[0]! && v <= xs[xs.length - 1]!)) continue;
    let low = 0;
    let high = xs.length - 1;
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (xs[mid]! <= v) low = mid;
      else high = mid;
    }
    const t = (v - xs[low]!) / (xs[high]! - xs[low]!);
    out[k] = ys[low]! + t * (ys[high]! - ys[low]!);
  }
  return out;
}

/** `points` values evenly spaced from `from` to `to` inclusive (numpy's linspace). */
export function linspace(from: number, to: number, points: number): Float64Array {
  return Float64Array.from({ length: points }, (_, i) =>
    points === 1 ? from : from + ((to - from) * i) / (points - 1),
  );
}
