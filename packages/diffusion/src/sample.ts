import * as tf from '@tensorflow/tfjs';
import { createScheduler, type SamplerConfig } from './create-scheduler.js';
import { type ConcatConditions, type Denoiser, type DropCondition, disposeDerived } from './denoiser.js';
import type { PredictionType } from './prediction.js';
import type { NoiseSchedule } from './schedule.js';
import { deriveSeed, rowNormals } from './seed.js';

/**
 * Classifier-free guidance (Ho & Salimans 2022) in DiffBatt's form
 * `eps = (1 + weight) eps_cond - weight eps_uncond`; weight = 0 is the plain conditional model (diffusers'
 * guidance scale is weight + 1). The unconditional condition is `drop(condition, zeros)`.
 */
export interface ClassifierFreeGuidance<C extends tf.TensorContainer> {
  weight: number;
  drop: DropCondition<C>;
  concat: ConcatConditions<C>;
}

export interface SamplingProgress {
  /** Steps done so far, 1..totalSteps. */
  step: number;
  totalSteps: number;
  /** The timestep whose network evaluation this step used. */
  timestep: number;
  /**
   * The sample after this step. Owned by the sampler and disposed at the next step: read it (e.g.
   * `await sample.data()`) or clone it inside the callback. Not reading it costs nothing.
   */
  sample: tf.Tensor;
}

export interface SampleOptions<C extends tf.TensorContainer> {
  schedule: NoiseSchedule;
  denoiser: Denoiser<C>;
  /** Shape of the samples, batch first, e.g. [42, 256, 1]. */
  shape: readonly number[];
  /** One condition per batch row; the caller keeps ownership. */
  condition: C;
  /** x_T is drawn with `deriveSeed(seed, 0)`, the noise of step i (0-based) with `deriveSeed(seed, i + 1)`. */
  seed: number;
  /**
   * One seed per batch row instead: row r's x_T and step noise come from `rowSeeds[r]` alone (`rowNormals`
   * with path [0], then [i + 1]), so each row's sample is the same whichever rows share its batch (up to
   * the rounding of batch-size-dependent kernels). Lets callers split rows over workers. `seed` is unused.
   */
  rowSeeds?: readonly number[];
  /** Default `{ kind: 'ddpm' }`. */
  sampler?: SamplerConfig;
  /** What the denoiser predicts (default `epsilon`); the type it was trained for. */
  predictionType?: PredictionType;
  guidance?: ClassifierFreeGuidance<C>;
  /** Called after each step; a returned promise is awaited before the next step (e.g. to repaint a UI). */
  onStep?: (progress: SamplingProgress) => void | Promise<void>;
  /** Checked before each step; aborting rejects with the signal's reason and frees every tensor. */
  signal?: AbortSignal;
}

/**
 * The network's output at one timestep, with guidance applied. Guidance combines the two outputs in the
 * model's own prediction type: at a shared x_t, epsilon, v and x0 are affine in one another, so the
 * combination is the same as in epsilon space.
 */
interface GuidedModel {
  predict(sample: tf.Tensor, timestep: number): tf.Tensor;
  dispose(): void;
}

/**
 * With weight 0 only the conditional pass runs. Otherwise both passes run as ONE network call on the
 * doubled batch [conditional rows; unconditional rows], whose condition is built once for the whole run.
 */
function createGuidedModel<C extends tf.TensorContainer>(
  denoiser: Denoiser<C>,
  condition: C,
  batchSize: number,
  guidance: ClassifierFreeGuidance<C> | undefined,
): GuidedModel {
  const timestepsOf = (rows: number, timestep: number) => tf.fill([rows], timestep, 'int32') as tf.Tensor1D;
  const weight = guidance?.weight ?? 0;
  if (!Number.isFinite(weight)) throw new RangeError(`guidance weight must be finite, got ${weight}`);
  if (guidance === undefined || weight === 0) {
    return {
      predict: (sample, timestep) =>
        denoiser(sample, timestepsOf(batchSize, timestep), condition, { training: false }),
      dispose: () => {},
    };
  }
  const doubled = tf.tidy(() => guidance.concat(condition, guidance.drop(condition, tf.zeros([batchSize]))));
  return {
    predict: (sample, timestep) =>
      tf.tidy(() => {
        const both = denoiser(tf.concat([sample, sample]), timestepsOf(2 * batchSize, timestep), doubled, {
          training: false,
        });
        const [conditional, unconditional] = tf.split(both, 2);
        return tf.sub(tf.mul(1 + weight, conditional!), tf.mul(weight, unconditional!));
      }),
    dispose: () => disposeDerived(doubled, condition),
  };
}

/**
 * Draws samples from x_T ~ N(0, I) with the chosen sampler. Resolves to x_0 (the caller disposes it);
 * tensors in use stay constant from step to step, and all are freed on error or abort.
 */
export async function sample<C extends tf.TensorContainer>(options: SampleOptions<C>): Promise<tf.Tensor> {
  const { schedule, denoiser, condition, seed, onStep, signal } = options;
  const shape = [...options.shape];
  const batchSize = shape[0];
  if (batchSize === undefined || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`sample shape must be positive integers, batch first; got [${shape.join(', ')}]`);
  }
  deriveSeed(seed); // validates the seed before any tensor exists
  const { rowSeeds } = options;
  if (rowSeeds !== undefined) {
    if (rowSeeds.length !== batchSize)
      throw new RangeError(`rowSeeds has ${rowSeeds.length} seeds for a batch of ${batchSize} rows`);
    for (const rowSeed of rowSeeds) deriveSeed(rowSeed);
  }
  const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
  /** The noise of draw `k` (0: x_T, i + 1: step i), per row when row seeds are given. */
  const noiseOf = (k: number) =>
    rowSeeds === undefined
      ? deriveSeed(seed, k)
      : (noiseShape: number[]) => tf.tensor(rowNormals(rowSeeds, rowSize, k), noiseShape);
  const scheduler = createScheduler(schedule, options.sampler ?? { kind: 'ddpm' }, {
    predictionType: options.predictionType,
  });
  let predictor: GuidedModel | undefined;
  let x: tf.Tensor | undefined;
  try {
    predictor = createGuidedModel(denoiser, condition, batchSize, options.guidance);
    const initial = noiseOf(0);
    x = typeof initial === 'number' ? tf.randomNormal(shape, 0, 1, 'float32', initial) : initial(shape);
    const { timesteps } = scheduler;
    for (let index = 0; index < timesteps.length; index++) {
      signal?.throwIfAborted();
      const timestep = timesteps[index]!;
      const current: tf.Tensor = x;
      const guidedModel = predictor;
      x = tf.tidy(() =>
        scheduler.step(index, current, guidedModel.predict(current, timestep), noiseOf(index + 1)),
      );
      current.dispose();
      await onStep?.({ step: index + 1, totalSteps: timesteps.length, timestep, sample: x });
    }
    return x;
  } catch (error) {
    x?.dispose();
    throw error;
  } finally {
    predictor?.dispose();
    scheduler.dispose();
  }
}
