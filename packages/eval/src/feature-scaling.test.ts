import { describe, expect, it } from 'vitest';
import { featureStandardisation, standardise } from './feature-scaling.js';

describe('featureStandardisation', () => {
  it('uses the mean and population sd, and scale 1 for a constant feature (hand-computed)', () => {
    const scaling = featureStandardisation([
      [1, 10],
      [3, 10],
    ]);
    expect(Array.from(scaling.means)).toEqual([2, 10]);
    expect(Array.from(scaling.scales)).toEqual([1, 1]);
    expect(Array.from(standardise(scaling, [3, 12]))).toEqual([1, 2]);
    expect(Array.from(featureStandardisation([[0], [4], [8]]).scales)[0]).toBeCloseTo(Math.sqrt(32 / 3), 12);
  });

  it('refuses no rows, rows of different lengths and a row of the wrong length', () => {
    expect(() => featureStandardisation([])).toThrow('at least one feature row');
    expect(() => featureStandardisation([[1, 2], [3]])).toThrow('differ in length');
    expect(() => standardise(featureStandardisation([[1, 2]]), [1])).toThrow(
      '1 values, the standardisation 2',
    );
  });
});
