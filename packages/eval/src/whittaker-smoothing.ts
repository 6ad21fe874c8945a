// Beside `monotoneProjection` for the same reasons: plain arithmetic on an encoded curve, cut at the end of
// its data by the protocol's rule, applied to generated curves by @diffbatt/pipeline.
import { observedPoints } from './engineer-features.js';
import { assertFiniteValues } from './finite-values.js';
import { sohPercent } from './life-summary.js';

/**
 * Whittaker-Henderson smoothing of an encoded SOH curve (`2 * SOH - 1`, 256 points, padded with -1 after
 * its data): the curve z that minimises sum (y - z)^2 + penalty * sum (second difference of z)^2 over the
 * observed points (those before the first at or below 60 % SOH, as `monotoneProjection` cuts); that point
 * and every later one are returned as they are. Why this smoother: a diffusion sample's fade carries
 * point-to-point noise several times a measured cell's, and the second-difference penalty removes it while
 * leaving any straight fade exactly as it is (its second differences are 0), so slopes and crossings move
 * little. `penalty` is in (10-cycle) curve points: about penalty^(1/4) points is the width it averages
 * over; 0 returns the curve unchanged. The result may still rise where the input rose steeply; project it
 * with `monotoneProjection` afterwards for a curve that never does. Works in float64 (a banded Cholesky
 * solve, O(n)) and returns a new Float32Array; a non-finite value throws `RangeError` naming its index, as
 * does a negative or non-finite penalty.
 */
export function whittakerSmoothing(sohCurve: ArrayLike<number>, penalty: number): Float32Array {
  assertFiniteValues(sohCurve);
  if (!(Number.isFinite(penalty) && penalty >= 0)) {
    throw new RangeError(`the smoothing penalty must be a finite number >= 0, got ${penalty}`);
  }
  const out = Float32Array.from(sohCurve);
  const n = observedPoints(sohPercent(sohCurve));
  if (penalty === 0 || n < 3) return out;
  // A = I + penalty * D'D (D: second differences, (n - 2) x n) is symmetric positive definite with two
  // bands below its diagonal; its Cholesky factor L keeps the same bands: diagonal, sub1, sub2.
  const diagonal = new Float64Array(n);
  const sub1 = new Float64Array(n);
  const sub2 = new Float64Array(n);
  const stencil = [1, -2, 1];
  for (let row = 0; row + 2 < n; row++) {
    for (let a = 0; a < 3; a++) {
      diagonal[row + a]! += penalty * stencil[a]! * stencil[a]!;
      if (a >= 1) sub1[row + a]! += penalty * stencil[a]! * stencil[a - 1]!;
      if (a === 2) sub2[row + a]! += penalty * stencil[2]! * stencil[0]!;
    }
  }
  for (let i = 0; i < n; i++) {
    diagonal[i]! += 1;
    // Row i of L: L[i][i-2], L[i][i-1], L[i][i] from A's row and the two rows of L above it.
    const l2 = i >= 2 ? sub2[i]! / diagonal[i - 2]! : 0;
    const l1 = i >= 1 ? (sub1[i]! - (i >= 2 ? l2 * sub1[i - 1]! : 0)) / diagonal[i - 1]! : 0;
    sub2[i] = l2;
    sub1[i] = l1;
    diagonal[i] = Math.sqrt(diagonal[i]! - l1 * l1 - l2 * l2);
  }
  // Forward (L w = y) then backward (L' z = w) substitution, in place.
  const z = Float64Array.from({ length: n }, (_, i) => sohCurve[i]!);
  for (let i = 0; i < n; i++) {
    z[i] = (z[i]! - (i >= 1 ? sub1[i]! * z[i - 1]! : 0) - (i >= 2 ? sub2[i]! * z[i - 2]! : 0)) / diagonal[i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    z[i] =
      (z[i]! - (i + 1 < n ? sub1[i + 1]! * z[i + 1]! : 0) - (i + 2 < n ? sub2[i + 2]! * z[i + 2]! : 0)) /
      diagonal[i]!;
  }
  out.set(z);
  return out;
}
