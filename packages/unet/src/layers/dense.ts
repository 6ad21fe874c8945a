import * as tf from '@tensorflow/tfjs';
import { type Activation, activate, dense } from '../ops.js';
import { channelsOf, type KernelInitArgs, kernelInitializer, singleInput, singleShape } from './common.js';

export interface DenseArgs extends KernelInitArgs {
  name?: string;
  units: number;
  /** Applied after the affine map; absent means linear. */
  activation?: Activation;
}

/**
 * Keras' Dense over the last axis (kernel `[in, units]`, bias `[units]`), computed by `dense` from ../ops
 * whose gradient avoids the transposed BatchMatMul that is slow on wasm.
 */
export class DiffBattDense extends tf.layers.Layer {
  static readonly className = 'DiffBattDense';
  readonly units: number;
  readonly activation: Activation | undefined;
  readonly kernelScale: number;
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: DenseArgs) {
    super(args);
    this.units = args.units;
    this.activation = args.activation;
    this.kernelScale = args.kernelScale ?? 1;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const inUnits = channelsOf(singleShape(inputShape), this.name);
    this.kernel = this.addWeight(
      'kernel',
      [inUnits, this.units],
      'float32',
      kernelInitializer(this.kernelScale, this.seed),
    );
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...singleShape(inputShape).slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const y = dense(singleInput(inputs), this.kernel!.read(), this.bias!.read());
      return this.activation === undefined ? y : activate(y, this.activation);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      ...(this.activation === undefined ? {} : { activation: this.activation }),
      kernelScale: this.kernelScale,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
