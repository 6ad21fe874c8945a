import { selectBackend } from '@diffbatt/core/backend';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDiffBattUNet, parseUNetConfig, withCapacityMatrixRows } from './index.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

// A small network with every capacity-encoder option on, and random (not initial) weights: the output
// projections start at zero, which would hide the attention block from the comparison.
const config = parseUNetConfig(
  {
    widths: [8, 16],
    hasAttention: [false, true],
    numResBlocks: 1,
    capacityMatrixRows: 100,
    curveOffsetHead: true,
    capacityMatrixLogRms: true,
  },
  'test config',
);
const randomWeights = (model: tf.LayersModel) =>
  model.weights.map((w, i) => tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', 100 + i));

/** A seeded synthetic capacity matrix of `rows` x 100 (no battery data). */
function syntheticMatrix(rows: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([rows * 100], 0, 0.05, 'float32', seed).dataSync() as Float32Array);
}

function denoise(model: tf.LayersModel, matrix: Float32Array, rows: number): Float32Array {
  return tf.tidy(() => {
    const out = model.apply([
      tf.randomNormal([1, 256, 1], 0, 1, 'float32', 7),
      tf.tensor1d([300], 'int32'),
      tf.tensor4d(matrix, [1, rows, 100, 1]),
      tf.ones([1, 32]),
    ]) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}

const maxDifference = (a: Float32Array, b: Float32Array) =>
  a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i]!)), 0);

describe('withCapacityMatrixRows', () => {
  it('gives the 20-row network the 100-row one computes when each row is repeated 5 times', () => {
    const weights = randomWeights(buildDiffBattUNet(config));
    const original = buildDiffBattUNet(config);
    original.setWeights(weights);
    const source = buildDiffBattUNet(config);
    source.setWeights(weights);
    const { model: resized, config: resizedConfig } = withCapacityMatrixRows(source, config, 20);
    expect(resizedConfig).toEqual({ ...config, capacityMatrixRows: 20 });
    expect(resized.inputs[2]!.shape).toEqual([null, 20, 100, 1]);

    const matrix20 = syntheticMatrix(20, 1);
    // Every token 5 times: attention, its group norm and the mean over tokens cannot tell the difference.
    const repeated = new Float32Array(100 * 100);
    for (let row = 0; row < 100; row++)
      repeated.set(matrix20.subarray(Math.floor(row / 5) * 100, Math.floor(row / 5) * 100 + 100), row * 100);
    const fromResized = denoise(resized, matrix20, 20);
    expect(maxDifference(fromResized, denoise(original, repeated, 100))).toBeLessThan(1e-4);
    // The condition does move the output: another 100-row matrix gives another answer.
    expect(maxDifference(fromResized, denoise(original, syntheticMatrix(100, 2), 100))).toBeGreaterThan(1e-2);
    tf.dispose(weights);
  });

  it('returns the same network when the row count already fits, and carries 20 rows to 100', () => {
    const model = buildDiffBattUNet(config);
    expect(withCapacityMatrixRows(model, config, 100).model).toBe(model);
    const twenty = { ...config, capacityMatrixRows: 20 as const };
    const { model: back } = withCapacityMatrixRows(buildDiffBattUNet(twenty), twenty, 100);
    expect(back.inputs[2]!.shape).toEqual([null, 100, 100, 1]);
  });
});
