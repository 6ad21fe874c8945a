import * as tf from '@tensorflow/tfjs';
import type { Denoiser, DropCondition } from './denoiser.js';
import type { ExponentialMovingAverage } from './ema.js';
import { extractPerRow, qSample } from './forward.js';
import { type PredictionType, predictionTarget } from './prediction.js';
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

export interface DenoisingLossOptions<C extends tf.TensorContainer> {
  schedule: NoiseSchedule;
  denoiser: Denoiser<C>;
  batch: TrainingBatch<C>;
  /** Seeds this step's timesteps, dropout flags and noise; use a new one per step, e.g. `deriveSeed(runSeed, step)`. */
  seed: number;
  conditionDropout?: ConditionDropout<C>;
  /** What the denoiser learns to predict (default `epsilon`); sample with the same type. */
  predictionType?: PredictionType;
  /**
   * Min-SNR-gamma loss weighting (Hang et al. 2023): each row's squared error is weighted so that its
   * weight in x0 terms is min(SNR_t, gamma) (epsilon: min(SNR, gamma) / SNR; v: min(SNR, gamma) /
   * (SNR + 1); sample: min(SNR, gamma)). Off by default (plain MSE); the paper uses gamma = 5.
   */
  minSnrGamma?: number;
  /** Passed to the denoiser (default false; the training step sets it). */
  training?: boolean;
  /**
   * Data-parallel training: `batch` holds rows `[offset, offset + rows)` of a whole batch of `totalRows`.
   * The draws are made for the whole batch from `seed` and this part's rows taken, and the loss is this
   * part's share of the whole batch's mean, so the parts' losses and gradients add up to the whole
   * batch's (up to float32 summation order) however the batch is split.
   */
  shard?: BatchShard;
}

/** Where a part of a batch sits in the whole batch (see `DenoisingLossOptions.shard`). */
export interface BatchShard {
  offset: number;
  totalRows: number;
}

/**
 * The denoising loss: t ~ U{0, ..., T-1} per row, noise ~ N(0, I), x_t = q_sample(x0, t, noise),
 * loss = mean((denoiser(x_t, t, condition) - target)^2) over every element (Keras' MeanSquaredError on
 * equal-sized rows), the target being the noise (DiffBatt), v or x0 by `predictionType`, optionally
 * min-SNR weighted per row. Returns a scalar; intermediate tensors are freed. Also usable as a
 * validation loss.
 */
export function denoisingLoss<C extends tf.TensorContainer>(options: DenoisingLossOptions<C>): tf.Scalar {
  const { schedule, denoiser, batch, seed, conditionDropout, shard } = options;
  const predictionType = options.predictionType ?? 'epsilon';
  const gamma = options.minSnrGamma;
  if (gamma !== undefined && !(gamma > 0 && Number.isFinite(gamma)))
    throw new RangeError(`minSnrGamma must be a finite number > 0, got ${gamma}`);
  const rows = batch.x0.shape[0];
  if (rows === undefined) throw new RangeError('training batch x0 must have a batch axis');
  const offset = shard?.offset ?? 0;
  const totalRows = shard?.totalRows ?? rows;
  if (!(Number.isInteger(offset) && offset >= 0 && offset + rows <= totalRows)) {
    throw new RangeError(`a shard of ${rows} rows at offset ${offset} does not fit a batch of ${totalRows}`);
  }
  // Index-like draws come from a JS source, so no tensor has to be read back to build them.
  const random = uniformSource(deriveSeed(seed, 1));
  const timesteps = Int32Array.from({ length: totalRows }, () => Math.floor(random() * schedule.timesteps));
  const keep = conditionKeepFlags(conditionDropout?.probability, totalRows, random);
  return tf.tidy(() => {
    const t = tf.tensor1d(timesteps.subarray(offset, offset + rows), 'int32');
    const wholeNoise = tf.randomNormal(
      [totalRows, ...batch.x0.shape.slice(1)],
      0,
      1,
      'float32',
      deriveSeed(seed, 2),
    );
    const noise = shard ? tf.slice(wholeNoise, offset, rows) : wholeNoise;
    const noisy = qSample(schedule, batch.x0, t, noise);
    const condition =
      keep && conditionDropout
        ? conditionDropout.drop(batch.condition, tf.tensor1d(keep.subarray(offset, offset + rows)))
        : batch.condition;
    const predicted = denoiser(noisy, t, condition, { training: options.training ?? false });
    let squared = tf.squaredDifference(
      predicted,
      predictionTarget(schedule, predictionType, batch.x0, noise, t),
    );
    if (gamma !== undefined)
      squared = tf.mul(
        squared,
        extractPerRow(minSnrWeights(schedule, predictionType, gamma), t, squared.rank),
      );
    if (!shard) return tf.mean(squared) as tf.Scalar;
    return tf.div(tf.sum(squared), (squared.size / rows) * totalRows) as tf.Scalar;
  });
}

/** Min-SNR-gamma weight per timestep for a prediction type (see `DenoisingLossOptions.minSnrGamma`). */
function minSnrWeights(schedule: NoiseSchedule, predictionType: PredictionType, gamma: number): Float64Array {
  return schedule.alphasCumprod.map((abar) => {
    const snr = abar / (1 - abar);
    const clipped = Math.min(snr, gamma);
    return predictionType === 'epsilon'
      ? clipped / snr
      : predictionType === 'v'
        ? clipped / (snr + 1)
        : clipped;
  });
}

export interface LossGradientsOptions<C extends tf.TensorContainer>
  extends Omit<DenoisingLossOptions<C>, 'training'> {
  /** The variables to differentiate with respect to (see `TrainingStepOptions.variables`). */
  variables: readonly tf.Variable[];
}

/**
 * The training loss (`denoisingLoss` with `training: true`) and its gradient with respect to `variables`,
 * without applying them: one worker's share of a data-parallel step (with `shard`). Sum the shards'
 * gradients and apply them with `optimizer.applyGradients`. The caller disposes the gradients.
 */
export async function lossGradients<C extends tf.TensorContainer>(
  options: LossGradientsOptions<C>,
): Promise<{ loss: number; gradients: tf.Tensor[] }> {
  const variables = [...options.variables];
  if (variables.length === 0) throw new RangeError('a loss gradient needs at least one variable');
  const { value, grads } = tf.variableGrads(() => denoisingLoss({ ...options, training: true }), variables);
  try {
    const [loss] = await value.data();
    return { loss: loss!, gradients: variables.map((v) => grads[v.name]!) };
  } finally {
    value.dispose();
  }
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
  extends Omit<DenoisingLossOptions<C>, 'training'> {
  /** The variables to train; of a tf.LayersModel: `model.trainableWeights.map((w) => w.read() as tf.Variable)`. */
  variables: readonly tf.Variable[];
  optimizer: tf.Optimizer;
  /** Updated after the optimiser step when given. */
  ema?: ExponentialMovingAverage;
  /** This step's EMA decay (default: the EMA's own constant decay). */
  emaDecay?: number;
}

/**
 * One gradient step: loss (see `denoisingLoss`, with `training: true`), gradients with respect to
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
    () => optimizer.minimize(() => denoisingLoss({ ...options, training: true }), true, variables)!,
  );
  try {
    ema?.update(options.emaDecay);
    const [value] = await loss.data();
    return value!;
  } finally {
    loss.dispose();
  }
}
