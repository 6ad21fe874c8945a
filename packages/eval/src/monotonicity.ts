/**
 * Monotonicity of a fading curve: the largest rise of the curve above its running minimum,
 * `max_i (values[i] - min_{j <= i} values[j])`, in the curve's units. 0 for a curve that never rises; a
 * capacity recovery (real cells gain a little capacity in their first cycles) or sampling noise shows as a
 * positive number. Compare it with the same statistic on measured cells: the rises their processed curves
 * still hold are what measurement noise and physics allow (the floor). Throws on non-finite values; 0 for
 * fewer than two values.
 */
export function largestRise(values: ArrayLike<number>): number {
  let minimum = Number.POSITIVE_INFINITY;
  let rise = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) throw new RangeError(`value ${i} is ${value}`);
    minimum = Math.min(minimum, value);
    rise = Math.max(rise, value - minimum);
  }
  return rise;
}

/** Share (0..1) of `rises` strictly above `floor`; 0 for no rises. */
export function shareAbove(rises: readonly number[], floor: number): number {
  return rises.length === 0 ? 0 : rises.filter((rise) => rise > floor).length / rises.length;
}
