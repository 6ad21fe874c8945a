import { describe, expect, it } from 'vitest';
import { largestRise, shareAbove } from './monotonicity.js';

describe('largestRise (rise above the running minimum)', () => {
  it('measures the largest rise after a fall (hand-computed)', () => {
    // Running minimum 100, 99, 99, 98, 98: rises 0, 0, 0.5, 0, 0.25.
    expect(largestRise([100, 99, 99.5, 98, 98.25])).toBeCloseTo(0.5, 12);
  });

  it('counts an early capacity rise from the first point and is 0 for a curve that never rises', () => {
    expect(largestRise([100, 100.25, 99, 98])).toBeCloseTo(0.25, 12);
    expect(largestRise([100, 100, 99, 95, 80])).toBe(0);
    expect(largestRise([])).toBe(0);
  });

  it('refuses non-finite values', () => {
    expect(() => largestRise([100, Number.POSITIVE_INFINITY])).toThrow('value 1 is Infinity');
  });
});

describe('shareAbove', () => {
  it('counts rises strictly above the floor', () => {
    expect(shareAbove([0.1, 0.3, 0.5], 0.3)).toBeCloseTo(1 / 3, 12);
    expect(shareAbove([], 0.3)).toBe(0);
  });
});
