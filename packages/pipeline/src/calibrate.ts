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
  const { cells, levels = DEFAULT_INTERVAL_LEVELS, eolSoh = DEFAULT_EOL_SOH } = input;
  const training = new Set(input.trainingCellIds ?? []);
  const trained = cells.filter((cell) => training.has(cell.cellId)).map((cell) => cell.cellId);
  if (trained.length > 0) {
    throw new DiffBattError(
      `${trained.length} of the ${cells.length} calibration cells are training cells of this model ` +
        `(${trained.slice(0, 5).join(', ')}${trained.length > 5 ? ', ...' : ''}): calibrate on cells it never trained on`,
    );
  }
  const measuredLives = cells.map((cell) =>
    measuredCycleLife(cell.sohCurve, `measured SOH curve of ${cell.cellId}`, eolSoh),
  );
  const conditions = cells.map((cell) => {
    if (cell.capacityMatrix === null) {
      throw new DiffBattError(`${cell.cellId} has no capacity matrix to condition the model on`);
    }
    return cell.capacityMatrix;
  });
  // Too few cells for a level is known before sampling, which may take minutes.
  assertCalibratable(cells.length, levels);
  const curves = await generateCurves({ ...input, conditions });
  const sampledLives = curves.map((cellCurves) => sampledCycleLives(cellCurves, eolSoh));
  const fitted = fitLifeIntervalCalibration(
    sampledLives.map((lives, cell) => ({ lives, measuredLife: measuredLives[cell]! })),
    levels,
  );
  const calibration: LifeIntervalCalibration = {
    ...fitted,
    provenance: {
      sampler: input.sampler,
      samplesPerCell: input.samplesPerCell,
      guidanceWeight: input.guidanceWeight,
      seed: input.seed,
      monotone: input.monotone ?? false,
      // An ensemble's pooled curves spread differently from one network's: the margins hold for this count.
      networks: 1 + (input.ensemble?.length ?? 0),
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
