import { DiffBattError } from '@diffbatt/core';
import { type DiffBattUNetConfig, parseUNetConfig } from '../config.js';
import type { KerasLayer, KerasModelMetadata } from './keras-metadata.js';

/**
 * Reads the DiffBatt U-Net hyper-parameters (widths, attention per level, residual blocks, groups, stem
 * channels, activation, lengths, capacity-matrix rows) back out of a Keras functional config, so that the
 * imported weights go into a network of the same shape. Anything that does not look like the original
 * DiffBatt U-Net is refused with the reason.
 */

const ACTIVATIONS: Record<string, DiffBattUNetConfig['activation']> = {
  'nn.gelu': 'gelu',
  'nn.silu': 'swish',
  'nn.swish': 'swish',
};

type LayerReference = [string, number, number, ...unknown[]];

const isReference = (value: unknown): value is LayerReference =>
  Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number';

/** Names of the layers feeding `layer`, from `inbound_nodes` in either of Keras' two layouts. */
export function inboundLayers(layer: KerasLayer): string[] {
  const names: string[] = [];
  const visit = (value: unknown) => {
    if (isReference(value)) {
      names.push(value[0]);
      const kwargs = value[3];
      if (kwargs !== null && typeof kwargs === 'object') Object.values(kwargs).forEach(visit);
    } else if (Array.isArray(value)) value.forEach(visit);
  };
  visit(layer.inbound_nodes);
  return names;
}

/** Keras' per-class counter in an auto-generated name (`dense` = 0, `dense_12` = 12). */
export function nameCounter(name: string): number {
  const match = /_(\d+)$/.exec(name);
  return match ? Number(match[1]) : 0;
}

