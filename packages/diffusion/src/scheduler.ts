import * as tf from '@tensorflow/tfjs';
import {
  type DenoisedEstimate,
  denoisedEstimate,
  type PredictionType,
  type SampleGuard,
} from './prediction.js';
import type { NoiseSchedule } from './schedule.js';
import type { TimestepPlan } from './timesteps.js';

/** Where a step's fresh noise comes from: a seed for `tf.randomNormal`, or a function drawing it. */
export type NoiseDraw = number | ((shape: number[]) => tf.Tensor);

/**
 * One sampler's plan and update rule (diffusers' `scheduler.step`). `step(i, x, output, noise?)` takes the
 * sample at `timesteps[i]` and the network's (guided) output there, in the model's prediction type, and
 * returns the sample at `timesteps[i + 1]`, or the clean sample after the last index. Steps must be taken
 * in order. Stochastic samplers (DDPM, DDIM with eta > 0) draw fresh noise with `noise`; deterministic
 * ones need none. Each call returns a new tensor and leaks nothing; a multistep sampler holds history
 * between steps, which `reset()` forgets (optionally with new timesteps) so the scheduler can sample
 * again. Call `dispose()` when done.
 */
export interface Scheduler {
  /** The timestep of every network evaluation, in order (Heun evaluates most timesteps twice). */
  readonly timesteps: readonly number[];
  step(index: number, sample: tf.Tensor, modelOutput: tf.Tensor, noise?: NoiseDraw): tf.Tensor;
  /** Forgets the history of a run; a plan re-plans the timesteps (not for explicit DDPM timesteps). */
  reset(plan?: TimestepPlan): void;
  dispose(): void;
}

/** What every sampler needs to know about the model it samples. */
export interface SamplerContext {
  schedule: NoiseSchedule;
  predictionType: PredictionType;
  guard: SampleGuard;
}

/** Standard normal noise of `shape` from a draw; a sampler that needs noise and got none says so. */
export function standardNormal(shape: number[], noise: NoiseDraw | undefined, sampler: string): tf.Tensor {
  if (noise === undefined)
    throw new RangeError(`a ${sampler} step draws noise: pass a seed or a noise function`);
  return typeof noise === 'number' ? tf.randomNormal(shape, 0, 1, 'float32', noise) : noise(shape);
}

/** `abar` at a timestep, with abar = 1 (no noise) at t = -1, the target of the last step. */
export function alphaBarAt(schedule: NoiseSchedule, t: number): number {
  return t < 0 ? 1 : schedule.alphasCumprod[t]!;
}

/** The model's x0 and noise estimates at timestep t, with the context's guards. Call inside `tf.tidy`. */
export function estimateAt(
  context: SamplerContext,
  t: number,
  sample: tf.Tensor,
  modelOutput: tf.Tensor,
): DenoisedEstimate {
  return denoisedEstimate(context.schedule, context.predictionType, t, sample, modelOutput, context.guard);
}

/** One update on the current plan: the sample at `timesteps[index]` to the next. */
type PlannedStep = (
  timesteps: readonly number[],
  index: number,
  sample: tf.Tensor,
  modelOutput: tf.Tensor,
  noise?: NoiseDraw,
) => tf.Tensor;

/**
 * A scheduler whose timesteps come from a plan that `reset(plan)` can replace; each step runs in its own
 * `tf.tidy`, and `forget` drops any history a multistep rule keeps (on reset and dispose).
 */
export function plannedScheduler(
  planFor: (plan: TimestepPlan) => number[],
  plan: TimestepPlan,
  step: PlannedStep,
  forget: () => void = () => {},
): Scheduler {
  let timesteps = planFor(plan);
  return {
    get timesteps() {
      return timesteps;
    },
    step: (index, sample, modelOutput, noise) =>
      tf.tidy(() => step(timesteps, index, sample, modelOutput, noise)),
    reset: (next) => {
      forget();
      if (next) timesteps = planFor(next);
    },
    dispose: forget,
  };
}
