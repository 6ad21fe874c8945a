import { SeededRandom } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import { engineerFeatures } from './engineer-features.js';
import { monotoneProjection } from './monotone-projection.js';
import { largestRise } from './monotonicity.js';

/** A SYNTHETIC encoded curve (float32, 2 * SOH - 1) from SOH % per point, padded with -1 after them. */
const encoded = (sohPerPoint: readonly number[]) => {
  const curve = new Float32Array(256).fill(-1);
  sohPerPoint.forEach((soh, i) => {
    curve[i] = (2 * soh) / 100 - 1;
  });
  return curve;
};
const soh = (curve: ArrayLike<number>, points: number) =>
  Array.from(curve, (x) => ((x + 1) / 2) * 100).slice(0, points);

/**
 * Brute force by the min-max formula of isotonic regression (Barlow et al., 1972), O(n^3): the
 * non-increasing least-squares fit at i is min over j <= i of max over k >= i of mean(y[j..k]).
 */
function bruteForce(y: readonly number[]): number[] {
  const mean = (j: number, k: number) => y.slice(j, k + 1).reduce((a, b) => a + b, 0) / (k - j + 1);
  return y.map((_, i) => {
    let best = Number.POSITIVE_INFINITY;
    for (let j = 0; j <= i; j++) {
      let worst = Number.NEGATIVE_INFINITY;
      for (let k = i; k < y.length; k++) worst = Math.max(worst, mean(j, k));
      best = Math.min(best, worst);
    }
    return best;
  });
}

describe('monotoneProjection (isotonic regression, pool-adjacent-violators)', () => {
  it('pools each rise with the points before it (hand-computed)', () => {
    // 99, 97, 98 -> 97 and 98 pool to 97.5; 96, 96.5, 97 -> pool to 96.5 each (mean of 96, 96.5, 97).
    const curve = encoded([100, 99, 97, 98, 96, 96.5, 97, 90, 85]);
    expect(soh(monotoneProjection(curve), 9).map((v) => Number(v.toFixed(4)))).toEqual([
      100, 99, 97.5, 97.5, 96.5, 96.5, 96.5, 90, 85,
    ]);
  });

  it('a rise above earlier blocks pools them all (cascading merges, hand-computed)', () => {
    // 95, 94, 93 then 97: (93 + 97) / 2 = 95 > 94 pools again to (94 + 93 + 97) / 3 = 94.67 < 95: stop.
    const curve = encoded([95, 94, 93, 97, 80]);
    const projected = soh(monotoneProjection(curve), 5);
    expect(projected[0]).toBeCloseTo(95, 4);
    for (const value of projected.slice(1, 4)) expect(value).toBeCloseTo(284 / 3, 4);
    expect(projected[4]).toBeCloseTo(80, 4);
    // 95, 94, 93 then 100: (94 + 93 + 100) / 3 = 95.67 > 95, so everything pools to 95.5.
    for (const value of soh(monotoneProjection(encoded([95, 94, 93, 100])), 4))
      expect(value).toBeCloseTo(95.5, 4);
  });

  it('equals the brute-force least-squares fit on seeded random noisy fades', () => {
    const random = new SeededRandom(18);
    for (let trial = 0; trial < 20; trial++) {
      const points = 5 + Math.floor(random.uniform() * 60);
      const curve = encoded(
        Array.from({ length: points }, (_, i) => 100 - 0.3 * i + 3 * (random.uniform() - 0.5)),
      );
      const y = Array.from(curve.subarray(0, points));
      const expected = bruteForce(y);
      const projected = monotoneProjection(curve);
      for (let i = 0; i < points; i++) expect(projected[i]).toBeCloseTo(expected[i]!, 6);
      expect(largestRise(projected.subarray(0, points))).toBe(0);
      expect(engineerFeatures(projected).largestRise).toBe(0);
    }
  });

  it('returns a curve that never rises bit for bit (ties included), as a new array', () => {
    const curve = encoded([100, 100, 99.5, 99.5, 99.5, 95, 90, 82, 79]);
    const projected = monotoneProjection(curve);
    expect(projected).not.toBe(curve);
    expect(Array.from(projected)).toEqual(Array.from(curve));
  });

  it('leaves the padding as it is: every point from the first at or below 60 % SOH on', () => {
    // A generated curve: noisy fade to 70 %, a fall to its padding, then a noisy tail near -1.
    const curve = encoded([99, 100, 98, 98.5, 90, 70, 71]);
    curve.set([-0.95, -1, -0.97, -0.99, 0.1, -1], 7);
    const before = Float32Array.from(curve);
    const projected = monotoneProjection(curve);
    expect(Array.from(projected.subarray(7))).toEqual(Array.from(curve.subarray(7)));
    expect(Array.from(curve)).toEqual(Array.from(before)); // the input is not changed
    expect(largestRise(projected.subarray(0, 7))).toBe(0);
    // A measured curve's exact -1 padding, and a curve that starts at its padding, are untouched.
    const padded = encoded([100, 101, 99]);
    expect(Array.from(monotoneProjection(padded).subarray(3))).toEqual(new Array(253).fill(-1));
    expect(Array.from(monotoneProjection(encoded([])))).toEqual(new Array(256).fill(-1));
  });

  it('refuses non-finite values, naming the point', () => {
    const curve = encoded([100, 99]);
    curve[1] = Number.NaN;
    expect(() => monotoneProjection(curve)).toThrow('value 1 is NaN');
  });
});
