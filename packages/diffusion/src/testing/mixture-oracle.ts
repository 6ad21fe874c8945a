import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../denoiser.js';
import { extractPerRow } from '../forward.js';
import type { PredictionType } from '../prediction.js';
import type { NoiseSchedule } from '../schedule.js';
import { MIXTURE, type ModeLabel } from './toy.js';

/**
 * Test support: the exact model of the toy mixture (`MIXTURE`: two isotropic 2-D Gaussians), so every
 * sampler x schedule x prediction type can be checked against the true distribution without training.
 * For x_t = alpha x0 + sigma eps and components N(mu_k, s^2 I):
 *   E[x0 | x_t] = sum_k r_k (mu_k + alpha s^2 / (alpha^2 s^2 + sigma^2) (x_t - alpha mu_k)),
 * r_k the posterior weight of component k under N(alpha mu_k, (alpha^2 s^2 + sigma^2) I); then
 * eps = (x_t - alpha x0) / sigma and v = alpha eps - sigma x0. The condition is a one-hot label that
 * selects its component for certain (all zeros: the mixture's own weights), so guided samples of a label
 * must all land on its mode.
 *
 * `outputError` adds that constant to every output, the error a trained network makes when it misses the
 * per-sample mean (as an under-trained epsilon network does): samplers must stay stable under it.
 */
export function mixtureOracle(
  schedule: NoiseSchedule,
  predictionType: PredictionType,
  outputError = 0,
): Denoiser<ModeLabel> {
  const variance = MIXTURE.std * MIXTURE.std;
  return (noisy, timesteps, label) =>
    tf.tidy(() => {
      const alpha = extractPerRow(schedule.sqrtAlphasCumprod, timesteps, 3); // [B, 1, 1]
      const sigma = extractPerRow(schedule.sqrtOneMinusAlphasCumprod, timesteps, 2); // [B, 1]
      const centres = tf.tensor3d([MIXTURE.centres.map((c) => [...c])]); // [1, K, 2]
      const marginal = tf.add(tf.mul(tf.square(alpha), variance), tf.square(tf.reshape(sigma, [-1, 1, 1])));
      const offset = tf.sub(tf.expandDims(noisy, 1), tf.mul(alpha, centres)); // [B, K, 2]
      const labelled = tf.sum(label, 1, true); // 1 for a label, 0 for unconditional
      const weights = tf.add(label, tf.mul(tf.sub(1, labelled), tf.tensor2d([[...MIXTURE.weights]])));
      const logits = tf.sub(
        tf.log(tf.maximum(weights, 1e-30)),
        tf.squeeze(
          tf.add(tf.div(tf.sum(tf.square(offset), 2, true), tf.mul(2, marginal)), tf.log(marginal)),
          [2],
        ),
      );
      const responsibility = tf.expandDims(tf.softmax(logits), 2); // [B, K, 1]
      const perComponent = tf.add(centres, tf.mul(tf.div(tf.mul(alpha, variance), marginal), offset));
      const x0 = tf.sum(tf.mul(responsibility, perComponent), 1); // [B, 2]
      const alpha2 = tf.reshape(alpha, [-1, 1]);
      const eps = tf.div(tf.sub(noisy, tf.mul(alpha2, x0)), sigma);
      const output =
        predictionType === 'epsilon'
          ? eps
          : predictionType === 'sample'
            ? x0
            : tf.sub(tf.mul(alpha2, eps), tf.mul(sigma, x0));
      return outputError === 0 ? output : tf.add(output, outputError);
    });
}

/** How close 2-D samples are to the mixture, or to one of its modes. */
export interface MixtureFit {
  /** Share of the samples nearest each mode centre. */
  share: number[];
  /**
   * Largest over modes of the 2-Wasserstein distance between the Gaussian fitted to the samples nearest
   * that mode (mean and per-axis std) and the true component; Infinity for a mode with < 20 samples.
   */
  worstW2: number;
}

/** Assigns each sample to its nearest centre and compares each group with its true component. */
export function mixtureFit(points: Float32Array, modes: readonly number[] = [0, 1]): MixtureFit {
  const count = points.length / 2;
  const groups = MIXTURE.centres.map(() => ({
    n: 0,
    sum: [0, 0] as [number, number],
    squares: [0, 0] as [number, number],
  }));
  for (let i = 0; i < count; i++) {
    const p = [points[2 * i]!, points[2 * i + 1]!] as const;
    const distances = MIXTURE.centres.map(([cx, cy]) => Math.hypot(p[0] - cx, p[1] - cy));
    const group = groups[distances[0]! <= distances[1]! ? 0 : 1]!;
    group.n++;
    for (const axis of [0, 1] as const) {
      group.sum[axis] += p[axis];
      group.squares[axis] += p[axis] ** 2;
    }
  }
  let worstW2 = 0;
  for (const mode of modes) {
    const { n, sum, squares } = groups[mode]!;
    if (n < 20) return { share: groups.map((g) => g.n / count), worstW2: Number.POSITIVE_INFINITY };
    let squared = 0;
    for (const axis of [0, 1]) {
      const mean = sum[axis]! / n;
      const std = Math.sqrt(Math.max(squares[axis]! / n - mean * mean, 0));
      squared += (mean - MIXTURE.centres[mode]![axis]!) ** 2 + (std - MIXTURE.std) ** 2;
    }
    worstW2 = Math.max(worstW2, Math.sqrt(squared));
  }
  return { share: groups.map((g) => g.n / count), worstW2 };
}
