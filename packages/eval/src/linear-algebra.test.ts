import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meanAndCovariance, multiply, symmetricEigen, symmetricSqrt } from './linear-algebra.js';

describe('symmetricEigen', () => {
  it('finds the eigenpairs of a 2x2 matrix (hand-computed: 1 and 3)', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(Array.from(values).sort()).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14)]);
    // Each column is a unit eigenvector: A v = lambda v.
    for (let j = 0; j < 2; j++) {
      const v0 = vectors[j]!;
      const v1 = vectors[2 + j]!;
      expect(v0 * v0 + v1 * v1).toBeCloseTo(1, 14);
      expect(2 * v0 + v1).toBeCloseTo(values[j]! * v0, 14);
    }
  });

  it('reconstructs random symmetric matrices, singular ones included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((d) =>
          fc.record({
            d: fc.constant(d),
            factor: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), {
              minLength: d,
              maxLength: d * d,
            }),
          }),
        ),
        ({ d, factor }) => {
          // A = B B^T with B of d x r, r = floor(len / d) <= d: positive semi-definite, rank r.
          const r = Math.floor(factor.length / d);
          const matrix = new Float64Array(d * d);
          for (let i = 0; i < d; i++) {
            for (let j = 0; j < d; j++) {
              for (let k = 0; k < r; k++) matrix[i * d + j]! += factor[i * r + k]! * factor[j * r + k]!;
            }
          }
          const { values, vectors } = symmetricEigen(matrix, d);
          const scale = Math.max(1, ...Array.from(matrix, Math.abs));
          for (let i = 0; i < d; i++) {
            for (let j = 0; j < d; j++) {
              let sum = 0;
              for (let k = 0; k < d; k++) sum += vectors[i * d + k]! * values[k]! * vectors[j * d + k]!;
              expect(Math.abs(sum - matrix[i * d + j]!)).toBeLessThan(1e-10 * scale);
            }
          }
        },
      ),
    );
  });
});

describe('symmetricSqrt', () => {
  it('squares back to the matrix, clamping the zero eigenvalue of a singular one', () => {
    const singular = [1, 1, 1, 1];
    const root = symmetricSqrt(singular, 2);
    Array.from(multiply(root, root, 2)).forEach((value, i) => {
      expect(value).toBeCloseTo(singular[i]!, 12);
    });
    expect(Array.from(symmetricSqrt([4, 0, 0, 9], 2))).toEqual([2, 0, 0, 3]);
  });
});

describe('meanAndCovariance', () => {
  it('matches np.cov (unbiased) on a hand example', () => {
    const { d, mean, covariance } = meanAndCovariance([
      [0, 0],
      [2, 1],
      [4, 5],
    ]);
    expect(d).toBe(2);
    expect(Array.from(mean)).toEqual([2, 2]);
    // x: deviations -2, 0, 2 -> var 4; y: -2, -1, 3 -> var 7; cov (4 + 0 + 6) / 2 = 5.
    expect(Array.from(covariance)).toEqual([4, 5, 5, 7]);
  });

  it('needs two vectors of equal length', () => {
    expect(() => meanAndCovariance([[1]])).toThrow(/at least 2/);
    expect(() => meanAndCovariance([[1], [1, 2]])).toThrow(/differ in length/);
  });
});
