/**
 * Noise schedules of a discrete-time Gaussian diffusion (Ho et al. 2020), with every derived constant the
 * samplers and the training loss need. Constants are computed in float64, exactly as the NumPy code of
 * the Keras DDPM example (and so DiffBatt) does, and only rounded to float32 when they meet a tensor.
 */

/** How the betas are made; serialisable as JSON, so a checkpoint can store it and rebuild the schedule. */
export type NoiseScheduleConfig =
  | {
      /** `betas = linspace(betaStart, betaEnd, timesteps)` (DDPM, DiffBatt). */
      kind: 'linear';
      timesteps?: number;
      betaStart?: number;
      betaEnd?: number;
    }
  | {
      /** `betas = linspace(sqrt(betaStart), sqrt(betaEnd), timesteps) ** 2` (latent diffusion). */
      kind: 'scaled-linear';
      timesteps?: number;
      betaStart?: number;
      betaEnd?: number;
    }
  | {
      /**
       * Nichol & Dhariwal (2021): `abar(s) = cos((s + offset) / (1 + offset) * pi / 2) ** 2` on s = t / T,
       * `beta_t = min(1 - abar((t + 1) / T) / abar(t / T), maxBeta)` (diffusers' `squaredcos_cap_v2`).
       */
      kind: 'cosine';
      timesteps?: number;
      offset?: number;
      maxBeta?: number;
    }
  | {
      /** Betas given by the caller, one per timestep, each in (0, 1). */
      kind: 'custom';
      betas: ArrayLike<number>;
    };

/** The config with every default filled in (what `NoiseSchedule.config` holds). */
export type ResolvedNoiseScheduleConfig =
  | { kind: 'linear' | 'scaled-linear'; timesteps: number; betaStart: number; betaEnd: number }
  | { kind: 'cosine'; timesteps: number; offset: number; maxBeta: number }
  | { kind: 'custom'; timesteps: number; betas: number[] };

/**
 * All constants indexed by timestep t = 0..T-1 (names follow the original `GaussianDiffusion` class).
 * `abar_{-1}` is taken as 1, so `alphasCumprodPrev[0] = 1` and `posteriorVariance[0] = 0`.
 */
export interface NoiseSchedule {
  readonly config: ResolvedNoiseScheduleConfig;
  /** Number of diffusion steps T. */
  readonly timesteps: number;
  readonly betas: Float64Array;
  /** `1 - beta_t` */
  readonly alphas: Float64Array;
  /** `abar_t = prod_{s<=t} alpha_s` */
  readonly alphasCumprod: Float64Array;
  /** `abar_{t-1}`, with 1 at t = 0 */
  readonly alphasCumprodPrev: Float64Array;
  readonly sqrtAlphasCumprod: Float64Array;
  readonly sqrtOneMinusAlphasCumprod: Float64Array;
  readonly logOneMinusAlphasCumprod: Float64Array;
  /** `sqrt(1 / abar_t)` */
  readonly sqrtRecipAlphasCumprod: Float64Array;
  /** `sqrt(1 / abar_t - 1)` */
  readonly sqrtRecipm1AlphasCumprod: Float64Array;
  /** `beta_t (1 - abar_{t-1}) / (1 - abar_t)`, the variance of q(x_{t-1} | x_t, x_0) */
  readonly posteriorVariance: Float64Array;
  /** `log(max(posteriorVariance, 1e-20))`: finite at t = 0, where the variance is 0 */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** `beta_t sqrt(abar_{t-1}) / (1 - abar_t)`, the weight of x_0 in the posterior mean */
  readonly posteriorMeanCoef1: Float64Array;
  /** `(1 - abar_{t-1}) sqrt(alpha_t) / (1 - abar_t)`, the weight of x_t in the posterior mean */
  readonly posteriorMeanCoef2: Float64Array;
}

/** DiffBatt's (and DDPM's) defaults. */
export const DEFAULT_TIMESTEPS = 1000;
export const DEFAULT_BETA_START = 1e-4;
export const DEFAULT_BETA_END = 0.02;
/** The posterior log variance is clipped here so that t = 0 (variance 0) stays finite. */
export const POSTERIOR_VARIANCE_FLOOR = 1e-20;

/** Builds a schedule; throws a RangeError naming the offending field when the config is invalid. */
export function createNoiseSchedule(config: NoiseScheduleConfig): NoiseSchedule {
  const resolved = resolveConfig(config);
  const betas = makeBetas(resolved);
  betas.forEach((beta, t) => {
    if (!(beta > 0 && beta < 1)) {
      throw new RangeError(
        `noise schedule (${resolved.kind}): beta at t = ${t} is ${beta}, must be in (0, 1)`,
      );
    }
  });
  return deriveConstants(resolved, betas);
}

