import * as tf from '@tensorflow/tfjs';
import {
  alphaBarAt,
  estimateAt,
  plannedScheduler,
  type SamplerContext,
  type Scheduler,
  standardNormal,
} from './scheduler.js';
import { maxTimestep, planTimesteps, type TimestepPlan } from './timesteps.js';

/**
 * Ancestral DDPM (Ho et al. 2020): x_s ~ q(x_s | x_t, x0_hat). By default over every timestep from tMax
 * (T - 1 on the linear schedule) down to 0, with the original's float32 arithmetic in the original's order:
 * mean = c1 x0_hat + c2 x_t, plus exp(0.5 log var_clipped) z, no noise at t = 0. With fewer steps the
 * same posterior between non-adjacent timesteps (diffusers' DDPMScheduler with num_inference_steps).
 */
export function ddpmScheduler(context: SamplerContext, plan: TimestepPlan): Scheduler {
  const { schedule } = context;
  const planFor = (p: TimestepPlan) =>
    planTimesteps(schedule, p, {
      steps: p.timesteps === undefined ? maxTimestep(schedule, p.lambdaMin) + 1 : 0,
      spacing: 'trailing',
    });
  return plannedScheduler(planFor, plan, (timesteps, index, sample, modelOutput, noise) => {
    const t = timesteps[index]!;
    const s = timesteps[index + 1] ?? -1;
    const x0 = estimateAt(context, t, sample, modelOutput).sample;
    if (s === t - 1) {
      const mean = tf.add(
        tf.mul(schedule.posteriorMeanCoef1[t]!, x0),
        tf.mul(schedule.posteriorMeanCoef2[t]!, sample),
      );
      if (t === 0) return mean;
      // exp(0.5 log var) of the float32 log variance, rounded to float32 (TF computes it in float32).
      const noiseScale = Math.exp(0.5 * Math.fround(schedule.posteriorLogVarianceClipped[t]!));
      return tf.add(mean, tf.mul(noiseScale, standardNormal(sample.shape, noise, 'DDPM')));
    }
    // q(x_s | x_t, x0) for s < t - 1: the one-step formulas with alpha = abar_t / abar_s.
    const [abarT, abarS] = [alphaBarAt(schedule, t), alphaBarAt(schedule, s)];
    const beta = 1 - abarT / abarS;
    const mean = tf.add(
      tf.mul((Math.sqrt(abarS) * beta) / (1 - abarT), x0),
      tf.mul((Math.sqrt(1 - beta) * (1 - abarS)) / (1 - abarT), sample),
    );
    const variance = (beta * (1 - abarS)) / (1 - abarT);
    if (s < 0) return mean;
    return tf.add(mean, tf.mul(Math.sqrt(variance), standardNormal(sample.shape, noise, 'DDPM')));
  });
}
