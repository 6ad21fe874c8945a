import * as tf from '@tensorflow/tfjs';
import { groupNorm } from '../ops.js';
import { channelsOf, singleInput, singleShape } from './common.js';

export interface GroupNormalizationArgs {
  name?: string;
  groups?: number;
  epsilon?: number;
}

/**
 * Keras' GroupNormalization (axis -1, centre and scale on), which tfjs-layers lacks. Weights `gamma` and
 * `beta` per channel, as in Keras.
 */
export class GroupNormalization extends tf.layers.Layer {
  static readonly className = 'GroupNormalization';
  readonly groups: number;
  readonly epsilon: number;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;

  constructor(args: GroupNormalizationArgs = {}) {
    super(args);
    this.groups = args.groups ?? 8;
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = channelsOf(singleShape(inputShape), this.name);
    if (channels % this.groups !== 0) {
      throw new Error(`${this.name}: ${channels} channels cannot be split into ${this.groups} groups`);
    }
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return groupNorm(singleInput(inputs), this.gamma!.read(), this.beta!.read(), this.groups, this.epsilon);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups, epsilon: this.epsilon };
  }
}