function resolveConfig(config: NoiseScheduleConfig): ResolvedNoiseScheduleConfig {
  switch (config.kind) {
    case 'linear':
    case 'scaled-linear':
      return {
        kind: config.kind,
        timesteps: checkTimesteps(config.timesteps ?? DEFAULT_TIMESTEPS),
        betaStart: config.betaStart ?? DEFAULT_BETA_START,
        betaEnd: config.betaEnd ?? DEFAULT_BETA_END,
      };
    case 'cosine':
      return {
        kind: 'cosine',
        timesteps: checkTimesteps(config.timesteps ?? DEFAULT_TIMESTEPS),
        offset: config.offset ?? 0.008,
        maxBeta: config.maxBeta ?? 0.999,
      };
    case 'custom':
      return {
        kind: 'custom',
        timesteps: checkTimesteps(config.betas.length),
        betas: Array.from(config.betas),
      };
    default:
      throw new RangeError(
        `unknown noise schedule kind ${JSON.stringify((config as { kind: unknown }).kind)}`,
      );
  }
}

function checkTimesteps(timesteps: number): number {
  if (!Number.isInteger(timesteps) || timesteps < 1) {
    throw new RangeError(`noise schedule: timesteps must be a positive integer, got ${timesteps}`);
  }
  return timesteps;
}

function makeBetas(config: ResolvedNoiseScheduleConfig): Float64Array {
  switch (config.kind) {
    case 'linear':
      return linspace(config.betaStart, config.betaEnd, config.timesteps);
    case 'scaled-linear':
      return linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), config.timesteps).map(
        (b) => b * b,
      );
    case 'cosine': {
      const T = config.timesteps;
      const alphaBar = (s: number) =>
        Math.cos(((s + config.offset) / (1 + config.offset)) * (Math.PI / 2)) ** 2;
      return Float64Array.from({ length: T }, (_, t) =>
        Math.min(1 - alphaBar((t + 1) / T) / alphaBar(t / T), config.maxBeta),
      );
    }
    case 'custom':
      return Float64Array.from(config.betas);
  }
}

/** `numpy.linspace(start, stop, count)` bit for bit: `start + i * step`, with the last point set to `stop`. */
export function linspace(start: number, stop: number, count: number): Float64Array {
  if (count === 1) return Float64Array.of(start);
  const step = (stop - start) / (count - 1);
  const values = Float64Array.from({ length: count }, (_, i) => i * step + start);
  values[count - 1] = stop;
  return values;
}

function deriveConstants(config: ResolvedNoiseScheduleConfig, betas: Float64Array): NoiseSchedule {
  const T = betas.length;
  const alphas = betas.map((beta) => 1 - beta);
  const alphasCumprod = new Float64Array(T);
  let product = 1;
  for (let t = 0; t < T; t++) {
    product *= alphas[t]!;
    alphasCumprod[t] = product;
  }
  const alphasCumprodPrev = Float64Array.from({ length: T }, (_, t) => (t === 0 ? 1 : alphasCumprod[t - 1]!));
  const perStep = (f: (t: number) => number) => Float64Array.from({ length: T }, (_, t) => f(t));
  const posteriorVariance = perStep(
    (t) => (betas[t]! * (1 - alphasCumprodPrev[t]!)) / (1 - alphasCumprod[t]!),
  );
  return {
    config,
    timesteps: T,
    betas,
    alphas,
    alphasCumprod,
    alphasCumprodPrev,
    sqrtAlphasCumprod: alphasCumprod.map(Math.sqrt),
    sqrtOneMinusAlphasCumprod: alphasCumprod.map((a) => Math.sqrt(1 - a)),
    logOneMinusAlphasCumprod: alphasCumprod.map((a) => Math.log(1 - a)),
    sqrtRecipAlphasCumprod: alphasCumprod.map((a) => Math.sqrt(1 / a)),
    sqrtRecipm1AlphasCumprod: alphasCumprod.map((a) => Math.sqrt(1 / a - 1)),
    posteriorVariance,
    posteriorLogVarianceClipped: posteriorVariance.map((v) =>
      Math.log(Math.max(v, POSTERIOR_VARIANCE_FLOOR)),
    ),
    posteriorMeanCoef1: perStep(
      (t) => (betas[t]! * Math.sqrt(alphasCumprodPrev[t]!)) / (1 - alphasCumprod[t]!),
    ),
    posteriorMeanCoef2: perStep(
      (t) => ((1 - alphasCumprodPrev[t]!) * Math.sqrt(alphas[t]!)) / (1 - alphasCumprod[t]!),
    ),
  };
}
