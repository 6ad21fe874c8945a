import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  createNoiseSchedule,
  createScheduler,
  denoisedEstimate,
  deriveSeed,
  inferenceTimesteps,
  maxTimestep,
  type PredictionType,
  type SamplerConfig,
  type Scheduler,
  sample,
} from './index.js';
import { gaussianDenoiser, gaussianFlowEndpoint } from './testing/gaussian.js';

const schedule = createNoiseSchedule({ kind: 'linear' });
const f = Math.fround;

describe('DDPM step', () => {
  it.each([999, 500, 1, 0])('is the original float32 arithmetic bit for bit at t = %i', async (t) => {
    const scheduler = createScheduler(schedule, { kind: 'ddpm' });
    const index = 999 - t;
    expect(scheduler.timesteps[index]).toBe(t);
    const x = tf.randomNormal([3, 8], 0, 1, 'float32', 1);
    const eps = tf.randomNormal([3, 8], 0, 1, 'float32', 2);
    const next = scheduler.step(index, x, eps, 77);
    const z = tf.randomNormal([3, 8], 0, 1, 'float32', 77);
    const [xs, es, zs, out] = await Promise.all([x.data(), eps.data(), z.data(), next.data()]);
    // x0 = sqrt(1/abar) x - sqrt(1/abar - 1) eps (unclipped); mean = c1 x0 + c2 x; + exp(0.5 log var) z if t > 0.
    const noiseScale = f(Math.exp(0.5 * f(schedule.posteriorLogVarianceClipped[t]!)));
    const expected = out.map((_, i) => {
      const x0 = f(
        f(f(schedule.sqrtRecipAlphasCumprod[t]!) * xs[i]!) -
          f(f(schedule.sqrtRecipm1AlphasCumprod[t]!) * es[i]!),
      );
      const mean = f(
        f(f(schedule.posteriorMeanCoef1[t]!) * x0) + f(f(schedule.posteriorMeanCoef2[t]!) * xs[i]!),
      );
      return t === 0 ? mean : f(mean + f(noiseScale * zs[i]!));
    });
    expect(Array.from(out)).toEqual(Array.from(expected));
    tf.dispose([x, eps, next, z]);
  });

  it('draws from the posterior q(x_{t-1} | x_t, x_0) when given the true noise (statistical, fixed seed)', async () => {
    const [t, n, x0, xt] = [400, 20_000, 0.3, 0.8];
    const scheduler = createScheduler(schedule, { kind: 'ddpm' });
    const noisy = tf.fill([n], xt);
    // The noise that takes x0 to this x_t, so x0_hat = x0.
    const trueNoise = (xt - schedule.sqrtAlphasCumprod[t]! * x0) / schedule.sqrtOneMinusAlphasCumprod[t]!;
    const eps = tf.fill([n], trueNoise);
    const next = scheduler.step(999 - t, noisy, eps, 31);
    const { mean, variance } = tf.moments(next);
    // Bayes for q(x_{t-1} | x_0) = N(sqrt(abar_{t-1}) x0, 1 - abar_{t-1}), q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t).
    const [beta, abarPrev] = [schedule.betas[t]!, schedule.alphasCumprodPrev[t]!];
    const posteriorVariance = 1 / (1 / (1 - abarPrev) + (1 - beta) / beta);
    const posteriorMean =
      posteriorVariance * ((Math.sqrt(abarPrev) * x0) / (1 - abarPrev) + (Math.sqrt(1 - beta) * xt) / beta);
    expect(Math.abs((await mean.data())[0]! - posteriorMean)).toBeLessThan(
      4 * Math.sqrt(posteriorVariance / n),
    );
    expect(Math.abs((await variance.data())[0]! - posteriorVariance)).toBeLessThan(
      4 * posteriorVariance * Math.sqrt(2 / n),
    );
    tf.dispose([noisy, eps, next, mean, variance]);
  });

  it('adds no noise at t = 0 and clamps x0 only when asked', async () => {
    const x = tf.fill([1, 4], 0.5);
    const eps = tf.fill([1, 4], -3); // x0_hat = 0.5 sqrt(1/abar_0) + 3 sqrt(1/abar_0 - 1) ~ 0.53
    const big = tf.fill([1, 4], -300); // x0_hat ~ 3.5, outside [-1, 1]
    const plain = createScheduler(schedule, { kind: 'ddpm' });
    const clipped = createScheduler(schedule, { kind: 'ddpm', clipSample: { min: -1, max: 1 } });
    const a = await plain.step(999, x, eps, 1).data();
    const b = await plain.step(999, x, eps, 2).data();
    expect(Array.from(a)).toEqual(Array.from(b)); // the seed does not matter at t = 0
    expect(a[0]).toBeCloseTo(
      schedule.sqrtRecipAlphasCumprod[0]! * 0.5 + 3 * schedule.sqrtRecipm1AlphasCumprod[0]!,
      5,
    );
    expect((await plain.step(999, x, big, 1).data())[0]).toBeGreaterThan(3);
    // posteriorMeanCoef1[0] = 1 and coef2[0] = 0, so the clamped x0 comes out unchanged.
    expect((await clipped.step(999, x, big, 1).data())[0]).toBeCloseTo(1, 6);
    tf.dispose([x, eps, big]);
  });
});

