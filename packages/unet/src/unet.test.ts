import { selectBackend } from '@diffbatt/core/backend';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDiffBattUNet, DiffBattConv1D, DiffBattDense } from './index.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

/**
 * The weighted layers of the released Keras model (trained_models/*_ema_network/keras_metadata.pb), by
 * creation index within their class: Conv1D as filters/kernel/stride (+ "/0" for the zero-initialised
 * ones), Dense units, GroupNormalization indices and AttentionBlock units. Gaps in the Dense and
 * GroupNormalization indices are the attention blocks' sub-layers.
 */
const KERAS_CONV1D = (
  '8/7/1 8/1/1 8/3/1 8/3/1/0 8/3/1 8/3/1/0 8/3/2 16/1/1 16/3/1 16/3/1/0 16/3/1 16/3/1/0 16/3/2 32/1/1 ' +
  '32/3/1 32/3/1/0 32/3/1 32/3/1/0 32/3/2 64/1/1 64/3/1 64/3/1/0 64/3/1 64/3/1/0 64/3/1 64/3/1/0 64/3/1 ' +
  '64/3/1/0 64/1/1 64/3/1 64/3/1/0 64/1/1 64/3/1 64/3/1/0 64/1/1 64/3/1 64/3/1/0 64/3/1 32/1/1 32/3/1 ' +
  '32/3/1/0 32/1/1 32/3/1 32/3/1/0 32/1/1 32/3/1 32/3/1/0 32/3/1 16/1/1 16/3/1 16/3/1/0 16/1/1 16/3/1 ' +
  '16/3/1/0 16/1/1 16/3/1 16/3/1/0 16/3/1 8/1/1 8/3/1 8/3/1/0 8/1/1 8/3/1 8/3/1/0 8/1/1 8/3/1 8/3/1/0 1/7/1/0'
).split(' ');
const KERAS_DENSE_UNITS: [number, number][] = [
  [0, 32],
  [1, 32],
  [2, 32],
  [7, 32],
  [8, 8],
  [9, 8],
  [10, 16],
  [11, 16],
  [12, 32],
  [17, 32],
  [22, 64],
  [27, 64],
  [32, 64],
  [37, 64],
  [38, 64],
  [39, 64],
  [44, 64],
  [45, 64],
  [50, 64],
  [51, 64],
  [56, 32],
  [57, 32],
  [62, 32],
  [63, 32],
  [68, 32],
  [69, 32],
  [74, 16],
  [75, 16],
  [76, 16],
  [77, 16],
  [78, 16],
  [79, 16],
  [80, 8],
  [81, 8],
  [82, 8],
  [83, 8],
  [84, 8],
  [85, 8],
];
const KERAS_ATTENTION_UNITS = [32, 32, 32, 64, 64, 64, 64, 64, 64, 32, 32, 32];
const KERAS_ATTENTION_GROUP_NORM = [0, 11, 14, 17, 20, 23, 28, 31, 34, 37, 40, 43];

/** Keras' name of the n-th layer of a class in a fresh session: `prefix`, `prefix_1`, ... */
const kerasName = (prefix: string, index: number) => (index === 0 ? prefix : `${prefix}_${index}`);

