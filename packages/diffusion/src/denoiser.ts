import * as tf from '@tensorflow/tfjs';

/**
 * Any noise-prediction network: given noisy samples x_t (batch first, any shape), their int32 timesteps
 * (one per batch row) and a condition, returns the predicted noise with the shape of x_t.
 * `training` is true only inside a training step (for networks with dropout and the like).
 *
 * The condition is whatever the network needs (a tensor, an array or an object of tensors, or `undefined`
 * for an unconditional model). It must not be disposed by the denoiser.
 */
export type Denoiser<C extends tf.TensorContainer = tf.Tensor> = (
  noisy: tf.Tensor,
  timesteps: tf.Tensor1D,
  condition: C,
  context: { training: boolean },
) => tf.Tensor;

/**
 * Replaces the condition of every batch row whose `keep` flag is 0 by the "unconditional" (null)
 * condition, keeping rows whose flag is 1. `keep` is float32 0/1 of shape [batch]. Used for condition
 * dropout in training and, with all zeros, for the unconditional pass of classifier-free guidance.
 * Example for a mask-gated condition: `({ mask, ...rest }, keep) => ({ ...rest, mask: mask.mul(keep.expandDims(1)) })`.
 */
export type DropCondition<C extends tf.TensorContainer> = (condition: C, keep: tf.Tensor1D) => C;

/** Concatenates two conditions along the batch axis, `first` rows before `second` rows. */
export type ConcatConditions<C extends tf.TensorContainer> = (first: C, second: C) => C;

/** Every tensor reachable in a condition container. */
export function tensorsIn(container: tf.TensorContainer, found: Set<tf.Tensor> = new Set()): Set<tf.Tensor> {
  if (container instanceof tf.Tensor) {
    found.add(container);
  } else if (Array.isArray(container)) {
    for (const item of container) tensorsIn(item, found);
  } else if (container !== null && typeof container === 'object' && !ArrayBuffer.isView(container)) {
    for (const item of Object.values(container)) tensorsIn(item as tf.TensorContainer, found);
  }
  return found;
}

/**
 * Disposes the tensors of a condition this package derived from a caller's condition, sparing any tensor
 * the caller's functions passed through unchanged (those still belong to the caller).
 */
export function disposeDerived(derived: tf.TensorContainer, original: tf.TensorContainer): void {
  const owned = tensorsIn(original);
  for (const tensor of tensorsIn(derived)) if (!owned.has(tensor)) tensor.dispose();
}
