import { DiffBattError } from '@diffbatt/core';
import * as tf from '@tensorflow/tfjs';
import type { KerasModelMetadata } from './keras-metadata.js';
import type { KerasVariable } from './saved-model.js';
import { nameCounter } from './unet-config.js';

/**
 * Maps the Keras variables onto the weights of our U-Net. Keras names layers per class in creation order
 * (`conv1d_68`, `conv1d_69`, ... when earlier models in the same session used lower numbers), and our
 * network creates the same layers in the same order with fresh-session names (`conv1d`, `conv1d_1`,
 * ...), see UNetLayerFactory. So the n-th Keras layer of a class (counting the attention blocks'
 * sub-layers too) is our n-th layer of that class; an attention block's sub-layers map by their role
 * (`norm`, `query`, `key`, `value`, `proj`), which the Keras metadata records as object paths.
 */

/** Keras layer classes with weights, and the name prefix Keras gives them. */
const WEIGHTED_CLASSES: Record<string, string> = {
  Conv1D: 'conv1d',
  Dense: 'dense',
  GroupNormalization: 'group_normalization',
  AttentionBlock: 'attention_block',
};

export interface MappedVariable {
  /** The weight's name in our model (`conv1d_3/kernel`, `attention_block_1/query/bias`). */
  target: string;
  variable: KerasVariable;
}

/** Our model's weights by layer-relative name (`<layer>/<weight>`), independent of tfjs' uniquifying. */
export function modelWeightsByName(model: tf.LayersModel): Map<string, tf.LayerVariable> {
  const byName = new Map<string, tf.LayerVariable>();
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      // `originalName` is the scoped name before tfjs appends _1, _2 ... for later models in the process.
      byName.set(weight.originalName, weight);
    }
  }
  return byName;
}

export function mapKerasVariables(
  metadata: KerasModelMetadata,
  variables: readonly KerasVariable[],
  file: string,
): MappedVariable[] {
  const fail = (variable: string, problem: string) =>
    new DiffBattError(`Keras variable "${variable}" ${problem}`, { file });
  const layerClass = new Map<string, string>();
  for (const layer of metadata.layers) layerClass.set(layer.name, layer.class_name);
  const topLevelPath = new Map<string, string>(); // layer name -> its object path
  for (const [path, saved] of metadata.layerByPath) {
    if (path.split('.').length === 2) topLevelPath.set(saved.name, path);
    if (!layerClass.has(saved.name)) layerClass.set(saved.name, saved.className);
  }

  // Rank every weighted layer within its class by Keras' counter: its fresh-session name.
  const freshName = new Map<string, string>();
  const byPrefix = new Map<string, string[]>();
  for (const [name, className] of layerClass) {
    const prefix = WEIGHTED_CLASSES[className];
    if (prefix === undefined) continue;
    if (name !== prefix && !new RegExp(`^${prefix}_\\d+$`).test(name)) {
      throw new DiffBattError(
        `layer "${name}" (${className}) does not have a Keras auto-generated name (${prefix}, ${prefix}_<n>); renamed layers cannot be matched to the U-Net`,
        { file },
      );
    }
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), name]);
  }
  for (const [prefix, names] of byPrefix) {
    names.sort((a, b) => nameCounter(a) - nameCounter(b));
    for (const [rank, name] of names.entries())
      freshName.set(name, rank === 0 ? prefix : `${prefix}_${rank}`);
  }

  return variables.map((variable) => {
    const parts = variable.fullName.split('/');
    const layer = parts[0]!;
    const outer = freshName.get(layer);
    if (outer === undefined)
      throw fail(variable.fullName, 'belongs to no weighted layer of the model config');
    if (parts.length === 2) return { target: `${outer}/${parts[1]}`, variable };
    if (parts.length !== 3)
      throw fail(variable.fullName, 'has an unexpected name (layer/[sub-layer/]weight)');
    // The sub-layer's role is the last step of its object path, e.g. root.layer_with_weights-33.query.
    const prefix = `${topLevelPath.get(layer)}.`;
    const subPath = [...metadata.layerByPath].find(
      ([candidate, saved]) => saved.name === parts[1] && candidate.startsWith(prefix),
    )?.[0];
    if (subPath === undefined)
      throw fail(variable.fullName, `names sub-layer "${parts[1]}" that "${layer}" lacks`);
    return { target: `${outer}/${subPath.slice(prefix.length)}/${parts[2]}`, variable };
  });
}

/**
 * Writes the mapped Keras values into the model's weights, refusing (before writing anything) a Keras
 * variable without a counterpart, a shape that differs, or a model weight that no variable fills.
 */
export function assignKerasWeights(
  model: tf.LayersModel,
  mapped: readonly MappedVariable[],
  file: string,
): void {
  const weights = modelWeightsByName(model);
  const filled = new Set<string>();
  for (const { target, variable } of mapped) {
    const weight = weights.get(target);
    if (weight === undefined) {
      throw new DiffBattError(
        `Keras variable "${variable.fullName}" maps to "${target}", which the U-Net does not have`,
        { file },
      );
    }
    if (weight.shape.join() !== variable.shape.join()) {
      throw new DiffBattError(
        `Keras variable "${variable.fullName}" has shape [${variable.shape}] but U-Net weight "${target}" has [${weight.shape}]`,
        { file },
      );
    }
    if (filled.has(target)) {
      throw new DiffBattError(`Keras variable "${variable.fullName}" maps to "${target}" a second time`, {
        file,
      });
    }
    filled.add(target);
  }
  const missing = [...weights.keys()].filter((name) => !filled.has(name));
  if (missing.length > 0) {
    throw new DiffBattError(
      `U-Net weight(s) ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} have no Keras variable`,
      { file },
    );
  }
  for (const { target, variable } of mapped) {
    const value = tf.tensor(variable.values, variable.shape, 'float32');
    weights.get(target)!.write(value);
    value.dispose();
  }
}
