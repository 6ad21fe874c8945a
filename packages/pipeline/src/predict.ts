import { DiffBattError } from '@diffbatt/core';
import {
  type ConditionNovelty,
  type ConditionNoveltyReference,
  calibrateLifeSummary,
  conditionNovelty,
  DEFAULT_EOL_SOH,
  type LifeIntervalCalibration,
  type LifeSummary,
  lifeSummary,
  type SohCurveBand,
  sampledCycleLives,
  sohCurveBand,
} from '@diffbatt/eval';
import { type GenerateInput, generateCurves } from './generate.js';

export interface PredictInput extends Omit<GenerateInput, 'conditions'> {
  /** Each cell's capacity matrix (row-major `[rows, 100]`, as `ModelSample.capacityMatrix`). */
  capacityMatrices: readonly Float32Array[];
  /** End-of-life SOH % (default 80). */
  eolSoh?: number;
  /** Central intervals of the cycle life (default 0.8 and 0.95). */
  intervalLevels?: readonly number[];
  /** Central band of the SOH curve (default 0.8). */
  bandLevel?: number;
  /**
   * Calibrates every cell's life intervals (`calibrateLifeIntervals`, fitted on held-out cells with the
   * same model and sampling); it needs a margin for each of `intervalLevels`. Absent: as sampled.
   */
  lifeCalibration?: LifeIntervalCalibration;
  /**
   * The model's training cells (`conditionNoveltyReference`): each prediction then says how unlike them its
   * capacity matrix is (`novelty`), since the sampled intervals do not widen for such a cell.
   */
  noveltyReference?: ConditionNoveltyReference;
}

/** A cell's predicted degradation: its sampled curves, their lives, and summaries of both. */
export interface CellPrediction {
  /** The generated curves, encoded as the model's output (2 * SOH - 1, 256 points of 10 cycles). */
  curves: Float32Array[];
  /** Cycle life of each curve by the original protocol. */
  cycleLives: number[];
  /** Median, mean and intervals of `cycleLives`; the intervals calibrated when `lifeCalibration` is given. */
  life: LifeSummary;
  /** With `lifeCalibration`: the intervals as sampled, before calibration. */
  uncalibratedLife?: LifeSummary;
  /** Pointwise median and band of the curves, in SOH % at `SOH_CURVE_CYCLES` (@diffbatt/eval). */
  band: SohCurveBand;
  /** With `noveltyReference`: the cell's nearest training cell and how unusual that distance is. */
  novelty?: ConditionNovelty;
}

export const PREDICTION_INTERVAL_LEVELS = [0.8, 0.95] as const;

/**
 * Predicts cells' SOH curves and cycle lives from their first-100-cycle capacity matrices: draws
 * `samplesPerCell` curves per cell (`generateCurves`) and summarises them per cell.
 */
export async function predictCells(input: PredictInput): Promise<CellPrediction[]> {
  const { capacityMatrices, eolSoh = DEFAULT_EOL_SOH, intervalLevels = PREDICTION_INTERVAL_LEVELS } = input;
  const calibration = input.lifeCalibration;
  const reference = input.noveltyReference;
  // Checked before sampling, which may take minutes.
  const percent = (level: number) => Number((level * 100).toPrecision(6)); // 0.55 -> 55, not 55.00000000000001
  const missing = intervalLevels.filter((level) => !calibration?.margins.some((m) => m.level === level));
  if (calibration !== undefined && missing.length > 0) {
    throw new DiffBattError(
      `the life-interval calibration has no ${missing.map(percent).join(' and ')} % level ` +
        `(it has ${calibration.margins.map((m) => percent(m.level)).join(', ')} %); fit it with those levels`,
      { field: 'levels' },
    );
  }
  // Before sampling too: a matrix of another size than the reference cells' fails here.
  const novelty = reference && capacityMatrices.map((matrix) => conditionNovelty(reference, matrix));
  const curves = await generateCurves({ ...input, conditions: capacityMatrices });
  return curves.map((cellCurves, cell) => {
    const cycleLives = sampledCycleLives(cellCurves, eolSoh);
    const life = lifeSummary(cycleLives, intervalLevels);
    return {
      curves: cellCurves,
      cycleLives,
      ...(calibration === undefined
        ? { life }
        : { life: calibrateLifeSummary(life, calibration), uncalibratedLife: life }),
      band: sohCurveBand(cellCurves, input.bandLevel ?? intervalLevels[0] ?? 0.8),
      ...(novelty === undefined ? {} : { novelty: novelty[cell]! }),
    };
  });
}
