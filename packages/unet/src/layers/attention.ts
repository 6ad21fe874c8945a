import * as tf from '@tensorflow/tfjs';
import { batchMatMul, dense, groupNorm } from '../ops.js';
import { channelsOf, kernelInitializer, singleInput, singleShape } from './common.js';

export interface AttentionBlockArgs {
  name?: string;
  units: number;
  groups?: number;
  /** Seed of the kernel initialisers (query, key, value and projection use seed, seed+1, ...). */
  seed?: number;
}

const PROJECTIONS = ['query', 'key', 'value', 'proj'] as const;

/**
 * Single-head self-attention over the length axis, as the original's AttentionBlock:
 * `h = GN(x); out = h + proj(softmax(q k^T / sqrt(units)) v)` with q, k, v = Dense(units)(h). The residual
 * adds the *normalised* h, as in the original. Weights are named after the original's sub-layers:
 * `norm/gamma`, `norm/beta`, `{query,key,value,proj}/{kernel,bias}`; the output projection starts at
 * (almost) zero.
 */
export class AttentionBlock extends tf.layers.Layer {
  static readonly className = 'AttentionBlock';
  readonly units: number;
  readonly groups: number;
  readonly seed: number | undefined;
  private weightsByName = new Map<string, tf.LayerVariable>();

  constructor(args: AttentionBlockArgs) {
    super(args);
    this.units = args.units;
    this.groups = args.groups ?? 8;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = channelsOf(singleShape(inputShape), this.name);
    if (channels !== this.units) {
      throw new Error(`${this.name}: input has ${channels} channels but the block has ${this.units} units`);
    }
    const add = (name: string, shape: number[], init: ReturnType<typeof tf.initializers.zeros>) =>
      this.weightsByName.set(name, this.addWeight(name, shape, 'float32', init));
    add('norm/gamma', [channels], tf.initializers.ones());
    add('norm/beta', [channels], tf.initializers.zeros());
    PROJECTIONS.forEach((projection, i) => {
      const scale = projection === 'proj' ? 0 : 1;
      const seed = this.seed === undefined ? undefined : this.seed + i;
      add(`${projection}/kernel`, [channels, this.units], kernelInitializer(scale, seed));
      add(`${projection}/bias`, [this.units], tf.initializers.zeros());
    });
    this.built = true;
  }

  private weight(name: string): tf.Tensor {
    return this.weightsByName.get(name)!.read();
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const h = groupNorm(x, this.weight('norm/gamma'), this.weight('norm/beta'), this.groups, 1e-3);
      // 1/sqrt(units) folded into the (small) query weights rather than applied to the scores.
      const scale = 1 / Math.sqrt(this.units);
      const q = dense(
        h,
        tf.mul(this.weight('query/kernel'), scale),
        tf.mul(this.weight('query/bias'), scale),
      );
      const k = dense(h, this.weight('key/kernel'), this.weight('key/bias'));
      const v = dense(h, this.weight('value/kernel'), this.weight('value/bias'));
      const attended = batchMatMul(tf.softmax(batchMatMul(q, tf.transpose(k, [0, 2, 1]))), v);
      return tf.add(h, dense(attended, this.weight('proj/kernel'), this.weight('proj/bias')));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      groups: this.groups,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
