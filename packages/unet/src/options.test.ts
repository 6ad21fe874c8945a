import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@diffbatt/core/backend';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDiffBattUNet,
  CapacityMatrixLogRms,
  loadDiffBattModel,
  parseUNetConfig,
  saveDiffBattModel,
} from './index.js';

// Options that are not in the original network (curveOffsetHead, capacityMatrixScale), on a small variant.
const SMALL = { widths: [8, 16], hasAttention: [false, true], sequenceLength: 32 };
let root: string;

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'diffbatt-unet-options-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

/** Synthetic inputs: noisy curves, timesteps, capacity matrices of the data's ~0.015 Ah scale, masks. */
function inputs(matrixScale = 1): tf.Tensor[] {
  return [
    tf.randomNormal([2, 32, 1], 0, 1, 'float32', 1),
    tf.tensor1d([3, 700], 'int32'),
    tf.randomNormal([2, 100, 100, 1], 0, 0.015 * matrixScale, 'float32', 2),
    tf.tensor2d([Array(32).fill(1), Array(32).fill(0)]),
  ];
}

const randomise = (model: tf.LayersModel) => {
  for (const [i, weight] of model.weights.entries())
    weight.write(tf.randomNormal(weight.shape as number[], 0, 0.1, 'float32', 100 + i));
};

