import { linspace, type NoiseSchedule } from './schedule.js';

/**
 * How samplers choose their timesteps out of 0..tMax, in sampling (decreasing) order (tMax: see
 * `TimestepPlan.lambdaMin`; T - 1 for the linear and scaled-linear schedules):
 * - `trailing` = round(N - i N / steps) - 1 with N = tMax + 1: starts at tMax (diffusers' "trailing");
 * - `leading` = i floor(N / steps): ends at 0 (diffusers' "leading");
 * - `linspace` = round(linspace(0, tMax, steps)): both ends (diffusers' "linspace");
 * - `log-snr`: uniform in lambda = log(alpha / sigma) from tMax to 0 (Lu et al.'s logSNR spacing;
 *   diffusers' `use_lu_lambdas`);
 * - `karras`: sigma = sqrt(1 - abar) / sqrt(abar) on Karras et al.'s (2022) rho = 7 grid from sigma(tMax)
 *   to sigma(0) (diffusers' `use_karras_sigmas`).
 * The last two snap each point to the timestep of nearest lambda and push them apart so all are distinct.
 * Rounding is half to even, as NumPy does.
 */
export type TimestepSpacing = 'trailing' | 'leading' | 'linspace' | 'log-snr' | 'karras';

/**
 * The default floor of lambda = log(alpha / sigma) where samplers start. The linear DDPM schedule ends at
 * lambda(999) = -5.06, so this keeps it (and scaled-linear, -2.7) whole; the cosine schedule plunges to
 * -9.9 in its last three steps (abar(999) = 2.4e-9), where x0 = x / alpha amplifies any error of an
 * epsilon network ~20,000x and where log-SNR spacing would spend its steps on 999, 998, 997. Starting at
 * lambda >= -5.1 (t = 996 for cosine, alpha = 0.006) caps that at ~160x, as on the linear schedule. The
 * value is diffusers' `lambda_min_clipped` for cosine schedules.
 */
export const DEFAULT_LAMBDA_MIN = -5.1;

/** Karras et al.'s rho for the `karras` spacing. */
export const KARRAS_RHO = 7;

/** Where a sampler's timesteps come from. */
export interface TimestepPlan {
  /** Number of network evaluations' timesteps. */
  steps?: number;
  spacing?: TimestepSpacing;
  /** Explicit timesteps, strictly decreasing, each in [0, T); overrides `steps`, `spacing` and `lambdaMin`. */
  timesteps?: readonly number[];
  /**
   * Start no noisier than this log-SNR: timesteps are planned over 0..tMax, tMax the last t with
   * lambda(t) >= lambdaMin (default `DEFAULT_LAMBDA_MIN`; -Infinity plans over all of 0..T-1).
   */
  lambdaMin?: number;
}

/** lambda_t = log(alpha_t / sigma_t) = (log abar_t - log(1 - abar_t)) / 2; +Infinity at t = -1 (clean). */
export function logSnr(schedule: NoiseSchedule, t: number): number {
  return t < 0
    ? Number.POSITIVE_INFINITY
    : 0.5 * (Math.log(schedule.alphasCumprod[t]!) - schedule.logOneMinusAlphasCumprod[t]!);
}

/** The noisiest timestep whose log-SNR is at least `lambdaMin` (lambda falls as t grows). */
export function maxTimestep(schedule: NoiseSchedule, lambdaMin = DEFAULT_LAMBDA_MIN): number {
  if (Number.isNaN(lambdaMin)) throw new RangeError('lambdaMin must be a number, got NaN');
  let t = schedule.timesteps - 1;
  while (t >= 0 && logSnr(schedule, t) < lambdaMin) t--;
  if (t < 0) {
    throw new RangeError(
      `lambdaMin ${lambdaMin} is above the log-SNR of every timestep (lambda(0) = ${logSnr(schedule, 0).toFixed(2)})`,
    );
  }
  return t;
}

/** The timesteps for `steps` network evaluations, in sampling (decreasing) order. */
export function inferenceTimesteps(
  schedule: NoiseSchedule,
  steps: number,
  spacing: TimestepSpacing,
  lambdaMin = DEFAULT_LAMBDA_MIN,
): number[] {
  const tMax = maxTimestep(schedule, lambdaMin);
  const N = tMax + 1;
  if (!Number.isInteger(steps) || steps < 1 || steps > N) {
    throw new RangeError(`sampler steps must be an integer in [1, ${N}], got ${steps}`);
  }
  switch (spacing) {
    case 'trailing':
      return Array.from({ length: steps }, (_, i) => roundHalfEven(N - i * (N / steps)) - 1);
    case 'leading': {
      const ratio = Math.floor(N / steps);
      return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio);
    }
    case 'linspace':
      if (steps < 2) throw new RangeError('linspace timestep spacing needs at least 2 steps');
      return Array.from(linspace(0, tMax, steps), roundHalfEven).reverse();
    case 'log-snr':
      return snapToTimesteps(
        schedule,
        tMax,
        Array.from(linspace(logSnr(schedule, tMax), logSnr(schedule, 0), steps)),
      );
    case 'karras': {
      // sigma = exp(-lambda); the rho grid runs from sigma_max to sigma_min in sigma^(1/rho).
      const [top, bottom] = [tMax, 0].map((t) => Math.exp(-logSnr(schedule, t) / KARRAS_RHO)) as [
        number,
        number,
      ];
      const targets = Array.from(
        linspace(0, 1, steps),
        (u) => -KARRAS_RHO * Math.log(top + u * (bottom - top)),
      );
      return snapToTimesteps(schedule, tMax, targets);
    }
    default:
      throw new RangeError(`unknown timestep spacing ${JSON.stringify(spacing)}`);
  }
}

/** Each target lambda (increasing) snapped to the timestep in 0..tMax of nearest lambda, all distinct. */
function snapToTimesteps(schedule: NoiseSchedule, tMax: number, targets: number[]): number[] {
  const lambdas = Array.from({ length: tMax + 1 }, (_, t) => logSnr(schedule, t));
  const nearest = (target: number) => {
    let best = 0;
    for (let t = 1; t <= tMax; t++)
      if (Math.abs(lambdas[t]! - target) < Math.abs(lambdas[best]! - target)) best = t;
    return best;
  };
  const snapped = targets.map(nearest);
  const steps = snapped.length;
  // Where lambda moves fast (near t = 0) several targets snap to one timestep: lift them apart from the
  // bottom, then cap them from the top, so all are distinct and in range.
  for (let i = steps - 2; i >= 0; i--) snapped[i] = Math.max(snapped[i]!, snapped[i + 1]! + 1);
  snapped[0] = Math.min(snapped[0]!, tMax);
  for (let i = 1; i < steps; i++) snapped[i] = Math.min(snapped[i]!, snapped[i - 1]! - 1);
  return snapped;
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** A sampler's timesteps from a plan, with its own defaults; validates explicit timesteps. */
export function planTimesteps(
  schedule: NoiseSchedule,
  plan: TimestepPlan,
  defaults: { steps: number; spacing: TimestepSpacing },
): number[] {
  const T = schedule.timesteps;
  if (plan.timesteps === undefined) {
    const lambdaMin = plan.lambdaMin ?? DEFAULT_LAMBDA_MIN;
    const steps = plan.steps ?? Math.min(defaults.steps, maxTimestep(schedule, lambdaMin) + 1);
    return inferenceTimesteps(schedule, steps, plan.spacing ?? defaults.spacing, lambdaMin);
  }
  const timesteps = [...plan.timesteps];
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
