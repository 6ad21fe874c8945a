import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import { readKerasSavedModel } from './saved-model.js';

const modelsDir = sharedPath('data', 'diffbatt', 'trained_models');
const released = readdirSync(modelsDir).sort();

describe('readKerasSavedModel on the released DiffBatt models', () => {
  it('finds every released model', () => {
    expect(released).toEqual([
      'clo_ema_network',
      'cruh_ema_network',
      'crush_ema_network',
      'matr_1_ema_network',
      'matr_1_network',
      'matr_2_ema_network',
      'mix_ema_network',
      'snl_ema_network',
    ]);
  });

  it.each(released)('%s: reads the config and 422 variables holding 478,369 weights', async (name) => {
    const saved = await readKerasSavedModel(join(modelsDir, name));
    expect(saved.metadata.inputs).toEqual(['input', 'time_input', 'protocol_input', 'mask_input']);
    expect(saved.metadata.layers).toHaveLength(368);
    expect(saved.variables).toHaveLength(422);
    const count = saved.variables.reduce((n, v) => n + v.values.length, 0);
    // The capacity-matrix encoder's Dense sees 100 voltage points per row in every model, so the
    // parameter count does not depend on the matrix rows.
    expect(count).toBe(478_369);
    for (const v of saved.variables) {
      expect(v.values.length).toBe(v.shape.reduce((a, b) => a * b, 1));
      expect(Number.isFinite(v.values.reduce((a, b) => a + b, 0))).toBe(true);
    }
  });

  it('matr_1_ema: names and shapes match the functional config (first conv, attention internals)', async () => {
    const saved = await readKerasSavedModel(join(modelsDir, 'matr_1_ema_network'));
    const byName = new Map(saved.variables.map((v) => [v.fullName, v]));
    expect(byName.get('conv1d_68/kernel')?.shape).toEqual([7, 1, 8]);
    expect(byName.get('conv1d_135/kernel')?.shape).toEqual([7, 8, 1]);
    expect(byName.get('attention_block_13/group_normalization_68/gamma')?.shape).toEqual([32]);
    expect(byName.get('dense_88/kernel')?.shape).toEqual([100, 32]);
    expect(saved.metadata.layerByPath.get('root.layer_with_weights-33.query')).toEqual({
      name: 'dense_99',
      className: 'Dense',
    });
    // Values read independently with NumPy from the data file (offset 224, the stem conv's bias).
    const bias = [0.04621501266956329, -0.04963763430714607, -0.12384557723999023, 0.09766843169927597];
    expect([...byName.get('conv1d_68/bias')!.values.subarray(0, 4)]).toEqual(bias);
  });
});
