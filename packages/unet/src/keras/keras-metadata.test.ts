import { describe, expect, it } from 'vitest';
import { encodeKerasMetadata, pb } from './fixtures/synthetic.js';
import { parseKerasMetadata } from './keras-metadata.js';

const syntheticFunctional = {
  name: 'unet',
  class_name: 'Functional',
  keras_version: '2.14.0',
  config: {
    name: 'unet',
    layers: [
      {
        class_name: 'InputLayer',
        name: 'input',
        config: { batch_input_shape: [null, 256, 1] },
        inbound_nodes: [],
      },
      {
        class_name: 'Conv1D',
        name: 'conv1d_68',
        config: { filters: 8 },
        inbound_nodes: [[['input', 0, 0, {}]]],
      },
    ],
    input_layers: [['input', 0, 0]],
    output_layers: [['conv1d_68', 0, 0]],
  },
};

describe('keras_metadata.pb (synthetic)', () => {
  it('extracts the functional config and the saved layers by object path', () => {
    const bytes = encodeKerasMetadata(syntheticFunctional, [
      { path: 'root.layer_with_weights-0', name: 'conv1d_68' },
      { path: 'root.layer_with_weights-1.query', name: 'dense_99' },
    ]);
    const meta = parseKerasMetadata(bytes, 'keras_metadata.pb');
    expect(meta.modelName).toBe('unet');
    expect(meta.kerasVersion).toBe('2.14.0');
    expect(meta.inputs).toEqual(['input']);
    expect(meta.outputs).toEqual(['conv1d_68']);
    expect(meta.layers.map((l) => [l.class_name, l.name])).toEqual([
      ['InputLayer', 'input'],
      ['Conv1D', 'conv1d_68'],
    ]);
    expect(meta.layerByPath.get('root.layer_with_weights-1.query')).toEqual({
      name: 'dense_99',
      className: 'Dense',
    });
  });

  it('refuses metadata without a root, a root that is not a functional model, and broken JSON', () => {
    const noRoot = pb.message(1, pb.bytes(3, 'root.layer-0'), pb.bytes(5, '{}'));
    expect(() => parseKerasMetadata(noRoot, 'm.pb')).toThrow(
      'm.pb: no "root" object in the Keras metadata (not a keras_metadata.pb?)',
    );
    const sequential = encodeKerasMetadata({ ...syntheticFunctional, class_name: 'Sequential' });
    expect(() => parseKerasMetadata(sequential, 'm.pb')).toThrow(
      /the root object is not a Keras functional model: /,
    );
    const missingLayers = encodeKerasMetadata({ class_name: 'Functional', config: { name: 'x' } });
    expect(() => parseKerasMetadata(missingLayers, 'm.pb')).toThrow(/config\.layers must be an array/);
    const nameless = encodeKerasMetadata(syntheticFunctional, [
      { path: 'root.layer-0', name: 7 as unknown as string },
    ]);
    expect(() => parseKerasMetadata(nameless, 'm.pb')).toThrow(
      /metadata of layer "root.layer-0": name must be a string/,
    );
    const broken = pb.message(1, pb.bytes(3, 'root'), pb.bytes(5, '{"class_name": '));
    expect(() => parseKerasMetadata(broken, 'm.pb')).toThrow(/metadata of "root" is not valid JSON/);
  });
});
