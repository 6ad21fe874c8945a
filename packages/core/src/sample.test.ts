import { describe, expect, it } from 'vitest';
import { endOfLifeCycle } from './life.js';
import { assertValidSample, type ModelSample } from './sample.js';

const sample = (overrides: Partial<ModelSample> = {}): ModelSample => ({
  cellId: 'synthetic-1',
  source: 'test',
  sohCurve: new Float32Array(256),
  capacityMatrix: new Float32Array(100 * 100),
  capacityMatrixRows: 100,
  synthetic: true,
  ...overrides,
});

describe('assertValidSample', () => {
  it('accepts a well-formed sample and names the bad field otherwise', () => {
    expect(() => assertValidSample(sample())).not.toThrow();
    expect(() => assertValidSample(sample({ sohCurve: new Float32Array(255) }))).toThrow(
      /field "sohCurve".*255 points/,
    );
    expect(() => assertValidSample(sample({ capacityMatrixRows: 20 }))).toThrow(
      /field "capacityMatrix".*expected 20x100/,
    );
    const withNaN = new Float32Array(256);
    withNaN[17] = Number.NaN;
    expect(() => assertValidSample(sample({ sohCurve: withNaN }))).toThrow(
      /non-finite value NaN at index 17/,
    );
    expect(() => assertValidSample(sample({ capacityMatrix: null, capacityMatrixRows: null }))).not.toThrow();
    const negative = new Float32Array(256);
    negative[3] = -50;
    expect(() => assertValidSample(sample({ sohCurve: negative }))).toThrow(
      /field "sohCurve": implausible value -50 at index 3 \(SOH -2450 %; plausible: -100 \.\. 1000 %\)/,
    );
    const huge = new Float32Array(100 * 100);
    huge[42] = 5000;
    expect(() => assertValidSample(sample({ capacityMatrix: huge }))).toThrow(
      /field "capacityMatrix": implausible value 5000 at index 42 Ah/,
    );
  });
});

describe('endOfLifeCycle', () => {
  it('returns the first cycle strictly below the threshold, or null', () => {
    const points = [1.1, 0.95, 0.88, 0.879, 0.5].map((q, i) => ({
      cycleNumber: i + 1,
      dischargeCapacityInAh: q,
    }));
    expect(endOfLifeCycle(points, 0.88)).toBe(4);
    expect(endOfLifeCycle(points.slice(0, 3), 0.88)).toBeNull();
  });
});
