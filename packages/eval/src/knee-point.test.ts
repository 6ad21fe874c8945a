import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kneePointIndex } from './knee-point.js';

/** SYNTHETIC fade: flat at 100 for points 0..9, then falling 2 per point to 80 at point 19. */
const flatThenFalling = Array.from({ length: 20 }, (_, i) => (i < 10 ? 100 : 100 - 2 * (i - 9)));

describe('kneePointIndex (maximum distance above the chord)', () => {
  it('finds the corner of a flat-then-falling curve (hand-computed)', () => {
    // Chord 100 - 20 i / 19: 9.47 above at point 9, 8.53 at point 10, 8.42 at point 8.
    expect(kneePointIndex(flatThenFalling)).toBe(9);
  });

  it('gives the last index when no point lies above the chord (straight or convex fade)', () => {
    expect(kneePointIndex([100, 98, 96, 94, 92])).toBe(4);
    expect(kneePointIndex([100, 90, 85, 83, 82])).toBe(4);
    expect(kneePointIndex([100])).toBe(0);
  });

  it('does not depend on the units of the values (positive scale and offset)', () => {
    const values = fc.array(fc.integer({ min: 60, max: 100 }), { minLength: 3, maxLength: 30 });
    fc.assert(
      fc.property(values, fc.integer({ min: -50, max: 50 }), (curve, offset) => {
        expect(kneePointIndex(curve.map((v) => 4 * v + offset))).toBe(kneePointIndex(curve));
      }),
    );
  });

  it('breaks a tie between two equally distant points the same way in any units (first index)', () => {
    // SYNTHETIC: points 2 and 5 both lie 31 2/3 above the chord from 61 to 65; found by the property above.
    const tied = [61, 60, 94, 60, 60, 96, 65];
    expect(kneePointIndex(tied)).toBe(2);
    expect(kneePointIndex(tied.map((v) => 4 * v + 7))).toBe(2);
  });

  it('refuses an empty or non-finite curve', () => {
    expect(() => kneePointIndex([])).toThrow('at least one value');
    expect(() => kneePointIndex([100, Number.NaN, 90])).toThrow('value 1 is NaN');
  });
});
