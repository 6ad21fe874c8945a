import * as tf from '@tensorflow/tfjs';
import { estimateAt, type SamplerContext, type Scheduler } from './scheduler.js';
import { planTimesteps, type TimestepPlan } from './timesteps.js';

export const DEFAULT_EULER_STEPS = 30;
export const DEFAULT_HEUN_STEPS = 15;

/**
 * Euler and Heun (Karras et al. 2022, Algorithm 1 without churn; diffusers' `EulerDiscreteScheduler` and
 * `HeunDiscreteScheduler`) on the probability-flow ODE dx/dsigma = (x - x0_hat) / sigma, in the variance-
 * exploding variable x / alpha with sigma = sqrt(1 - abar) / sqrt(abar); samples in and out are in the
 * schedule's own (variance-preserving) scale. Default `karras` spacing. Heun corrects each Euler step with
 * a second evaluation at its end (2 n - 1 evaluations for n timesteps, the last step to sigma = 0 is
 * Euler); `timesteps` lists every evaluation, so Heun's repeat. Deterministic: they draw no noise.
 */
export function eulerHeunScheduler(
  context: SamplerContext,
  plan: TimestepPlan,
  method: 'euler' | 'heun',
): Scheduler {
  const { schedule } = context;
  const planFor = (p: TimestepPlan) =>
    planTimesteps(schedule, p, {
      steps: method === 'euler' ? DEFAULT_EULER_STEPS : DEFAULT_HEUN_STEPS,
      spacing: 'karras',
    });
  // The grid of sigmas and, per evaluation, which grid point it is and whether it is a Heun correction.
  let grid: number[] = [];
  let evaluations: { point: number; corrects: boolean }[] = [];
  let timesteps: number[] = [];
  const replan = (p: TimestepPlan) => {
    grid = planFor(p);
    evaluations = grid.flatMap((_, i) =>
      method === 'heun' && i > 0
        ? [
            { point: i, corrects: true },
            { point: i, corrects: false },
          ]
        : [{ point: i, corrects: false }],
    );
    timesteps = evaluations.map(({ point }) => grid[point]!);
  };
  replan(plan);
  const sigmaAt = (i: number) =>
    i < grid.length
      ? schedule.sqrtOneMinusAlphasCumprod[grid[i]!]! / schedule.sqrtAlphasCumprod[grid[i]!]!
      : 0;
  const alphaAt = (i: number) => (i < grid.length ? schedule.sqrtAlphasCumprod[grid[i]!]! : 1);
  /** Heun's pending step: where it started (x / alpha) and its Euler slope. */
  let pending: { start: tf.Tensor; slope: tf.Tensor } | null = null;
  const forget = () => {
    if (pending) tf.dispose([pending.start, pending.slope]);
    pending = null;
  };
  return {
    get timesteps() {
      return timesteps;
    },
    step: (index, sample, modelOutput) =>
      tf.tidy(() => {
        const { point, corrects } = evaluations[index]!;
        const t = grid[point]!;
        const sigma = sigmaAt(point);
        const x = tf.div(sample, alphaAt(point));
        const x0 = estimateAt(context, t, sample, modelOutput).sample;
        const slope = tf.div(tf.sub(x, x0), sigma);
        if (corrects) {
          // Heun: average the slopes at both ends of the step that started at point - 1.
          const { start, slope: first } = pending!;
          const h = sigma - sigmaAt(point - 1);
          const corrected = tf.add(start, tf.mul(h / 2, tf.add(first, slope)));
          forget();
          return tf.mul(corrected, alphaAt(point));
        }
        const next = point + 1;
        const h = sigmaAt(next) - sigma;
        const euler = next === grid.length ? x0 : tf.add(x, tf.mul(h, slope));
        if (method === 'heun' && next < grid.length) {
          forget();
          pending = { start: tf.keep(x), slope: tf.keep(slope) };
        }
        return tf.mul(euler, alphaAt(next));
      }),
    reset: (next) => {
      forget();
      if (next) replan(next);
    },
    dispose: forget,
  };
}
