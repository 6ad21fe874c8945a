import { describe, expect, it } from 'vitest';
import { SOH_FEATURE_THRESHOLDS, sohThresholdFeatures } from './features.js';
import { sohPercentAtCycles } from './protocol.js';

describe('sohThresholdFeatures (soh-thresholds-v1)', () => {
  it('gives the first cycle at or below 98, 95, 90, 85 and 80 % in hundreds of cycles (hand-computed)', () => {
    // SOH 100 for cycles 1..100, then 96 to 300, 91 to 600, 85 to 1000, then 70.
    const soh = Float64Array.from({ length: 2560 }, (_, i) =>
      i < 100 ? 100 : i < 300 ? 96 : i < 600 ? 91 : i < 1000 ? 85 : 70,
    );
    expect(Array.from(sohThresholdFeatures.features(soh))).toEqual([1.01, 3.01, 6.01, 6.01, 10.01]);
    expect(SOH_FEATURE_THRESHOLDS).toEqual([98, 95, 90, 85, 80]);
  });

  it('uses 25.6 for a level never reached and counts padding as reaching every level', () => {
    expect(Array.from(sohThresholdFeatures.features(new Float64Array(2560).fill(99)))).toEqual([
      25.6, 25.6, 25.6, 25.6, 25.6,
    ]);
    const padded = new Float32Array(256).fill(1);
    padded.fill(-1, 100);
    // The step from SOH 100 to the padding is interpolated from cycle 996 (source 99.05, SOH 95) on:
    // cycle 997 has SOH 85 and cycle 998 SOH 75.
    const features = sohThresholdFeatures.features(sohPercentAtCycles(padded));
    expect(Array.from(features)).toEqual([9.96, 9.96, 9.97, 9.97, 9.98]);
  });
});
