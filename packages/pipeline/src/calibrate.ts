import { DiffBattError } from '@diffbatt/core';
import {
  assertCalibratable,
  calibratedLifeIntervals,
  DEFAULT_EOL_SOH,
  DEFAULT_INTERVAL_LEVELS,
  fitLifeIntervalCalibration,
  type LifeIntervalCalibration,
  measuredCycleLife,
  sampledCycleLives,
} from '@diffbatt/eval';
import { type GenerateInput, generateCurves } from './generate.js';

/** A held-out cell with its measured SOH curve (a `ModelSample` is one). */
export interface HeldOutCell {
  cellId: string;
  /** Row-major `[rows, 100]`; a cell without one cannot condition the model and is refused. */
  capacityMatrix: Float32Array | null;
  /** Measured curve in the model's encoding: 256 values 2 * SOH - 1, padded with -1 after its last cycle. */
  sohCurve: ArrayLike<number>;
}

export interface CalibrateInput extends Omit<GenerateInput, 'conditions'> {
  /**
   * Cells the model never trained on, with measured curves: a run's validation cells, or another split.
   * Never the test split that will be reported: calibrating on it makes its coverage meaningless.
   */
  cells: readonly HeldOutCell[];
  /** Central levels to calibrate (default 0.5, 0.8, 0.95; 0.95 needs at least 19 cells). */
  levels?: readonly number[];
  /** End-of-life SOH % for sampled and measured lives (default 80). */
  eolSoh?: number;
  /** The model's training cells (e.g. `trainCellIds` of its run.json): any of them in `cells` is refused. */
  trainingCellIds?: readonly string[];
}

export interface LifeCalibrationResult {
  /** The fitted margins, with provenance of the sampling (sampler, samples per cell, guidance, seed, EOL, cells). */
  calibration: LifeIntervalCalibration;
  /**
   * Per level, the share of these cells whose measured life lies in their interval, as sampled and as
   * calibrated. `after` is in-sample (about `level` by construction), not evidence of calibration.
   */
  coverage: { level: number; before: number; after: number }[];
  /** Per cell, its measured life (the scorer's rule) and its sampled lives. */
  cells: { cellId: string; measuredLife: number; sampledLives: number[] }[];
}

/**
 * Fits a split-conformal calibration of the sampled life intervals (`fitLifeIntervalCalibration`) on
 * held-out cells: draws `samplesPerCell` curves per cell as `predictCells` would, and compares their lives
 * with the measured ones. Use the result with `predictCells({ lifeCalibration })` and the same sampling.
 */
export async function calibrateLifeIntervals(input: CalibrateInput): Promise<LifeCalibrationResult> {
  const { levels = DEFAULT_INTERVAL_LEVELS, eolSoh = DEFAULT_EOL_SOH } = input;
  const measuredLives = measuredLivesOf(input.cells, input.trainingCellIds ?? [], eolSoh);
  const conditions = conditionsOf(input.cells);
  // Too few cells for a level is known before sampling, which may take minutes.
  assertCalibratable(input.cells.length, levels);
  const sampledLives = await sampledLivesOf(input, conditions, eolSoh);
  return fitted(input, input.cells, sampledLives, measuredLives, {
    // An ensemble's pooled curves spread differently from one network's: the margins hold for this count.
    networks: 1 + (input.ensemble?.length ?? 0),
  });
}

/** A network of a cross-validation and the cells of its fold: cells it never trained on. */
export interface CalibrationFold {
  model: GenerateInput['model'];
  config: GenerateInput['config'];
  cells: readonly HeldOutCell[];
  /** The fold network's training cells (`trainCellIds` of its run.json): any of them in `cells` is refused. */
  trainingCellIds?: readonly string[];
}

export interface CrossValidatedCalibrateInput
  extends Omit<CalibrateInput, 'model' | 'config' | 'cells' | 'trainingCellIds' | 'ensemble'> {
  /** One network per fold, each trained by the same recipe without its fold's cells; folds must not overlap. */
  folds: readonly CalibrationFold[];
}

/**
 * Cross-validated calibration for a network trained on ALL its cells (which leaves none held out): each
 * fold network, trained by the same recipe on the other folds, samples the cells of its own fold, and
 * the margins are fitted on the pooled scores of every fold (as `calibrateLifeIntervals` does on one set).
 * Apply them to the network trained on all cells, with the same sampling. Margins fitted this way are
 * about as wide as that network needs when the fold networks predict about as well as it does (with
 * k folds each trains on (k - 1) / k of the cells, so they tend to be slightly wide).
 * Every fold samples with `seed`; per-curve seeds follow the cell's index within its fold.
 */
