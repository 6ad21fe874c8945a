import { describe, expect, it } from 'vitest';
import type { KerasLayer, KerasModelMetadata } from './keras-metadata.js';
import { inboundLayers, nameCounter, unetConfigFromKeras } from './unet-config.js';

/**
 * A SYNTHETIC functional config with only the parts the config reader looks at, for a one-level U-Net
 * (no up-sampling) with one residual block per level: 1 down + 2 middle + 2 up blocks, each with its
 * Dense of act(c_t).
 */
function syntheticGraph(options: { attention?: number; approximate?: boolean; rows?: number } = {}) {
  const { attention = 3 + 2, approximate = false, rows = 20 } = options;
  const ref = (name: string) => [[[name, 0, 0, {}]]];
  const layer = (class_name: string, name: string, config: Record<string, unknown>, inbound: unknown = []) =>
    ({ class_name, name, config, inbound_nodes: inbound }) as KerasLayer;
  const shape = (...items: (number | null)[]) => ({ batch_input_shape: { class_name: '__tuple__', items } });
  const layers: KerasLayer[] = [
    layer('InputLayer', 'input', shape(null, 64, 1)),
    layer('InputLayer', 'time_input', shape(null)),
    layer('InputLayer', 'protocol_input', shape(null, rows, 100, 1)),
    layer('InputLayer', 'mask_input', shape(null, 8)),
    layer(
      'Conv1D',
      'conv1d_7',
      { filters: 4, kernel_size: { class_name: '__tuple__', items: [7] } },
      ref('input'),
    ),
    layer('TimeEmbedding', 'time_embedding_1', { dim: 8 }, ref('time_input')),
    layer('Dense', 'dense_10', { units: 8 }, ref('time_embedding_1')),
    layer('Dense', 'dense_11', { units: 8 }, ref('dense_10')),
    layer('GroupNormalization', 'group_normalization_3', { groups: 4 }),
  ];
  for (let block = 0; block < 5; block++) {
    layers.push(
      layer('TFOpLambda', `tf.nn.gelu_${block}`, { function: 'nn.gelu' }, [
        ['dense_11', 0, 0, { approximate }],
      ]),
      layer('Dense', `dense_${20 + block}`, { units: 16 }, ref(`tf.nn.gelu_${block}`)),
    );
  }
  for (let i = 0; i < attention; i++) {
    layers.push(layer('AttentionBlock', `attention_block_${i}`, { units: i === 0 ? 8 : 16, groups: 4 }));
  }
  return {
    modelName: 'unet',
    kerasVersion: '2.15.0',
    inputs: ['input', 'time_input', 'protocol_input', 'mask_input'],
    outputs: ['conv1d_7'],
    layers,
    layerByPath: new Map(),
  } satisfies KerasModelMetadata;
}

describe('unetConfigFromKeras (synthetic graphs)', () => {
  it('reads levels, blocks, widths, attention, stem, groups and input sizes back', () => {
    // Attention: 1 capacity encoder (width 8) + 1 middle + 3 on the level = 5 blocks.
    expect(unetConfigFromKeras(syntheticGraph(), 'm.pb')).toEqual({
      widths: [16],
      hasAttention: [true],
      numResBlocks: 1,
      normGroups: 4,
      firstConvChannels: 4,
      activation: 'gelu',
      sequenceLength: 64,
      capacityMatrixRows: 20,
      embeddingDim: 8,
      // The released networks are the original's: none of this project's additions.
      curveOffsetHead: false,
      capacityMatrixScale: 1,
      capacityMatrixLogRms: false,
      predictionType: 'epsilon',
    });
    expect(unetConfigFromKeras(syntheticGraph({ attention: 2 }), 'm.pb').hasAttention).toEqual([false]);
  });

  it('refuses what this network cannot compute, saying why', () => {
    expect(() => unetConfigFromKeras(syntheticGraph({ approximate: true }), 'm.pb')).toThrow(
      'm.pb: not the DiffBatt U-Net this importer knows: it uses the tanh approximation of GELU; this network computes the exact (erf) GELU',
    );
    expect(() => unetConfigFromKeras(syntheticGraph({ attention: 4 }), 'm.pb')).toThrow(
      /2 attention blocks of width 16 do not fit 1 level\(s\)/,
    );
    expect(() => unetConfigFromKeras(syntheticGraph({ rows: 50 }), 'm.pb')).toThrow(
      /derived config, field "capacityMatrixRows": invalid U-Net config: capacityMatrixRows must be 100 or 20/,
    );
    const threeInputs = { ...syntheticGraph(), inputs: ['input', 'time_input', 'protocol_input'] };
    expect(() => unetConfigFromKeras(threeInputs, 'm.pb')).toThrow(/expected 4 inputs, found 3/);
  });
});

describe('config graph helpers', () => {
  it('reads inbound layers from both Keras layouts, including keyword arguments', () => {
    const layer = (inbound_nodes: unknown[]) => ({ class_name: 'X', name: 'x', config: {}, inbound_nodes });
    expect(
      inboundLayers(
        layer([
          [
            ['a', 0, 0, {}],
            ['b', 0, 0, {}],
          ],
        ]),
      ),
    ).toEqual(['a', 'b']);
    expect(inboundLayers(layer([['mask_input', 0, 0, { y: ['dense_93', 0, 0], name: null }]]))).toEqual([
      'mask_input',
      'dense_93',
    ]);
    expect(inboundLayers(layer([]))).toEqual([]);
  });

  it('reads Keras name counters', () => {
    expect([nameCounter('dense'), nameCounter('dense_12'), nameCounter('tf.nn.gelu_79')]).toEqual([
      0, 12, 79,
    ]);
  });
});
