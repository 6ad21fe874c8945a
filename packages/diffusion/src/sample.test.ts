import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  createNoiseSchedule,
  type Denoiser,
  deriveSeed,
  rowNormals,
  type SamplingProgress,
  sample,
} from './index.js';
import { gaussianDenoiser } from './testing/gaussian.js';

const schedule = createNoiseSchedule({ kind: 'linear' });

/** Predicts the condition itself as noise (rows [B, 1] broadcast over the sample) and records each call. */
function recordingDenoiser() {
  const calls: { rows: number; condition: number[] }[] = [];
  const denoiser: Denoiser<tf.Tensor2D> = (noisy, timesteps, condition) => {
    calls.push({ rows: noisy.shape[0]!, condition: Array.from(condition.dataSync()) });
    expect(timesteps.shape).toEqual([noisy.shape[0]]);
    return tf.add(tf.mul(noisy, 0), condition);
  };
  return { denoiser, calls };
}

/** Dropping replaces a row's condition by -0.25, so conditional and unconditional predictions differ. */
const guidanceRule = (weight: number) => ({
  weight,
  drop: (condition: tf.Tensor2D, keep: tf.Tensor1D) =>
    tf.add(
      tf.mul(condition, keep.expandDims(1)),
      tf.mul(tf.sub(1, keep.expandDims(1)), -0.25),
    ) as tf.Tensor2D,
  concat: (first: tf.Tensor2D, second: tf.Tensor2D) => tf.concat([first, second]),
});

describe('classifier-free guidance', () => {
  // One DDIM step from t = 999 straight to the clean sample: x0 = sqrt(1/abar) x_T - sqrt(1/abar - 1) eps.
  const oneStep = { kind: 'ddim', timesteps: [999] } as const;
  const expectedOutput = async (seed: number, eps: number) => {
    const xT = tf.randomNormal([3, 2], 0, 1, 'float32', deriveSeed(seed, 0));
    const values = Array.from(await xT.data(), (x) => {
      return schedule.sqrtRecipAlphasCumprod[999]! * x - schedule.sqrtRecipm1AlphasCumprod[999]! * eps;
    });
    xT.dispose();
    return values;
  };

  it.each([
    {
      weight: 2,
      calls: [{ rows: 6, condition: [0.5, 0.5, 0.5, -0.25, -0.25, -0.25] }],
      eps: 3 * 0.5 - 2 * -0.25,
    },
    { weight: 0, calls: [{ rows: 3, condition: [0.5, 0.5, 0.5] }], eps: 0.5 },
  ])(
    'w = $weight: both passes in ONE batched call, only the conditional one at w = 0, eps = (1 + w) eps_c - w eps_u',
    async ({ weight, calls: expectedCalls, eps }) => {
      const { denoiser, calls } = recordingDenoiser();
      const condition = tf.fill([3, 1], 0.5) as tf.Tensor2D;
      const guidance = guidanceRule(weight);
      const x = await sample({
        schedule,
        denoiser,
        shape: [3, 2],
        condition,
        seed: 4,
        sampler: oneStep,
        guidance,
      });
      expect(calls).toEqual(expectedCalls);
      const expected = await expectedOutput(4, eps);
      Array.from(await x.data()).forEach((value, i) => {
        expect(value).toBeCloseTo(expected[i]!, 3);
      });
      expect(condition.isDisposed).toBe(false);
      tf.dispose([x, condition]);
    },
  );

  it("never disposes the caller's tensors, even those the caller's functions pass through", async () => {
    type Pair = { label: tf.Tensor2D; scale: tf.Scalar };
    const condition: Pair = { label: tf.ones([2, 1]) as tf.Tensor2D, scale: tf.scalar(1) };
    const denoiser: Denoiser<Pair> = (noisy, _t, c) => tf.mul(tf.mul(noisy, c.scale), tf.mean(c.label));
    const before = tf.memory().numTensors;
    const x = await sample({
      schedule,
      denoiser,
      shape: [2, 3],
      condition,
      seed: 1,
      sampler: { kind: 'ddim', steps: 5 },
      guidance: {
        weight: 1,
        drop: (c, keep) => ({ label: tf.mul(c.label, keep.expandDims(1)) as tf.Tensor2D, scale: c.scale }),
        concat: (a, b) => ({ label: tf.concat([a.label, b.label]), scale: a.scale }),
      },
    });
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(condition.label.isDisposed || condition.scale.isDisposed).toBe(false);
    tf.dispose([condition.label, condition.scale]);
  });
});

