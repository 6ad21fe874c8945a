import { DiffBattError } from '@diffbatt/core';
import { sohThresholdFeatures } from './features.js';
import { sohPercentAtCycles } from './protocol.js';
import { frechetDistance, knnPrecisionRecall } from './synthesis.js';

/** An encoded SOH curve's point in the synthesis feature space (`sohThresholdFeatures`). */
export const curveFeatures = (curve: ArrayLike<number>): Float64Array =>
  sohThresholdFeatures.features(sohPercentAtCycles(curve));

export function isFiniteCurve(curve: ArrayLike<number>): boolean {
  return Array.prototype.every.call(curve, Number.isFinite) as boolean;
}

/** How a set of curves compares with reference curves in the feature space. */
export interface CurveSetQuality {
  /** Finite curves scored; `nonFiniteCurves` (a non-finite value or feature) were left out. */
  curves: number;
  nonFiniteCurves: number;
  frechetDistance: number;
  precision: number;
  recall: number;
}

/**
 * Frechet distance and k-NN precision/recall of `curves` against the reference features (the same
 * `featuresOf` of the reference curves; by default `curveFeatures`, the `soh-thresholds-v1` space); curves
 * with a non-finite value or feature are counted and left out. `name` names the set in the error when too
 * few finite curves remain for k neighbours.
 */
export function curveSetQuality(
  name: string,
  curves: readonly ArrayLike<number>[],
  referenceFeatures: readonly Float64Array[],
  neighbours: number,
  featuresOf: (curve: ArrayLike<number>) => Float64Array = curveFeatures,
): CurveSetQuality {
  const features = curves
    .filter(isFiniteCurve)
    .map(featuresOf)
    .filter((vector) => vector.every(Number.isFinite));
  if (features.length <= neighbours) {
    throw new DiffBattError(
      `${name}: only ${features.length} finite curve(s); k-NN precision/recall needs more than ${neighbours}`,
    );
  }
  const { precision, recall } = knnPrecisionRecall(referenceFeatures, features, neighbours);
  return {
    curves: features.length,
    nonFiniteCurves: curves.length - features.length,
    frechetDistance: frechetDistance(referenceFeatures, features),
    precision,
    recall,
  };
}
