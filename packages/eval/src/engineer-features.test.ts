import { describe, expect, it } from 'vitest';
import {
  ENGINEER_FEATURE_NAMES,
  engineerFeatures,
  engineerFeatureVector,
  lifeWindow,
} from './engineer-features.js';

/** A SYNTHETIC encoded curve (float64, 2 * SOH - 1) from SOH % per point, padded with -1 after them. */
const encoded = (sohPerPoint: readonly number[]) => {
  const curve = new Float64Array(256).fill(-1);
  sohPerPoint.forEach((soh, i) => {
    curve[i] = (2 * soh) / 100 - 1;
  });
  return curve;
};

/**
 * Slow linear fade of 0.1 % per point to 95 % at point 50, then 1.6 % per point: 88.6 % at point 54 (first at
 * or below 90), 79 % at point 60 (first at or below 80), then padding.
 */
const kneeCurve = encoded(
  Array.from({ length: 61 }, (_, i) => (i <= 50 ? 100 - 0.1 * i : 95 - 1.6 * (i - 50))),
);

describe('engineerFeatures (engineer-v1)', () => {
  it('reads knee, 90/80 % cycles, slopes and smoothness off a two-slope fade (hand-computed)', () => {
    const features = engineerFeatures(kneeCurve);
    expect(features.lifeWindowPoints).toBe(61);
    // Chord 100 - 0.35 i: 12.5 above at point 50 (cycle 510), 11.25 at point 51.
    expect(features.kneeCycle).toBe(510);
    expect(features.cyclesTo90).toBe(550);
    expect(features.cyclesTo80).toBe(610);
    expect(features.earlyFadeSlope).toBeCloseTo(-1, 9); // -0.1 % per 10 cycles
    expect(features.midFadeSlope).toBeCloseTo(-16, 9); // points 54..60, -1.6 % per 10 cycles
    // One corner at point 50: |93.4 - 2 * 95 + 95.1| = 1.5 over 59 interior points.
    expect(features.smoothness).toBeCloseTo(1.5 / 59, 9);
    expect(features.largestRise).toBeCloseTo(0, 9);
    expect(Array.from(engineerFeatureVector(kneeCurve))).toEqual(
      ENGINEER_FEATURE_NAMES.map((name) => features[name]),
    );
  });

  it('handles a curve that never fades to 90 %: censored cycles, the last 5 points for mid life', () => {
    // Flat at 99 % with a bump of 0.4 at point 3 (cycle 40).
    const features = engineerFeatures(encoded(Array.from({ length: 256 }, (_, i) => (i === 3 ? 99.4 : 99))));
    expect(features.lifeWindowPoints).toBe(256);
    expect([features.cyclesTo90, features.cyclesTo80]).toEqual([2560, 2560]);
    expect(features.kneeCycle).toBe(40);
    expect(features.largestRise).toBeCloseTo(0.4, 9);
    // Least squares over points 0..9: (3 - 4.5) * 0.4 / 82.5 per point.
    expect(features.earlyFadeSlope).toBeCloseTo(((-1.5 * 0.4) / 82.5) * 10, 9);
    expect(features.midFadeSlope).toBeCloseTo(0, 9);
    expect(features.smoothness).toBeCloseTo(1.6 / 254, 9); // |0.4| + |-0.8| + |0.4| over 254 points
  });

  it('ends the life window at end of life, or at the end of observed data (<= 60 % or padding)', () => {
    // A generated curve falling through 80 % to its padding: the window keeps the 75 % point, no later one.
    expect(lifeWindow(encoded([100, 90, 81, 75, 40, 0]))).toHaveLength(4);
    // A measured curve whose data end above 80 %: the padding ends life (as the protocol counts it).
    const endsAbove = engineerFeatures(encoded([100, 95, 90, 85, 82]));
    expect(endsAbove.lifeWindowPoints).toBe(5);
    expect([endsAbove.cyclesTo90, endsAbove.cyclesTo80]).toEqual([30, 60]);
    // Starts at or below 60 %: nothing observed, so the shape features are undefined.
    const empty = engineerFeatures(encoded([50, 40]));
    expect(empty.lifeWindowPoints).toBe(0);
    expect([empty.kneeCycle, empty.earlyFadeSlope, empty.midFadeSlope, empty.smoothness]).toEqual([
      Number.NaN,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
  });

  it('refuses a curve that is not 256 points long', () => {
    expect(() => engineerFeatures(new Float64Array(100))).toThrow('256 points, got 100');
  });
});