describe('sample', () => {
  const denoiser = gaussianDenoiser(schedule, 0, 0.5);
  const run = async (seed: number) => {
    const x = await sample({
      schedule,
      denoiser,
      shape: [4, 3],
      condition: undefined,
      seed,
      sampler: { kind: 'ddim', steps: 20, eta: 1 },
    });
    const values = Array.from(await x.data());
    x.dispose();
    return values;
  };

  it('is reproducible from its seed alone', async () => {
    expect(await run(12)).toEqual(await run(12));
    expect(await run(12)).not.toEqual(await run(13));
  });

  it('with row seeds, gives each row the same sample whichever rows share its batch', async () => {
    const rowsOf = async (rowSeeds: number[], sampler: Parameters<typeof sample>[0]['sampler']) => {
      const x = await sample({
        schedule,
        denoiser,
        shape: [rowSeeds.length, 3],
        condition: undefined,
        seed: 0,
        rowSeeds,
        sampler,
      });
      const values = Array.from(await x.data());
      x.dispose();
      return rowSeeds.map((_, r) => values.slice(3 * r, 3 * r + 3));
    };
    for (const sampler of [
      { kind: 'ddim', steps: 20, eta: 1 },
      { kind: 'dpm-solver++', steps: 10 },
    ] as const) {
      const together = await rowsOf([5, 6, 7, 8], sampler);
      const [seven, five] = await rowsOf([7, 5], sampler);
      expect(seven).toEqual(together[2]);
      expect(five).toEqual(together[0]);
      expect(together[1]).not.toEqual(together[3]);
    }
    await expect(
      sample({ schedule, denoiser, shape: [2, 3], condition: undefined, seed: 0, rowSeeds: [1] }),
    ).rejects.toThrow(/rowSeeds has 1 seeds for a batch of 2 rows/);
  });

  it('draws standard normal row noise (rowNormals)', () => {
    const values = rowNormals([1, 2, 3, 4], 25_001, 9);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    // 100,004 draws: standard errors 0.003 (mean) and 0.0045 (variance).
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(values.slice(0, 25_001)).toEqual(rowNormals([1], 25_001, 9));
    expect(values.slice(0, 10)).not.toEqual(rowNormals([1], 10, 8));
  });

  it('reports every step, awaits the callback, and keeps the tensor count flat over 1000 DDPM steps', async () => {
    const label = tf.ones([2, 1]) as tf.Tensor2D;
    const progress: Omit<SamplingProgress, 'sample'>[] = [];
    const tensorCounts = new Set<number>();
    let pending = false;
    const before = tf.memory().numTensors;
    const x = await sample({
      schedule,
      denoiser: (noisy, t, c: tf.Tensor2D) =>
        tf.mul(denoiser(noisy, t, undefined, { training: false }), tf.mean(c)),
      shape: [2, 8],
      condition: label,
      seed: 3,
      guidance: guidanceRule(1.5),
      onStep: async ({ step, totalSteps, timestep, sample: current }) => {
        expect(pending).toBe(false); // the previous callback's promise had resolved
        expect(current.shape).toEqual([2, 8]);
        progress.push({ step, totalSteps, timestep });
        tensorCounts.add(tf.memory().numTensors);
        if (step % 250 === 0) {
          pending = true;
          await new Promise((resolve) => setTimeout(resolve, 1));
          pending = false;
        }
      },
    });
    expect(progress).toHaveLength(1000);
    expect(progress[0]).toEqual({ step: 1, totalSteps: 1000, timestep: 999 });
    expect(progress[999]).toEqual({ step: 1000, totalSteps: 1000, timestep: 0 });
    expect(tensorCounts.size).toBe(1); // the same number of live tensors after every step
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    label.dispose();
  });

  it('stops at an abort, rejects with its reason and frees every tensor', async () => {
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const result = sample({
      schedule,
      denoiser,
      shape: [2, 2],
      condition: undefined,
      seed: 0,
      sampler: { kind: 'dpm-solver++' },
      signal: controller.signal,
      onStep: ({ step }) => {
        steps.push(step);
        if (step === 3) controller.abort(new Error('user cancelled'));
      },
    });
    await expect(result).rejects.toThrow('user cancelled');
    expect(steps).toEqual([1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad shapes, seeds and guidance weights before allocating anything', async () => {
    const before = tf.memory().numTensors;
    const base = { schedule, denoiser, condition: undefined, seed: 0 };
    await expect(sample({ ...base, shape: [] })).rejects.toThrow(/shape/);
    await expect(sample({ ...base, shape: [2, 0] })).rejects.toThrow(/shape/);
    await expect(sample({ ...base, shape: [2], seed: 0.5 })).rejects.toThrow(/seed must be a safe integer/);
    const guidance = { weight: Number.NaN, drop: (c: undefined) => c, concat: (a: undefined) => a };
    await expect(sample({ ...base, shape: [2], guidance })).rejects.toThrow(/guidance weight must be finite/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
