import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpyFloat32 } from '@diffbatt/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDiffBattUNet } from '../unet.js';
import { compareWithGolden } from './golden.js';

/** SYNTHETIC golden files: a small U-Net's own outputs, one of them perturbed by a known amount. */
const config = {
  widths: [8, 16],
  hasAttention: [false, true],
  numResBlocks: 1,
  sequenceLength: 16,
  capacityMatrixRows: 20 as const,
  embeddingDim: 8,
};
const batch = 2;

describe('compareWithGolden (synthetic golden files)', () => {
  let dir: string;
  let model: tf.LayersModel;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'diffbatt-golden-'));
    model = buildDiffBattUNet(config, { seed: 5 });
    const curve = Float32Array.from({ length: batch * 16 }, (_, i) => Math.sin(i));
    const matrix = Float32Array.from({ length: batch * 20 * 100 }, (_, i) => Math.cos(i) * 1e-2);
    const outputs = [1, 0].map((maskValue) =>
      tf.tidy(
        () =>
          (
            model.predict([
              tf.tensor(curve, [batch, 16, 1]),
              tf.tensor1d([4, 900], 'int32'),
              tf.tensor(matrix, [batch, 20, 100, 1]),
              tf.fill([batch, 8], maskValue),
            ]) as tf.Tensor
          ).dataSync() as Float32Array,
      ),
    );
    outputs[1]![7] = outputs[1]![7]! + 0.25;
    const write = (name: string, data: Float32Array, shape: number[]) =>
      writeFile(join(dir, name), encodeNpyFloat32(data, shape));
    await write('x_t.npy', curve, [batch, 16, 1]);
    await write('t.npy', Float32Array.of(4, 900), [batch]);
    await write('capacity_matrix.npy', matrix, [batch, 20, 100, 1]);
    await write('eps_cond.npy', outputs[0]!, [batch, 16, 1]);
    await write('eps_uncond.npy', outputs[1]!, [batch, 16, 1]);
  });
  afterAll(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('measures the largest difference of each output', async () => {
    const errors = await compareWithGolden(model, dir);
    expect(errors.batch).toBe(batch);
    expect(errors.conditional).toBeLessThan(1e-6);
    expect(errors.unconditional).toBeCloseTo(0.25, 5);
  });

  it('names the golden file that is missing or does not fit the model', async () => {
    const other = buildDiffBattUNet({ ...config, capacityMatrixRows: 100 });
    try {
      await expect(compareWithGolden(other, dir)).rejects.toThrow(
        `${join(dir, 'capacity_matrix.npy')}: shape (${[batch, 20, 100, 1]}) does not fit the model, expected (2,100,100,1)`,
      );
    } finally {
      other.dispose();
    }
    await expect(compareWithGolden(model, join(dir, 'absent'))).rejects.toThrow(
      `${join(dir, 'absent', 'x_t.npy')}: cannot read golden file: not found`,
    );
  });
});
