export {
  type CalibrateInput,
  type CalibrationFold,
  type CrossValidatedCalibrateInput,
  calibrateLifeIntervals,
  crossValidatedLifeCalibration,
  type HeldOutCell,
  type LifeCalibrationResult,
} from './calibrate.js';
export { type DataParallelStepInput, dataParallelStep, FlatTrainingState } from './flat-state.js';
export { type LifeFold, lifeStratifiedFolds } from './folds.js';
export {
  type CurveRow,
  DEFAULT_MAX_BATCH,
  type EnsembleMember,
  type GenerateInput,
  generateCurves,
  MIN_CURVE_STEPS_PER_WORKER,
  sampleCurveRows,
} from './generate.js';
export { GradientPool, type GradientPoolOptions } from './gradient-pool.js';
export { cellsSeenByAncestors, type ModelLineage, modelLineage } from './lineage.js';
export {
  type CellPrediction,
  PREDICTION_INTERVAL_LEVELS,
  type PredictInput,
  predictCells,
} from './predict.js';
export {
  DEFAULT_TRAIN_SETTINGS,
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
export { defaultWorkers, shardRows } from './worker-pool.js';
