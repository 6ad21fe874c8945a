import * as tf from '@tensorflow/tfjs';
import { linspace, type NoiseSchedule } from './schedule.js';

/** Clamp for the predicted clean sample x0_hat (off by default, as in DiffBatt). */
export interface ClipRange {
  min: number;
  max: number;
}

/**
 * How few-step samplers choose their timesteps out of 0..T-1, in sampling (decreasing) order:
 * - `trailing` = round(T - i T / steps) - 1: starts at T-1 (diffusers' "trailing");
 * - `leading` = i floor(T / steps): ends at 0 (diffusers' "leading");
 * - `linspace` = round(linspace(0, T-1, steps)): both ends (diffusers' "linspace");
 * - `log-snr`: uniform in lambda = log(alpha / sigma) from t = T-1 to t = 0, each snapped to the nearest
 *   timestep and pushed apart so all are distinct (Lu et al.'s logSNR spacing; diffusers' `use_lu_lambdas`).
 * Rounding is half to even, as NumPy does.
 */
export type TimestepSpacing = 'trailing' | 'leading' | 'linspace' | 'log-snr';

interface FewStepOptions {
  /** Number of network evaluations (default: 50 for DDIM, 20 for DPM-Solver++). */
  steps?: number;
  /** Default: `trailing` for DDIM, `log-snr` for DPM-Solver++. */
  spacing?: TimestepSpacing;
  /** Explicit timesteps, strictly decreasing, each in [0, T); overrides `steps` and `spacing`. */
  timesteps?: readonly number[];
  clipSample?: ClipRange;
}

/** Which sampler to run; serialisable as JSON. */
export type SamplerConfig =
  | {
      /** Ancestral DDPM over all T steps, the original DiffBatt arithmetic. */
      kind: 'ddpm';
      clipSample?: ClipRange;
    }
  | ({
      /** DDIM (Song et al. 2021); `eta` = 0 deterministic (default), 1 = DDPM's variance. */
      kind: 'ddim';
      eta?: number;
    } & FewStepOptions)
  | ({
      /** DPM-Solver++(2M) (Lu et al. 2022), multistep second order in the data prediction. */
      kind: 'dpm-solver++';
    } & FewStepOptions);

/**
 * One sampler's plan and update rule (diffusers' `scheduler.step`). `step(i, x, eps, seed)` takes the
 * sample at `timesteps[i]` and the network's (guided) noise prediction there and returns the sample at
 * `timesteps[i + 1]`, or the clean sample after the last index. Steps must be taken in order; DDPM and DDIM
 * draw their fresh noise with `noise`: a seed for `tf.randomNormal`, or a function that returns standard
 * normal noise of the given shape (e.g. drawn per batch row). Each call returns a new tensor and leaks nothing, but the
 * scheduler may hold state between steps: call `dispose()` when done.
 */
export interface Scheduler {
  readonly timesteps: readonly number[];
  step(index: number, sample: tf.Tensor, predictedNoise: tf.Tensor, noise: NoiseDraw): tf.Tensor;
  dispose(): void;
}

export const DEFAULT_DDIM_STEPS = 50;
export const DEFAULT_DPM_SOLVER_STEPS = 20;

