import { ddimScheduler } from './ddim.js';
import { ddpmScheduler } from './ddpm.js';
import { dpmSolverScheduler } from './dpm-solver.js';
import { eulerHeunScheduler } from './euler-heun.js';
import {
  checkPredictionType,
  checkSampleGuard,
  type PredictionType,
  type SampleGuard,
} from './prediction.js';
import type { NoiseSchedule } from './schedule.js';
import type { Scheduler } from './scheduler.js';
import type { TimestepPlan } from './timesteps.js';

/** Timesteps and guards of any sampler. */
type SamplerOptions = TimestepPlan & SampleGuard;

/** Which sampler to run; serialisable as JSON. */
export type SamplerConfig =
  | ({
      /** Ancestral DDPM, by default over every timestep with the original DiffBatt arithmetic. */
      kind: 'ddpm';
    } & SamplerOptions)
  | ({
      /** DDIM (Song et al. 2021); `eta` = 0 deterministic (default), 1 = DDPM's variance. */
      kind: 'ddim';
      eta?: number;
    } & SamplerOptions)
  | ({
      /** DPM-Solver++(2M) (Lu et al. 2022), multistep second order in the data prediction. */
      kind: 'dpm-solver++';
    } & SamplerOptions)
  | ({
      /** Euler (first order) or Heun (second order) on Karras sigmas (Karras et al. 2022). */
      kind: 'euler' | 'heun';
    } & SamplerOptions);

/** The sampler kinds `createScheduler` knows. */
export const SAMPLER_KINDS = ['ddpm', 'ddim', 'dpm-solver++', 'euler', 'heun'] as const;

/** What the network predicts (default `epsilon`): a sampler must follow the model's training. */
export interface ModelOutputOptions {
  predictionType?: PredictionType;
}

export function createScheduler(
  schedule: NoiseSchedule,
  config: SamplerConfig,
  model: ModelOutputOptions = {},
): Scheduler {
  const guard: SampleGuard = { clipSample: config.clipSample, threshold: config.threshold };
  checkSampleGuard(guard);
  const context = {
    schedule,
    predictionType: checkPredictionType(model.predictionType ?? 'epsilon'),
    guard,
  };
  switch (config.kind) {
    case 'ddpm':
      return ddpmScheduler(context, config);
    case 'ddim':
      return ddimScheduler(context, config);
    case 'dpm-solver++':
      return dpmSolverScheduler(context, config);
    case 'euler':
    case 'heun':
      return eulerHeunScheduler(context, config, config.kind);
    default:
      throw new RangeError(`unknown sampler kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}
