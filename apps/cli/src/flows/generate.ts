import { CAPACITY_MATRIX_VOLTAGE_POINTS, DiffBattError, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { createNoiseSchedule, deriveSeed, type SamplerConfig, sample } from '@diffbatt/diffusion';
import {
  type CapacityCondition,
  concatCapacityConditions,
  type DiffBattUNetConfig,
  diffBattDenoiser,
  dropCapacityCondition,
} from '@diffbatt/unet';
import * as tf from '@tensorflow/tfjs';

export interface GenerateInput {
  model: tf.LayersModel;
  config: DiffBattUNetConfig;
  /** Per cell: its capacity matrix (row-major `[rows, 100]`), or null for an unconditional curve. */
  conditions: readonly (Float32Array | null)[];
  samplesPerCell: number;
  sampler: SamplerConfig;
  /** DiffBatt's w: eps = (1 + w) eps_cond - w eps_uncond; 0 = conditional model only. */
  guidanceWeight: number;
  seed: number;
  /** Rows per network call; larger is faster until memory runs out. */
  maxBatch?: number;
  /** Network steps done over all chunks, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_MAX_BATCH = 256;

/**
 * Draws `samplesPerCell` SOH curves for every cell, all cells' rows batched together (in chunks of at most
 * `maxBatch` rows, each chunk seeded from `seed` and its index). Returns `[cell][sample]` curves in the
 * model's encoding (2*SOH - 1). A NaN or infinite value in any curve fails the whole call: downstream it
 * would read as SOH 0 and a confident, wrong cycle life.
 */
export async function generateCurves(input: GenerateInput): Promise<Float32Array[][]> {
  const { config, samplesPerCell, conditions } = input;
  const rows = conditions.flatMap((condition, cell) =>
    Array.from({ length: samplesPerCell }, () => ({ cell, condition })),
  );
  const maxBatch = input.maxBatch ?? DEFAULT_MAX_BATCH;
  const schedule = createNoiseSchedule({ kind: 'linear' });
  const denoiser = diffBattDenoiser(input.model);
  const matrixSize = config.capacityMatrixRows * CAPACITY_MATRIX_VOLTAGE_POINTS;
  const chunks = Math.ceil(rows.length / maxBatch);
  const result: Float32Array[][] = conditions.map(() => []);
  for (let chunk = 0; chunk < chunks; chunk++) {
    const part = rows.slice(chunk * maxBatch, (chunk + 1) * maxBatch);
    const matrices = new Float32Array(part.length * matrixSize);
    const mask = new Float32Array(part.length * config.embeddingDim);
    for (const [i, { condition }] of part.entries()) {
      if (condition === null) continue; // zero mask and matrix: the unconditional model
      matrices.set(condition, i * matrixSize);
      mask.fill(1, i * config.embeddingDim, (i + 1) * config.embeddingDim);
    }
    const condition: CapacityCondition = {
      capacityMatrix: tf.tensor4d(matrices, [
        part.length,
        config.capacityMatrixRows,
        CAPACITY_MATRIX_VOLTAGE_POINTS,
        1,
      ]),
      mask: tf.tensor2d(mask, [part.length, config.embeddingDim]),
    };
    try {
      const curves = await sample({
        schedule,
        denoiser,
        shape: [part.length, SOH_CURVE_LENGTH, 1],
        condition,
        seed: deriveSeed(input.seed, chunk),
        sampler: input.sampler,
        ...(input.guidanceWeight === 0
          ? {}
          : {
              guidance: {
                weight: input.guidanceWeight,
                drop: dropCapacityCondition,
                concat: concatCapacityConditions,
              },
            }),
        onStep: async ({ step, totalSteps }) => {
          input.onProgress?.(chunk * totalSteps + step, chunks * totalSteps);
          // Let the event loop breathe so progress output is flushed between steps.
          await new Promise((resolve) => setImmediate(resolve));
        },
      });
      const data = await curves.data<'float32'>();
      curves.dispose();
      const bad = data.findIndex((value) => !Number.isFinite(value));
      if (bad >= 0) {
        throw new DiffBattError(
          `the sampler produced ${data[bad]} in curve ${chunk * maxBatch + Math.floor(bad / SOH_CURVE_LENGTH)}: ` +
            `the model's outputs overflow (damaged weights, or a guidance weight w = ${input.guidanceWeight} too large)`,
        );
      }
      for (const [i, { cell }] of part.entries()) {
        result[cell]!.push(data.slice(i * SOH_CURVE_LENGTH, (i + 1) * SOH_CURVE_LENGTH));
      }
    } finally {
      tf.dispose([condition.capacityMatrix, condition.mask]);
    }
  }
  return result;
}
