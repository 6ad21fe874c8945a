import * as tf from '@tensorflow/tfjs';
import { CAPACITY_MATRIX_COLUMNS, type DiffBattUNetConfig, parseUNetConfig } from './config.js';
import { AttentionBlock } from './layers/attention.js';
import { CapacityMatrixLogRms } from './layers/capacity-matrix-log-rms.js';
import { DiffBattConv1D } from './layers/conv1d.js';
import { DiffBattDense } from './layers/dense.js';
import { ChannelConcat, ChannelScaleShift, DiffBattActivation, UpSampling1D } from './layers/elementwise.js';
import { PositionalEncoding1D, TimeEmbedding } from './layers/embeddings.js';
import { GroupNormalization } from './layers/group-normalization.js';
import { registerDiffBattLayers } from './layers/register.js';
import type { Activation } from './ops.js';

type Node = tf.SymbolicTensor;

/** Names of the model's inputs, in the contract's order (the original's names). */
export const UNET_INPUT_NAMES = ['input', 'time_input', 'protocol_input', 'mask_input'] as const;

/**
 * Creates the U-Net's layers with Keras-style names (`conv1d`, `conv1d_1`, ... per layer class, counted in
 * creation order), so that, created in the original's order, the n-th layer of a class here is the n-th of
 * that class in the original model (see README "Layer names"). An attention block also consumes one
 * `group_normalization` and four `dense` names, as its Keras sub-layers did.
 */
export class UNetLayerFactory {
  private readonly counts = new Map<string, number>();
  private seedCursor: number;

  constructor(
    readonly config: DiffBattUNetConfig,
    seed = 0,
  ) {
    this.seedCursor = seed;
  }

  /** Next Keras-style name of a layer class: `prefix`, then `prefix_1`, `prefix_2`, ... */
  name(prefix: string): string {
    const count = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, count + 1);
    return count === 0 ? prefix : `${prefix}_${count}`;
  }

  private nextSeed(span = 1): number {
    const seed = this.seedCursor;
    this.seedCursor += span;
    return seed;
  }

  conv(
    x: Node,
    filters: number,
    kernelSize: number,
    options: { strides?: number; padding?: 'same' | 'valid'; kernelScale?: number } = {},
  ): Node {
    const layer = new DiffBattConv1D({
      name: this.name('conv1d'),
      filters,
      kernelSize,
      seed: this.nextSeed(),
      ...options,
    });
    return layer.apply(x) as Node;
  }

  dense(x: Node, units: number, activation?: Activation, kernelScale?: number): Node {
    const layer = new DiffBattDense({
      name: this.name('dense'),
      units,
      seed: this.nextSeed(),
      ...(activation === undefined ? {} : { activation }),
      ...(kernelScale === undefined ? {} : { kernelScale }),
    });
    return layer.apply(x) as Node;
  }

  groupNorm(x: Node): Node {
    const layer = new GroupNormalization({
      name: this.name('group_normalization'),
      groups: this.config.normGroups,
    });
    return layer.apply(x) as Node;
  }

  activation(x: Node): Node {
    return new DiffBattActivation({
      name: this.name('activation'),
      activation: this.config.activation,
    }).apply(x) as Node;
  }

  attention(x: Node, units: number): Node {
    const layer = new AttentionBlock({
      name: this.name('attention_block'),
      units,
      groups: this.config.normGroups,
      seed: this.nextSeed(4),
    });
    // Its Keras sub-layers (norm; query, key, value, proj) took these names in the original.
    this.name('group_normalization');
    for (let i = 0; i < 4; i++) this.name('dense');
    return layer.apply(x) as Node;
  }

  add(inputs: Node[]): Node {
    return tf.layers.add({ name: this.name('add') }).apply(inputs) as Node;
  }

  concatenate(inputs: [Node, Node]): Node {
    return new ChannelConcat({ name: this.name('concatenate') }).apply(inputs) as Node;
  }

  scaleShift(inputs: Node[]): Node {
    return new ChannelScaleShift({ name: this.name('channel_scale_shift') }).apply(inputs) as Node;
  }
}

/** Time MLP: sinusoidal embedding -> Dense(E, activation) -> Dense(E) = c_t. */
export function timeMLP(f: UNetLayerFactory, timestep: Node): Node {
  const dim = f.config.embeddingDim;
  const embedded = new TimeEmbedding({ name: f.name('time_embedding'), dim }).apply(timestep) as Node;
  return f.dense(f.dense(embedded, dim, f.config.activation), dim);
}

