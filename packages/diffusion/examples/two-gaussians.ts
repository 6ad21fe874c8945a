import {
  createNoiseSchedule,
  type Denoiser,
  deriveSeed,
  ExponentialMovingAverage,
  sample,
  trainingStep,
} from '@diffbatt/diffusion';
import * as tf from '@tensorflow/tfjs';

/** 2-D points from two Gaussians (std 0.1) centred at (-1, 0) and (1, 0), equally likely. */
function pointsBatch(count: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const side = tf.sign(tf.sub(tf.randomUniform([count, 1], 0, 1, 'float32', deriveSeed(seed, 0)), 0.5));
    const centres = tf.concat([side, tf.zeros([count, 1])], 1);
    return tf.add(centres, tf.randomNormal([count, 2], 0, 0.1, 'float32', deriveSeed(seed, 1)));
  });
}

/**
 * Trains a small MLP (initial weights and batches from `seed`) to predict v on the cosine schedule, then
 * draws `count` points with DPM-Solver++ in 20 steps. Resolves to the points as [x0, y0, x1, y1, ...].
 */
export async function twoGaussians(trainingSteps = 800, count = 500, seed = 1): Promise<Float32Array> {
  const schedule = createNoiseSchedule({ kind: 'cosine' });
  // Seeded initial weights: tf.layers draws them from Math.random otherwise.
  const init = (layer: number) => tf.initializers.glorotUniform({ seed: deriveSeed(seed, layer) });
  const mlp = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [3], units: 64, activation: 'swish', kernelInitializer: init(0) }),
      tf.layers.dense({ units: 64, activation: 'swish', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 2, kernelInitializer: init(2) }),
    ],
  });
  // The network sees the point and its noise level t / T.
  const denoiser: Denoiser<undefined> = (points, t) =>
    tf.tidy(() => {
      const level = tf.div(tf.cast(t, 'float32'), schedule.timesteps).expandDims(1);
      return mlp.apply(tf.concat([points, level], 1)) as tf.Tensor;
    });
  const variables = mlp.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(5e-3);
  const ema = new ExponentialMovingAverage(variables, { decay: 0.99 });
  for (let step = 0; step < trainingSteps; step++) {
    const x0 = pointsBatch(256, deriveSeed(seed, 3, step));
    await trainingStep({
      schedule,
      denoiser,
      variables,
      optimizer,
      ema,
      predictionType: 'v',
      batch: { x0, condition: undefined },
      seed: deriveSeed(seed, 4, step),
    });
    x0.dispose();
  }
  const points = await ema.withShadowWeights(() =>
    sample({
      schedule,
      denoiser,
      shape: [count, 2],
      condition: undefined,
      seed: 7,
      predictionType: 'v',
      sampler: { kind: 'dpm-solver++', steps: 20 },
    }),
  );
  const values = (await points.data()) as Float32Array;
  points.dispose();
  ema.dispose();
  optimizer.dispose();
  mlp.dispose();
  return values;
}
