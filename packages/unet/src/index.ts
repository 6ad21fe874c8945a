export { withCapacityMatrixRows } from './capacity-matrix-rows.js';
export {
  CAPACITY_MATRIX_COLUMNS,
  DEFAULT_UNET_CONFIG,
  type DiffBattUNetConfig,
  parseUNetConfig,
  UNET_CONFIG_LIMITS,
} from './config.js';
export {
  type CapacityCondition,
  capacityCondition,
  concatCapacityConditions,
  diffBattDenoiser,
  dropCapacityCondition,
} from './denoiser.js';
export {
  DIFFBATT_JSON,
  type LoadedDiffBattModel,
  loadDiffBattModel,
  MAX_MODEL_JSON_BYTES,
  MODEL_JSON,
  type ModelProvenance,
  type SavedModelMetadata,
  saveDiffBattModel,
  WEIGHTS_BIN,
} from './io.js';
export * from './keras/index.js';
export { AttentionBlock, type AttentionBlockArgs } from './layers/attention.js';
export { CapacityMatrixLogRms } from './layers/capacity-matrix-log-rms.js';
export { type Conv1DArgs, DiffBattConv1D } from './layers/conv1d.js';
export { type DenseArgs, DiffBattDense } from './layers/dense.js';
export {
  type ActivationArgs,
  ChannelConcat,
  ChannelScaleShift,
  DiffBattActivation,
  UpSampling1D,
  type UpSampling1DArgs,
} from './layers/elementwise.js';
export {
  PositionalEncoding1D,
  type PositionalEncoding1DArgs,
  TimeEmbedding,
  type TimeEmbeddingArgs,
} from './layers/embeddings.js';
export { GroupNormalization, type GroupNormalizationArgs } from './layers/group-normalization.js';
export { DIFFBATT_LAYER_CLASSES, registerDiffBattLayers } from './layers/register.js';
export {
  type Activation,
  activate,
  batchMatMul,
  concatChannels,
  conv1d,
  dense,
  gelu,
  groupNorm,
  matMul,
  swish,
} from './ops.js';
export {
  type BuildOptions,
  buildDiffBattUNet,
  capacityMatrixEncoder,
  curveOffsetHead,
  downSample,
  residualBlockDown,
  residualBlockUp,
  timeMLP,
  UNET_INPUT_NAMES,
  UNetLayerFactory,
  upSample,
} from './unet.js';
