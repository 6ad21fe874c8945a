import { DiffBattError, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { isFiniteCurve } from './curve-set-quality.js';
import { type SohFeatureMap, sohThresholdFeatures } from './features.js';
import {
  type CalibratedLifeIntervals,
  calibratedLifeIntervals,
  type LifeIntervalCalibration,
} from './life-calibration.js';
import { alphaAccuracy, mae, mape, rmse } from './point-metrics.js';
import {
  DEFAULT_INTERVAL_LEVELS,
  quantileOfSorted,
  type SampleSummary,
  summariseSamples,
} from './probabilistic.js';
import {
  bestOfRepsIndex,
  cycleLifeFromSoh,
  DEFAULT_EOL_SOH,
  EVALUATION_CYCLES,
  SELECTION_CYCLES,
  sohPercentAtCycles,
  sohRmse,
} from './protocol.js';
import type { ResizeArithmetic } from './resize.js';
import { frechetDistance, knnPrecisionRecall } from './synthesis.js';

export interface ScoreInput {
  /** Per cell, the measured curve: 256 values `2 * SOH - 1`, padded with -1 after the last cycle. */
  reference: readonly ArrayLike<number>[];
  /** Per cell, one or more generated curves in the same encoding. */
  generated: readonly (readonly ArrayLike<number>[])[];
  /** Names for the cells in messages and tables; `cell-1`, `cell-2`, ... when absent. */
  cellIds?: readonly string[];
}

export interface ScoreOptions {
  /** End-of-life SOH %, default 80. */
  eolSoh?: number;
  /** Default `float64` (reproduces the reference numbers); `float32` emulates TensorFlow's kernel. */
  arithmetic?: ResizeArithmetic;
  /** Central interval levels for the cycle-life samples, default 0.5, 0.8, 0.95. */
  intervalLevels?: readonly number[];
  /** Feature map for the synthesis metrics, default `soh-thresholds-v1`. */
  featureMap?: SohFeatureMap;
  /** Neighbours for k-NN precision/recall, default 3. */
  k?: number;
  /** Also scores the sampled life intervals calibrated by this (fitted on other cells than these). */
  lifeCalibration?: LifeIntervalCalibration;
}

/** Scores of one rule that turns a cell's samples into a single predicted curve and life. */
export interface PointPredictionScores {
  rule: string;
  /** Predicted cycle life per cell ("RUL" in the original's naming). */
  rulPredicted: number[];
  /** Cycle-life errors in cycles; MAPE and accuracies as fractions (0.1 = 10 %). */
  rulRmse: number;
  rulMae: number;
  rulMape: number;
  /** BatteryLife alpha-accuracy: share of cells with relative life error <= 10 % and <= 15 %. */
  rulAccuracy10: number;
  rulAccuracy15: number;
  /** Mean over cells of the per-cell SOH RMSE (SOH percentage points), over `sohRmseCells` cells. */
  sohRmse: number;
  /** NaN (null in JSON) where no point passes the original's masks. */
  sohRmsePerCell: number[];
  sohRmseCells: number;
}

export interface SynthesisScores {
  featureMap: string;
  frechetDistance: number;
  precision: number;
  recall: number;
  k: number;
  referenceCurves: number;
  generatedCurves: number;
}

/**
 * Everything `scoreSohCurves` measures. The top-level point scores are the original protocol's
 * (best-of-reps); with one sample per cell every rule gives the same prediction.
 */
export interface ScoreResults extends PointPredictionScores {
  protocol: {
    eolSoh: number;
    arithmetic: ResizeArithmetic;
    evaluationCycles: number;
    selectionCycles: number;
  };
  cells: number;
  cellIds: string[];
  /** Finite generated curves per cell. */
  samplesPerCell: number[];
  /** Generated curves left out everywhere because they held NaN or infinite values. */
  nonFiniteSamples: number;
  /** Reference cycle life per cell, by the original's rule. */
  rulReference: number[];
  /** A rule that does not look at the reference: median life of the samples, pointwise median curve. */
  medianOfSamples: PointPredictionScores;
  /** Cycle life from each sample: per-cell mean, median, intervals with coverage, CRPS. */
  rulSamples: SampleSummary;
  /** Null when either set has too few curves (k-NN needs more than k). */
  synthesis: SynthesisScores | null;
  /** With `lifeCalibration`: the calibrated intervals at its levels, each beside its uncalibrated coverage. */
  rulSamplesCalibrated?: { calibrationCells: number; intervals: CalibratedLifeIntervals[] };
}

export const BEST_OF_REPS_RULE = `best of reps by SOH RMSE over cycles 1..${SELECTION_CYCLES} (uses the reference's early cycles)`;
export const MEDIAN_OF_SAMPLES_RULE = 'median of samples (does not use the reference)';

function checkCurve(curve: ArrayLike<number>, what: string): void {
  if (curve.length !== SOH_CURVE_LENGTH) {
    throw new DiffBattError(`${what} has ${curve.length} points, expected ${SOH_CURVE_LENGTH}`);
  }
}

/**
 * A measured (reference) curve as SOH % at cycles 1..2560, refused with a DiffBattError naming `what`
 * unless it has 256 finite points: measured curves are never dropped, unlike non-finite samples.
 */
export function measuredSohPercent(
  sohCurve: ArrayLike<number>,
  what: string,
  arithmetic: ResizeArithmetic = 'float64',
): Float64Array {
  checkCurve(sohCurve, what);
  if (!isFiniteCurve(sohCurve)) throw new DiffBattError(`${what} holds NaN or infinite values`);
  return sohPercentAtCycles(sohCurve, arithmetic);
}

/** A measured curve's cycle life by the scorer's rule (the reference lives of `scoreSohCurves`). */
export function measuredCycleLife(
  sohCurve: ArrayLike<number>,
  what: string,
  eolSoh = DEFAULT_EOL_SOH,
): number {
  return cycleLifeFromSoh(measuredSohPercent(sohCurve, what), eolSoh);
}

function pointwiseMedian(curves: readonly Float64Array[]): Float64Array {
  const column = new Float64Array(curves.length);
  return Float64Array.from(curves[0]!, (_, i) => {
    curves.forEach((curve, j) => {
      column[j] = curve[i]!;
    });
    return quantileOfSorted(column.sort(), 0.5);
  });
}

function pointScores(
  rule: string,
  rulReference: readonly number[],
  referenceSoh: readonly Float64Array[],
  predictedSoh: readonly Float64Array[],
  rulPredicted: number[],
  eolSoh: number,
): PointPredictionScores {
  const sohRmsePerCell = referenceSoh.map((reference, cell) =>
    sohRmse(reference, predictedSoh[cell]!, eolSoh),
  );
  const defined = sohRmsePerCell.filter(Number.isFinite);
  // Scalars first so the JSON reads top-down: summary, then per-cell arrays.
  return {
    rule,
    rulRmse: rmse(rulReference, rulPredicted),
    rulMae: mae(rulReference, rulPredicted),
    rulMape: mape(rulReference, rulPredicted),
    rulAccuracy10: alphaAccuracy(rulReference, rulPredicted, 0.1),
    rulAccuracy15: alphaAccuracy(rulReference, rulPredicted, 0.15),
    sohRmse: defined.length === 0 ? Number.NaN : defined.reduce((a, b) => a + b, 0) / defined.length,
    sohRmseCells: defined.length,
    rulPredicted,
    sohRmsePerCell,
  };
}

function synthesisScores(
  reference: readonly Float64Array[],
  generated: readonly Float64Array[],
  featureMap: SohFeatureMap,
  k: number,
): SynthesisScores | null {
  if (Math.min(reference.length, generated.length) <= k) return null;
  const referenceFeatures = reference.map((soh) => featureMap.features(soh));
  const generatedFeatures = generated.map((soh) => featureMap.features(soh));
  return {
    featureMap: featureMap.id,
    frechetDistance: frechetDistance(referenceFeatures, generatedFeatures),
    ...knnPrecisionRecall(referenceFeatures, generatedFeatures, k),
    referenceCurves: reference.length,
    generatedCurves: generated.length,
  };
}

/**
 * Scores generated SOH curves against measured ones: the original DiffBatt protocol exactly (resize to
 * 2560 cycles, SOH RMSE with its masks, cycle life at EOL, best-of-reps), plus life MAE/MAPE/alpha-accuracy,
 * a rule that does not peek at the reference, probabilistic scores of the per-sample lives and synthesis
 * quality. Throws a DiffBattError naming the cell for malformed input or a cell without a finite sample.
 */
export function scoreSohCurves(input: ScoreInput, options: ScoreOptions = {}): ScoreResults {
  const eolSoh = options.eolSoh ?? DEFAULT_EOL_SOH;
  const arithmetic = options.arithmetic ?? 'float64';
  if (!(eolSoh > 0 && eolSoh < 100))
    throw new DiffBattError(`EOL must be an SOH between 0 and 100 %, got ${eolSoh}`);
  const { reference, generated } = input;
  const cells = reference.length;
  if (cells === 0) throw new DiffBattError('no reference curves to score');
  if (generated.length !== cells) {
    throw new DiffBattError(`${cells} reference curves but generated curves for ${generated.length} cells`);
  }
  const cellIds = input.cellIds ? [...input.cellIds] : reference.map((_, cell) => `cell-${cell + 1}`);
  if (cellIds.length !== cells) throw new DiffBattError(`${cellIds.length} cell ids for ${cells} cells`);

  let nonFiniteSamples = 0;
  const referenceSoh = reference.map((curve, cell) =>
    measuredSohPercent(curve, `reference curve of ${cellIds[cell]}`, arithmetic),
  );
  const samplesSoh = generated.map((samples, cell) => {
    samples.forEach((curve, sample) => {
      checkCurve(curve, `generated curve ${sample + 1} of ${cellIds[cell]}`);
    });
    if (samples.length === 0) throw new DiffBattError(`no generated curves for ${cellIds[cell]}`);
    const finite = samples.filter(isFiniteCurve);
    nonFiniteSamples += samples.length - finite.length;
    if (finite.length === 0) {
      throw new DiffBattError(`none of the ${samples.length} generated curves of ${cellIds[cell]} is finite`);
    }
    return finite.map((curve) => sohPercentAtCycles(curve, arithmetic));
  });

  const rulReference = referenceSoh.map((soh) => cycleLifeFromSoh(soh, eolSoh));
  const sampleLives = samplesSoh.map((samples) => samples.map((soh) => cycleLifeFromSoh(soh, eolSoh)));
  const rulSamples = summariseSamples(
    rulReference,
    sampleLives,
    options.intervalLevels ?? DEFAULT_INTERVAL_LEVELS,
  );

  const chosen = samplesSoh.map((samples, cell) => bestOfRepsIndex(referenceSoh[cell]!, samples, eolSoh));
  const bestOfReps = pointScores(
    BEST_OF_REPS_RULE,
    rulReference,
    referenceSoh,
    samplesSoh.map((samples, cell) => samples[chosen[cell]!]!),
    sampleLives.map((lives, cell) => lives[chosen[cell]!]!),
    eolSoh,
  );
  const medianOfSamples = pointScores(
    MEDIAN_OF_SAMPLES_RULE,
    rulReference,
    referenceSoh,
    samplesSoh.map(pointwiseMedian),
    rulSamples.median,
    eolSoh,
  );

  return {
    protocol: { eolSoh, arithmetic, evaluationCycles: EVALUATION_CYCLES, selectionCycles: SELECTION_CYCLES },
    cells,
    nonFiniteSamples,
    ...bestOfReps,
    rulReference,
    cellIds,
    samplesPerCell: samplesSoh.map((samples) => samples.length),
    synthesis: synthesisScores(
      referenceSoh,
      samplesSoh.flat(),
      options.featureMap ?? sohThresholdFeatures,
      options.k ?? 3,
    ),
    medianOfSamples,
    rulSamples,
    ...(options.lifeCalibration === undefined
      ? {}
      : {
          rulSamplesCalibrated: {
            calibrationCells: options.lifeCalibration.calibrationCells,
            intervals: calibratedLifeIntervals(sampleLives, rulReference, options.lifeCalibration),
          },
        }),
  };
}
