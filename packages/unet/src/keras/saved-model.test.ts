import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBundle, encodeKerasMetadata } from './fixtures/synthetic.js';
import { readKerasSavedModel } from './saved-model.js';

const syntheticRoot = {
  class_name: 'Functional',
  config: {
    name: 'tiny',
    layers: [{ class_name: 'Dense', name: 'dense_3', config: { units: 2 }, inbound_nodes: [] }],
    input_layers: [['dense_3', 0, 0]],
    output_layers: [['dense_3', 0, 0]],
  },
};

describe('readKerasSavedModel on a synthetic SavedModel directory', () => {
  let root: string;
  const model = () => join(root, 'model');
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'diffbatt-keras-'));
    await mkdir(join(model(), 'variables'), { recursive: true });
    await writeFile(join(model(), 'keras_metadata.pb'), encodeKerasMetadata(syntheticRoot));
    const { index, data } = encodeBundle([
      {
        checkpointKey: 'layer_with_weights-0/bias/x',
        fullName: 'dense_3/bias',
        shape: [2],
        values: Float32Array.of(1, 2),
      },
      {
        checkpointKey: 'layer_with_weights-0/kernel/x',
        fullName: 'dense_3/kernel',
        shape: [1, 2],
        values: Float32Array.of(3, 4),
      },
    ]);
    await writeFile(join(model(), 'variables', 'variables.index'), index);
    await writeFile(join(model(), 'variables', 'variables.data-00000-of-00001'), data);
    await writeFile(join(root, 'file.txt'), 'not a model');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('returns the functional config and every variable by its Keras name', async () => {
    const saved = await readKerasSavedModel(model());
    expect(saved.metadata.modelName).toBe('tiny');
    expect(saved.variables.map((v) => [v.fullName, v.shape, [...v.values]])).toEqual([
      ['dense_3/bias', [2], [1, 2]],
      ['dense_3/kernel', [1, 2], [3, 4]],
    ]);
  });

  it('says what is wrong with a missing directory, a file, and a directory without the model files', async () => {
    await expect(readKerasSavedModel(join(root, 'absent'))).rejects.toThrow(
      `${join(root, 'absent')}: Keras model directory not found`,
    );
    await expect(readKerasSavedModel(join(root, 'file.txt'))).rejects.toThrow(
      /file\.txt: expected a Keras SavedModel directory/,
    );
    await expect(readKerasSavedModel(root)).rejects.toThrow(
      `${join(root, 'keras_metadata.pb')}: cannot read Keras metadata: not found`,
    );
  });
});