export function createScheduler(schedule: NoiseSchedule, config: SamplerConfig): Scheduler {
  const clip = config.clipSample;
  if (clip !== undefined && !(clip.min < clip.max)) {
    throw new RangeError(`clipSample needs min < max, got [${clip.min}, ${clip.max}]`);
  }
  switch (config.kind) {
    case 'ddpm':
      return ddpmScheduler(schedule, config.clipSample);
    case 'ddim':
      return ddimScheduler(schedule, config);
    case 'dpm-solver++':
      return dpmSolverScheduler(schedule, config);
    default:
      throw new RangeError(`unknown sampler kind ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

/** The inference timesteps for `steps` network evaluations, in sampling (decreasing) order. */
export function inferenceTimesteps(
  schedule: NoiseSchedule,
  steps: number,
  spacing: TimestepSpacing,
): number[] {
  const T = schedule.timesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new RangeError(`sampler steps must be an integer in [1, ${T}], got ${steps}`);
  }
  switch (spacing) {
    case 'trailing':
      return Array.from({ length: steps }, (_, i) => roundHalfEven(T - i * (T / steps)) - 1);
    case 'leading': {
      const ratio = Math.floor(T / steps);
      return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio);
    }
    case 'linspace':
      if (steps < 2) throw new RangeError('linspace timestep spacing needs at least 2 steps');
      return Array.from(linspace(0, T - 1, steps), roundHalfEven).reverse();
    case 'log-snr':
      return logSnrTimesteps(schedule, steps);
    default:
      throw new RangeError(`unknown timestep spacing ${JSON.stringify(spacing)}`);
  }
}

function logSnrTimesteps(schedule: NoiseSchedule, steps: number): number[] {
  const T = schedule.timesteps;
  // lambda decreases with t; snap each target to the timestep with the nearest lambda.
  const lambdas = Array.from({ length: T }, (_, t) => logSnr(schedule, t));
  const nearest = (target: number) => {
    let best = 0;
    for (let t = 1; t < T; t++)
      if (Math.abs(lambdas[t]! - target) < Math.abs(lambdas[best]! - target)) best = t;
    return best;
  };
  const snapped = Array.from(linspace(lambdas[T - 1]!, lambdas[0]!, steps), nearest);
  // Where lambda moves fast (near t = 0, and near T-1 for the cosine schedule) several targets snap to one
  // timestep: lift them apart from the bottom, then cap them from the top, so all are distinct and in range.
  for (let i = steps - 2; i >= 0; i--) snapped[i] = Math.max(snapped[i]!, snapped[i + 1]! + 1);
  snapped[0] = Math.min(snapped[0]!, T - 1);
  for (let i = 1; i < steps; i++) snapped[i] = Math.min(snapped[i]!, snapped[i - 1]! - 1);
  return snapped;
}

/** lambda_t = log(alpha_t / sigma_t) = (log abar_t - log(1 - abar_t)) / 2; +Infinity at t = -1 (clean). */
function logSnr(schedule: NoiseSchedule, t: number): number {
  return t < 0
    ? Number.POSITIVE_INFINITY
    : 0.5 * (Math.log(schedule.alphasCumprod[t]!) - schedule.logOneMinusAlphasCumprod[t]!);
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

function planTimesteps(
  schedule: NoiseSchedule,
  options: FewStepOptions,
  defaults: { steps: number; spacing: TimestepSpacing },
): number[] {
  const T = schedule.timesteps;
  if (options.timesteps === undefined) {
    const steps = options.steps ?? Math.min(defaults.steps, T);
    return inferenceTimesteps(schedule, steps, options.spacing ?? defaults.spacing);
  }
  const timesteps = [...options.timesteps];
  if (timesteps.length === 0) throw new RangeError('sampler timesteps must not be empty');
  timesteps.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= T) {
      throw new RangeError(`sampler timesteps[${i}] = ${t} is not an integer in [0, ${T})`);
    }
    if (i > 0 && t >= timesteps[i - 1]!) {
      throw new RangeError(
        `sampler timesteps must strictly decrease; timesteps[${i}] = ${t} follows ${timesteps[i - 1]}`,
      );
    }
  });
  return timesteps;
}

/** `abar` at a timestep, with abar = 1 (no noise) at t = -1, the target of the last step. */
function alphaBarAt(schedule: NoiseSchedule, t: number): number {
  return t < 0 ? 1 : schedule.alphasCumprod[t]!;
}

/** x0_hat = sqrt(1/abar_t) x_t - sqrt(1/abar_t - 1) eps, float32 as in the original, optionally clamped. */
function predictOriginal(
  schedule: NoiseSchedule,
  t: number,
  sample: tf.Tensor,
  predictedNoise: tf.Tensor,
  clip: ClipRange | undefined,
): tf.Tensor {
  const x0 = tf.sub(
    tf.mul(schedule.sqrtRecipAlphasCumprod[t]!, sample),
    tf.mul(schedule.sqrtRecipm1AlphasCumprod[t]!, predictedNoise),
  );
  return clip ? tf.clipByValue(x0, clip.min, clip.max) : x0;
}

/** Where a step's fresh noise comes from: a seed for `tf.randomNormal`, or a function drawing it. */
export type NoiseDraw = number | ((shape: number[]) => tf.Tensor);

function standardNormal(shape: number[], noise: NoiseDraw): tf.Tensor {
  return typeof noise === 'number' ? tf.randomNormal(shape, 0, 1, 'float32', noise) : noise(shape);
}

function ddpmScheduler(schedule: NoiseSchedule, clip: ClipRange | undefined): Scheduler {
  const T = schedule.timesteps;
  return {
    timesteps: Array.from({ length: T }, (_, i) => T - 1 - i),
    step: (index, sample, predictedNoise, noiseSeed) =>
      tf.tidy(() => {
        const t = T - 1 - index;
        const x0 = predictOriginal(schedule, t, sample, predictedNoise, clip);
        const mean = tf.add(
          tf.mul(schedule.posteriorMeanCoef1[t]!, x0),
          tf.mul(schedule.posteriorMeanCoef2[t]!, sample),
        );
        if (t === 0) return mean;
        // exp(0.5 log var) of the float32 log variance, rounded to float32 (TF computes it in float32).
        const noiseScale = Math.exp(0.5 * Math.fround(schedule.posteriorLogVarianceClipped[t]!));
        return tf.add(mean, tf.mul(noiseScale, standardNormal(sample.shape, noiseSeed)));
      }),
    dispose: () => {},
  };
}

function ddimScheduler(schedule: NoiseSchedule, config: FewStepOptions & { eta?: number }): Scheduler {
  const eta = config.eta ?? 0;
  if (!(Number.isFinite(eta) && eta >= 0))
    throw new RangeError(`DDIM eta must be a finite number >= 0, got ${eta}`);
  const timesteps = planTimesteps(schedule, config, { steps: DEFAULT_DDIM_STEPS, spacing: 'trailing' });
  return {
    timesteps,
    step: (index, sample, predictedNoise, noiseSeed) =>
      tf.tidy(() => {
        const t = timesteps[index]!;
        const alphaBar = schedule.alphasCumprod[t]!;
        const alphaBarPrev = alphaBarAt(schedule, timesteps[index + 1] ?? -1);
        const x0 = predictOriginal(schedule, t, sample, predictedNoise, config.clipSample);
        // With a clamped x0 the noise is re-derived from it, so both stay consistent with x_t.
        const eps = config.clipSample
          ? tf.div(tf.sub(sample, tf.mul(Math.sqrt(alphaBar), x0)), Math.sqrt(1 - alphaBar))
          : predictedNoise;
        const sigma =
          eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
        const direction = Math.sqrt(Math.max(1 - alphaBarPrev - sigma * sigma, 0));
        const next = tf.add(tf.mul(Math.sqrt(alphaBarPrev), x0), tf.mul(direction, eps));
        return sigma > 0 ? tf.add(next, tf.mul(sigma, standardNormal(sample.shape, noiseSeed))) : next;
      }),
    dispose: () => {},
  };
}

/**
 * DPM-Solver++(2M), following Lu et al. (2022) and diffusers' `DPMSolverMultistepScheduler` with
 * `algorithm_type="dpmsolver++"`, `solver_order=2`, `solver_type="midpoint"`, `final_sigmas_type="zero"`.
 * With alpha_t = sqrt(abar_t), sigma_t = sqrt(1 - abar_t), lambda_t = log(alpha_t / sigma_t), a step from
 * s to t (h = lambda_t - lambda_s) is
 *   x_t = (sigma_t / sigma_s) x_s - alpha_t (e^{-h} - 1) (D0 + D1 / 2),
 * D0 = x0_hat(s), D1 = (x0_hat(s) - x0_hat(s_prev)) / r, r = h_prev / h. The first step (no history)
 * and the last step (to sigma = 0, i.e. straight to the clean sample) are first order (D1 = 0), which
 * is DDIM with eta = 0. Deterministic: it draws no noise.
 */
function dpmSolverScheduler(schedule: NoiseSchedule, config: FewStepOptions): Scheduler {
  const timesteps = planTimesteps(schedule, config, { steps: DEFAULT_DPM_SOLVER_STEPS, spacing: 'log-snr' });
  const lambda = (t: number) => logSnr(schedule, t);
  let previousX0: tf.Tensor | null = null;
  return {
    timesteps,
    step: (index, sample, predictedNoise) =>
      tf.tidy(() => {
        const s = timesteps[index]!;
        const t = timesteps[index + 1] ?? -1;
        const h = lambda(t) - lambda(s);
        const sigmaRatio = Math.sqrt((1 - alphaBarAt(schedule, t)) / (1 - alphaBarAt(schedule, s)));
        // -alpha_t (e^{-h} - 1); at the last step h = +inf and this is exactly 1.
        const dataWeight = -Math.sqrt(alphaBarAt(schedule, t)) * Math.expm1(-h);
        const x0 = predictOriginal(schedule, s, sample, predictedNoise, config.clipSample);
        let next: tf.Tensor;
        if (previousX0 === null || t < 0) {
          next = tf.add(tf.mul(sigmaRatio, sample), tf.mul(dataWeight, x0));
        } else {
          const r = (lambda(s) - lambda(timesteps[index - 1]!)) / h;
          next = tf.add(
            tf.mul(sigmaRatio, sample),
            tf.sub(tf.mul(dataWeight * (1 + 0.5 / r), x0), tf.mul((dataWeight * 0.5) / r, previousX0)),
          );
        }
        previousX0?.dispose();
        previousX0 = tf.keep(x0);
        return next;
      }),
    dispose: () => {
      previousX0?.dispose();
      previousX0 = null;
    },
  };
}
