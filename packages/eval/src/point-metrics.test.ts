import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alphaAccuracy, mae, mape, rmse } from './point-metrics.js';

describe('point metrics (hand-computed)', () => {
  it('RMSE and MAE', () => {
    expect(rmse([1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 15);
    expect(mae([1, 2, 3], [2, 2, 5])).toBe(1);
  });

  it('MAPE is a fraction of the reference', () => {
    // |100 - 110| / 100 = 0.1 and |200 - 150| / 200 = 0.25
    expect(mape([100, 200], [110, 150])).toBeCloseTo(0.175, 15);
  });

  it('alpha-accuracy counts relative errors up to and including alpha', () => {
    expect(alphaAccuracy([100, 200], [110, 150], 0.1)).toBe(0.5);
    expect(alphaAccuracy([100, 200], [110, 150], 0.15)).toBe(0.5);
    expect(alphaAccuracy([100, 200], [110, 150], 0.25)).toBe(1);
    expect(alphaAccuracy([100, 200], [89, 229], 0.1)).toBe(0);
  });

  it('rejects unpaired or empty inputs and a negative alpha', () => {
    expect(() => rmse([1, 2], [1])).toThrow(/2 reference values but 1 predictions/);
    expect(() => mae([], [])).toThrow(/no values/);
    expect(() => alphaAccuracy([1], [1], -0.1)).toThrow(/alpha/);
  });
});

describe('RMSE properties', () => {
  const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 });

  it('is never negative and is 0 for identical inputs', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const n = Math.min(a.length, b.length);
        expect(rmse(a.slice(0, n), b.slice(0, n))).toBeGreaterThanOrEqual(0);
        expect(rmse(a, a)).toBe(0);
      }),
    );
  });

  it('is 0 only when the inputs are equal', () => {
    fc.assert(
      fc.property(values, fc.nat(), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (a, at, delta) => {
        const b = [...a];
        const i = at % a.length;
        b[i] = b[i]! + delta;
        expect(rmse(a, b)).toBeGreaterThan(0);
      }),
    );
  });
});
