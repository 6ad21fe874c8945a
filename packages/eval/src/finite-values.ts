/** Throws a RangeError naming the first non-finite value of `values` and its index. */
export function assertFiniteValues(values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new RangeError(`value ${i} is ${values[i]}`);
  }
}
