import { describe, expect, it } from 'vitest';
import {
  curveFeatures,
  curveSetQuality,
  engineerFeatureVector,
  featureStandardisation,
  standardise,
} from './index.js';

/** SYNTHETIC encoded curves falling linearly by `perPoint` % SOH per 10 cycles. */
const falling = (perPoint: number) =>
  Float32Array.from({ length: 256 }, (_, i) => 2 * (Math.max(100 - perPoint * i, 0) / 100) - 1);
const reference = [0.1, 0.12, 0.15, 0.2, 0.25, 0.3].map(falling);
const referenceFeatures = reference.map(curveFeatures);

describe('curveSetQuality', () => {
  it('finds a set equal to the reference at distance 0 with full precision and recall', () => {
    const quality = curveSetQuality('copy', reference, referenceFeatures, 2);
    expect(quality).toMatchObject({ curves: 6, nonFiniteCurves: 0, precision: 1, recall: 1 });
    expect(quality.frechetDistance).toBeLessThan(1e-3); // the matrix square root leaves ~4e-5
  });

  it('scores a far set as far, counts non-finite curves out, and needs more curves than neighbours', () => {
    const far = [1, 1.1, 1.2, 1.3].map(falling);
    const broken = Float32Array.from(far[0]!, (v, i) => (i === 5 ? Number.NaN : v));
    const quality = curveSetQuality('far', [...far, broken], referenceFeatures, 2);
    expect(quality.nonFiniteCurves).toBe(1);
    expect(quality.curves).toBe(4);
    expect(quality.precision).toBe(0);
    expect(quality.frechetDistance).toBeGreaterThan(1);
    expect(() => curveSetQuality('tiny', far.slice(0, 2), referenceFeatures, 2)).toThrow(
      'tiny: only 2 finite curve(s); k-NN precision/recall needs more than 2',
    );
  });

  it('scores in another feature space, leaving out curves whose features are undefined', () => {
    // engineer-v1 standardised by the reference: a curve starting at 50 % SOH has no life window.
    const scaling = featureStandardisation(reference.map(engineerFeatureVector));
    const featuresOf = (curve: ArrayLike<number>) => standardise(scaling, engineerFeatureVector(curve));
    const dead = Float32Array.from({ length: 256 }, () => 0);
    const quality = curveSetQuality('copy', [...reference, dead], reference.map(featuresOf), 2, featuresOf);
    expect(quality).toMatchObject({ curves: 6, nonFiniteCurves: 1, precision: 1, recall: 1 });
    expect(quality.frechetDistance).toBeLessThan(1e-3);
    const far = curveSetQuality('far', [1, 1.1, 1.2].map(falling), reference.map(featuresOf), 2, featuresOf);
    expect(far.precision).toBe(0);
  });
});
