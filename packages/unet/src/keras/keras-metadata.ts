import { DiffBattError, ProtoMessage } from '@diffbatt/core';
import { type } from 'arktype';

/**
 * `keras_metadata.pb` of a Keras SavedModel: a SavedMetadata protobuf with one node per saved object
 * (`root`, `root.layer_with_weights-3`, `root.layer_with_weights-33.query`, ...), each carrying the
 * object's Keras JSON metadata. The root's JSON holds the functional model config (layers, their
 * configs and inbound nodes).
 */

const kerasLayer = type({
  class_name: 'string',
  name: 'string',
  config: 'Record<string, unknown>',
  inbound_nodes: 'unknown[]',
});
export type KerasLayer = typeof kerasLayer.infer;

const tensorReference = type(['string', 'number', 'number']);

const functionalModel = type({
  class_name: "'Functional'",
  config: {
    name: 'string',
    layers: kerasLayer.array(),
    input_layers: tensorReference.array(),
    output_layers: tensorReference.array(),
  },
  'keras_version?': 'string',
});

export interface KerasModelMetadata {
  modelName: string;
  kerasVersion: string | undefined;
  layers: KerasLayer[];
  /** Names of the model inputs and outputs, in order. */
  inputs: string[];
  outputs: string[];
  /** Every saved Keras layer by its object path, e.g. `root.layer_with_weights-33.query` -> dense_99. */
  layerByPath: Map<string, SavedLayer>;
}

/** A layer as the metadata of its saved object describes it. */
export interface SavedLayer {
  name: string;
  className: string;
}

const layerMetadata = type({ name: 'string', class_name: 'string' });

export function parseKerasMetadata(bytes: Uint8Array, file: string): KerasModelMetadata {
  const nodes = new ProtoMessage(bytes, { file, what: 'SavedMetadata' }).messages(1, 'node').map((node) => ({
    path: node.string(3),
    identifier: node.string(4),
    metadata: node.string(5),
  }));
  const root = nodes.find((node) => node.path === 'root');
  if (root === undefined) {
    throw new DiffBattError('no "root" object in the Keras metadata (not a keras_metadata.pb?)', { file });
  }
  const model = functionalModel(parseJson(root.metadata, file, 'root'));
  if (model instanceof type.errors) {
    throw new DiffBattError(`the root object is not a Keras functional model: ${model.summary}`, { file });
  }
  const layerByPath = new Map<string, SavedLayer>();
  for (const node of nodes) {
    if (node.identifier !== '_tf_keras_layer') continue;
    const meta = layerMetadata(parseJson(node.metadata, file, node.path));
    if (meta instanceof type.errors) {
      throw new DiffBattError(`metadata of layer "${node.path}": ${meta.summary}`, { file });
    }
    layerByPath.set(node.path, { name: meta.name, className: meta.class_name });
  }
  return {
    modelName: model.config.name,
    kerasVersion: model.keras_version,
    layers: model.config.layers,
    inputs: model.config.input_layers.map(([name]) => name),
    outputs: model.config.output_layers.map(([name]) => name),
    layerByPath,
  };
}

function parseJson(text: string, file: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DiffBattError(`metadata of "${path}" is not valid JSON: ${(error as Error).message}`, { file });
  }
}
