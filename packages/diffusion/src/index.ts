export {
  createScheduler,
  type ModelOutputOptions,
  SAMPLER_KINDS,
  type SamplerConfig,
} from './create-scheduler.js';
export { DEFAULT_DDIM_STEPS } from './ddim.js';
export type {
  ConcatConditions,
  Denoiser,
  DropCondition,
} from './denoiser.js';
export { DEFAULT_DPM_SOLVER_STEPS } from './dpm-solver.js';
export { DEFAULT_EMA_DECAY, ExponentialMovingAverage, emaWarmupDecay } from './ema.js';
export { DEFAULT_EULER_STEPS, DEFAULT_HEUN_STEPS } from './euler-heun.js';
export { extractPerRow, qSample } from './forward.js';
export { type LearningRateSchedule, learningRateAt } from './learning-rate.js';
export {
  type ClipRange,
  checkPredictionType,
  type DenoisedEstimate,
  type DynamicThreshold,
  denoisedEstimate,
  PREDICTION_TYPES,
  type PredictionType,
  predictionTarget,
  type SampleGuard,
} from './prediction.js';
export {
  type ClassifierFreeGuidance,
  type SampleOptions,
  type SamplingProgress,
  sample,
} from './sample.js';
export {
  createNoiseSchedule,
  DEFAULT_BETA_END,
  DEFAULT_BETA_START,
  DEFAULT_TIMESTEPS,
  type NoiseSchedule,
  type NoiseScheduleConfig,
  POSTERIOR_VARIANCE_FLOOR,
  type ResolvedNoiseScheduleConfig,
} from './schedule.js';
export type { NoiseDraw, Scheduler } from './scheduler.js';
export { deriveSeed, rowNormals } from './seed.js';
export {
  DEFAULT_LAMBDA_MIN,
  inferenceTimesteps,
  KARRAS_RHO,
  logSnr,
  maxTimestep,
  type TimestepPlan,
  type TimestepSpacing,
} from './timesteps.js';
export {
  type BatchShard,
  type ConditionDropout,
  type DenoisingLossOptions,
  denoisingLoss,
  type LossGradientsOptions,
  lossGradients,
  type TrainingBatch,
  type TrainingStepOptions,
  trainingStep,
} from './training.js';
