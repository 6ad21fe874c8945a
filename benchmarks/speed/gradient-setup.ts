/**
 * What the gradient benchmarks time: the `fast` preset's network (the default U-Net with the per-curve
 * offset head, random weights of seed 0) on one backend, with a synthetic training batch of the real
 * shapes (the values do not change the work done), and the loss-gradient inputs for it.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { selectBackend } from '../../packages/core/src/backend.js';
import { createNoiseSchedule } from '../../packages/diffusion/src/index.js';
import { parseUNetConfig } from '../../packages/unet/src/config.js';
import { diffBattDenoiser } from '../../packages/unet/src/denoiser.js';
import { buildDiffBattUNet } from '../../packages/unet/src/unet.js';

type Tf = typeof import('@tensorflow/tfjs');

// The same tfjs instance the unet package uses (this folder has no node_modules of its own).
const fromUnet = createRequire(new URL('../../packages/unet/package.json', import.meta.url));
export const tf: Tf = await import(pathToFileURL(fromUnet.resolve('@tensorflow/tfjs')).href);

export async function gradientSetup(backend: string, batch: number) {
  const report = await selectBackend({ backend });
  const model = buildDiffBattUNet(parseUNetConfig({ curveOffsetHead: true }, 'benchmark'), { seed: 0 });
  return {
    report,
    variables: model.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable),
    denoiser: diffBattDenoiser(model),
    schedule: createNoiseSchedule({ kind: 'linear' }),
    x0: tf.randomNormal([batch, 256, 1], 0, 1, 'float32', 1),
    condition: {
      capacityMatrix: tf.randomNormal(
        [batch, 100, 100, 1],
        0,
        0.01,
        'float32',
        2,
      ) as import('@tensorflow/tfjs').Tensor4D,
      mask: tf.ones([batch, 32]) as import('@tensorflow/tfjs').Tensor2D,
    },
  };
}