describe('inferenceTimesteps', () => {
  it('spaces timesteps as diffusers does (NumPy rounding, half to even)', () => {
    expect(inferenceTimesteps(schedule, 20, 'trailing')).toEqual(
      Array.from({ length: 20 }, (_, i) => 999 - 50 * i),
    );
    expect(inferenceTimesteps(schedule, 16, 'trailing')).toEqual([
      999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61,
    ]);
    expect(inferenceTimesteps(schedule, 20, 'leading')).toEqual(
      Array.from({ length: 20 }, (_, i) => 950 - 50 * i),
    );
    expect(inferenceTimesteps(schedule, 3, 'linspace')).toEqual([999, 500, 0]);
    expect(inferenceTimesteps(schedule, 7, 'linspace')).toEqual([999, 832, 666, 500, 333, 166, 0]);
    expect(inferenceTimesteps(schedule, 1000, 'trailing')).toEqual(
      createScheduler(schedule, { kind: 'ddpm' }).timesteps,
    );
  });

  it('spaces log-snr timesteps uniformly in lambda, distinct and in range for any step count', () => {
    const lambda = (t: number) =>
      0.5 * Math.log(schedule.alphasCumprod[t]! / (1 - schedule.alphasCumprod[t]!));
    const ten = inferenceTimesteps(schedule, 10, 'log-snr');
    expect(ten).toEqual([999, 886, 757, 603, 410, 202, 73, 22, 5, 0]);
    const gaps = ten.slice(1).map((t, i) => lambda(t) - lambda(ten[i]!));
    for (const gap of gaps.slice(0, 6)) expect(gap).toBeCloseTo((lambda(0) - lambda(999)) / 9, 1);
    const cosine = createNoiseSchedule({ kind: 'cosine' });
    for (const [s, steps, spacing] of [schedule, cosine].flatMap((x) =>
      [1, 2, 10, 100, maxTimestep(x), maxTimestep(x) + 1].flatMap((n) =>
        (['log-snr', 'karras'] as const).map((spacing) => [x, n, spacing] as const),
      ),
    )) {
      const timesteps = inferenceTimesteps(s, steps, spacing);
      expect(timesteps).toHaveLength(steps);
      expect(timesteps[0]).toBe(maxTimestep(s));
      timesteps.forEach((t, i) => {
        expect(Number.isInteger(t) && t >= 0 && (i === 0 || t < timesteps[i - 1]!)).toBe(true);
      });
    }
  });

  it('starts few-step plans at the log-SNR floor: all of the linear schedules, not the last steps of cosine', () => {
    expect(maxTimestep(schedule)).toBe(999);
    expect(
      maxTimestep(createNoiseSchedule({ kind: 'scaled-linear', betaStart: 0.00085, betaEnd: 0.012 })),
    ).toBe(999);
    const cosine = createNoiseSchedule({ kind: 'cosine' });
    // lambda(995) >= -5.1 > lambda(996): the three steps after it plunge to lambda(999) = -9.9.
    expect(maxTimestep(cosine)).toBe(995);
    expect(maxTimestep(cosine, Number.NEGATIVE_INFINITY)).toBe(999);
    expect(inferenceTimesteps(cosine, 4, 'trailing')).toEqual([995, 746, 497, 248]);
    expect(inferenceTimesteps(cosine, 4, 'trailing', Number.NEGATIVE_INFINITY)).toEqual([999, 749, 499, 249]);
    // Karras: sigma on the rho = 7 grid from sigma(999) = 157 to sigma(0) = 0.01.
    const karras = inferenceTimesteps(schedule, 5, 'karras');
    expect(karras).toEqual([999, 843, 593, 142, 0]);
    const sigma = (t: number) => Math.sqrt((1 - schedule.alphasCumprod[t]!) / schedule.alphasCumprod[t]!);
    const grid = [0, 0.25, 0.5, 0.75, 1].map(
      (u) => (157.4 ** (1 / 7) + u * (0.01 ** (1 / 7) - 157.4 ** (1 / 7))) ** 7,
    );
    karras.forEach((t, i) => {
      expect(Math.abs(Math.log(sigma(t) / grid[i]!))).toBeLessThan(0.02);
    });
    expect(() => maxTimestep(schedule, 20)).toThrow(/above the log-SNR of every timestep/);
    // The floor does not touch DDPM on the linear schedule: still every timestep.
    expect(createScheduler(schedule, { kind: 'ddpm' }).timesteps).toHaveLength(1000);
  });

  it('rejects impossible step counts and custom timesteps that are not strictly decreasing in range', () => {
    expect(() => inferenceTimesteps(schedule, 0, 'trailing')).toThrow(/\[1, 1000\], got 0/);
    expect(() => inferenceTimesteps(schedule, 1001, 'leading')).toThrow(/got 1001/);
    expect(() => inferenceTimesteps(schedule, 1, 'linspace')).toThrow(/at least 2/);
    const bad: [readonly number[], RegExp][] = [
      [[], /must not be empty/],
      [[999, 999], /strictly decrease/],
      [[500, 600], /strictly decrease/],
      [[1000, 3], /timesteps\[0\] = 1000/],
      [[10, 2.5], /timesteps\[1\] = 2.5/],
    ];
    for (const [timesteps, message] of bad) {
      expect(() => createScheduler(schedule, { kind: 'ddim', timesteps })).toThrow(message);
    }
    expect(() => createScheduler(schedule, { kind: 'ddim', eta: -1 })).toThrow(/eta/);
    expect(() => createScheduler(schedule, { kind: 'ddpm', clipSample: { min: 1, max: -1 } })).toThrow(
      /min < max/,
    );
    expect(createScheduler(schedule, { kind: 'dpm-solver++', timesteps: [700, 20, 3] }).timesteps).toEqual([
      700, 20, 3,
    ]);
  });
});

