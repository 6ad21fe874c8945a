import { CAPACITY_MATRIX_VOLTAGE_POINTS, DiffBattError, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { type } from 'arktype';
import type { Activation } from './ops.js';

/** Shape of the DiffBatt U-Net. Every field has the original's value as its default. */
export interface DiffBattUNetConfig {
  /** Channels of each resolution level, finest first. */
  widths: number[];
  /** Whether each level's residual blocks are followed by an attention block. */
  hasAttention: boolean[];
  /** Residual blocks per level on the way down (the way up has one more per level). */
  numResBlocks: number;
  /** Groups of every group normalisation; must divide every width and 2 x firstConvChannels. */
  normGroups: number;
  /** Channels of the stem convolution (the positional encoding adds as many again). */
  firstConvChannels: number;
  /** Nonlinearity everywhere: exact erf GELU as the original, or swish. */
  activation: Activation;
  /** Points of the SOH curve; must be divisible by 2^(levels - 1). */
  sequenceLength: number;
  /** Rows (cycles) of the capacity matrix: 100, or 20 for the SNL and CRUSH splits. */
  capacityMatrixRows: 100 | 20;
  /** Width of the time embedding, of the capacity-matrix encoding c_q and of the condition mask. */
  embeddingDim: number;
  /**
   * Adds a per-curve offset to the output, predicted by a small MLP from the length-averaged features
   * before the last GroupNorm and from act(c_t) and act(mask * c_q). Not in the original (default false):
   * its last GroupNorm removes each channel's mean over the curve, so the output's per-curve mean (which
   * carries the condition: a curve's level is mostly its life) is nearly input-independent and is learned
   * only over very long training.
   */
  curveOffsetHead: boolean;
  /**
   * Fixed factor the capacity matrix is multiplied by before the encoder (default 1, the original's raw
   * Ah differences). Those differences are ~0.015 Ah RMS, so with Adam the encoder's output moves ~60x
   * slower than for unit-scale input and the condition is learned late; a trainer may set ~1/RMS of its
   * training matrices. Part of the model: sampling and fine-tuning use the same factor.
   */
  capacityMatrixScale: number;
  /**
   * Feeds ln(RMS) of the (scaled) capacity matrix to the encoder's last Dense beside the pooled tokens.
   * Not in the original (default false): its encoder's first GroupNorm normalises each cell's tokens, so
   * the size of a cell's early capacity change, which carries most of its life (Severson et al.), reaches
   * c_q only through the token Dense's bias, and is learned slowly.
   */
  capacityMatrixLogRms: boolean;
  /**
   * What the output is (diffusers' `prediction_type`): the noise (`epsilon`, the original), v = alpha eps -
   * sigma x0, or the clean curve x0 (`sample`). The trainer regresses it and every sampler reads it, so
   * it travels with the model.
   */
  predictionType: 'epsilon' | 'v' | 'sample';
}

export const DEFAULT_UNET_CONFIG: Readonly<DiffBattUNetConfig> = Object.freeze({
  widths: [8, 16, 32, 64],
  hasAttention: [false, false, true, true],
  numResBlocks: 2,
  normGroups: 8,
  firstConvChannels: 8,
  activation: 'gelu',
  sequenceLength: SOH_CURVE_LENGTH,
  capacityMatrixRows: 100,
  embeddingDim: 32,
  curveOffsetHead: false,
  capacityMatrixScale: 1,
  capacityMatrixLogRms: false,
  predictionType: 'epsilon',
});

/** Columns of the capacity matrix (voltage points); fixed by the data, not a model choice. */
export const CAPACITY_MATRIX_COLUMNS = CAPACITY_MATRIX_VOLTAGE_POINTS;

/**
 * Upper bounds far above any DiffBatt network (the original: widths up to 64, embeddingDim 32, 256 points),
 * so that a damaged or hostile config is refused with one line before a layer allocates it: a single
 * Dense of embeddingDim 2^24 asks for 2^48 floats, which tfjs fails with a stack trace.
 */
export const UNET_CONFIG_LIMITS = Object.freeze({
  channels: 16_384,
  levels: 12,
  numResBlocks: 64,
  sequenceLength: 65_536,
} as const);

const channels = `0 < number.integer <= ${UNET_CONFIG_LIMITS.channels}` as const;

const configSchema = type({
  '+': 'reject',
  'widths?': `(${channels})[] >= 1` as const,
  'hasAttention?': 'boolean[] >= 1',
  'numResBlocks?': `0 < number.integer <= ${UNET_CONFIG_LIMITS.numResBlocks}` as const,
  'normGroups?': channels,
  'firstConvChannels?': channels,
  'activation?': "'gelu' | 'swish'",
  'sequenceLength?': `0 < number.integer <= ${UNET_CONFIG_LIMITS.sequenceLength}` as const,
  'capacityMatrixRows?': '100 | 20',
  'embeddingDim?': channels,
  'curveOffsetHead?': 'boolean',
  'capacityMatrixScale?': 'number > 0',
  'capacityMatrixLogRms?': 'boolean',
  'predictionType?': "'epsilon' | 'v' | 'sample'",
});

function configError(field: string, message: string, where: string): DiffBattError {
  return new DiffBattError(`invalid U-Net config: ${message}`, { file: where, field });
}

/**
 * Validates a (partial) U-Net config and fills in the original's defaults. Throws a DiffBattError naming
 * the offending field; `where` names the source (a file, or "buildDiffBattUNet").
 */
export function parseUNetConfig(input: unknown = {}, where = 'U-Net config'): DiffBattUNetConfig {
  const checked = configSchema(input);
  if (checked instanceof type.errors) {
    const first = checked[0]!;
    // The first problem only: a message is one line.
    throw configError(first.path.join('.') || '(root)', first.message, where);
  }
  const config: DiffBattUNetConfig = {
    ...DEFAULT_UNET_CONFIG,
    ...checked,
    widths: [...(checked.widths ?? DEFAULT_UNET_CONFIG.widths)],
    hasAttention: [...(checked.hasAttention ?? DEFAULT_UNET_CONFIG.hasAttention)],
  };
  if (config.widths.length > UNET_CONFIG_LIMITS.levels) {
    throw configError(
      'widths',
      `widths has ${config.widths.length} levels; at most ${UNET_CONFIG_LIMITS.levels} are supported`,
      where,
    );
  }
  if (config.hasAttention.length !== config.widths.length) {
    throw configError(
      'hasAttention',
      `hasAttention has ${config.hasAttention.length} entries but widths has ${config.widths.length}; give one per level`,
      where,
    );
  }
  if (!Number.isFinite(config.capacityMatrixScale)) {
    throw configError('capacityMatrixScale', 'capacityMatrixScale must be a finite number > 0', where);
  }
  const groups = config.normGroups;
  const badWidth = config.widths.find((width) => width % groups !== 0);
  if (badWidth !== undefined) {
    throw configError('widths', `width ${badWidth} is not divisible by normGroups ${groups}`, where);
  }
  if ((2 * config.firstConvChannels) % groups !== 0) {
    throw configError(
      'firstConvChannels',
      `2 x firstConvChannels (${2 * config.firstConvChannels}) is not divisible by normGroups ${groups}`,
      where,
    );
  }
  if (config.embeddingDim % groups !== 0 || config.embeddingDim % 2 !== 0 || config.embeddingDim < 4) {
    throw configError(
      'embeddingDim',
      `embeddingDim ${config.embeddingDim} must be even, at least 4 and divisible by normGroups ${groups}`,
      where,
    );
  }
  const reduction = 2 ** (config.widths.length - 1);
  if (config.sequenceLength % reduction !== 0) {
    throw configError(
      'sequenceLength',
      `sequenceLength ${config.sequenceLength} is not divisible by ${reduction} (2^(levels - 1))`,
      where,
    );
  }
  return config;
}
