import type { ExponentialMovingAverage } from '@diffbatt/diffusion';
import * as tf from '@tensorflow/tfjs';
import type { GradientPool } from './gradient-pool.js';
import { assignPacked, packValues } from './weights.js';

/** tfjs's Adam keeps beta^t as running products; restoring them exactly keeps a resumed run bit-identical. */
export interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

interface AdamHyper {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Weights, Adam moments and EMA shadows as flat Float32Arrays, updated in plain JavaScript: the main thread
 * of data-parallel training only applies summed gradients, and tfjs's Adam and EMA, a handful of small
 * ops per variable, cost ~100 ms a step on wasm where this loop costs a few. The formulas are tfjs
 * AdamOptimizer's (moments, bias correction by running beta powers rounded to float32, epsilon outside the
 * square root) and the EMA's; `toTf` writes the state back to the tfjs objects, exactly, for checkpoints,
 * validation and saving, and `fromTf` reads it from them (on start and resume).
 */
export class FlatTrainingState {
  private constructor(
    readonly weights: Float32Array,
    private readonly firstMoment: Float32Array,
    private readonly secondMoment: Float32Array,
    private readonly shadow: Float32Array,
    private beta1Power: number,
    private beta2Power: number,
    private iterations: number,
    private readonly hyper: AdamHyper,
  ) {}

  static async fromTf(
    variables: readonly tf.Variable[],
    optimizer: tf.AdamOptimizer,
    ema: ExponentialMovingAverage,
  ): Promise<FlatTrainingState> {
    const weights = await packValues(variables);
    const [iterations, ...slots] = await optimizer.getWeights();
    const iterationCount = (await iterations!.tensor.data())[0]!;
    iterations!.tensor.dispose();
    // Adam creates its moments on its first update: none yet means zeros.
    const moments = slots.length === 2 * variables.length;
    const powers = optimizer as unknown as AdamPowers;
    const hyper = optimizer as unknown as AdamHyper;
    return new FlatTrainingState(
      weights,
      moments
        ? await packValues(slots.slice(0, variables.length).map((s) => s.tensor))
        : new Float32Array(weights.length),
      moments
        ? await packValues(slots.slice(variables.length).map((s) => s.tensor))
        : new Float32Array(weights.length),
      await packValues(ema.shadowVariables),
      (await powers.accBeta1.data())[0]!,
      (await powers.accBeta2.data())[0]!,
      iterationCount,
      { beta1: hyper.beta1, beta2: hyper.beta2, epsilon: hyper.epsilon },
    );
  }

  /** One Adam update of the weights with a (summed) gradient. */
  applyGradients(gradients: Float32Array, learningRate: number): void {
    const { beta1, beta2, epsilon } = this.hyper;
    const { weights, firstMoment: m, secondMoment: v } = this;
    const correction1 = 1 - this.beta1Power;
    const correction2 = 1 - this.beta2Power;
    for (let i = 0; i < weights.length; i++) {
      const g = gradients[i]!;
      m[i] = m[i]! * beta1 + g * (1 - beta1);
      v[i] = v[i]! * beta2 + g * g * (1 - beta2);
      weights[i] =
        weights[i]! - (learningRate * (m[i]! / correction1)) / (Math.sqrt(v[i]! / correction2) + epsilon);
    }
    this.beta1Power = Math.fround(this.beta1Power * beta1);
    this.beta2Power = Math.fround(this.beta2Power * beta2);
    this.iterations++;
  }

  /** One EMA step: shadow = decay * shadow + (1 - decay) * weights. */
  updateEma(decay: number): void {
    for (let i = 0; i < this.shadow.length; i++)
      this.shadow[i] = decay * this.shadow[i]! + (1 - decay) * this.weights[i]!;
  }

  /** Writes weights, Adam state and EMA shadows into the tfjs objects. */
  async toTf(
    variables: readonly tf.Variable[],
    optimizer: tf.AdamOptimizer,
    ema: ExponentialMovingAverage,
  ): Promise<void> {
    assignPacked(variables, this.weights);
    const existing = await optimizer.getWeights();
    if (existing.length === 1 + 2 * variables.length) {
      // Assign in place: setWeights would leave the old moment variables behind, 4 MB a checkpoint.
      const moments = existing.slice(1).map((slot) => slot.tensor as tf.Variable);
      assignPacked(moments.slice(0, variables.length), this.firstMoment);
      assignPacked(moments.slice(variables.length), this.secondMoment);
      (optimizer as unknown as { iterations_: number }).iterations_ = this.iterations;
    } else {
      const slice = (packed: Float32Array, suffix: string) => {
        let offset = 0;
        return variables.map((v) => {
          const tensor = tf.tensor(packed.subarray(offset, offset + v.size), v.shape);
          offset += v.size;
          return { name: `${v.name}/${suffix}`, tensor };
        });
      };
      const slots = [
        { name: 'iter', tensor: tf.scalar(this.iterations, 'int32') },
        ...slice(this.firstMoment, 'm'),
        ...slice(this.secondMoment, 'v'),
      ];
      await optimizer.setWeights(slots);
      tf.dispose(slots.map((slot) => slot.tensor));
    }
    tf.dispose(existing.slice(0, 1).map((slot) => slot.tensor)); // the iterations scalar getWeights made
    const powers = optimizer as unknown as AdamPowers;
    tf.tidy(() => {
      powers.accBeta1.assign(tf.scalar(this.beta1Power));
      powers.accBeta2.assign(tf.scalar(this.beta2Power));
    });
    let offset = 0;
    ema.setShadowWeights(
      ema.shadowVariables.map((s) => {
        const part = this.shadow.subarray(offset, offset + s.size);
        offset += s.size;
        return part;
      }),
    );
  }
}

export interface DataParallelStepInput {
  step: number;
  /** The batch: indices of the pool's training cells. */
  batchCells: Int32Array;
  seed: number;
  conditionDropout: number;
  learningRate: number;
  /** This step's EMA decay. */
  emaDecay: number;
}

/**
 * One data-parallel step: the pool's workers return the summed gradient of the batch for the current
 * weights; this thread applies Adam and the EMA to the flat state. Resolves to the batch's loss before
 * the update.
 */
export async function dataParallelStep(
  pool: GradientPool,
  state: FlatTrainingState,
  input: DataParallelStepInput,
): Promise<number> {
  const { loss, gradients } = await pool.step({
    step: input.step,
    weights: state.weights,
    batchCells: input.batchCells,
    seed: input.seed,
    conditionDropout: input.conditionDropout,
  });
  state.applyGradients(gradients, input.learningRate);
  state.updateEma(input.emaDecay);
  return loss;
}
