import * as tf from '@tensorflow/tfjs';

/** The one input tensor of a single-input layer. */
export function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/** The one input shape of a single-input layer. */
export function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return Array.isArray(inputShape[0]) ? (inputShape as tf.Shape[])[0]! : (inputShape as tf.Shape);
}

/** Size of the last (channel) axis, which every weighted layer here needs known at build time. */
export function channelsOf(shape: tf.Shape, layer: string): number {
  const channels = shape[shape.length - 1];
  if (channels === null || channels === undefined) {
    throw new Error(`${layer}: the channel (last) axis of the input must be known`);
  }
  return channels;
}

/**
 * Keras' `kernel_init(scale)` of the original code: VarianceScaling(fan_avg, uniform) with the scale
 * floored at 1e-10 (the "zero" init of residual outputs), seeded so that models are reproducible.
 */
export function kernelInitializer(
  scale: number,
  seed: number | undefined,
): ReturnType<typeof tf.initializers.varianceScaling> {
  return tf.initializers.varianceScaling({
    scale: Math.max(scale, 1e-10),
    mode: 'fanAvg',
    distribution: 'uniform',
    ...(seed === undefined ? {} : { seed }),
  });
}

/** Config of the layers whose kernels are initialised by `kernelInitializer`. */
export interface KernelInitArgs {
  /** VarianceScaling scale of the kernel (1e-10 for the zero-initialised residual outputs). */
  kernelScale?: number;
  /** Seed of the kernel initialiser; absent means unseeded. */
  seed?: number;
}
