import * as tf from '@tensorflow/tfjs';
import {
  alphaBarAt,
  estimateAt,
  plannedScheduler,
  type SamplerContext,
  type Scheduler,
  standardNormal,
} from './scheduler.js';
import { planTimesteps, type TimestepPlan } from './timesteps.js';

export const DEFAULT_DDIM_STEPS = 50;

/**
 * DDIM (Song et al. 2021): x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s - sigma^2) eps_hat + sigma z, with
 * sigma = eta sqrt((1 - abar_s) / (1 - abar_t)) sqrt(1 - abar_t / abar_s). eta = 0 (default) draws no
 * noise; eta = 1 over all T steps is DDPM. Default 50 steps, `trailing` spacing. The last step goes to
 * the clean sample (abar = 1).
 */
export function ddimScheduler(context: SamplerContext, plan: TimestepPlan & { eta?: number }): Scheduler {
  const { schedule } = context;
  const eta = plan.eta ?? 0;
  if (!(Number.isFinite(eta) && eta >= 0))
    throw new RangeError(`DDIM eta must be a finite number >= 0, got ${eta}`);
  const planFor = (p: TimestepPlan) =>
    planTimesteps(schedule, p, { steps: DEFAULT_DDIM_STEPS, spacing: 'trailing' });
  return plannedScheduler(planFor, plan, (timesteps, index, sample, modelOutput, noise) => {
    const t = timesteps[index]!;
    const alphaBar = schedule.alphasCumprod[t]!;
    const alphaBarPrev = alphaBarAt(schedule, timesteps[index + 1] ?? -1);
    const estimate = estimateAt(context, t, sample, modelOutput);
    const sigma =
      eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
    const direction = Math.sqrt(Math.max(1 - alphaBarPrev - sigma * sigma, 0));
    const next = tf.add(tf.mul(Math.sqrt(alphaBarPrev), estimate.sample), tf.mul(direction, estimate.noise));
    return sigma > 0 ? tf.add(next, tf.mul(sigma, standardNormal(sample.shape, noise, 'DDIM'))) : next;
  });
}
