import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError, type DatasetPlugin } from '@diffbatt/core';

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
  // biome-ignore lint/correctness/useYield: replaced by the reader in the datasets issue
  async *load(path) {
    throw new DatasetError('reading tf.data snapshots is not implemented yet', { file: path });
  },
};
