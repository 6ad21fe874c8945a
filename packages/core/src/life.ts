/** A cell's discharge capacity at one cycle. */
export interface CapacityPoint {
  cycleNumber: number;
  dischargeCapacityInAh: number;
}

/**
 * End of life: the first cycle whose discharge capacity falls below `thresholdInAh`
 * (MATR's definition: first cycle with QDischarge < 0.88 Ah = 80 % of 1.1 Ah).
 * Returns null when the data never gets there, so callers can say so instead of guessing.
 */
export function endOfLifeCycle(points: readonly CapacityPoint[], thresholdInAh: number): number | null {
  for (const point of points) {
    if (point.dischargeCapacityInAh < thresholdInAh) return point.cycleNumber;
  }
  return null;
}