describe('buildDiffBattUNet (default config = the original)', () => {
  const model = buildDiffBattUNet();

  it('has exactly the 478,369 parameters of the released MATR-1 model', () => {
    expect(model.countParams()).toBe(478_369);
  });

  it('has the original layer census: 68 Conv1D, 45 GroupNorm, 38 Dense, 12 attention, 3 UpSampling1D', () => {
    const census = new Map<string, number>();
    for (const layer of model.layers)
      census.set(layer.getClassName(), (census.get(layer.getClassName()) ?? 0) + 1);
    expect(census.get('DiffBattConv1D')).toBe(68);
    expect(census.get('GroupNormalization')).toBe(45);
    expect(census.get('DiffBattDense')).toBe(38);
    expect(census.get('AttentionBlock')).toBe(12);
    expect(census.get('UpSampling1D')).toBe(3);
  });

  it('names every weighted layer as the Keras layer of the same class and creation index', () => {
    const convs = model.layers.filter((layer) => layer instanceof DiffBattConv1D) as DiffBattConv1D[];
    const convSpecs = new Map(
      convs.map((c) => [c.name, `${c.filters}/${c.kernelSize}/${c.strides}${c.kernelScale < 1 ? '/0' : ''}`]),
    );
    expect(convSpecs).toEqual(new Map(KERAS_CONV1D.map((spec, i) => [kerasName('conv1d', i), spec])));

    const denses = model.layers.filter((layer) => layer instanceof DiffBattDense) as DiffBattDense[];
    expect(new Map(denses.map((d) => [d.name, d.units]))).toEqual(
      new Map(KERAS_DENSE_UNITS.map(([i, units]) => [kerasName('dense', i), units])),
    );

    const attention = model.layers.filter((layer) => layer.getClassName() === 'AttentionBlock');
    expect(
      new Map(attention.map((layer) => [layer.name, (layer as unknown as { units: number }).units])),
    ).toEqual(new Map(KERAS_ATTENTION_UNITS.map((units, i) => [kerasName('attention_block', i), units])));
    // Top-level group norms skip the indices the attention blocks' own norms took in Keras.
    const groupNorms = model.layers
      .filter((l) => l.getClassName() === 'GroupNormalization')
      .map((l) => l.name);
    const expected = Array.from({ length: 57 }, (_, i) => i)
      .filter((i) => !KERAS_ATTENTION_GROUP_NORM.includes(i))
      .map((i) => kerasName('group_normalization', i));
    expect(new Set(groupNorms)).toEqual(new Set(expected));
  });

  it('produces, layer by layer, the shapes each layer declares; lengths 256 -> 32 -> 256', () => {
    const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
    const probe = tf.model({
      inputs: model.inputs,
      outputs: layers.map((layer) => layer.output as tf.SymbolicTensor),
    });
    const batch = 2;
    const outputs = probe.apply([
      tf.randomNormal([batch, 256, 1]),
      tf.tensor1d([3, 999], 'int32'),
      tf.randomNormal([batch, 100, 100, 1]),
      tf.ones([batch, 32]),
    ]) as tf.Tensor[];
    layers.forEach((layer, i) => {
      const declared = (layer.outputShape as number[]).slice(1);
      expect([layer.name, outputs[i]!.shape]).toEqual([layer.name, [batch, ...declared]]);
    });
    const shapeOf = (name: string) => model.getLayer(name).outputShape;
    expect(shapeOf('conv1d')).toEqual([null, 256, 8]);
    expect(shapeOf('concatenate')).toEqual([null, 256, 16]);
    expect([shapeOf('conv1d_6'), shapeOf('conv1d_12'), shapeOf('conv1d_18')]).toEqual([
      [null, 128, 8],
      [null, 64, 16],
      [null, 32, 32],
    ]);
    expect(shapeOf('time_embedding')).toEqual([null, 32]);
    expect(shapeOf('dense_7')).toEqual([null, 32]);
    expect(model.outputs[0]!.shape).toEqual([null, 256, 1]);
    tf.dispose(outputs);
  });
});

describe('buildDiffBattUNet config', () => {
  it('builds the 20-row capacity-matrix variant (SNL, CRUSH) with the same parameters', () => {
    const model = buildDiffBattUNet({ capacityMatrixRows: 20 });
    expect(model.inputs[2]!.shape).toEqual([null, 20, 100, 1]);
    expect(model.countParams()).toBe(478_369);
    const out = model.apply([
      tf.zeros([1, 256, 1]),
      tf.tensor1d([5], 'int32'),
      tf.zeros([1, 20, 100, 1]),
      tf.zeros([1, 32]),
    ]) as tf.Tensor;
    expect(out.shape).toEqual([1, 256, 1]);
    out.dispose();
  });

  it('builds a smaller swish variant that runs', () => {
    const model = buildDiffBattUNet({
      widths: [8, 16],
      hasAttention: [false, true],
      activation: 'swish',
      sequenceLength: 32,
    });
    const out = model.apply([
      tf.randomNormal([2, 32, 1]),
      tf.tensor1d([1, 2], 'int32'),
      tf.zeros([2, 100, 100, 1]),
      tf.ones([2, 32]),
    ]) as tf.Tensor;
    expect(out.shape).toEqual([2, 32, 1]);
    expect(model.layers.filter((l) => l.getClassName() === 'AttentionBlock')).toHaveLength(1 + 2 + 3 + 1);
    out.dispose();
  });

  it('names the bad field in validation errors', () => {
    expect(() => buildDiffBattUNet({ widths: [8, 12], hasAttention: [false, false] })).toThrow(
      /field "widths".*width 12 is not divisible by normGroups 8/,
    );
    expect(() => buildDiffBattUNet({ widths: [8, 16], hasAttention: [true] })).toThrow(
      /field "hasAttention"/,
    );
    expect(() => buildDiffBattUNet({ capacityMatrixRows: 50 as 100 })).toThrow(
      /field "capacityMatrixRows".*100 or 20/,
    );
    expect(() => buildDiffBattUNet({ sequenceLength: 100 })).toThrow(
      /field "sequenceLength".*divisible by 8/,
    );
    expect(() => buildDiffBattUNet({ activation: 'relu' as 'gelu' })).toThrow(/field "activation"/);
    expect(() => buildDiffBattUNet({ numResBlocks: 1.5 })).toThrow(/field "numResBlocks"/);
    expect(() => buildDiffBattUNet({ bogus: 1 } as object)).toThrow(/field "bogus"/);
  });

  it('is reproducible for a seed and differs between seeds', () => {
    const kernelOf = (seed: number) =>
      buildDiffBattUNet({}, { seed }).getLayer('conv1d_2').getWeights()[0]!.dataSync();
    expect(kernelOf(7)).toEqual(kernelOf(7));
    expect(kernelOf(7)).not.toEqual(kernelOf(8));
  });
});
