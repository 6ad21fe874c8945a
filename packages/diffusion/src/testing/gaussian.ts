import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../denoiser.js';
import { extractPerRow } from '../forward.js';
import type { NoiseSchedule } from '../schedule.js';

/**
 * Test support: the exact noise predictor for data x0 ~ N(mean, std^2) in every coordinate,
 * E[eps | x_t] = sqrt(1 - abar) (x_t - sqrt(abar) mean) / (abar std^2 + 1 - abar), so samplers can be
 * checked against known answers without training anything.
 */
export function gaussianDenoiser(schedule: NoiseSchedule, mean: number, std: number): Denoiser<undefined> {
  return (noisy, timesteps) =>
    tf.tidy(() => {
      const alphaBar = extractPerRow(schedule.alphasCumprod, timesteps, noisy.rank);
      const oneMinus = tf.sub(1, alphaBar);
      const marginalVariance = tf.add(tf.mul(alphaBar, std * std), oneMinus);
      return tf.div(
        tf.mul(tf.sqrt(oneMinus), tf.sub(noisy, tf.mul(tf.sqrt(alphaBar), mean))),
        marginalVariance,
      );
    });
}

/**
 * Where the probability-flow ODE takes x_T (at timestep tStart) for that Gaussian data: it preserves
 * quantiles, x_0 = mean + std (x_T - sqrt(abar) mean) / sqrt(abar std^2 + 1 - abar).
 */
export function gaussianFlowEndpoint(
  schedule: NoiseSchedule,
  tStart: number,
  xT: number,
  mean: number,
  std: number,
): number {
  const alphaBar = schedule.alphasCumprod[tStart]!;
  return mean + (std * (xT - Math.sqrt(alphaBar) * mean)) / Math.sqrt(alphaBar * std * std + 1 - alphaBar);
}
