// Where this lives: the projection is pure arithmetic on an encoded curve (no tensors), it cuts the curve
// at the end of its data by the protocol's own rule (`observedPoints`, 60 % SOH) and it targets exactly what
// `largestRise` measures, so it belongs beside them in @diffbatt/eval, the plain-TypeScript package that
// @diffbatt/pipeline (which applies it to generated curves: `generateCurves({ monotone: true })`), the CLI
// and the benchmarks all depend on; @diffbatt/core knows the encoding but not the protocol's cut-off.
import { observedPoints } from './engineer-features.js';
import { assertFiniteValues } from './finite-values.js';
import { sohPercent } from './life-summary.js';

/**
 * The nearest non-increasing curve in least squares to an encoded SOH curve (`2 * SOH - 1`, 256 points,
 * padded with -1 after its data): isotonic regression by pool-adjacent-violators, O(n). Only the observed
 * points are projected, those before the first point at or below 60 % SOH (the protocol's cut-off for
 * padding, as `lifeWindow` uses it); that point and every later one (a measured curve's padding, a generated
 * curve's fall to its own padding) are returned as they are. Adjacent points pool only when the later one
 * is strictly higher, so a curve that never rises comes back bit for bit. Least squares in the encoding is
 * least squares in SOH %, an affine map of it; the observed part of the result never rises (`largestRise`
 * 0), and it stays above 60 % SOH, so the cut-off and the padding stay where they were. Works in float64
 * and returns a new Float32Array (the input is not changed); a non-finite value throws `RangeError` naming
 * its index.
 */
export function monotoneProjection(sohCurve: ArrayLike<number>): Float32Array {
  assertFiniteValues(sohCurve);
  const out = Float32Array.from(sohCurve);
  const observed = observedPoints(sohPercent(sohCurve));
  // Blocks of pooled points: each holds its sum and count; their means never increase along the stack.
  const sums: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < observed; i++) {
    let sum = sohCurve[i]!;
    let count = 1;
    while (sums.length > 0 && sum / count > sums.at(-1)! / counts.at(-1)!) {
      sum += sums.pop()!;
      count += counts.pop()!;
    }
    sums.push(sum);
    counts.push(count);
  }
  let i = 0;
  for (const [block, sum] of sums.entries()) {
    const count = counts[block]!;
    out.fill(sum / count, i, i + count);
    i += count;
  }
  return out;
}
