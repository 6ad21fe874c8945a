import { SeededRandom } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import { keepNonOutlierCycles, medianFilter } from './outliers.js';

describe('medianFilter', () => {
  it('zero-pads both ends like scipy.signal.medfilt', () => {
    // scipy.signal.medfilt([1, 5, 2, 8, 3], 3) == [1, 2, 5, 3, 3]
    expect(Array.from(medianFilter([1, 5, 2, 8, 3], 3))).toEqual([1, 2, 5, 3, 3]);
  });

  it('refuses an even window', () => {
    expect(() => medianFilter([1, 2], 4)).toThrow(/odd/);
  });
});

describe('keepNonOutlierCycles', () => {
  const random = new SeededRandom(1);
  const fade = Array.from({ length: 120 }, (_, i) => 1.1 - 0.001 * i + 0.002 * random.normal());

  it('drops a one-cycle dip and capacities at or below 0.1 Ah, keeps the smooth fade', () => {
    const capacities = [...fade];
    capacities[60] = 0.7;
    capacities[90] = 0.05;
    const keep = keepNonOutlierCycles(capacities);
    expect(keep[60]).toBe(false);
    expect(keep[90]).toBe(false);
    // Away from the zero-padded ends, most noisy-but-normal cycles survive the 3x MAD cut.
    expect(keep.slice(20, 100).filter(Boolean).length).toBeGreaterThan(65);
  });

  it('keeps a smooth fade whose MAD is 0 (where BatteryML would drop every cycle)', () => {
    const smooth = Array.from({ length: 50 }, (_, i) => 1.1 - 0.002 * i);
    const keep = keepNonOutlierCycles(smooth);
    expect(keep.slice(10, 40).every(Boolean)).toBe(true);
  });

  it('is biased at the ends by the zero padding, as BatteryML is', () => {
    // medfilt's window at cycle 0 holds 10 zeros, so its median is the smallest of the first 11 cycles.
    const keep = keepNonOutlierCycles(fade);
    expect(keep[0]).toBe(false);
  });
});
