import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KerasLayer, KerasModelMetadata } from './keras-metadata.js';
import type { KerasVariable } from './saved-model.js';
import { assignKerasWeights, mapKerasVariables, modelWeightsByName } from './weight-map.js';

/**
 * A SYNTHETIC Keras model in the shape of the released ones: layer counters offset by an earlier model
 * in the same session (dense_86, ...), and an attention block whose sub-layers are only known through
 * the object paths of the Keras metadata.
 */
const layer = (class_name: string, name: string): KerasLayer => ({
  class_name,
  name,
  config: {},
  inbound_nodes: [],
});
const syntheticMetadata: KerasModelMetadata = {
  modelName: 'unet',
  kerasVersion: '2.15.0',
  inputs: ['input'],
  outputs: ['dense_88'],
  layers: [
    layer('InputLayer', 'input'),
    layer('Dense', 'dense_87'),
    layer('Dense', 'dense_86'),
    layer('AttentionBlock', 'attention_block_13'),
    layer('Dense', 'dense_92'),
    layer('TFOpLambda', 'tf.nn.gelu_79'),
  ],
  layerByPath: new Map([
    ['root.layer_with_weights-0', { name: 'dense_87', className: 'Dense' }],
    ['root.layer_with_weights-1', { name: 'dense_86', className: 'Dense' }],
    ['root.layer_with_weights-2', { name: 'attention_block_13', className: 'AttentionBlock' }],
    ['root.layer_with_weights-2.norm', { name: 'group_normalization_68', className: 'GroupNormalization' }],
    ['root.layer_with_weights-2.query', { name: 'dense_90', className: 'Dense' }],
    ['root.layer_with_weights-2.proj', { name: 'dense_91', className: 'Dense' }],
    ['root.layer_with_weights-3', { name: 'dense_92', className: 'Dense' }],
  ]),
};

const variable = (fullName: string, shape: number[], start = 0): KerasVariable => ({
  fullName,
  checkpointKey: `synthetic/${fullName}`,
  shape,
  values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i),
});

describe('mapKerasVariables (synthetic metadata)', () => {
  it('renames layers to fresh-session Keras names per class, attention sub-layers by role', () => {
    const mapped = mapKerasVariables(
      syntheticMetadata,
      [
        variable('dense_86/kernel', [2, 2]),
        variable('dense_87/bias', [2]),
        variable('attention_block_13/group_normalization_68/gamma', [2]),
        variable('attention_block_13/dense_90/kernel', [2, 2]),
        variable('attention_block_13/dense_91/bias', [2]),
        variable('dense_92/kernel', [2, 2]),
      ],
      'synthetic',
    );
    // dense_86 < dense_87 < dense_90 (query) < dense_91 (proj) < dense_92: the sub-layers take ranks 2, 3.
    expect(mapped.map((m) => [m.variable.fullName, m.target])).toEqual([
      ['dense_86/kernel', 'dense/kernel'],
      ['dense_87/bias', 'dense_1/bias'],
      ['attention_block_13/group_normalization_68/gamma', 'attention_block/norm/gamma'],
      ['attention_block_13/dense_90/kernel', 'attention_block/query/kernel'],
      ['attention_block_13/dense_91/bias', 'attention_block/proj/bias'],
      ['dense_92/kernel', 'dense_4/kernel'],
    ]);
  });

  it('refuses a variable of no layer, a sub-layer the metadata does not know, and renamed layers', () => {
    expect(() => mapKerasVariables(syntheticMetadata, [variable('conv1d_5/kernel', [1])], 'v')).toThrow(
      'v: Keras variable "conv1d_5/kernel" belongs to no weighted layer of the model config',
    );
    expect(() =>
      mapKerasVariables(syntheticMetadata, [variable('attention_block_13/dense_99/kernel', [1])], 'v'),
    ).toThrow(
      'v: Keras variable "attention_block_13/dense_99/kernel" names sub-layer "dense_99" that "attention_block_13" lacks',
    );
    const renamed = {
      ...syntheticMetadata,
      layers: [...syntheticMetadata.layers, layer('Dense', 'time_mlp')],
    };
    expect(() => mapKerasVariables(renamed, [], 'v')).toThrow(
      /layer "time_mlp" \(Dense\) does not have a Keras auto-generated name \(dense, dense_<n>\)/,
    );
  });
});

describe('assignKerasWeights into a small tfjs model', () => {
  let model: tf.LayersModel;
  beforeAll(() => {
    const input = tf.input({ shape: [2] });
    const hidden = tf.layers.dense({ name: 'dense', units: 3 }).apply(input) as tf.SymbolicTensor;
    model = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ name: 'dense_1', units: 1 }).apply(hidden) as tf.SymbolicTensor,
    });
  });
  afterAll(() => model.dispose());
  const all = () => [
    { target: 'dense/kernel', variable: variable('dense_86/kernel', [2, 3]) },
    { target: 'dense/bias', variable: variable('dense_86/bias', [3], 10) },
    { target: 'dense_1/kernel', variable: variable('dense_87/kernel', [3, 1], 20) },
    { target: 'dense_1/bias', variable: variable('dense_87/bias', [1], 30) },
  ];

  it('writes every value into the weight of the same layer-relative name', () => {
    assignKerasWeights(model, all(), 'v');
    const weights = modelWeightsByName(model);
    expect([...weights.get('dense/kernel')!.read().dataSync()]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...weights.get('dense_1/bias')!.read().dataSync()]).toEqual([30]);
  });

  it('refuses, before writing anything, a shape mismatch, a missing target and an unfilled weight', () => {
    const wrongShape = all();
    wrongShape[2] = { target: 'dense_1/kernel', variable: variable('dense_87/kernel', [1, 3], 99) };
    expect(() => assignKerasWeights(model, wrongShape, 'v')).toThrow(
      'v: Keras variable "dense_87/kernel" has shape [1,3] but U-Net weight "dense_1/kernel" has [3,1]',
    );
    expect([...modelWeightsByName(model).get('dense/bias')!.read().dataSync()]).toEqual([10, 11, 12]);
    const unknown = [...all(), { target: 'dense_2/bias', variable: variable('dense_88/bias', [1]) }];
    expect(() => assignKerasWeights(model, unknown, 'v')).toThrow(
      'v: Keras variable "dense_88/bias" maps to "dense_2/bias", which the U-Net does not have',
    );
    expect(() => assignKerasWeights(model, all().slice(1), 'v')).toThrow(
      'v: U-Net weight(s) dense/kernel have no Keras variable',
    );
  });
});
