import * as tf from '@tensorflow/tfjs';

/**
 * The condition of the DiffBatt U-Net: the capacity matrix `[B, R, 100, 1]` and the mask `[B, E]` (ones =
 * conditional, zeros = unconditional), so that it fits a generic diffusion denoiser.
 */
export interface CapacityCondition extends tf.NamedTensorMap {
  capacityMatrix: tf.Tensor4D;
  mask: tf.Tensor2D;
}

/**
 * Adapts a DiffBatt U-Net to the `(noisy, timesteps, condition) => eps` denoiser shape that
 * `@diffbatt/diffusion` samples and trains with (structurally typed: no dependency between the packages).
 */
export function diffBattDenoiser(model: tf.LayersModel) {
  return (
    noisy: tf.Tensor,
    timesteps: tf.Tensor1D,
    condition: CapacityCondition,
    context: { training: boolean },
  ) =>
    model.apply([noisy, timesteps, condition.capacityMatrix, condition.mask], {
      training: context.training,
    }) as tf.Tensor;
}

/** Condition dropout as the original: the whole mask row of a dropped sample is zeroed. */
export function dropCapacityCondition(condition: CapacityCondition, keep: tf.Tensor1D): CapacityCondition {
  return {
    capacityMatrix: condition.capacityMatrix,
    mask: tf.mul(condition.mask, tf.expandDims(keep, 1)) as tf.Tensor2D,
  };
}

export function concatCapacityConditions(
  first: CapacityCondition,
  second: CapacityCondition,
): CapacityCondition {
  return {
    capacityMatrix: tf.concat([first.capacityMatrix, second.capacityMatrix]) as tf.Tensor4D,
    mask: tf.concat([first.mask, second.mask]) as tf.Tensor2D,
  };
}

/** A conditional batch: capacity matrices (row-major `[rows, 100]` each) and an all-ones mask. */
export function capacityCondition(
  matrices: readonly Float32Array[],
  rows: number,
  columns: number,
  embeddingDim: number,
): CapacityCondition {
  const data = new Float32Array(matrices.length * rows * columns);
  for (const [i, matrix] of matrices.entries()) data.set(matrix, i * rows * columns);
  return {
    capacityMatrix: tf.tensor4d(data, [matrices.length, rows, columns, 1]),
    mask: tf.ones([matrices.length, embeddingDim]),
  };
}
