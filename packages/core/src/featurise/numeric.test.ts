import { describe, expect, it } from 'vitest';
import { finiteMedian, interpolateLinear, linspace, runningMedian } from './numeric.js';

describe('featuriser numerics', () => {
  it('takes medians of finite values only, with truncated windows at the ends', () => {
    const scratch = new Float64Array(8);
    expect(finiteMedian([3, Number.NaN, 1, 2], 0, 4, scratch)).toBe(2);
    expect(finiteMedian([4, 1, Number.POSITIVE_INFINITY, 2], 0, 4, scratch)).toBe(2);
    expect(finiteMedian([4, 1, 3, 2], 0, 4, scratch)).toBe(2.5);
    expect(finiteMedian([Number.NaN], 0, 1, scratch)).toBeNaN();
    expect(Array.from(runningMedian([1, 9, 2, 3, 4], 1))).toEqual([5, 2, 3, 3, 3.5]);
  });

  it('interpolates unsorted samples, keeps the first of equal x, and is NaN outside the range', () => {
    const at = interpolateLinear([3, 1, 2, 2], [30, 10, 20, 99], [0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect(Array.from(at)).toEqual([Number.NaN, 10, 15, 20, 25, 30, Number.NaN]);
    expect(Array.from(interpolateLinear([1], [1], [1]))).toEqual([Number.NaN]);
  });

  it('spaces points like numpy.linspace, high to low as well', () => {
    const points = Array.from(linspace(3.6, 2.0, 5));
    for (const [i, expected] of [3.6, 3.2, 2.8, 2.4, 2.0].entries())
      expect(points[i]).toBeCloseTo(expected, 12);
    expect(linspace(3.6, 2.0, 1000)[999]).toBeCloseTo(2.0, 12);
  });
});