describe('samplers on Gaussian data with the exact noise predictor', () => {
  const mean = 0.4;
  const std = 0.25;
  const denoiser = gaussianDenoiser(schedule, mean, std);
  const draw = async (sampler: SamplerConfig, shape = [4000], seed = 5) => {
    const x = await sample({ schedule, denoiser, shape, condition: undefined, seed, sampler });
    const values = (await x.data()) as Float32Array;
    x.dispose();
    return values;
  };
  const moments = (values: Float32Array) => {
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    const v = values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length;
    return { mean: m, std: Math.sqrt(v) };
  };

  // Few-step samplers shrink the spread a little: their last step jumps from the last timestep to the
  // clean sample with the network's x0 estimate, which is a posterior mean. The tolerances say how much.
  it.each<{ sampler: SamplerConfig; tolerance: number }>([
    { sampler: { kind: 'ddpm' }, tolerance: 0.01 },
    { sampler: { kind: 'ddim', steps: 50 }, tolerance: 0.04 },
    { sampler: { kind: 'ddim', steps: 50, spacing: 'log-snr' }, tolerance: 0.025 },
    { sampler: { kind: 'ddim', steps: 50, eta: 1, spacing: 'log-snr' }, tolerance: 0.03 },
    { sampler: { kind: 'dpm-solver++', steps: 20 }, tolerance: 0.01 },
    { sampler: { kind: 'dpm-solver++', steps: 10 }, tolerance: 0.015 },
  ])('reproduce N(0.4, 0.25^2): $sampler within $tolerance', async ({ sampler, tolerance }) => {
    const result = moments(await draw(sampler));
    // 4000 draws: the standard error of the mean is 0.004 and of the std about 0.003.
    expect(Math.abs(result.mean - mean)).toBeLessThan(0.015);
    expect(Math.abs(result.std - std)).toBeLessThan(tolerance);
  });

  it('DDIM with eta = 1 over all T steps equals DDPM, given the same seed', async () => {
    const ddpm = await draw({ kind: 'ddpm' }, [500]);
    const ddim = await draw({ kind: 'ddim', steps: 1000, eta: 1 }, [500]);
    const largest = ddpm.reduce((worst, value, i) => Math.max(worst, Math.abs(value - ddim[i]!)), 0);
    expect(largest).toBeLessThan(1e-3);
    expect(largest).toBeGreaterThan(0); // different float32 arithmetic, same distribution and noise
  });

  it('DPM-Solver++(2M) follows the probability-flow ODE far more closely than DDIM at 10 steps', async () => {
    const seed = 9;
    const xT = tf.randomNormal([400], 0, 1, 'float32', deriveSeed(seed, 0));
    const exact = Array.from(await xT.data(), (value) =>
      gaussianFlowEndpoint(schedule, 999, value, mean, std),
    );
    xT.dispose();
    const error = async (sampler: SamplerConfig) => {
      const values = await draw(sampler, [400], seed);
      return exact.reduce((worst, value, i) => Math.max(worst, Math.abs(value - values[i]!)), 0);
    };
    const ddim10 = await error({ kind: 'ddim', steps: 10, spacing: 'log-snr' });
    const dpm10 = await error({ kind: 'dpm-solver++', steps: 10 });
    const dpm50 = await error({ kind: 'dpm-solver++', steps: 50 });
    // Measured: DDIM-10 0.22, DPM-Solver++ 10 steps 0.022, 50 steps 0.0014 (largest error over 400 draws).
    expect(dpm10).toBeLessThan(ddim10 / 5);
    expect(dpm50).toBeLessThan(dpm10 / 8); // second order: the error falls far faster than 1/steps
    expect(dpm50).toBeLessThan(3e-3);
  });

  it('frees the DPM-Solver history on dispose', async () => {
    const before = tf.memory().numTensors;
    const scheduler = createScheduler(schedule, { kind: 'dpm-solver++', steps: 3 });
    let x = tf.ones([2, 2]);
    for (let i = 0; i < 2; i++) {
      const eps = tf.zerosLike(x);
      const next = scheduler.step(i, x, eps, 0);
      tf.dispose([x, eps]);
      x = next;
    }
    scheduler.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Euler and Heun on Karras sigmas', () => {
  it('converge at first and second order on the probability-flow ODE of Gaussian data', async () => {
    const [mean, std, seed] = [0.4, 0.25, 9];
    const denoiser = gaussianDenoiser(schedule, mean, std);
    const xT = tf.randomNormal([400], 0, 1, 'float32', deriveSeed(seed, 0));
    const exact = Array.from(await xT.data(), (value) =>
      gaussianFlowEndpoint(schedule, 999, value, mean, std),
    );
    xT.dispose();
    const error = async (sampler: SamplerConfig) => {
      const x = await sample({ schedule, denoiser, shape: [400], condition: undefined, seed, sampler });
      const values = await x.data();
      x.dispose();
      return exact.reduce((worst, value, i) => Math.max(worst, Math.abs(value - values[i]!)), 0);
    };
    // Measured: Euler 30 / 60 steps 0.087 / 0.045; Heun 15 / 30 steps 0.094 / 0.019.
    const euler = (await error({ kind: 'euler', steps: 30 })) / (await error({ kind: 'euler', steps: 60 }));
    const heun = (await error({ kind: 'heun', steps: 15 })) / (await error({ kind: 'heun', steps: 30 }));
    expect(euler).toBeGreaterThan(1.6);
    expect(euler).toBeLessThan(2.5);
    expect(heun).toBeGreaterThan(3.5);
  });

  it('evaluate Heun twice per interior timestep, and draw no noise', () => {
    const heun = createScheduler(schedule, { kind: 'heun', steps: 4 });
    const [a, b, c, d] = inferenceTimesteps(schedule, 4, 'karras');
    expect(heun.timesteps).toEqual([a, b, b, c, c, d, d]);
    const x = tf.ones([2, 3]);
    for (let i = 0; i < heun.timesteps.length; i++) tf.dispose(heun.step(i, x, tf.zerosLike(x)));
    heun.dispose();
    x.dispose();
  });
});

describe('scheduler reuse, noise and guards', () => {
  const denoiser = gaussianDenoiser(schedule, 0.4, 0.25);
  /** Runs a scheduler by hand (the loop `sample` runs), returning the clean sample's values. */
  const run = async (scheduler: Scheduler, seed: number) => {
    let x: tf.Tensor = tf.randomNormal([64], 0, 1, 'float32', seed);
    for (const [index, t] of scheduler.timesteps.entries()) {
      const output = tf.tidy(() =>
        denoiser(x, tf.fill([64], t, 'int32') as tf.Tensor1D, undefined, { training: false }),
      );
      const next = scheduler.step(
        index,
        x,
        output,
        scheduler.timesteps.length > 100 ? seed + index + 1 : undefined,
      );
      tf.dispose([x, output]);
      x = next;
    }
    const values = Array.from(await x.data());
    x.dispose();
    return values;
  };

  it.each(['ddim', 'dpm-solver++', 'euler', 'heun'] as const)(
    '%s runs again after reset() to the same result, and re-plans on reset(plan)',
    async (kind) => {
      const before = tf.memory().numTensors;
      const scheduler = createScheduler(schedule, { kind, steps: 6 });
      const first = await run(scheduler, 4);
      scheduler.reset();
      expect(await run(scheduler, 4)).toEqual(first);
      scheduler.reset({ steps: 3, spacing: 'trailing' });
      expect(scheduler.timesteps.filter((t, i, all) => all.indexOf(t) === i)).toEqual([999, 666, 332]);
      await run(scheduler, 4);
      scheduler.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('needs a noise draw only where noise is drawn', () => {
    const x = tf.ones([2, 2]);
    const eps = tf.zerosLike(x);
    expect(() => createScheduler(schedule, { kind: 'ddpm' }).step(0, x, eps)).toThrow(
      /DDPM step draws noise: pass a seed or a noise function/,
    );
    expect(() => createScheduler(schedule, { kind: 'ddim', eta: 1 }).step(0, x, eps)).toThrow(/DDIM step/);
    tf.dispose(createScheduler(schedule, { kind: 'ddim' }).step(0, x, eps)); // eta = 0: none needed
    // The last DDPM step (t = 0) draws none either; a noise function is used as given.
    tf.dispose(createScheduler(schedule, { kind: 'ddpm' }).step(999, x, eps));
    const drawn: number[][] = [];
    const noise = (shape: number[]) => {
      drawn.push(shape);
      return tf.zeros(shape);
    };
    tf.dispose(createScheduler(schedule, { kind: 'ddpm' }).step(0, x, eps, noise));
    expect(drawn).toEqual([[2, 2]]);
    tf.dispose([x, eps]);
  });

  it('thresholds x0 per sample dynamically, then clips, before the update', async () => {
    // With sample prediction and one DDIM step to the clean sample, the step returns the guarded x0.
    const guarded = (guard: Pick<SamplerConfig, 'clipSample' | 'threshold'>, output: number[][]) => {
      const scheduler = createScheduler(
        schedule,
        { kind: 'ddim', timesteps: [500], ...guard },
        { predictionType: 'sample' },
      );
      const x = tf.zeros([output.length, output[0]!.length]);
      const out = tf.tensor2d(output);
      const result = scheduler.step(0, x, out);
      tf.dispose([x, out]);
      return result.array();
    };
    const rows = [
      [0.5, -4, 2, 1], // |x0| sorted 4, 2, 1, 0.5: the 0.75-quantile (2nd largest) is s = 2
      [0.2, 0.1, -0.3, 0.4], // s = 0.3 is raised to 1: clipped to [-1, 1], unchanged
      [9, 9, 9, -9], // s = 9 is capped at maxValue 3
    ];
    const threshold = { ratio: 0.75, maxValue: 3 };
    const result = (await guarded({ threshold }, rows)) as number[][];
    const expected = [
      [0.25, -1, 1, 0.5],
      [0.2, 0.1, -0.3, 0.4],
      [1, 1, 1, -1],
    ];
    expect(Math.max(...result.flat().map((v, i) => Math.abs(v - expected.flat()[i]!)))).toBeLessThan(1e-6);
    const clipped = (await guarded({ clipSample: { min: -0.5, max: 0.5 } }, rows)) as number[][];
    expect(clipped[0]).toEqual([0.5, -0.5, 0.5, 0.5]);
    expect(() => createScheduler(schedule, { kind: 'ddim', threshold: { ratio: 0, maxValue: 2 } })).toThrow(
      /threshold.ratio/,
    );
    expect(() =>
      createScheduler(schedule, { kind: 'ddim', threshold: { ratio: 0.9, maxValue: 0.5 } }),
    ).toThrow(/threshold.maxValue/);
  });

  it('converts every prediction type to the same x0 and noise estimates', async () => {
    const t = 300;
    const [alpha, sigma] = [schedule.sqrtAlphasCumprod[t]!, schedule.sqrtOneMinusAlphasCumprod[t]!];
    const x0 = tf.tensor1d([0.3, -0.7, 1.2]);
    const eps = tf.tensor1d([1.1, 0.2, -0.5]);
    const xt = tf.add(tf.mul(alpha, x0), tf.mul(sigma, eps));
    const outputs = {
      epsilon: eps,
      v: tf.sub(tf.mul(alpha, eps), tf.mul(sigma, x0)),
      sample: x0,
    };
    for (const [predictionType, output] of Object.entries(outputs)) {
      const estimate = tf.tidy(() => {
        const e = denoisedEstimate(schedule, predictionType as PredictionType, t, xt, output, {});
        return [e.sample, e.noise];
      });
      const [sampleValues, noiseValues] = await Promise.all(estimate.map((e) => e.data()));
      const largest = (values: ArrayLike<number>, expected: number[]) =>
        Math.max(...expected.map((v, i) => Math.abs(values[i]! - v)));
      expect(largest(sampleValues!, [0.3, -0.7, 1.2])).toBeLessThan(1e-5);
      expect(largest(noiseValues!, [1.1, 0.2, -0.5])).toBeLessThan(1e-4);
      tf.dispose(estimate);
    }
    tf.dispose([x0, eps, xt, outputs.v]);
    expect(() =>
      createScheduler(schedule, { kind: 'ddim' }, { predictionType: 'x0' as PredictionType }),
    ).toThrow(/prediction type must be one of epsilon, v, sample; got "x0"/);
  });
});
