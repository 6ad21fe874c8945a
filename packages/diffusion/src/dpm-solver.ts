import * as tf from '@tensorflow/tfjs';
import {
  alphaBarAt,
  estimateAt,
  plannedScheduler,
  type SamplerContext,
  type Scheduler,
} from './scheduler.js';
import { logSnr, planTimesteps, type TimestepPlan } from './timesteps.js';

export const DEFAULT_DPM_SOLVER_STEPS = 20;

/**
 * DPM-Solver++(2M), following Lu et al. (2022) and diffusers' `DPMSolverMultistepScheduler` with
 * `algorithm_type="dpmsolver++"`, `solver_order=2`, `solver_type="midpoint"`, `final_sigmas_type="zero"`.
 * With alpha_t = sqrt(abar_t), sigma_t = sqrt(1 - abar_t), lambda_t = log(alpha_t / sigma_t), a step from
 * s to t (h = lambda_t - lambda_s) is
 *   x_t = (sigma_t / sigma_s) x_s - alpha_t (e^{-h} - 1) (D0 + D1 / 2),
 * D0 = x0_hat(s), D1 = (x0_hat(s) - x0_hat(s_prev)) / r, r = h_prev / h. The first step (no history)
 * and the last step (to sigma = 0, i.e. straight to the clean sample) are first order (D1 = 0), which
 * is DDIM with eta = 0. Deterministic: it draws no noise. Default 20 steps, `log-snr` spacing.
 */
export function dpmSolverScheduler(context: SamplerContext, plan: TimestepPlan): Scheduler {
  const { schedule } = context;
  const planFor = (p: TimestepPlan) =>
    planTimesteps(schedule, p, { steps: DEFAULT_DPM_SOLVER_STEPS, spacing: 'log-snr' });
  const lambda = (t: number) => logSnr(schedule, t);
  let previousX0: tf.Tensor | null = null;
  const forget = () => {
    previousX0?.dispose();
    previousX0 = null;
  };
  return plannedScheduler(
    planFor,
    plan,
    (timesteps, index, sample, modelOutput) => {
      const s = timesteps[index]!;
      const t = timesteps[index + 1] ?? -1;
      const h = lambda(t) - lambda(s);
      const sigmaRatio = Math.sqrt((1 - alphaBarAt(schedule, t)) / (1 - alphaBarAt(schedule, s)));
      // -alpha_t (e^{-h} - 1); at the last step h = +inf and this is exactly 1.
      const dataWeight = -Math.sqrt(alphaBarAt(schedule, t)) * Math.expm1(-h);
      const x0 = estimateAt(context, s, sample, modelOutput).sample;
      let next: tf.Tensor;
      if (previousX0 === null || index === 0 || t < 0) {
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
    },
    forget,
  );
}