/**
 * Capacity-matrix encoder (a one-block transformer encoder): the R x 100 matrix as R tokens ->
 * Dense(E) per token -> AttentionBlock(E) -> mean over tokens -> Dense(E) = c_q; with
 * `capacityMatrixLogRms` the last Dense also reads ln(RMS) of the matrix.
 */
export function capacityMatrixEncoder(f: UNetLayerFactory, capacityMatrix: Node): Node {
  const dim = f.config.embeddingDim;
  const tokens = tf.layers
    .reshape({ name: f.name('reshape'), targetShape: [f.config.capacityMatrixRows, CAPACITY_MATRIX_COLUMNS] })
    .apply(capacityMatrix) as Node;
  const attended = f.attention(f.dense(tokens, dim), dim);
  const pooled = tf.layers
    .globalAveragePooling1d({ name: f.name('global_average_pooling1d') })
    .apply(attended) as Node;
  if (!f.config.capacityMatrixLogRms) return f.dense(pooled, dim);
  const logRms = new CapacityMatrixLogRms({ name: f.name('capacity_matrix_log_rms') }).apply(tokens) as Node;
  const features = tf.layers.concatenate({ name: f.name('concatenate') }).apply([pooled, logRms]) as Node;
  return f.dense(features, dim);
}

/**
 * Residual block of the way down: `conv(act(GN(conv(act(GN(x))) + Dense(act(c_t))))) + residual(x)`,
 * residual a 1x1 conv when the width changes. `timeActivated` is act(c_t).
 */
export function residualBlockDown(f: UNetLayerFactory, x: Node, timeActivated: Node, width: number): Node {
  const residual = x.shape[2] === width ? x : f.conv(x, width, 1, { padding: 'valid' });
  let h = f.conv(f.activation(f.groupNorm(x)), width, 3);
  h = f.scaleShift([h, f.dense(timeActivated, width)]);
  h = f.conv(f.activation(f.groupNorm(h)), width, 3, { kernelScale: 0 });
  return f.add([h, residual]);
}

/**
 * Residual block of the way up: as the down block but the first sum is `cemb * h + temb` with
 * `cemb = Dense(act(mask * c_q))` (`conditionActivated`), so the unconditional pass still gets a learned
 * scale (the Dense bias), not zero.
 */
export function residualBlockUp(
  f: UNetLayerFactory,
  x: Node,
  timeActivated: Node,
  conditionActivated: Node,
  width: number,
): Node {
  const residual = x.shape[2] === width ? x : f.conv(x, width, 1, { padding: 'valid' });
  let h = f.conv(f.activation(f.groupNorm(x)), width, 3);
  const timeShift = f.dense(timeActivated, width);
  const conditionScale = f.dense(conditionActivated, width);
  h = f.scaleShift([h, conditionScale, timeShift]);
  h = f.conv(f.activation(f.groupNorm(h)), width, 3, { kernelScale: 0 });
  return f.add([h, residual]);
}

/** Halves the length: Conv1D(width, 3, stride 2) with TensorFlow "same" padding (0 left, 1 right). */
export function downSample(f: UNetLayerFactory, x: Node, width: number): Node {
  return f.conv(x, width, 3, { strides: 2 });
}

/** Doubles the length: nearest-neighbour repeat, then Conv1D(width, 3). */
export function upSample(f: UNetLayerFactory, x: Node, width: number): Node {
  const repeated = new UpSampling1D({ name: f.name('up_sampling1d'), size: 2 }).apply(x) as Node;
  return f.conv(repeated, width, 3);
}

/**
 * The per-curve output offset of `curveOffsetHead`: MLP([mean over length of x, act(c_t), act(mask * c_q)])
 * -> one scalar per curve, added to every point of `output`. Its last layer starts at zero, so a new
 * network predicts what it would without the head.
 */
export function curveOffsetHead(
  f: UNetLayerFactory,
  x: Node,
  timeActivated: Node,
  conditionActivated: Node,
  output: Node,
): Node {
  const pooled = tf.layers
    .globalAveragePooling1d({ name: f.name('global_average_pooling1d') })
    .apply(x) as Node;
  const features = tf.layers
    .concatenate({ name: f.name('concatenate') })
    .apply([pooled, timeActivated, conditionActivated]) as Node;
  const dim = f.config.embeddingDim;
  const offset = f.dense(f.dense(features, dim, f.config.activation), 1, undefined, 0);
  return f.scaleShift([output, offset]);
}

export interface BuildOptions {
  /** Seed of the weight initialisers (default 0, so an unseeded build is reproducible too). */
  seed?: number;
}

/**
 * A lower bound on the parameters of the network `config` describes, computed without building it: every
 * residual block ends in a 3-tap width-to-width convolution (numResBlocks per level down, one more up), and
 * the time MLP and capacity encoder hold three embeddingDim x embeddingDim kernels.
 * A loader compares it with a weights manifest before building, so that a config far larger than its
 * weights (a damaged or hostile diffbatt.json) is refused instead of allocating gigabytes.
 */
