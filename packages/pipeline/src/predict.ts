import {
  DEFAULT_EOL_SOH,
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
}

/** A cell's predicted degradation: its sampled curves, their lives, and summaries of both. */
export interface CellPrediction {
  /** The generated curves, encoded as the model's output (2 * SOH - 1, 256 points of 10 cycles). */
  curves: Float32Array[];
  /** Cycle life of each curve by the original protocol. */
  cycleLives: number[];
  /** Median, mean and intervals of `cycleLives`. */
  life: LifeSummary;
  /** Pointwise median and band of the curves, in SOH % at `SOH_CURVE_CYCLES` (@diffbatt/eval). */
  band: SohCurveBand;
}

export const PREDICTION_INTERVAL_LEVELS = [0.8, 0.95] as const;

/**
 * Predicts cells' SOH curves and cycle lives from their first-100-cycle capacity matrices: draws
 * `samplesPerCell` curves per cell (`generateCurves`) and summarises them per cell.
 */
export async function predictCells(input: PredictInput): Promise<CellPrediction[]> {
  const { capacityMatrices, eolSoh = DEFAULT_EOL_SOH, intervalLevels = PREDICTION_INTERVAL_LEVELS } = input;
  const curves = await generateCurves({ ...input, conditions: capacityMatrices });
  return curves.map((cellCurves) => {
    const cycleLives = sampledCycleLives(cellCurves, eolSoh);
    return {
      curves: cellCurves,
      cycleLives,
      life: lifeSummary(cycleLives, intervalLevels),
      band: sohCurveBand(cellCurves, input.bandLevel ?? intervalLevels[0] ?? 0.8),
    };
  });
}
