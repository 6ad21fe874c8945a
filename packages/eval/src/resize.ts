/**
 * Which arithmetic the 256 -> 2560 resize and the SOH% mapping use.
 * - `float64`: every step in double precision. This is what the golden numbers of the reference re-run
 *   (a NumPy port of the original) were computed with, and what the default reproduces to ~1e-15.
 * - `float32`: emulates TensorFlow's CPU `ResizeBilinear` kernel (`tf.image.resize`, half-pixel centres),
 *   which computes scale, source coordinate and interpolation in float32, followed by NumPy's float32
 *   SOH% mapping. It differs from `float64` by a few 1e-6 relative in SOH RMSE.
 */
export type ResizeArithmetic = 'float64' | 'float32';

const identity = (value: number) => value;

/** Rounds every intermediate result to the chosen precision (exact float32 ops via double + fround). */
export function roundingFor(arithmetic: ResizeArithmetic): (value: number) => number {
  return arithmetic === 'float32' ? Math.fround : identity;
}

/**
 * TensorFlow's bilinear resize of a 1-D signal (an `[n, 1]` image resized to `[outLength, 1]`) with
 * half-pixel centres and no antialiasing: source coordinate `(i + 0.5) * n / outLength - 0.5`, clamped
 * neighbours `floor`/`ceil`, weight `coordinate - floor(coordinate)`, value `lo + (hi - lo) * weight`.
 */
export function resizeBilinearHalfPixel(
  values: ArrayLike<number>,
  outLength: number,
  arithmetic: ResizeArithmetic = 'float64',
): Float64Array {
  const inLength = values.length;
  if (inLength === 0) throw new RangeError('cannot resize an empty curve');
  if (!Number.isInteger(outLength) || outLength < 1) {
    throw new RangeError(`output length must be a positive integer, got ${outLength}`);
  }
  const round = roundingFor(arithmetic);
  const scale = round(inLength / outLength);
  const out = new Float64Array(outLength);
  for (let i = 0; i < outLength; i++) {
    const source = round(round(round(i + 0.5) * scale) - 0.5);
    const floor = Math.floor(source);
    const lower = Math.max(floor, 0);
    const upper = Math.min(Math.max(Math.ceil(source), 0), inLength - 1);
    const weight = round(source - floor);
    const low = round(values[lower]!);
    const high = round(values[upper]!);
    out[i] = round(low + round(round(high - low) * weight));
  }
  return out;
}
