import { DiffBattError } from '@diffbatt/core';
import { isFiniteCurve } from './curve-set-quality.js';
import { ENGINEER_FEATURE_NAMES, type EngineerFeatureName, engineerFeatures } from './engineer-features.js';
import { lifeSummary, sampledCycleLives } from './life-summary.js';
import { alphaAccuracy, mape } from './point-metrics.js';
import { cycleLifeFromSoh, sohPercentAtCycles } from './protocol.js';

/**
 * How close curves generated for given cells (conditioned on each cell's capacity matrix) come to those
 * cells' measured curves: cycle life by the original protocol (`cycleLifeFromSoh`, end of life 80 %) and
 * the engineer features (`engineerFeatures`), per curve against its own cell.
 */
export interface ConditionalSynthesisErrors {
  cells: number;
  /** Finite generated curves scored (non-finite ones are left out). */
  curves: number;
  /** MAPE (fraction) of every generated curve's life against its cell's measured life. */
  lifeMape: number;
  /** MAPE (fraction) of each cell's median generated life against its measured life. */
  medianLifeMape: number;
  /** Mean signed relative life error of the curves, `(generated - measured) / measured` (bias). */
  lifeBias: number;
  /** Share (0..1) of cells whose median generated life is within 15 % of the measured life. */
  cellsWithin15: number;
  /** Mean |generated - measured| of each feature over the curves where both are defined, in its units. */
  featureMae: Record<EngineerFeatureName, number>;
  perCell: { measuredLife: number; medianLife: number; curves: number }[];
}

/**
 * `measured[i]` is cell i's measured encoded curve and `generated[i]` the curves generated for it (at least
 * one finite curve per cell). Passing the same curves of other cells for every cell (say, all training
 * cells) gives the errors of a generator that ignores the condition: the no-skill reference.
 */
export function conditionalSynthesisErrors(
  measured: readonly ArrayLike<number>[],
  generated: readonly (readonly ArrayLike<number>[])[],
): ConditionalSynthesisErrors {
  if (measured.length === 0 || measured.length !== generated.length) {
    throw new RangeError(`${measured.length} measured cells but ${generated.length} generated groups`);
  }
  const measuredLives: number[] = [];
  const curveLives: number[] = [];
  const medianLives: number[] = [];
  const errorSums = new Float64Array(ENGINEER_FEATURE_NAMES.length);
  const errorCounts = new Float64Array(ENGINEER_FEATURE_NAMES.length);
  const perCell = measured.map((curve, cell) => {
    const finite = generated[cell]!.filter(isFiniteCurve);
    if (finite.length === 0) throw new DiffBattError(`cell ${cell + 1}: no finite generated curve`);
    const measuredLife = cycleLifeFromSoh(sohPercentAtCycles(curve));
    const lives = sampledCycleLives(finite);
    const medianLife = lifeSummary(lives, []).median;
    measuredLives.push(measuredLife);
    medianLives.push(medianLife);
    for (const life of lives) curveLives.push(life);
    const reference = engineerFeatures(curve);
    for (const generatedCurve of finite) {
      const features = engineerFeatures(generatedCurve);
      ENGINEER_FEATURE_NAMES.forEach((name, j) => {
        const error = Math.abs(features[name] - reference[name]);
        if (Number.isFinite(error)) {
          errorSums[j]! += error;
          errorCounts[j]! += 1;
        }
      });
    }
    return { measuredLife, medianLife, curves: finite.length };
  });
  const perCurveMeasured = perCell.flatMap(({ measuredLife, curves }) =>
    Array.from({ length: curves }, () => measuredLife),
  );
  return {
    cells: measured.length,
    curves: curveLives.length,
    lifeMape: mape(perCurveMeasured, curveLives),
    medianLifeMape: mape(measuredLives, medianLives),
    lifeBias:
      curveLives.reduce((sum, life, i) => sum + (life - perCurveMeasured[i]!) / perCurveMeasured[i]!, 0) /
      curveLives.length,
    cellsWithin15: alphaAccuracy(measuredLives, medianLives, 0.15),
    featureMae: Object.fromEntries(
      ENGINEER_FEATURE_NAMES.map((name, j) => [name, errorSums[j]! / errorCounts[j]!]),
    ) as Record<EngineerFeatureName, number>,
    perCell,
  };
}
