export type {
  ConcatConditions,
  Denoiser,
  DropCondition,
} from './denoiser.js';
export { DEFAULT_EMA_DECAY, ExponentialMovingAverage, emaWarmupDecay } from './ema.js';
export { extractPerRow, qSample } from './forward.js';
export { type LearningRateSchedule, learningRateAt } from './learning-rate.js';
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
export {
  type ClipRange,
  createScheduler,
  DEFAULT_DDIM_STEPS,
  DEFAULT_DPM_SOLVER_STEPS,
  inferenceTimesteps,
  type NoiseDraw,
  type SamplerConfig,
  type Scheduler,
  type TimestepSpacing,
} from './schedulers.js';
export { deriveSeed, rowNormals } from './seed.js';
export {
  type BatchShard,
  type ConditionDropout,
  type EpsilonLossOptions,
  epsilonLoss,
  type LossGradientsOptions,
  lossGradients,
  type TrainingBatch,
  type TrainingStepOptions,
  trainingStep,
} from './training.js';