describe('U-Net options beyond the original', () => {
  it('leaves the default network unchanged (no extra layers or weights)', () => {
    expect(parseUNetConfig({})).toMatchObject({
      curveOffsetHead: false,
      capacityMatrixScale: 1,
      capacityMatrixLogRms: false,
    });
    const names = buildDiffBattUNet().layers.map((l) => l.getClassName());
    expect(names).not.toContain('Rescaling');
    expect(names.filter((n) => n === 'GlobalAveragePooling1D')).toHaveLength(1); // the encoder's
  });

  it('curveOffsetHead starts as a zero offset and adds one constant per curve once trained', () => {
    const plain = buildDiffBattUNet(SMALL, { seed: 5 });
    const headed = buildDiffBattUNet({ ...SMALL, curveOffsetHead: true }, { seed: 5 });
    expect(headed.countParams() - plain.countParams()).toBe((8 + 32 + 32) * 32 + 32 + 32 + 1);
    const x = inputs();
    const offsetOf = (model: tf.LayersModel) => {
      const offsetLayer = model.layers.at(-1)!;
      const body = tf.model({ inputs: model.inputs, outputs: offsetLayer.input as tf.SymbolicTensor[] });
      return body.predict(x) as tf.Tensor[];
    };
    // Fresh: the head's last Dense starts at (nearly) zero, as the original's zero-initialised layers.
    expect(Math.max(...offsetOf(headed)[1]!.dataSync().map(Math.abs))).toBeLessThan(1e-4);
    randomise(headed);
    const [withoutOffset, offset] = offsetOf(headed);
    const out = headed.apply(x) as tf.Tensor;
    const difference = tf.sub(out, withoutOffset!).arraySync() as number[][][];
    const expected = offset!.arraySync() as number[][];
    for (const [row, curve] of difference.entries()) {
      expect(Math.abs(expected[row]![0]!)).toBeGreaterThan(1e-3);
      for (const [point] of curve) expect(point).toBeCloseTo(expected[row]![0]!, 5);
    }
  });

  it('capacityMatrixScale multiplies the matrix before the encoder, and survives save/load', async () => {
    const scaled = buildDiffBattUNet({ ...SMALL, capacityMatrixScale: 64 }, { seed: 2 });
    const plain = buildDiffBattUNet(SMALL, { seed: 2 });
    randomise(scaled);
    plain.setWeights(scaled.getWeights());
    const rescaling = scaled.layers.find((l) => l.getClassName() === 'Rescaling')!;
    const toRescaled = tf.model({ inputs: scaled.inputs, outputs: rescaling.output as tf.SymbolicTensor });
    const matrix = inputs()[2]!;
    const rescaled = (toRescaled.predict(inputs()) as tf.Tensor).dataSync();
    for (const [i, v] of matrix.dataSync().entries()) expect(rescaled[i]).toBeCloseTo(64 * v, 6);
    const onScaled = (scaled.apply(inputs()) as tf.Tensor).dataSync();
    const onPreScaled = (plain.apply(inputs(64)) as tf.Tensor).dataSync();
    for (const [i, v] of onScaled.entries()) expect(v).toBeCloseTo(onPreScaled[i]!, 5);

    const config = parseUNetConfig({ ...SMALL, capacityMatrixScale: 64, curveOffsetHead: true });
    const model = buildDiffBattUNet(config, { seed: 2 });
    randomise(model);
    await saveDiffBattModel(model, join(root, 'm'), { config, provenance: {} });
    const loaded = await loadDiffBattModel(join(root, 'm'));
    expect(loaded.config).toEqual(config);
    expect(Array.from((loaded.model.apply(inputs()) as tf.Tensor).dataSync())).toEqual(
      Array.from((model.apply(inputs()) as tf.Tensor).dataSync()),
    );
  });

  it('capacityMatrixLogRms feeds ln(RMS) of each matrix to the encoder, finite for a zero matrix', async () => {
    const matrix = inputs()[2]!;
    const logRms = new CapacityMatrixLogRms({}).apply(tf.concat([matrix, tf.zerosLike(matrix)])) as tf.Tensor;
    expect(logRms.shape).toEqual([4, 1]);
    const values = matrix.dataSync();
    const perCell = values.length / 2;
    for (let cell = 0; cell < 2; cell++) {
      let sumOfSquares = 0;
      for (let i = cell * perCell; i < (cell + 1) * perCell; i++) sumOfSquares += values[i]! ** 2;
      expect(logRms.dataSync()[cell]).toBeCloseTo(Math.log(Math.sqrt(sumOfSquares / perCell)), 4);
    }
    expect(logRms.dataSync()[2]).toBeCloseTo(0.5 * Math.log(1e-12), 4);

    const plain = buildDiffBattUNet(SMALL, { seed: 3 });
    const config = parseUNetConfig({ ...SMALL, capacityMatrixLogRms: true });
    const withLogRms = buildDiffBattUNet(config, { seed: 3 });
    // One more input of the encoder's last Dense: one more row of E weights.
    expect(withLogRms.countParams() - plain.countParams()).toBe(32);
    randomise(withLogRms);
    // The same pattern at another size is another condition c_q (the mask multiplies c_q).
    const maskTimesCondition = withLogRms.layers.find((l) => l.getClassName() === 'Multiply')!;
    const encoder = tf.model({
      inputs: withLogRms.inputs,
      outputs: (maskTimesCondition.input as tf.SymbolicTensor[])[1]!,
    });
    const conditionOf = (scale: number) =>
      (
        encoder.predict([...inputs().slice(0, 2), tf.mul(inputs()[2]!, scale), inputs()[3]!]) as tf.Tensor
      ).dataSync();
    const [once, doubled] = [conditionOf(1), conditionOf(2)];
    expect(once.some((v, i) => Math.abs(v - doubled[i]!) > 1e-2)).toBe(true);
    const out = (withLogRms.apply(inputs()) as tf.Tensor).dataSync();
    await saveDiffBattModel(withLogRms, join(root, 'log-rms'), { config, provenance: {} });
    const loaded = await loadDiffBattModel(join(root, 'log-rms'));
    expect(loaded.config).toEqual(config);
    expect(Array.from((loaded.model.apply(inputs()) as tf.Tensor).dataSync())).toEqual(Array.from(out));
  });

  it('refuses a scale that is not a finite positive number, naming the field', () => {
    expect(() => parseUNetConfig({ capacityMatrixScale: 0 })).toThrow(/field "capacityMatrixScale"/);
    expect(parseUNetConfig({}).predictionType).toBe('epsilon');
    expect(parseUNetConfig({ predictionType: 'v' }).predictionType).toBe('v');
    expect(() => parseUNetConfig({ predictionType: 'x0' })).toThrow(/field "predictionType"/);
    expect(() => parseUNetConfig({ capacityMatrixScale: Number.POSITIVE_INFINITY })).toThrow(
      /field "capacityMatrixScale".*finite/,
    );
    expect(() => parseUNetConfig({ curveOffsetHead: 'yes' })).toThrow(/field "curveOffsetHead"/);
    expect(() => parseUNetConfig({ capacityMatrixLogRms: 1 })).toThrow(/field "capacityMatrixLogRms"/);
  });
});
