import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frechetDistance, knnPrecisionRecall } from './synthesis.js';

const column = (values: number[]) => values.map((v) => [v]);

describe('frechetDistance', () => {
  it('is 0 for identical sets', () => {
    const set = [
      [1, 2, 3],
      [2, 0, 1],
      [5, 1, 1],
      [0, 3, 2],
      [1, 1, 4],
    ];
    expect(frechetDistance(set, set)).toBeCloseTo(0, 10);
  });

  it('in one dimension is (mu_a - mu_b)^2 + (sd_a - sd_b)^2 (hand-computed)', () => {
    // [0, 2]: mean 1, variance 2; [3, 5]: mean 4, variance 2; [0, 4, 8]: mean 4, variance 16.
    expect(frechetDistance(column([0, 2]), column([3, 5]))).toBeCloseTo(9, 12);
    expect(frechetDistance(column([0, 2]), column([0, 4, 8]))).toBeCloseTo(9 + (Math.SQRT2 - 4) ** 2, 12);
  });

  it('is stable for singular covariances: collinear sets shifted by (1, 1) are 2 apart', () => {
    const line = [0, 1, 2, 3].map((t) => [t, 2 * t]);
    const shifted = line.map(([x, y]) => [x! + 1, y! + 1]);
    expect(frechetDistance(line, shifted)).toBeCloseTo(2, 10);
  });

  it('agrees with the closed form of 2x2 covariances, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M))', () => {
    const point = fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 }));
    const set = fc.array(point, { minLength: 3, maxLength: 8 });
    fc.assert(
      fc.property(set, set, (a, b) => {
        const stats = (s: [number, number][]) => {
          const n = s.length;
          const mx = s.reduce((t, [x]) => t + x, 0) / n;
          const my = s.reduce((t, [, y]) => t + y, 0) / n;
          const c = (f: (p: [number, number]) => number) => s.reduce((t, p) => t + f(p), 0) / (n - 1);
          return {
            mx,
            my,
            xx: c(([x]) => (x - mx) ** 2),
            yy: c(([, y]) => (y - my) ** 2),
            xy: c(([x, y]) => (x - mx) * (y - my)),
          };
        };
        const p = stats(a);
        const q = stats(b);
        const traceProduct = p.xx * q.xx + 2 * p.xy * q.xy + p.yy * q.yy;
        const dets = Math.max(p.xx * p.yy - p.xy ** 2, 0) * Math.max(q.xx * q.yy - q.xy ** 2, 0);
        const expected =
          (p.mx - q.mx) ** 2 +
          (p.my - q.my) ** 2 +
          p.xx +
          p.yy +
          q.xx +
          q.yy -
          2 * Math.sqrt(Math.max(traceProduct + 2 * Math.sqrt(dets), 0));
        // Near-singular covariances make tr sqrt ill-conditioned (sqrt of rounding noise) in both forms.
        expect(Math.abs(frechetDistance(a, b) - Math.max(expected, 0))).toBeLessThan(
          1e-6 * Math.max(1, expected),
        );
      }),
    );
  });

  it('is symmetric and unchanged when both sets move together', () => {
    const set = fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 })), {
      minLength: 2,
      maxLength: 10,
    });
    fc.assert(
      fc.property(set, set, fc.integer({ min: -100, max: 100 }), (a, b, shift) => {
        const distance = frechetDistance(a, b);
        const move = (s: [number, number][]) => s.map(([x, y]) => [x + shift, y - shift]);
        const tolerance = 1e-9 * Math.max(1, distance);
        expect(Math.abs(frechetDistance(b, a) - distance)).toBeLessThan(tolerance);
        expect(Math.abs(frechetDistance(move(a), move(b)) - distance)).toBeLessThan(tolerance);
      }),
    );
  });

  it('rejects sets of different dimension or with fewer than 2 vectors', () => {
    expect(() =>
      frechetDistance(
        [[1], [2]],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    ).toThrow(/differ in length/);
    expect(() => frechetDistance([[1]], [[1], [2]])).toThrow(/at least 2/);
  });
});

describe('knnPrecisionRecall', () => {
  it('is 1 and 1 for identical sets', () => {
    const set = column([0, 1, 2, 3, 7, 9]);
    expect(knnPrecisionRecall(set, set)).toEqual({ precision: 1, recall: 1, k: 3 });
  });

  it('matches a hand-computed k = 1 example', () => {
    // Reference radii are all 1: 0.5 and 2.5 fall inside, 10 and 20 do not -> precision 0.5.
    // Generated radii: 2, 7.5, 2, 10 -> every reference point is within 2 of 0.5 or 2.5 -> recall 1.
    expect(knnPrecisionRecall(column([0, 1, 2, 3]), column([0.5, 10, 2.5, 20]), 1)).toEqual({
      precision: 0.5,
      recall: 1,
      k: 1,
    });
  });

  it('is 0 and 0 for disjoint sets (k = 3, hand-computed radii 3, 2, 2, 2, 3)', () => {
    expect(knnPrecisionRecall(column([0, 1, 2, 3, 4]), column([10, 11, 12, 13]))).toEqual({
      precision: 0,
      recall: 0,
      k: 3,
    });
  });

  it('agrees with radii from fully sorted distances', () => {
    const point = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }));
    fc.assert(
      fc.property(
        fc.array(point, { minLength: 4, maxLength: 12 }),
        fc.array(point, { minLength: 4, maxLength: 12 }),
        (a, b) => {
          const d2 = (p: number[], q: number[]) => (p[0]! - q[0]!) ** 2 + (p[1]! - q[1]!) ** 2;
          const radius = (set: number[][], i: number) =>
            set.flatMap((q, j) => (i === j ? [] : [d2(set[i]!, q)])).sort((x, y) => x - y)[2]!;
          const share = (queries: number[][], set: number[][]) =>
            queries.filter((q) => set.some((c, i) => d2(q, c) <= radius(set, i))).length / queries.length;
          expect(knnPrecisionRecall(a, b)).toEqual({ precision: share(b, a), recall: share(a, b), k: 3 });
        },
      ),
    );
  });

  it('needs more than k vectors per set and a positive integer k', () => {
    expect(() => knnPrecisionRecall(column([0, 1, 2]), column([0, 1, 2, 3]))).toThrow(
      /more than 3 reference/,
    );
    expect(() => knnPrecisionRecall(column([0, 1]), column([0, 1]), 0)).toThrow(/positive integer/);
  });
});
