import * as tf from '@tensorflow/tfjs';
import type { DropCondition } from '../denoiser.js';
import { deriveSeed, uniformSource } from '../seed.js';

/**
 * Test support (not part of the package build): a synthetic 2-D Gaussian mixture and a tiny dense
 * denoiser, so the samplers and the training step can be checked end to end in seconds.
 */

/** Two modes, A with weight 0.7 and B with 0.3, each an isotropic Gaussian. */
export const MIXTURE = {
  centres: [
    [-0.8, -0.4],
    [0.8, 0.4],
  ],
  weights: [0.7, 0.3],
  std: 0.15,
} as const;

/** Condition of the toy model: one-hot mode label [B, 2]; all zeros = unconditional. */
export type ModeLabel = tf.Tensor2D;

export const dropLabel: DropCondition<ModeLabel> = (label, keep) => tf.mul(label, keep.expandDims(1));
export const concatLabels = (first: ModeLabel, second: ModeLabel): ModeLabel => tf.concat([first, second]);

/**
 * `count` points of the mixture with one-hot labels that name the true mode only with probability
 * `LABEL_ACCURACY` (synthetic, seeded). The label is thus informative but not decisive, so the exact
 * conditional mode shares are known and guidance has room to sharpen them.
 */
export function mixtureBatch(count: number, seed: number): { x0: tf.Tensor2D; condition: ModeLabel } {
  const random = uniformSource(deriveSeed(seed, 1));
  const modes = Int32Array.from({ length: count }, () => (random() < MIXTURE.weights[0] ? 0 : 1));
  const labelled = modes.map((mode) => (random() < LABEL_ACCURACY ? mode : 1 - mode));
  return tf.tidy(() => {
    const oneHot = (indices: Int32Array) =>
      tf.oneHot(tf.tensor1d(indices, 'int32'), 2).toFloat() as tf.Tensor2D;
    const centres = tf.matMul(oneHot(modes), tf.tensor2d(MIXTURE.centres.map((c) => [...c])));
    const spread = tf.randomNormal([count, 2], 0, MIXTURE.std, 'float32', deriveSeed(seed, 2));
    return { x0: tf.add(centres, spread) as tf.Tensor2D, condition: oneHot(labelled) };
  });
}

export const LABEL_ACCURACY = 0.8;

/** P(mode | label) by Bayes: the share of each mode that conditional sampling with weight 0 must give. */
export function modeSharesGivenLabel(label: 0 | 1): number[] {
  const joint = MIXTURE.weights.map((w, mode) => w * (mode === label ? LABEL_ACCURACY : 1 - LABEL_ACCURACY));
  const total = joint[0]! + joint[1]!;
  return joint.map((p) => p / total);
}

/** A constant label for every row: mode 0 (A), mode 1 (B) or null (unconditional). */
export function labels(count: number, mode: 0 | 1 | null): ModeLabel {
  return tf.tidy(() =>
    mode === null
      ? tf.zeros([count, 2])
      : (tf.oneHot(tf.fill([count], mode, 'int32') as tf.Tensor1D, 2).toFloat() as ModeLabel),
  );
}

/** Dense net: [x, sinusoidal(t), label] -> 64 -> 64 -> 2 with swish; small random init from a seed. */
export function createToyDenoiser(seed: number, timesteps: number) {
  const width = 64;
  const inputs = 2 + 16 + 2;
  const layer = (fanIn: number, fanOut: number, index: number) => ({
    kernel: tf.variable(
      tf.randomNormal([fanIn, fanOut], 0, Math.sqrt(1 / fanIn), 'float32', deriveSeed(seed, index)),
    ),
    bias: tf.variable(tf.zeros([fanOut])),
  });
  const layers = [layer(inputs, width, 1), layer(width, width, 2), layer(width, 2, 3)];
  const frequencies = tf.tidy(() => tf.exp(tf.mul(tf.range(0, 8), -Math.log(timesteps) / 8)));
  const denoiser = (noisy: tf.Tensor, t: tf.Tensor1D, label: ModeLabel): tf.Tensor =>
    tf.tidy(() => {
      const angles = tf.mul(t.toFloat().expandDims(1), frequencies.expandDims(0));
      let h: tf.Tensor = tf.concat([noisy, tf.sin(angles), tf.cos(angles), label], 1);
      layers.forEach(({ kernel, bias }, i) => {
        h = tf.add(tf.matMul(h as tf.Tensor2D, kernel), bias);
        if (i < layers.length - 1) h = tf.mul(h, tf.sigmoid(h));
      });
      return h;
    });
  const variables = layers.flatMap(({ kernel, bias }) => [kernel, bias]);
  return {
    denoiser,
    variables,
    dispose: () => tf.dispose([...variables, frequencies]),
  };
}

/**
 * Share of rows within 3.5 std of each mode centre, share of rows near neither, and the mean of the rows
 * near each mode.
 */
export function modeStatistics(points: Float32Array): { share: number[]; stray: number; means: number[][] } {
  const count = points.length / 2;
  const sums = [
    [0, 0],
    [0, 0],
  ];
  const counts = [0, 0];
  for (let i = 0; i < count; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    const mode = MIXTURE.centres.findIndex(([cx, cy]) => Math.hypot(x - cx, y - cy) < 3.5 * MIXTURE.std);
    if (mode < 0) continue;
    counts[mode]! += 1;
    sums[mode]![0]! += x;
    sums[mode]![1]! += y;
  }
  return {
    share: counts.map((n) => n / count),
    stray: 1 - (counts[0]! + counts[1]!) / count,
    means: sums.map(([sx, sy], mode) => [sx! / counts[mode]!, sy! / counts[mode]!]),
  };
}
