import * as tf from '@tensorflow/tfjs';
import { singleInput, singleShape } from './common.js';

/** Added to the mean square so that an all-zero matrix (a padded or unconditional input) stays finite. */
const MEAN_SQUARE_FLOOR = 1e-12;

/**
 * ln(RMS) of each sample's capacity matrix, `[B, ...] -> [B, 1]`: the size of its early capacity change,
 * which the encoder's first GroupNorm divides away per cell. On MATR-1 it alone correlates -0.85 with
 * log cycle life (log var dQ(V), Severson's feature, -0.90).
 */
export class CapacityMatrixLogRms extends tf.layers.Layer {
  static readonly className = 'CapacityMatrixLogRms';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [singleShape(inputShape)[0] ?? null, 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const meanSquare = tf.mean(tf.square(tf.reshape(x, [x.shape[0]!, -1])), 1, true);
      return tf.mul(tf.log(tf.add(meanSquare, MEAN_SQUARE_FLOOR)), 0.5);
    });
  }
}
