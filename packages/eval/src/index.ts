export {
  type ConditionNovelty,
  type ConditionNoveltyReference,
  conditionNovelty,
  conditionNoveltyReference,
  isUnlikeReference,
  NOVELTY_WARNING_SHARE,
  type NoveltyReferenceCell,
} from './condition-novelty.js';
export {
  type ConditionalSynthesisErrors,
  conditionalSynthesisErrors,
} from './conditional-synthesis.js';
export {
  type CurveSetQuality,
  curveFeatures,
  curveSetQuality,
  isFiniteCurve,
} from './curve-set-quality.js';
export {
  type CurveSet,
  curveSetOfNpy,
  curveSetOfSamples,
  groupCurvesByCell,
  readCurveSet,
  scoreCurveSets,
} from './curve-sets.js';
export {
  EARLY_LIFE_CYCLES,
  EARLY_LIFE_FEATURE_NAMES,
  type EarlyLifeInput,
  earlyLifeFeatures,
  fitRidgeRegression,
  type GroupedRows,
  predictRidge,
  type RidgeLambdaSearch,
  type RidgeLambdaSearchInput,
  type RidgeModel,
  selectRidgeLambda,
} from './downstream.js';
export {
  ENGINEER_FEATURE_NAMES,
  ENGINEER_FEATURES_ID,
  type EngineerFeatureName,
  type EngineerFeatures,
  engineerFeatures,
  engineerFeatureVector,
  lifeWindow,
} from './engineer-features.js';
export { type FeatureStandardisation, featureStandardisation, standardise } from './feature-scaling.js';
export { SOH_FEATURE_THRESHOLDS, type SohFeatureMap, sohThresholdFeatures } from './features.js';
export { formatScoreTable, formatTextTable, scoreResultsToJson } from './format.js';
export {
  assertCalibratable,
  type CalibratedLifeIntervals,
  calibratedLifeIntervals,
  calibrateLifeSummary,
  fitLifeIntervalCalibration,
  type LifeCalibrationCell,
  type LifeIntervalCalibration,
  lifeIntervalCoverage,
  lifeIntervalScore,
  parseLifeIntervalCalibration,
} from './life-calibration.js';
export {
  type LifeSummary,
  lifeSummary,
  SOH_CURVE_CYCLES,
  type SohCurveBand,
  sampledCycleLives,
  sohCurveBand,
  sohPercent,
} from './life-summary.js';
export { meanAndCovariance, type SymmetricEigen, symmetricEigen, symmetricSqrt } from './linear-algebra.js';
export { monotoneProjection } from './monotone-projection.js';
export { largestRise, shareAbove } from './monotonicity.js';
export { alphaAccuracy, mae, mape, rmse } from './point-metrics.js';
export {
  centralInterval,
  crpsEnergy,
  DEFAULT_INTERVAL_LEVELS,
  quantileOfSorted,
  type SampleIntervals,
  type SampleSummary,
  sortedFinite,
  summariseSamples,
} from './probabilistic.js';
export {
  bestOfRepsIndex,
  cycleLifeFromSoh,
  DEFAULT_EOL_SOH,
  EVALUATION_CYCLES,
  firstIndexNotAbove,
  SELECTION_CYCLES,
  SOH_RMSE_REFERENCE_FLOOR,
  sohPercentAtCycles,
  sohRmse,
} from './protocol.js';
export { type ResizeArithmetic, resizeBilinearHalfPixel } from './resize.js';
export {
  BEST_OF_REPS_RULE,
  MEDIAN_OF_SAMPLES_RULE,
  measuredCycleLife,
  measuredSohPercent,
  type PointPredictionScores,
  type ScoreInput,
  type ScoreOptions,
  type ScoreResults,
  type SynthesisScores,
  scoreSohCurves,
} from './score.js';
export { frechetDistance, knnPrecisionRecall, type PrecisionRecall } from './synthesis.js';
export { whittakerSmoothing } from './whittaker-smoothing.js';
