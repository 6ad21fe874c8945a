import * as tf from '@tensorflow/tfjs';
import type { Denoiser, DropCondition } from './denoiser.js';
import type { ExponentialMovingAverage } from './ema.js';
import { qSample } from './forward.js';
import type { NoiseSchedule } from './schedule.js';
import { deriveSeed, uniformSource } from './seed.js';

/** Clean samples (batch first) and their conditions, one per row. */
export interface TrainingBatch<C extends tf.TensorContainer> {
  x0: tf.Tensor;
  condition: C;
}

/**
 * Condition dropout for classifier-free guidance: each row's condition is dropped (`drop` with keep = 0)
 * with this probability, so one network learns both the conditional and the unconditional model.
 */
export interface ConditionDropout<C extends tf.TensorContainer> {
  probability: number;
  drop: DropCondition<C>;
}

export interface EpsilonLossOptions<C extends tf.TensorContainer> {
  schedule: NoiseSchedule;
  denoiser: Denoiser<C>;
  batch: TrainingBatch<C>;
  /** Seeds this step's timesteps, dropout flags and noise; use a new one per step, e.g. `deriveSeed(runSeed, step)`. */
  seed: number;
  conditionDropout?: ConditionDropout<C>;
  /** Passed to the denoiser (default false; the training step sets it). */
  training?: boolean;
}

/**
 * The epsilon-prediction loss: t ~ U{0, ..., T-1} per row, noise ~ N(0, I), x_t = q_sample(x0, t, noise),
 * loss = mean((denoiser(x_t, t, condition) - noise)^2) over every element (Keras' MeanSquaredError on
 * equal-sized rows). Returns a scalar; intermediate tensors are freed. Also usable as a validation loss.
 */
export function epsilonLoss<C extends tf.TensorContainer>(options: EpsilonLossOptions<C>): tf.Scalar {
  const { schedule, denoiser, batch, seed, conditionDropout } = options;
  const batchSize = batch.x0.shape[0];
  if (batchSize === undefined) throw new RangeError('training batch x0 must have a batch axis');
  // Index-like draws come from a JS source, so no tensor has to be read back to build them.
  const random = uniformSource(deriveSeed(seed, 1));
  const timesteps = Int32Array.from({ length: batchSize }, () => Math.floor(random() * schedule.timesteps));
  const keep = conditionKeepFlags(conditionDropout?.probability, batchSize, random);
  return tf.tidy(() => {
    const t = tf.tensor1d(timesteps, 'int32');
    const noise = tf.randomNormal(batch.x0.shape, 0, 1, 'float32', deriveSeed(seed, 2));
    const noisy = qSample(schedule, batch.x0, t, noise);
    const condition =
      keep && conditionDropout ? conditionDropout.drop(batch.condition, tf.tensor1d(keep)) : batch.condition;
    const predicted = denoiser(noisy, t, condition, { training: options.training ?? false });
    return tf.mean(tf.squaredDifference(predicted, noise)) as tf.Scalar;
  });
}

function conditionKeepFlags(
  p: number | undefined,
  batchSize: number,
  random: () => number,
): Float32Array | null {
  if (p === undefined) return null;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`condition dropout probability must be in [0, 1], got ${p}`);
  return p === 0 ? null : Float32Array.from({ length: batchSize }, () => (random() < p ? 0 : 1));
}

export interface TrainingStepOptions<C extends tf.TensorContainer>
  extends Omit<EpsilonLossOptions<C>, 'training'> {
  /** The variables to train; of a tf.LayersModel: `model.trainableWeights.map((w) => w.read() as tf.Variable)`. */
  variables: readonly tf.Variable[];
  optimizer: tf.Optimizer;
  /** Updated after the optimiser step when given. */
  ema?: ExponentialMovingAverage;
  /** This step's EMA decay (default: the EMA's own constant decay). */
  emaDecay?: number;
}

/**
 * One gradient step: loss (see `epsilonLoss`, with `training: true`), gradients with respect to
 * `variables`, optimiser update, then the EMA update. Resolves to the loss before the update. Leaves no
 * tensor behind (the optimiser's own slots, created on its first step, excepted).
 */
export async function trainingStep<C extends tf.TensorContainer>(
  options: TrainingStepOptions<C>,
): Promise<number> {
  const { optimizer, ema } = options;
  const variables = [...options.variables];
  if (variables.length === 0) throw new RangeError('training step needs at least one variable to train');
  const loss = tf.tidy(
    () => optimizer.minimize(() => epsilonLoss({ ...options, training: true }), true, variables)!,
  );
  try {
    ema?.update(options.emaDecay);
    const [value] = await loss.data();
    return value!;
  } finally {
    loss.dispose();
  }
}
