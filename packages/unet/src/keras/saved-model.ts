import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DiffBattError } from '@diffbatt/core';
import { type KerasModelMetadata, parseKerasMetadata } from './keras-metadata.js';
import { OBJECT_GRAPH_KEY, parseObjectGraph, variableNamesByKey } from './object-graph.js';
import { readFileOrFail, readTensorBundle } from './tensor-bundle.js';

/** One saved weight, named as Keras named it (`conv1d_68/kernel`, `attention_block_13/dense_99/bias`). */
export interface KerasVariable {
  fullName: string;
  checkpointKey: string;
  shape: number[];
  values: Float32Array;
}

export interface KerasSavedModel {
  directory: string;
  metadata: KerasModelMetadata;
  /** Every float32 variable of the checkpoint, in checkpoint-key order. */
  variables: KerasVariable[];
}

/**
 * Reads the pieces of a Keras SavedModel directory that hold the network: `keras_metadata.pb` (the
 * functional config) and `variables/variables.{index,data-*}` (the weights). `saved_model.pb` (the
 * traced graph) is not needed.
 */
export async function readKerasSavedModel(directory: string): Promise<KerasSavedModel> {
  const info = await stat(directory).catch(() => undefined);
  if (info === undefined) throw new DiffBattError('Keras model directory not found', { file: directory });
  if (!info.isDirectory()) {
    throw new DiffBattError('expected a Keras SavedModel directory (with keras_metadata.pb and variables/)', {
      file: directory,
    });
  }
  const metadataFile = join(directory, 'keras_metadata.pb');
  const metadata = parseKerasMetadata(await readFileOrFail(metadataFile, 'Keras metadata'), metadataFile);
  const prefix = join(directory, 'variables', 'variables');
  const bundle = await readTensorBundle(prefix);
  if (!bundle.entries.has(OBJECT_GRAPH_KEY)) {
    throw new DiffBattError(`no ${OBJECT_GRAPH_KEY} entry: cannot tell which layer each weight belongs to`, {
      file: `${prefix}.index`,
    });
  }
  const graphBytes = bundle.readStrings(OBJECT_GRAPH_KEY)[0];
  if (graphBytes === undefined) {
    throw new DiffBattError(`${OBJECT_GRAPH_KEY} is an empty tensor`, { file: `${prefix}.index` });
  }
  const names = variableNamesByKey(parseObjectGraph(graphBytes, `${prefix}.index (${OBJECT_GRAPH_KEY})`));
  const variables: KerasVariable[] = [];
  for (const entry of bundle.entries.values()) {
    if (entry.key === OBJECT_GRAPH_KEY) continue;
    const fullName = names.get(entry.key);
    if (fullName === undefined) {
      throw new DiffBattError(`checkpoint key "${entry.key}" has no variable name in the object graph`, {
        file: `${prefix}.index`,
      });
    }
    variables.push({
      fullName,
      checkpointKey: entry.key,
      shape: entry.shape,
      values: bundle.readFloat32(entry.key),
    });
  }
  return { directory, metadata, variables };
}
