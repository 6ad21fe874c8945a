import * as tf from '@tensorflow/tfjs';
import { registerFusedKernels } from '../kernels.js';
import { AttentionBlock } from './attention.js';
import { CapacityMatrixLogRms } from './capacity-matrix-log-rms.js';
import { DiffBattConv1D } from './conv1d.js';
import { DiffBattDense } from './dense.js';
import { ChannelConcat, ChannelScaleShift, DiffBattActivation, UpSampling1D } from './elementwise.js';
import { PositionalEncoding1D, TimeEmbedding } from './embeddings.js';
import { GroupNormalization } from './group-normalization.js';

/** Every custom layer class a saved U-Net may contain. */
export const DIFFBATT_LAYER_CLASSES = [
  AttentionBlock,
  CapacityMatrixLogRms,
  ChannelConcat,
  ChannelScaleShift,
  DiffBattActivation,
  DiffBattConv1D,
  DiffBattDense,
  GroupNormalization,
  PositionalEncoding1D,
  TimeEmbedding,
  UpSampling1D,
] as const;

let registered = false;

/**
 * Registers the custom layers with tfjs' serialisation map so `tf.loadLayersModel` can rebuild them.
 * Explicit (not a module side effect) and idempotent; building or loading a model calls it.
 */
export function registerDiffBattLayers(): void {
  if (registered) return;
  registerFusedKernels();
  for (const layerClass of DIFFBATT_LAYER_CLASSES) tf.serialization.registerClass(layerClass);
  registered = true;
}
