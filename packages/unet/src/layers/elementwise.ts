import * as tf from '@tensorflow/tfjs';
import { type Activation, activate, concatChannels } from '../ops.js';
import { singleInput, singleShape } from './common.js';

export interface ActivationArgs {
  name?: string;
  activation: Activation;
}

/** The network's nonlinearity (exact erf GELU or swish) as a layer. */
export class DiffBattActivation extends tf.layers.Layer {
  static readonly className = 'DiffBattActivation';
  readonly activation: Activation;

  constructor(args: ActivationArgs) {
    super(args);
    this.activation = args.activation;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return activate(singleInput(inputs), this.activation);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), activation: this.activation };
  }
}

/**
 * Per-sample channel conditioning of a sequence: inputs `[x, shift]` give `x + shift[:, None, :]`
 * (residual-block-down time conditioning), inputs `[x, scale, shift]` give
 * `scale[:, None, :] * x + shift[:, None, :]` (the `c_q * x + c_t` conditioning of residual-block-up).
 */
export class ChannelScaleShift extends tf.layers.Layer {
  static readonly className = 'ChannelScaleShift';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const parts = Array.isArray(inputs) ? inputs : [inputs];
    if (parts.length !== 2 && parts.length !== 3) {
      throw new Error(`${this.name}: expected [x, shift] or [x, scale, shift], got ${parts.length} inputs`);
    }
    return tf.tidy(() => {
      const x = parts[0]!;
      const shift = tf.expandDims(parts[parts.length - 1]!, 1);
      if (parts.length === 2) return tf.add(x, shift);
      return tf.add(tf.mul(tf.expandDims(parts[1]!, 1), x), shift);
    });
  }
}

export interface UpSampling1DArgs {
  name?: string;
  size?: number;
}

/** Keras' UpSampling1D (nearest neighbour, each step repeated `size` times), which tfjs-layers lacks. */
export class UpSampling1D extends tf.layers.Layer {
  static readonly className = 'UpSampling1D';
  readonly size: number;

  constructor(args: UpSampling1DArgs = {}) {
    super(args);
    this.size = args.size ?? 2;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, length, channels] = singleShape(inputShape);
    return [batch ?? null, length == null ? null : length * this.size, channels ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const [batch, length, channels] = x.shape as [number, number, number];
      // Broadcasting against zeros repeats each step; tf.tile is ~20x slower on wasm.
      const repeated = tf.add(tf.reshape(x, [batch, length, 1, channels]), tf.zeros([1, 1, this.size, 1]));
      return tf.reshape(repeated, [batch, length * this.size, channels]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size };
  }
}

/** Concatenation of two sequences along the channel axis (the skip connections), via concatChannels. */
export class ChannelConcat extends tf.layers.Layer {
  static readonly className = 'ChannelConcat';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [a, b] = inputShape as tf.Shape[];
    const channels = a!.at(-1) == null || b!.at(-1) == null ? null : a!.at(-1)! + b!.at(-1)!;
    return [...a!.slice(0, -1), channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return concatChannels(a!, b!);
  }
}
