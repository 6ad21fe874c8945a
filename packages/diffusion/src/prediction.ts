import * as tf from '@tensorflow/tfjs';
import { extractPerRow } from './forward.js';
import type { NoiseSchedule } from './schedule.js';

/**
 * What the network predicts from x_t = alpha_t x0 + sigma_t eps (alpha_t = sqrt(abar_t), sigma_t =
 * sqrt(1 - abar_t)), as diffusers' `prediction_type`:
 * - `epsilon`: the noise eps (DDPM, DiffBatt);
 * - `v`: v = alpha_t eps - sigma_t x0 (Salimans & Ho 2022), bounded at every noise level;
 * - `sample`: the clean sample x0 itself.
 * A model is trained for one type and must be sampled with the same one.
 */
export type PredictionType = 'epsilon' | 'v' | 'sample';

export const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v', 'sample'];

/** Throws a RangeError unless `value` is a prediction type (for types read from JSON). */
export function checkPredictionType(value: unknown): PredictionType {
  if (!PREDICTION_TYPES.includes(value as PredictionType)) {
    throw new RangeError(
      `prediction type must be one of ${PREDICTION_TYPES.join(', ')}; got ${JSON.stringify(value)}`,
    );
  }
  return value as PredictionType;
}

/**
 * The regression target of a training row: `noise`, `alpha_t noise - sigma_t x0` or `x0`, with one
 * timestep per batch row (int32 [B]). For `epsilon` it is `noise` itself (no new tensor math).
 */
export function predictionTarget(
  schedule: NoiseSchedule,
  predictionType: PredictionType,
  x0: tf.Tensor,
  noise: tf.Tensor,
  timesteps: tf.Tensor1D,
): tf.Tensor {
  switch (predictionType) {
    case 'epsilon':
      return noise;
    case 'sample':
      return x0;
    case 'v':
      return tf.tidy(() =>
        tf.sub(
          tf.mul(extractPerRow(schedule.sqrtAlphasCumprod, timesteps, x0.rank), noise),
          tf.mul(extractPerRow(schedule.sqrtOneMinusAlphasCumprod, timesteps, x0.rank), x0),
        ),
      );
  }
}

/**
 * Dynamic thresholding (Saharia et al. 2022, diffusers' `thresholding`): per sample, s = the `ratio`
 * quantile of |x0_hat|, clamped to [1, maxValue]; x0_hat is clipped to [-s, s] and divided by s.
 */
export interface DynamicThreshold {
  /** Quantile of |x0_hat| per sample, in (0, 1]; diffusers uses 0.995. */
  ratio: number;
  /** Upper bound of s (>= 1); diffusers uses 1 for pixel data in [-1, 1]. */
  maxValue: number;
}

/** Clamp for the predicted clean sample x0_hat (off by default, as in DiffBatt). */
export interface ClipRange {
  min: number;
  max: number;
}

/** Limits put on the predicted clean sample inside a sampler step. */
export interface SampleGuard {
  clipSample?: ClipRange;
  threshold?: DynamicThreshold;
}

/** Throws a RangeError naming the field when a guard is malformed. */
export function checkSampleGuard(guard: SampleGuard): void {
  const { clipSample: clip, threshold } = guard;
  if (clip !== undefined && !(clip.min < clip.max)) {
    throw new RangeError(`clipSample needs min < max, got [${clip.min}, ${clip.max}]`);
  }
  if (threshold !== undefined) {
    if (!(threshold.ratio > 0 && threshold.ratio <= 1))
      throw new RangeError(`threshold.ratio must be in (0, 1], got ${threshold.ratio}`);
    if (!(threshold.maxValue >= 1 && Number.isFinite(threshold.maxValue)))
      throw new RangeError(`threshold.maxValue must be a finite number >= 1, got ${threshold.maxValue}`);
  }
}

/** The network's estimate at one timestep, as both the clean sample and the noise. */
export interface DenoisedEstimate {
  /** x0_hat, after any clip or threshold. */
  sample: tf.Tensor;
  /** eps_hat, consistent with x_t and the (guarded) x0_hat. */
  noise: tf.Tensor;
}

/**
 * Converts a model output at timestep t (one for the whole batch) into x0_hat and eps_hat, float32 in the
 * original's arithmetic for epsilon prediction: x0_hat = sqrt(1/abar) x_t - sqrt(1/abar - 1) eps. When the
 * guard changes x0_hat, eps_hat is re-derived from it so that both stay consistent with x_t.
 * Call inside `tf.tidy`.
 */
export function denoisedEstimate(
  schedule: NoiseSchedule,
  predictionType: PredictionType,
  t: number,
  sample: tf.Tensor,
  output: tf.Tensor,
  guard: SampleGuard,
): DenoisedEstimate {
  const alpha = schedule.sqrtAlphasCumprod[t]!;
  const sigma = schedule.sqrtOneMinusAlphasCumprod[t]!;
  let x0: tf.Tensor;
  let eps: tf.Tensor | null;
  switch (predictionType) {
    case 'epsilon':
      x0 = tf.sub(
        tf.mul(schedule.sqrtRecipAlphasCumprod[t]!, sample),
        tf.mul(schedule.sqrtRecipm1AlphasCumprod[t]!, output),
      );
      eps = output;
      break;
    case 'v':
      x0 = tf.sub(tf.mul(alpha, sample), tf.mul(sigma, output));
      eps = tf.add(tf.mul(sigma, sample), tf.mul(alpha, output));
      break;
    case 'sample':
      x0 = output;
      eps = null;
      break;
  }
  const guarded = applyGuard(x0, guard);
  if (guarded !== x0 || eps === null) {
    x0 = guarded;
    eps = tf.div(tf.sub(sample, tf.mul(alpha, x0)), sigma);
  }
  return { sample: x0, noise: eps };
}

function applyGuard(x0: tf.Tensor, { clipSample: clip, threshold }: SampleGuard): tf.Tensor {
  let guarded = x0;
  if (threshold !== undefined) guarded = dynamicThreshold(guarded, threshold);
  if (clip !== undefined) guarded = tf.clipByValue(guarded, clip.min, clip.max);
  return guarded;
}

function dynamicThreshold(x0: tf.Tensor, { ratio, maxValue }: DynamicThreshold): tf.Tensor {
  const rows = x0.shape[0]!;
  const perRow = x0.size / rows;
  // The ratio quantile of |x0| per row is its k-th largest value, k = round((1 - ratio) perRow) + 1.
  const k = Math.min(perRow, Math.round((1 - ratio) * perRow) + 1);
  const largest = tf.topk(tf.abs(tf.reshape(x0, [rows, perRow])), k).values;
  const s = tf.clipByValue(tf.slice(largest, [0, k - 1], [rows, 1]), 1, maxValue);
  const scale = tf.reshape(s, [rows, ...Array<number>(x0.rank - 1).fill(1)]);
  return tf.div(tf.maximum(tf.minimum(x0, scale), tf.neg(scale)), scale);
}
