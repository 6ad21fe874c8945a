import * as tf from '@tensorflow/tfjs';
import { singleInput, singleShape } from './common.js';

export interface TimeEmbeddingArgs {
  name?: string;
  dim: number;
}

/**
 * Sinusoidal embedding of the integer diffusion timestep, as the original's TimeEmbedding:
 * `[sin(t f_k), cos(t f_k)]` with `f_k = exp(-k ln(10000) / (dim/2 - 1))`, k = 0..dim/2-1. Computed in
 * float32 op for op like TensorFlow, because at t ~ 1000 a one-ulp difference in f_k is visible.
 */
export class TimeEmbedding extends tf.layers.Layer {
  static readonly className = 'TimeEmbedding';
  readonly dim: number;

  constructor(args: TimeEmbeddingArgs) {
    super(args);
    if (args.dim < 4 || args.dim % 2 !== 0) throw new Error(`TimeEmbedding: dim must be even and >= 4`);
    this.dim = args.dim;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [singleShape(inputShape)[0] ?? null, this.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const half = this.dim / 2;
      const frequencies = tf.exp(tf.mul(tf.range(0, half, 1, 'float32'), -Math.log(10000) / (half - 1)));
      const t = tf.cast(tf.reshape(singleInput(inputs), [-1, 1]), 'float32');
      const angles = tf.mul(t, tf.reshape(frequencies, [1, half]));
      return tf.concat([tf.sin(angles), tf.cos(angles)], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim };
  }
}

export interface PositionalEncoding1DArgs {
  name?: string;
  channels: number;
}

/**
 * Fixed sinusoidal encoding of the positions along the curve, as `positional_encodings`'
 * TFPositionalEncoding1D used by the original: channel 2j is `sin(p / 10000^(2j/C))`, channel 2j+1 the
 * cosine, for positions p = 0..L-1, repeated over the batch. Only the input's shape is used.
 */
export class PositionalEncoding1D extends tf.layers.Layer {
  static readonly className = 'PositionalEncoding1D';
  readonly channels: number;
  private cache: { batch: number; length: number; table: Float32Array } | null = null;

  constructor(args: PositionalEncoding1DArgs) {
    super(args);
    this.channels = args.channels;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, length] = singleShape(inputShape);
    return [batch ?? null, length ?? null, this.channels];
  }

  /** `[batch, length, channels]` values; the angle is rounded to float32 as TensorFlow computes it. */
  private table(batch: number, length: number): Float32Array {
    if (this.cache?.batch === batch && this.cache.length === length) return this.cache.table;
    const even = Math.ceil(this.channels / 2) * 2;
    const one = new Float32Array(length * this.channels);
    for (let j = 0; j < even / 2; j++) {
      const inverseFrequency = Math.fround(1 / 10000 ** ((2 * j) / even));
      for (let p = 0; p < length; p++) {
        const angle = Math.fround(p * inverseFrequency);
        if (2 * j < this.channels) one[p * this.channels + 2 * j] = Math.sin(angle);
        if (2 * j + 1 < this.channels) one[p * this.channels + 2 * j + 1] = Math.cos(angle);
      }
    }
    // Repeated over the batch here: tf.tile and broadcasting adds are slow on wasm for this shape.
    const table = new Float32Array(batch * one.length);
    for (let b = 0; b < batch; b++) table.set(one, b * one.length);
    this.cache = { batch, length, table };
    return table;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [batch, length] = singleInput(inputs).shape as [number, number];
    return tf.tensor3d(this.table(batch, length), [batch, length, this.channels]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), channels: this.channels };
  }
}
