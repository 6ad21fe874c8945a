import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createNoiseSchedule, qSample } from './index.js';

const schedule = createNoiseSchedule({ kind: 'linear' });
const f = Math.fround;

describe('qSample', () => {
  it('computes sqrt(abar_t) x0 + sqrt(1 - abar_t) noise per row in float32, in the original order', async () => {
    const timesteps = [0, 1, 500, 999];
    const x0 = tf.randomNormal([4, 3, 2], 0, 1, 'float32', 11);
    const noise = tf.randomNormal([4, 3, 2], 0, 1, 'float32', 12);
    const t = tf.tensor1d(timesteps, 'int32');
    const before = tf.memory().numTensors;
    const xt = qSample(schedule, x0, t, noise);
    expect(tf.memory().numTensors).toBe(before + 1);
    const [x, n, out] = [await x0.data(), await noise.data(), await xt.data()];
    const expected = out.map((_, i) => {
      const step = timesteps[Math.floor(i / 6)]!;
      return f(
        f(f(schedule.sqrtAlphasCumprod[step]!) * x[i]!) +
          f(f(schedule.sqrtOneMinusAlphasCumprod[step]!) * n[i]!),
      );
    });
    expect(Array.from(out)).toEqual(Array.from(expected));
    tf.dispose([x0, noise, t, xt]);
  });

  it('has mean sqrt(abar_t) x0 and variance 1 - abar_t (statistical, fixed seed)', async () => {
    const timesteps = [0, 10, 250, 500, 999];
    const n = 20_000;
    const x0 = tf.fill([timesteps.length, n], 0.7);
    const noise = tf.randomNormal([timesteps.length, n], 0, 1, 'float32', 2024);
    const t = tf.tensor1d(timesteps, 'int32');
    const xt = qSample(schedule, x0, t, noise);
    const { mean, variance } = tf.moments(xt, 1);
    const [means, variances] = [await mean.data(), await variance.data()];
    timesteps.forEach((step, row) => {
      const expectedVariance = 1 - schedule.alphasCumprod[step]!;
      // Four standard errors of a sample mean and of a Gaussian sample variance.
      expect(Math.abs(means[row]! - 0.7 * schedule.sqrtAlphasCumprod[step]!)).toBeLessThan(
        4 * Math.sqrt(expectedVariance / n),
      );
      expect(Math.abs(variances[row]! - expectedVariance)).toBeLessThan(
        4 * expectedVariance * Math.sqrt(2 / n),
      );
    });
    tf.dispose([x0, noise, t, xt, mean, variance]);
  });

  it('rejects float timesteps and a batch-size mismatch', () => {
    const x0 = tf.zeros([2, 3]);
    const floatT = tf.tensor1d([1, 2]);
    const shortT = tf.tensor1d([1], 'int32');
    expect(() => qSample(schedule, x0, floatT as tf.Tensor1D, x0)).toThrow(/int32/);
    expect(() => qSample(schedule, x0, shortT, x0)).toThrow(/1 rows but the batch has 2/);
    tf.dispose([x0, floatT, shortT]);
  });
});
