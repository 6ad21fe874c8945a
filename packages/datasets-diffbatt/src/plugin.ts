import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { assertValidSample, DatasetError, type DatasetPlugin, isDiffBattError } from '@diffbatt/core';
import { readDiffBattSplit } from './snapshot.js';

/** The original DiffBatt processed splits: tf.data save directories with `snapshot.metadata`. */
export const diffbattDatasetPlugin: DatasetPlugin = {
  specificationVersion: 1,
  id: 'diffbatt',
  description: 'Original DiffBatt processed splits (SOH curves + capacity matrices)',
  recognises: 'a tf.data save directory holding snapshot.metadata and dataset_spec.pb (e.g. matr_1_test_ds)',
  async detect(path) {
    try {
      await access(join(path, 'snapshot.metadata'));
      return true;
    } catch {
      return false;
    }
  },
  async *load(path, options) {
    for (const sample of await readDiffBattSplit(path, options)) {
      try {
        assertValidSample(sample);
      } catch (error) {
        if (isDiffBattError(error)) throw new DatasetError(error.message, { file: path });
        throw error;
      }
      yield { kind: 'sample', sample };
    }
  },
};