export async function crossValidatedLifeCalibration(
  input: CrossValidatedCalibrateInput,
): Promise<LifeCalibrationResult> {
  const { folds, levels = DEFAULT_INTERVAL_LEVELS, eolSoh = DEFAULT_EOL_SOH } = input;
  if (folds.length < 2) {
    throw new DiffBattError(`a cross-validation needs at least 2 fold networks, got ${folds.length}`, {
      field: 'folds',
    });
  }
  const foldOf = new Map<string, number>();
  for (const [index, fold] of folds.entries()) {
    for (const { cellId } of fold.cells) {
      const other = foldOf.get(cellId);
      if (other !== undefined) {
        throw new DiffBattError(
          `cell ${cellId} is in folds ${other + 1} and ${index + 1}: cross-validation folds must not overlap`,
          { field: 'folds' },
        );
      }
      foldOf.set(cellId, index);
    }
  }
  const measuredLives = folds.flatMap((fold) =>
    measuredLivesOf(fold.cells, fold.trainingCellIds ?? [], eolSoh),
  );
  const cells = folds.flatMap((fold) => fold.cells);
  const conditions = folds.map((fold) => conditionsOf(fold.cells));
  assertCalibratable(cells.length, levels);
  const total = folds.reduce((sum, fold) => sum + fold.cells.length, 0);
  const sampledLives: number[][] = [];
  for (const [index, fold] of folds.entries()) {
    // One progress bar over all folds: every cell costs the same curve-steps, so a fold's count is
    // offset by the cells sampled before it.
    const before = sampledLives.length;
    const onProgress =
      input.onProgress &&
      ((done: number, all: number) => {
        const perCell = all / fold.cells.length;
        input.onProgress?.(Math.round(perCell * before) + done, Math.round(perCell * total));
      });
    const job = { ...input, model: fold.model, config: fold.config, onProgress };
    sampledLives.push(...(await sampledLivesOf(job, conditions[index]!, eolSoh)));
  }
  return fitted(input, cells, sampledLives, measuredLives, {
    networks: 1,
    folds: folds.map((fold) => fold.cells.map((cell) => cell.cellId)),
  });
}

/** Measured lives by the scorer's rule; refuses cells the network trained on. */
function measuredLivesOf(
  cells: readonly HeldOutCell[],
  trainingCellIds: readonly string[],
  eolSoh: number,
): number[] {
  const training = new Set(trainingCellIds);
  const trained = cells.filter((cell) => training.has(cell.cellId)).map((cell) => cell.cellId);
  if (trained.length > 0) {
    throw new DiffBattError(
      `${trained.length} of the ${cells.length} calibration cells are training cells of this model ` +
        `(${trained.slice(0, 5).join(', ')}${trained.length > 5 ? ', ...' : ''}): calibrate on cells it never trained on`,
    );
  }
  return cells.map((cell) =>
    measuredCycleLife(cell.sohCurve, `measured SOH curve of ${cell.cellId}`, eolSoh),
  );
}

/** The cells' capacity matrices; refuses a cell without one. */
const conditionsOf = (cells: readonly HeldOutCell[]): Float32Array[] =>
  cells.map((cell) => {
    if (cell.capacityMatrix === null) {
      throw new DiffBattError(`${cell.cellId} has no capacity matrix to condition the model on`);
    }
    return cell.capacityMatrix;
  });

async function sampledLivesOf(
  job: Omit<GenerateInput, 'conditions'>,
  conditions: readonly Float32Array[],
  eolSoh: number,
): Promise<number[][]> {
  const curves = await generateCurves({ ...job, conditions });
  return curves.map((cellCurves) => sampledCycleLives(cellCurves, eolSoh));
}

/** The margins fitted on every cell, their provenance and the in-sample coverage. */
function fitted(
  input: Omit<CalibrateInput, 'model' | 'config' | 'cells'>,
  cells: readonly HeldOutCell[],
  sampledLives: number[][],
  measuredLives: number[],
  networks: Record<string, unknown>,
): LifeCalibrationResult {
  const { levels = DEFAULT_INTERVAL_LEVELS, eolSoh = DEFAULT_EOL_SOH } = input;
  const calibration: LifeIntervalCalibration = {
    ...fitLifeIntervalCalibration(
      sampledLives.map((lives, cell) => ({ lives, measuredLife: measuredLives[cell]! })),
      levels,
    ),
    provenance: {
      sampler: input.sampler,
      samplesPerCell: input.samplesPerCell,
      guidanceWeight: input.guidanceWeight,
      seed: input.seed,
      monotone: input.monotone ?? false,
      smoothing: input.smoothing ?? 0,
      ...networks,
      eolSoh,
      cellIds: cells.map((cell) => cell.cellId),
    },
  };
  return {
    calibration,
    coverage: calibratedLifeIntervals(sampledLives, measuredLives, calibration).map(
      ({ level, coverage, uncalibratedCoverage }) => ({
        level,
        before: uncalibratedCoverage,
        after: coverage,
      }),
    ),
    cells: cells.map((cell, i) => ({
      cellId: cell.cellId,
      measuredLife: measuredLives[i]!,
      sampledLives: sampledLives[i]!,
    })),
  };
}
