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
  /** Finite curves scored; `nonFiniteCurves` were left out. */
  curves: number;
  nonFiniteCurves: number;
  frechetDistance: number;
  precision: number;
  recall: number;
}

/**
 * Frechet distance and k-NN precision/recall of `curves` against the reference features
 * (`curveFeatures` of the reference curves); non-finite curves are counted and left out. `name` names
 * the set in the error when too few finite curves remain for k neighbours.
 */
export function curveSetQuality(
  name: string,
  curves: readonly ArrayLike<number>[],
  referenceFeatures: readonly Float64Array[],
  neighbours: number,
): CurveSetQuality {
  const finite = curves.filter(isFiniteCurve);
  if (finite.length <= neighbours) {
    throw new DiffBattError(
      `${name}: only ${finite.length} finite curve(s); k-NN precision/recall needs more than ${neighbours}`,
    );
  }
  const features = finite.map(curveFeatures);
  const { precision, recall } = knnPrecisionRecall(referenceFeatures, features, neighbours);
  return {
    curves: finite.length,
    nonFiniteCurves: curves.length - finite.length,
    frechetDistance: frechetDistance(referenceFeatures, features),
    precision,
    recall,
  };
}
