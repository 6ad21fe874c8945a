import { selectBackend } from '@diffbatt/core/backend';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDiffBattUNet } from './index.js';

/** Plain tfjs training (Adam, as the original) works on the default backend and leaks no tensors. */

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

describe('training the U-Net on wasm', () => {
  it('lowers the loss on a fixed synthetic batch with a flat tensor count', () => {
    const config = {
      widths: [8, 16],
      hasAttention: [false, true],
      sequenceLength: 32,
      capacityMatrixRows: 20 as const,
    };
    const model = buildDiffBattUNet(config, { seed: 1 });
    const inputs = [
      tf.randomNormal([4, 32, 1], 0, 1, 'float32', 1),
      tf.tensor1d([0, 250, 500, 999], 'int32'),
      tf.randomNormal([4, 20, 100, 1], 0, 0.05, 'float32', 2),
      tf.tensor2d([Array(32).fill(1), Array(32).fill(0), Array(32).fill(1), Array(32).fill(0)]),
    ];
    const targetNoise = tf.randomNormal([4, 32, 1], 0, 1, 'float32', 3);
    const optimizer = tf.train.adam(1e-2, 0.9, 0.999, 1e-7);
    const step = () => {
      const loss = optimizer.minimize(
        () =>
          tf.losses.meanSquaredError(
            targetNoise,
            model.apply(inputs, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        true,
      )!;
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };
    const first = step();
    const tensorsAfterFirst = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 15; i++) last = step();
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    expect(last).toBeLessThan(0.8 * first);
    tf.dispose([...inputs, targetNoise]);
    optimizer.dispose();
    model.dispose();
  });
});
