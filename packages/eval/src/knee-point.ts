import { assertFiniteValues } from './finite-values.js';

/**
 * Knee point of a fading curve by the maximum distance to its chord (the Kneedle rule of Satopaa et al.,
 * 2011, without its smoothing step): the index of the value that lies farthest above the straight line from
 * the first value to the last. A curve that fades slowly and then fast (the usual lithium-ion ageing knee)
 * bows above that chord, most where the slope changes most. Rescaling either axis by a constant maps the
 * chord onto the rescaled chord and multiplies every distance alike, so the knee does not depend on units
 * (Kneedle's normalisation to the unit square picks the same point).
 *
 * Returns the last index when no value lies above the chord (a straight or convex curve has no knee before
 * its end); ties go to the first index. Throws on an empty or non-finite input.
 */
export function kneePointIndex(values: ArrayLike<number>): number {
  const last = values.length - 1;
  if (last < 0) throw new RangeError('a knee point needs at least one value');
  assertFiniteValues(values);
  const first = values[0]!;
  const rise = values[last]! - first;
  let knee = last;
  let farthest = 0;
  for (let i = 1; i < last; i++) {
    // Vertical distance above the chord times `last` (proportional to the perpendicular distance for a
    // fixed chord). Without a division, values on a grid (integer counts, readings rounded to a fixed
    // step) give exact products, so a tie in one unit stays a tie after an exact rescaling.
    const above = (values[i]! - first) * last - rise * i;
    if (above > farthest) {
      farthest = above;
      knee = i;
    }
  }
  return knee;
}
