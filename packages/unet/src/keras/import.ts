import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { DiffBattUNetConfig } from '../config.js';
import { buildDiffBattUNet } from '../unet.js';
import { type KerasVariable, readKerasSavedModel } from './saved-model.js';
import { unetConfigFromKeras } from './unet-config.js';
import { assignKerasWeights, mapKerasVariables } from './weight-map.js';

/** Where imported weights came from, recorded beside the saved model (a ModelProvenance). */
export interface KerasImportProvenance {
  [key: string]: string | number | null;
  source: 'keras-savedmodel';
  /**
   * The Keras SavedModel directory as the caller named it: not made absolute, so a saved model names no
   * path of the machine it was imported on (`weightsSha256` identifies the weights wherever they lie).
   */
  kerasDirectory: string;
  /** SHA-256 (hex) of every variable's name and float32 values (little-endian), in checkpoint-key order. */
  weightsSha256: string;
  kerasModelName: string;
  kerasVersion: string | null;
  variables: number;
  parameters: number;
}

export interface KerasImport {
  model: tf.LayersModel;
  config: DiffBattUNetConfig;
  provenance: KerasImportProvenance;
}

/**
 * Imports a Keras SavedModel of the original DiffBatt U-Net (e.g. the released
 * `trained_models/matr_1_ema_network`): reads its config and weights, builds our U-Net of the same shape
 * and fills every weight, refusing with a message naming the variable when something does not map.
 */
export async function importKerasModel(directory: string): Promise<KerasImport> {
  const saved = await readKerasSavedModel(directory);
  const config = unetConfigFromKeras(saved.metadata, join(directory, 'keras_metadata.pb'));
  const variablesDir = join(directory, 'variables');
  const mapped = mapKerasVariables(saved.metadata, saved.variables, variablesDir);
  const model = buildDiffBattUNet(config);
  try {
    assignKerasWeights(model, mapped, variablesDir);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    model,
    config,
    provenance: {
      source: 'keras-savedmodel',
      kerasDirectory: directory,
      weightsSha256: weightsDigest(saved.variables),
      kerasModelName: saved.metadata.modelName,
      kerasVersion: saved.metadata.kerasVersion ?? null,
      variables: saved.variables.length,
      parameters: saved.variables.reduce((n, v) => n + v.values.length, 0),
    },
  };
}

function weightsDigest(variables: readonly KerasVariable[]): string {
  const hash = createHash('sha256');
  for (const variable of variables) {
    hash.update(`${variable.fullName}\0`);
    // The platform's float32 bytes: little-endian on x64 and arm64, where the digests are compared.
    hash.update(
      new Uint8Array(variable.values.buffer, variable.values.byteOffset, variable.values.byteLength),
    );
  }
  return hash.digest('hex');
}
