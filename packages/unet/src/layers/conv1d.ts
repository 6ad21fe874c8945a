import * as tf from '@tensorflow/tfjs';
import { type Conv1dGeometry, conv1d, conv1dPadding } from '../ops.js';
import { channelsOf, type KernelInitArgs, kernelInitializer, singleInput, singleShape } from './common.js';

export interface Conv1DArgs extends KernelInitArgs {
  name?: string;
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: 'same' | 'valid';
}

/**
 * Keras' Conv1D (channels last, with bias, kernel `[kernelSize, in, out]`), computed by `conv1d` from
 * ../ops so that it trains on the wasm backend. A class of our own rather than tfjs' Conv1D, whose
 * gradient needs Conv2DBackpropFilter.
 */
export class DiffBattConv1D extends tf.layers.Layer {
  static readonly className = 'DiffBattConv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly kernelScale: number;
  readonly seed: number | undefined;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: Conv1DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 'same';
    this.kernelScale = args.kernelScale ?? 1;
    this.seed = args.seed;
  }

  private get geometry(): Conv1dGeometry {
    return { stride: this.strides, padding: this.padding };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const inChannels = channelsOf(singleShape(inputShape), this.name);
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize, inChannels, this.filters],
      'float32',
      kernelInitializer(this.kernelScale, this.seed),
    );
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, length] = singleShape(inputShape);
    const outLength =
      length === null || length === undefined
        ? null
        : conv1dPadding(length, this.kernelSize, this.geometry).outLength;
    return [batch ?? null, outLength, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return conv1d(singleInput(inputs), this.kernel!.read(), this.bias!.read(), this.geometry);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      kernelScale: this.kernelScale,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
