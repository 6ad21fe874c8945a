import * as tf from '@tensorflow/tfjs';
import type { NoiseSchedule } from './schedule.js';

/**
 * Per-row schedule constants for a batch: `values[timesteps[i]]` as float32, shaped [B, 1, ..., 1] to
 * broadcast against a tensor of the given rank (the original's `_extract`).
 */
export function extractPerRow(values: Float64Array, timesteps: tf.Tensor1D, rank: number): tf.Tensor {
  return tf.tidy(() => {
    const rowShape = [timesteps.shape[0], ...Array<number>(rank - 1).fill(1)];
    return tf.gather(tf.tensor1d(Float32Array.from(values)), timesteps).reshape(rowShape);
  });
}

/**
 * The forward process q(x_t | x_0): `sqrt(abar_t) x0 + sqrt(1 - abar_t) noise`, with one timestep per batch
 * row (int32, shape [B], each in [0, T)) and float32 arithmetic in the original's order.
 */
export function qSample(
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  timesteps: tf.Tensor1D,
  noise: tf.Tensor,
): tf.Tensor {
  checkTimesteps(x0, timesteps);
  return tf.tidy(() =>
    tf.add(
      tf.mul(extractPerRow(schedule.sqrtAlphasCumprod, timesteps, x0.rank), x0),
      tf.mul(extractPerRow(schedule.sqrtOneMinusAlphasCumprod, timesteps, x0.rank), noise),
    ),
  );
}

function checkTimesteps(x0: tf.Tensor, timesteps: tf.Tensor1D): void {
  if (timesteps.dtype !== 'int32') throw new TypeError(`timesteps must be int32, got ${timesteps.dtype}`);
  if (timesteps.shape[0] !== x0.shape[0]) {
    throw new RangeError(`timesteps has ${timesteps.shape[0]} rows but the batch has ${x0.shape[0]}`);
  }
}
