import * as tf from '@tensorflow/tfjs';

export const DEFAULT_EMA_DECAY = 0.999;

/**
 * The usual EMA warm-up (as diffusers' EMAModel): decay min(maxDecay, (1 + n) / (10 + n)) at update n
 * (0-based), so the average forgets the random initial weights within a few hundred steps instead of
 * the ~5000 a constant 0.999 needs. The original DiffBatt uses the constant decay.
 */
export function emaWarmupDecay(update: number, maxDecay: number = DEFAULT_EMA_DECAY): number {
  return Math.min(maxDecay, (1 + update) / (10 + update));
}

/**
 * Exponential moving average of a list of variables (the network's weights), as the original keeps an
 * "EMA network" for sampling: after each update `shadow = decay * shadow + (1 - decay) * weight`, in
 * float32. Shadows start equal to the weights and are non-trainable, so optimisers never touch them.
 */
export class ExponentialMovingAverage {
  readonly decay: number;
  private readonly variables: readonly tf.Variable[];
  private readonly shadows: tf.Variable[];

  constructor(variables: readonly tf.Variable[], options: { decay?: number } = {}) {
    const decay = options.decay ?? DEFAULT_EMA_DECAY;
    if (!(decay >= 0 && decay <= 1)) throw new RangeError(`EMA decay must be in [0, 1], got ${decay}`);
    this.decay = decay;
    this.variables = [...variables];
    this.shadows = this.variables.map((variable) => tf.variable(variable, false));
  }

  /** The shadow (averaged) weights, in the order of the variables given; read them to checkpoint. */
  get shadowVariables(): readonly tf.Variable[] {
    return this.shadows;
  }

  /**
   * One averaging step; call after each optimiser update. `decay` overrides the constant decay for this
   * step, e.g. with `emaWarmupDecay` so short runs are not dominated by the initial weights.
   */
  update(decay: number = this.decay): void {
    if (!(decay >= 0 && decay <= 1)) throw new RangeError(`EMA decay must be in [0, 1], got ${decay}`);
    tf.tidy(() => {
      this.shadows.forEach((shadow, i) => {
        shadow.assign(tf.add(tf.mul(decay, shadow), tf.mul(1 - decay, this.variables[i]!)));
      });
    });
  }

  /** Overwrites the shadow weights, e.g. from a checkpoint when training resumes. Copies the values. */
  setShadowWeights(values: readonly (tf.Tensor | Float32Array)[]): void {
    if (values.length !== this.shadows.length) {
      throw new RangeError(`EMA has ${this.shadows.length} shadow weights, got ${values.length} values`);
    }
    tf.tidy(() => {
      const tensors = this.shadows.map((shadow, i) => {
        const value = values[i]!;
        const fits =
          value instanceof tf.Tensor
            ? tf.util.arraysEqual(value.shape, shadow.shape)
            : value.length === shadow.size;
        if (!fits) {
          const got = value instanceof tf.Tensor ? `shape [${value.shape}]` : `${value.length} values`;
          throw new RangeError(
            `EMA shadow weight ${i} (${shadow.name}) has shape [${shadow.shape}], got ${got}`,
          );
        }
        return value instanceof tf.Tensor ? value : tf.tensor(value, shadow.shape, 'float32');
      });
      // Assign only once every value has been checked, so a bad checkpoint changes nothing.
      assignAll(
        this.shadows,
        tensors.map((tensor) => tensor.clone()),
      );
    });
  }

  /**
   * Runs `fn` with the shadow weights in the variables (e.g. to sample or save the EMA network) and puts
   * the trained weights back afterwards, also when `fn` throws. No weight data is copied.
   */
  async withShadowWeights<T>(fn: () => T | Promise<T>): Promise<T> {
    const trained = this.variables.map((variable) => tf.clone(variable));
    assignAll(this.variables, this.shadows);
    try {
      return await fn();
    } finally {
      assignAll(this.variables, trained);
      tf.dispose(trained);
    }
  }

  dispose(): void {
    tf.dispose(this.shadows);
  }
}

function assignAll(targets: readonly tf.Variable[], values: readonly tf.Tensor[]): void {
  for (const [i, target] of targets.entries()) target.assign(values[i]!);
}