export function minimumParameterCount(config: DiffBattUNetConfig): number {
  const blocks = config.widths.reduce(
    (sum, width) => sum + (2 * config.numResBlocks + 1) * 3 * width * width,
    0,
  );
  // The time MLP's two E x E kernels and the capacity encoder's E x E output kernel.
  const embedding = 3 * config.embeddingDim * config.embeddingDim;
  return blocks + embedding;
}

/**
 * The DiffBatt 1-D U-Net denoiser. Inputs, in order: noisy SOH curve `[B, L, 1]` float32, timestep `[B]`
 * int32, capacity matrix `[B, R, 100, 1]` float32, condition mask `[B, E]` float32 (ones = conditional,
 * zeros = unconditional). Output: the predicted noise `[B, L, 1]`. The default config is the original's
 * (478,369 parameters).
 */
export function buildDiffBattUNet(
  config: Partial<DiffBattUNetConfig> = {},
  options: BuildOptions = {},
): tf.LayersModel {
  registerDiffBattLayers();
  const cfg = parseUNetConfig(config, 'buildDiffBattUNet');
  const f = new UNetLayerFactory(cfg, options.seed ?? 0);
  const { widths, hasAttention, numResBlocks, embeddingDim } = cfg;

  const [curveName, timeName, matrixName, maskName] = UNET_INPUT_NAMES;
  const noisyCurve = tf.input({ name: curveName, shape: [cfg.sequenceLength, 1] });
  // Declared [B, 1] because LayersModel.predict expands rank-1 inputs to [B, 1] before checking them; a
  // [B] timestep tensor works with both predict and apply (TimeEmbedding flattens it).
  const timestep = tf.input({ name: timeName, shape: [1], dtype: 'int32' });
  const capacityMatrix = tf.input({
    name: matrixName,
    shape: [cfg.capacityMatrixRows, CAPACITY_MATRIX_COLUMNS, 1],
  });
  const mask = tf.input({ name: maskName, shape: [embeddingDim] });

  // Stem, time MLP and capacity encoder, created in the original's order.
  const stem = f.conv(noisyCurve, cfg.firstConvChannels, 7);
  const timeCondition = timeMLP(f, timestep);
  const positions = new PositionalEncoding1D({
    name: f.name('positional_encoding1d'),
    channels: cfg.firstConvChannels,
  }).apply(stem) as Node;
  let x = f.concatenate([stem, positions]);
  const scaledMatrix =
    cfg.capacityMatrixScale === 1
      ? capacityMatrix
      : (tf.layers
          .rescaling({ name: f.name('rescaling'), scale: cfg.capacityMatrixScale })
          .apply(capacityMatrix) as Node);
  const capacityCondition = capacityMatrixEncoder(f, scaledMatrix);

  // act(c_t) and act(mask * c_q) are the same in every block: compute them once.
  const timeActivated = f.activation(timeCondition);
  const masked = tf.layers.multiply({ name: f.name('multiply') }).apply([mask, capacityCondition]) as Node;
  const conditionActivated = f.activation(masked);

  const skips: Node[] = [x];
  widths.forEach((width, level) => {
    for (let block = 0; block < numResBlocks; block++) {
      x = residualBlockDown(f, x, timeActivated, width);
      if (hasAttention[level]) x = f.attention(x, width);
      skips.push(x);
    }
    if (level < widths.length - 1) {
      x = downSample(f, x, width);
      skips.push(x);
    }
  });

  const deepest = widths[widths.length - 1]!;
  x = residualBlockDown(f, x, timeActivated, deepest);
  x = f.attention(x, deepest);
  x = residualBlockDown(f, x, timeActivated, deepest);

  for (let level = widths.length - 1; level >= 0; level--) {
    const width = widths[level]!;
    for (let block = 0; block <= numResBlocks; block++) {
      x = f.concatenate([x, skips.pop()!]);
      x = residualBlockUp(f, x, timeActivated, conditionActivated, width);
      if (hasAttention[level]) x = f.attention(x, width);
    }
    if (level > 0) x = upSample(f, x, width);
  }

  let output = f.conv(f.activation(f.groupNorm(x)), 1, 7, { kernelScale: 0 });
  if (cfg.curveOffsetHead) output = curveOffsetHead(f, x, timeActivated, conditionActivated, output);
  return tf.model({
    name: 'diffbatt_unet',
    inputs: [noisyCurve, timestep, capacityMatrix, mask],
    outputs: output,
  });
}