export function unetConfigFromKeras(metadata: KerasModelMetadata, file: string): DiffBattUNetConfig {
  const fail = (problem: string) =>
    new DiffBattError(`not the DiffBatt U-Net this importer knows: ${problem}`, { file });
  const layers = metadata.layers;
  const ofClass = (className: string) => layers.filter((l) => l.class_name === className);
  const fedBy = (name: string, className: string) =>
    ofClass(className).filter((l) => inboundLayers(l).includes(name));
  const single = (found: KerasLayer[], what: string) => {
    if (found.length !== 1) throw fail(`expected one ${what}, found ${found.length}`);
    return found[0]!;
  };
  const num = (layer: KerasLayer, key: string) => {
    const value = layer.config[key];
    const scalar = Array.isArray((value as { items?: unknown })?.items)
      ? (value as { items: unknown[] }).items[0]
      : value;
    if (typeof scalar !== 'number') throw fail(`layer ${layer.name} has no numeric "${key}"`);
    return scalar;
  };
  const inputShape = (index: number) => {
    const name = metadata.inputs[index];
    const layer = layers.find((l) => l.name === name && l.class_name === 'InputLayer');
    const items = (layer?.config['batch_input_shape'] as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items)) throw fail(`input ${index} (${name}) has no batch_input_shape`);
    return items as (number | null)[];
  };

  if (metadata.inputs.length !== 4) throw fail(`expected 4 inputs, found ${metadata.inputs.length}`);
  const [curveName] = metadata.inputs;
  const sequenceLength = inputShape(0)[1];
  const matrixShape = inputShape(2);
  const capacityMatrixRows = matrixShape[1];
  if (matrixShape[2] !== 100 || matrixShape[3] !== 1) {
    throw fail(`capacity matrix input has shape [${matrixShape.slice(1)}], expected [rows, 100, 1]`);
  }

  const timeEmbedding = single(ofClass('TimeEmbedding'), 'TimeEmbedding layer');
  const embeddingDim = num(timeEmbedding, 'dim');
  const stem = single(fedBy(curveName!, 'Conv1D'), `Conv1D fed by the input "${curveName}"`);

  const groups = new Set(
    [...ofClass('GroupNormalization'), ...ofClass('AttentionBlock')].map((l) => num(l, 'groups')),
  );
  if (groups.size !== 1) throw fail(`group normalisations use different group counts (${[...groups]})`);

  const activationCalls = ofClass('TFOpLambda').filter((l) => String(l.config['function']).startsWith('nn.'));
  const activationNames = new Set(activationCalls.map((l) => String(l.config['function'])));
  if (activationNames.size !== 1)
    throw fail(`expected one activation function, found ${[...activationNames]}`);
  const activationName = [...activationNames][0]!;
  const activation = ACTIVATIONS[activationName];
  if (activation === undefined) throw fail(`activation ${activationName} is not supported (gelu or swish)`);
  // The call's keyword arguments sit in its inbound node; re-serialised JSON has no spaces.
  if (activationCalls.some((l) => JSON.stringify(l.inbound_nodes).includes('"approximate":true'))) {
    throw fail('it uses the tanh approximation of GELU; this network computes the exact (erf) GELU');
  }

  // Every residual block projects act(c_t) with its own Dense, in creation order: the down path's
  // blocks level by level, the two middle blocks, then the up path's blocks from the deepest level.
  const timeHidden = single(fedBy(timeEmbedding.name, 'Dense'), 'Dense after the time embedding');
  const timeCondition = single(fedBy(timeHidden.name, 'Dense'), 'second Dense of the time MLP');
  const timeActivations = new Set(fedBy(timeCondition.name, 'TFOpLambda').map((l) => l.name));
  const blockDenses = ofClass('Dense')
    .filter((l) => inboundLayers(l).some((name) => timeActivations.has(name)))
    .sort((a, b) => nameCounter(a.name) - nameCounter(b.name));
  const levels = ofClass('UpSampling1D').length + 1;
  const numResBlocks = ((blockDenses.length - 2) / levels - 1) / 2;
  if (!Number.isInteger(numResBlocks) || numResBlocks < 1) {
    throw fail(`${blockDenses.length} residual blocks do not fit ${levels} levels`);
  }
  const blockWidths = blockDenses.map((l) => num(l, 'units'));
  const widths = Array.from({ length: levels }, (_, level) => blockWidths[level * numResBlocks]!);
  const expectedWidths = [
    ...widths.flatMap((w) => Array<number>(numResBlocks).fill(w)),
    widths[levels - 1]!,
    widths[levels - 1]!,
    ...[...widths].reverse().flatMap((w) => Array<number>(numResBlocks + 1).fill(w)),
  ];
  if (expectedWidths.join() !== blockWidths.join()) {
    throw fail(`residual block widths [${blockWidths}] do not follow levels [${widths}]`);
  }

  // Attention: one block in the capacity-matrix encoder, one in the middle, and one after each residual
  // block (2 x numResBlocks + 1 per level) of the levels that have it, recognised by their width.
  const attentionWidths = ofClass('AttentionBlock').map((l) => num(l, 'units'));
  const perLevel = 2 * numResBlocks + 1;
  const remaining = (width: number) =>
    attentionWidths.filter((w) => w === width).length -
    (width === embeddingDim ? 1 : 0) -
    (width === widths[levels - 1] ? 1 : 0);
  const hasAttention = widths.map((width) => {
    const levelsOfWidth = widths.filter((w) => w === width).length;
    const count = remaining(width);
    if (count === 0) return false;
    if (count === perLevel * levelsOfWidth) return true;
    throw fail(`${count} attention blocks of width ${width} do not fit ${levelsOfWidth} level(s)`);
  });

  try {
    return parseUNetConfig(
      {
        widths,
        hasAttention,
        numResBlocks,
        normGroups: [...groups][0],
        firstConvChannels: num(stem, 'filters'),
        activation,
        sequenceLength,
        capacityMatrixRows,
        embeddingDim,
      },
      'derived config',
    );
  } catch (error) {
    if (error instanceof DiffBattError) throw fail(error.message);
    throw error;
  }
}
