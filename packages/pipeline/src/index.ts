export { GradientPool, type GradientPoolOptions, shardRows } from './gradient-pool.js';
export {
  DEFAULT_TRAIN_SETTINGS,
  defaultTrainWorkers,
  isRunRecord,
  type RunRecord,
  recipeOfRunRecord,
  splitValidation,
  TRAIN_PRESET_NAMES,
  TRAIN_PRESETS,
  type TrainInput,
  type TrainPreset,
  type TrainPresetName,
  type TrainProgress,
  type TrainResult,
  type TrainSettings,
  trainDiffBatt,
  unitScaleOf,
} from './train.js';
