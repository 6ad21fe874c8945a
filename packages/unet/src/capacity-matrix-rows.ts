import { DiffBattError } from '@diffbatt/core';
import type * as tf from '@tensorflow/tfjs';
import type { DiffBattUNetConfig } from './config.js';
import { buildDiffBattUNet } from './unet.js';

/**
 * The same network for capacity matrices of another row count (100 cycles <-> 20 cycles). The capacity
 * encoder reads the matrix as R tokens (Dense per token, self-attention over the tokens, mean over them),
 * so no weight depends on R: the weights carry over unchanged and only the input shape changes. This is
 * what lets a 100x100 foundation fine-tune on the 20-row SNL and CRUSH sets. Returns the inputs when the
 * row count already matches; otherwise disposes `model` and returns a rebuilt one.
 */
export function withCapacityMatrixRows(
  model: tf.LayersModel,
  config: DiffBattUNetConfig,
  rows: DiffBattUNetConfig['capacityMatrixRows'],
): { model: tf.LayersModel; config: DiffBattUNetConfig } {
  if (config.capacityMatrixRows === rows) return { model, config };
  const resized: DiffBattUNetConfig = { ...config, capacityMatrixRows: rows };
  const rebuilt = buildDiffBattUNet(resized);
  // Guards the claim above: a future layer whose weights depended on R would fail here, not train wrong.
  const sameShapes =
    rebuilt.weights.length === model.weights.length &&
    rebuilt.weights.every((w, i) => w.shape.join('x') === model.weights[i]!.shape.join('x'));
  if (!sameShapes) {
    rebuilt.dispose();
    throw new DiffBattError(
      `cannot carry the network over to ${rows}-row capacity matrices: its weights differ in shape`,
    );
  }
  rebuilt.setWeights(model.getWeights());
  model.dispose();
  return { model: rebuilt, config: resized };
}
