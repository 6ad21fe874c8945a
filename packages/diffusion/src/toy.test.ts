import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createNoiseSchedule,
  deriveSeed,
  ExponentialMovingAverage,
  type SamplerConfig,
  sample,
  trainingStep,
} from './index.js';
import {
  concatLabels,
  createToyDenoiser,
  dropLabel,
  labels,
  MIXTURE,
  mixtureBatch,
  modeSharesGivenLabel,
  modeStatistics,
} from './testing/toy.js';

/**
 * End to end with this package alone: train a tiny dense denoiser on a synthetic 2-D two-mode Gaussian
 * mixture (weights 0.7 / 0.3, labels right 80% of the time, condition dropout 0.2), then sample with every
 * sampler. Stated tolerances: mode shares (among samples near a mode) within 0.06 of the exact values,
 * mode means within 0.06 of the centres (0.4 std), at most 8% of samples near neither mode (measured on
 * wasm: shares off by at most 0.04, strays at most 5.2%).
 */
const schedule = createNoiseSchedule({ kind: 'linear' });
const toy = createToyDenoiser(1, schedule.timesteps);
const ema = new ExponentialMovingAverage(toy.variables, { decay: 0.99 }); // 0.999 is too slow for 1500 steps
const SAMPLES = 1000;
const SAMPLERS: SamplerConfig[] = [
  { kind: 'ddpm' },
  { kind: 'ddim', steps: 50 },
  { kind: 'dpm-solver++', steps: 20 },
];
const trainingLosses: number[] = [];

/**
 * Yields to the event loop. Awaiting tfjs promises only runs microtasks, so a long loop never lets the
 * worker answer vitest's RPC; past 60 s on a loaded machine that fails a green run.
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeAll(async () => {
  const optimizer = tf.train.adam(3e-3);
  for (let step = 0; step < 1500; step++) {
    if (step % 25 === 0) await breathe();
    const batch = mixtureBatch(256, deriveSeed(7, step));
    const loss = await trainingStep({
      schedule,
      denoiser: toy.denoiser,
      variables: toy.variables,
      optimizer,
      batch,
      seed: deriveSeed(8, step),
      conditionDropout: { probability: 0.2, drop: dropLabel },
      ema,
    });
    trainingLosses.push(loss);
    tf.dispose(batch);
  }
  optimizer.dispose();
}, 120_000);

const draws = new Map<string, Promise<ReturnType<typeof modeStatistics>>>();

/** Mode statistics of SAMPLES draws with the EMA weights; each setting is sampled once and shared. */
function draw(sampler: SamplerConfig, mode: 0 | 1 | null, guidanceWeight = 0) {
  const key = JSON.stringify([sampler, mode, guidanceWeight]);
  if (!draws.has(key)) draws.set(key, drawOnce(sampler, mode, guidanceWeight));
  return draws.get(key)!;
}

async function drawOnce(sampler: SamplerConfig, mode: 0 | 1 | null, guidanceWeight: number) {
  const condition = labels(SAMPLES, mode);
  const points = await ema.withShadowWeights(async () => {
    const x = await sample({
      schedule,
      denoiser: toy.denoiser,
      shape: [SAMPLES, 2],
      condition,
      seed: 3,
      sampler,
      guidance: { weight: guidanceWeight, drop: dropLabel, concat: concatLabels },
      onStep: breathe,
    });
    const values = (await x.data()) as Float32Array;
    x.dispose();
    return values;
  });
  condition.dispose();
  return modeStatistics(points);
}

function expectMixture(stats: ReturnType<typeof modeStatistics>, shares: number[], label: string) {
  expect(stats.stray, `${label}: share near neither mode`).toBeLessThanOrEqual(0.08);
  const near = stats.share[0]! + stats.share[1]!;
  stats.share.forEach((share, mode) => {
    expect(Math.abs(share / near - shares[mode]!), `${label}: share of mode ${mode}`).toBeLessThan(0.06);
    if (shares[mode]! < 0.2) return; // too few samples for a stable mean
    stats.means[mode]!.forEach((value, axis) => {
      const centre = MIXTURE.centres[mode]![axis]!;
      expect(Math.abs(value - centre), `${label}: mean of mode ${mode}, axis ${axis}`).toBeLessThan(0.06);
    });
  });
}

describe('toy Gaussian mixture, trained and sampled with this package alone', () => {
  it('training lowers the loss', () => {
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(trainingLosses.slice(-200))).toBeLessThan(0.85 * mean(trainingLosses.slice(0, 200)));
  });

  it.each(SAMPLERS)('$kind reproduces the mixture unconditionally and given each label', async (sampler) => {
    expectMixture(await draw(sampler, null), [...MIXTURE.weights], 'unconditional');
    expectMixture(await draw(sampler, 0), modeSharesGivenLabel(0), 'label A');
    expectMixture(await draw(sampler, 1), modeSharesGivenLabel(1), 'label B');
  });

  it.each(SAMPLERS)('$kind: guidance w = 3 moves samples to the conditioned mode', async (sampler) => {
    const plain = await draw(sampler, 1, 0);
    const guided = await draw(sampler, 1, 3);
    // Label B alone gives mode B 63% of the time; guidance must sharpen that a lot.
    expect(guided.share[1]!).toBeGreaterThan(plain.share[1]! + 0.15);
    expect(guided.share[0]!).toBeLessThan(0.1);
  });
});
