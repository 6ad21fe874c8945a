import { SeededRandom } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import { engineerFeatures } from './engineer-features.js';
import { whittakerSmoothing } from './whittaker-smoothing.js';

/** A SYNTHETIC encoded curve (float32, 2 * SOH - 1) from SOH % per point, padded with -1 after them. */
const encoded = (sohPerPoint: readonly number[]) => {
  const curve = new Float32Array(256).fill(-1);
  sohPerPoint.forEach((soh, i) => {
    curve[i] = (2 * soh) / 100 - 1;
  });
  return curve;
};

/** The same least-squares problem solved densely (normal equations, Gaussian elimination), O(n^3). */
function denseWhittaker(y: readonly number[], penalty: number): number[] {
  const n = y.length;
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let row = 0; row + 2 < n; row++) {
    const d = [1, -2, 1];
    for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) a[row + p]![row + q]! += penalty * d[p]! * d[q]!;
  }
  const b = [...y];
  for (let c = 0; c < n; c++) {
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j < n; j++) a[r]![j]! -= f * a[c]![j]!;
      b[r]! -= f * b[c]!;
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let j = r + 1; j < n; j++) s -= a[r]![j]! * z[j]!;
    z[r] = s / a[r]![r]!;
  }
  return z;
}

/** A SYNTHETIC noisy fade: linear from 100 % to `end` % over `points` points, plus uniform noise. */
function noisyFade(random: SeededRandom, points: number, end: number, noise: number): number[] {
  return Array.from(
    { length: points },
    (_, i) => 100 + ((end - 100) * i) / (points - 1) + noise * (random.uniform() - 0.5),
  );
}

describe('whittakerSmoothing (second-difference penalty, banded Cholesky)', () => {
  it('equals the dense least-squares solution on seeded random noisy fades', () => {
    const random = new SeededRandom(19);
    for (const penalty of [0.5, 3, 100]) {
      for (let trial = 0; trial < 5; trial++) {
        const points = 3 + Math.floor(random.uniform() * 150);
        const curve = encoded(noisyFade(random, points, 65, 2));
        const smoothed = whittakerSmoothing(curve, penalty);
        const expected = denseWhittaker(Array.from(curve.subarray(0, points)), penalty);
        for (let i = 0; i < points; i++) expect(smoothed[i]).toBeCloseTo(expected[i]!, 5);
      }
    }
  });

  it('leaves a straight fade as it is, and the padding after the end of data', () => {
    const line = encoded(Array.from({ length: 40 }, (_, i) => 100 - 0.5 * i));
    const smoothed = whittakerSmoothing(line, 50);
    for (let i = 0; i < 256; i++) expect(smoothed[i]).toBeCloseTo(line[i]!, 5);
    // Data down to 60 % (59.9: 60 in float32 reads a hair above it): that point and the padding after it
    // are returned bit for bit.
    const curve = encoded([...noisyFade(new SeededRandom(1), 30, 61, 1), 59.9, 58]);
    const out = whittakerSmoothing(curve, 10);
    expect(Array.from(out.subarray(30))).toEqual(Array.from(curve.subarray(30)));
    expect(Array.from(out.subarray(0, 30))).not.toEqual(Array.from(curve.subarray(0, 30)));
  });

  it('removes point-to-point noise: the smoothness feature falls toward the clean fade', () => {
    const random = new SeededRandom(7);
    const curve = encoded(noisyFade(random, 120, 70, 1));
    const before = engineerFeatures(curve).smoothness;
    const after = engineerFeatures(whittakerSmoothing(curve, 10)).smoothness;
    expect(after).toBeLessThan(before / 5);
  });

  it('returns a copy: penalty 0 gives the curve back, and the input is not changed', () => {
    const curve = encoded(noisyFade(new SeededRandom(3), 20, 80, 2));
    const copy = Float32Array.from(curve);
    expect(Array.from(whittakerSmoothing(curve, 0))).toEqual(Array.from(copy));
    whittakerSmoothing(curve, 5);
    expect(Array.from(curve)).toEqual(Array.from(copy));
  });

  it('refuses a non-finite value or a negative penalty', () => {
    const curve = encoded([100, 99, 98]);
    curve[1] = Number.NaN;
    expect(() => whittakerSmoothing(curve, 1)).toThrow(/value 1 is NaN/);
    expect(() => whittakerSmoothing(encoded([100, 99]), -1)).toThrow(/penalty/);
    expect(() => whittakerSmoothing(encoded([100, 99]), Number.POSITIVE_INFINITY)).toThrow(/penalty/);
  });
});
