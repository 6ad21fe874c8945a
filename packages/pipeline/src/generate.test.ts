import { selectBackend } from '@diffbatt/core/backend';
import { syntheticSamples } from '@diffbatt/core/testing';
import { deriveSeed, rowNormals } from '@diffbatt/diffusion';
import { monotoneProjection, whittakerSmoothing } from '@diffbatt/eval';
import { buildDiffBattUNet, diffBattDenoiser, parseUNetConfig } from '@diffbatt/unet';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCurves } from './index.js';

// A small random network and SYNTHETIC conditions: these tests check how curves are split over workers.
const config = parseUNetConfig(
  { widths: [8, 16], hasAttention: [false, true], numResBlocks: 1, capacityMatrixRows: 20 },
  'test config',
);
const conditions = [...syntheticSamples(3, 4).map((s) => s.capacityMatrix as Float32Array), null];

beforeAll(async () => {
  await selectBackend();
});

async function draw(workers: number, maxBatch: number, seed = 1) {
  const model = buildDiffBattUNet(config, { seed: 3 });
  const progress: [number, number][] = [];
  try {
    const curves = await generateCurves({
      model,
      config,
      conditions,
      samplesPerCell: 3,
      sampler: { kind: 'ddim', steps: 5, eta: 1 },
      guidanceWeight: 1,
      seed,
      maxBatch,
      workers,
      onProgress: (done, total) => progress.push([done, total]),
    });
    return { curves, progress };
  } finally {
    model.dispose();
  }
}

describe('generateCurves', () => {
  it('gives every curve its own seed: the same curves for any worker count and batch size', async () => {
    const reference = await draw(1, 256);
    expect(reference.curves).toHaveLength(4);
    expect(reference.curves.every((cell) => cell.length === 3)).toBe(true);
    expect(reference.progress.at(-1)).toEqual([12 * 5, 12 * 5]);
    for (const [workers, maxBatch] of [
      [1, 5],
      [2, 256],
      [3, 2],
    ] as const) {
      const run = await draw(workers, maxBatch);
      expect(run.progress.at(-1)).toEqual([60, 60]);
      let largest = 0;
      for (const [c, cell] of run.curves.entries()) {
        for (const [j, curve] of cell.entries()) {
          for (const [i, v] of curve.entries())
            largest = Math.max(largest, Math.abs(v - reference.curves[c]![j]![i]!));
        }
      }
      // Only the float rounding of kernels whose work depends on the batch size may differ.
      expect(largest, `${workers} workers, batches of ${maxBatch}`).toBeLessThan(1e-4);
    }
    const otherSeed = await draw(2, 256, 2);
    expect(otherSeed.curves[0]![0]).not.toEqual(reference.curves[0]![0]);
    // Two curves of one cell differ (their own seeds).
    expect(reference.curves[0]![0]).not.toEqual(reference.curves[0]![1]);
  });

  it('smooths (smoothing > 0) and then projects (monotone: true) every curve, and only when asked', async () => {
    const model = buildDiffBattUNet(config, { seed: 3 });
    try {
      const job = {
        model,
        config,
        conditions,
        samplesPerCell: 2,
        // Clipped above 60 % SOH, so every point is observed data and the projection has work to do.
        sampler: { kind: 'ddim', steps: 3, eta: 0, clipSample: { min: 0.3, max: 1 } },
        guidanceWeight: 1,
        seed: 1,
        workers: 1,
      } as const;
      const drawn = await generateCurves(job);
      const projected = await generateCurves({ ...job, monotone: true });
      expect(projected).toEqual(drawn.map((cell) => cell.map(monotoneProjection)));
      expect(projected).not.toEqual(drawn); // the random network's curves do rise
      // Smoothing comes first, projection after it; smoothing alone leaves the projection out.
      const smoothed = await generateCurves({ ...job, smoothing: 3 });
      expect(smoothed).toEqual(drawn.map((cell) => cell.map((curve) => whittakerSmoothing(curve, 3))));
      expect(smoothed).not.toEqual(drawn);
      const both = await generateCurves({ ...job, smoothing: 3, monotone: true });
      expect(both).toEqual(smoothed.map((cell) => cell.map(monotoneProjection)));
      await expect(generateCurves({ ...job, smoothing: -1 })).rejects.toThrow(/smoothing penalty/);
    } finally {
      model.dispose();
    }
  });

  it("samples in the model's own prediction type", async () => {
    // One DDIM step from t = 500 to the clean curve returns x0_hat: for a `sample` model, its output.
    const sampleModel = { ...config, predictionType: 'sample' as const };
    const model = buildDiffBattUNet(sampleModel, { seed: 3 });
    const condition = conditions[0]!;
    try {
      const cells = await generateCurves({
        model,
        config: sampleModel,
        conditions: [condition],
        samplesPerCell: 1,
        sampler: { kind: 'ddim', timesteps: [500] },
        guidanceWeight: 0,
        seed: 4,
        workers: 1,
      });
      const expected = tf.tidy(() =>
        diffBattDenoiser(model)(
          tf.tensor3d(rowNormals([deriveSeed(4, 0, 0)], 256, 0), [1, 256, 1]),
          tf.tensor1d([500], 'int32'),
          {
            capacityMatrix: tf.tensor4d(condition, [1, 20, 100, 1]),
            mask: tf.ones([1, config.embeddingDim]),
          },
          { training: false },
        ),
      );
      const values = await expected.data();
      const curve = cells[0]![0]!;
      expected.dispose();
      expect(Math.max(...curve.map((v, i) => Math.abs(v - values[i]!)))).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });

  it("pools an ensemble: each network draws its block of every cell's curves, each curve from its own seed", async () => {
    const first = buildDiffBattUNet(config, { seed: 3 });
    const second = buildDiffBattUNet(config, { seed: 5 });
    const job = {
      config,
      conditions,
      samplesPerCell: 5,
      sampler: { kind: 'ddim', steps: 3, eta: 1 },
      guidanceWeight: 1,
      seed: 2,
      workers: 1,
    } as const;
    try {
      const alone = await generateCurves({ ...job, model: first });
      const other = await generateCurves({ ...job, model: second });
      const progress: [number, number][] = [];
      const pooled = await generateCurves({
        ...job,
        model: first,
        ensemble: [{ model: second, config }],
        workers: 2,
        onProgress: (done, total) => progress.push([done, total]),
      });
      // 5 curves over 2 networks: the first draws curves 0-2 of every cell, the second 3-4.
      const expected = alone.map((cell, c) => [...cell.slice(0, 3), ...other[c]!.slice(3)]);
      let largest = 0;
      for (const [c, cell] of pooled.entries()) {
        expect(cell).toHaveLength(5);
        for (const [j, curve] of cell.entries())
          for (const [i, v] of curve.entries())
            largest = Math.max(largest, Math.abs(v - expected[c]![j]![i]!));
      }
      expect(largest).toBeLessThan(1e-4);
      expect(progress.at(-1)).toEqual([4 * 5 * 3, 4 * 5 * 3]);
      expect(progress.map(([done]) => done)).toEqual(
        [...progress.map(([done]) => done)].sort((a, b) => a - b),
      );
    } finally {
      first.dispose();
      second.dispose();
    }
  });

  it('refuses an ensemble whose networks take other capacity matrices, or fewer curves than networks', async () => {
    const first = buildDiffBattUNet(config, { seed: 3 });
    const wideConfig = { ...config, capacityMatrixRows: 100 as const };
    const wide = buildDiffBattUNet(wideConfig, { seed: 3 });
    const job = {
      model: first,
      config,
      conditions,
      sampler: { kind: 'ddim', steps: 2 },
      guidanceWeight: 0,
      seed: 0,
      workers: 1,
    } as const;
    try {
      await expect(
        generateCurves({ ...job, samplesPerCell: 2, ensemble: [{ model: wide, config: wideConfig }] }),
      ).rejects.toThrow('ensemble network 1 takes 100-row capacity matrices, the model 20-row ones');
      await expect(
        generateCurves({
          ...job,
          samplesPerCell: 2,
          ensemble: [
            { model: first, config },
            { model: first, config },
          ],
        }),
      ).rejects.toThrow('2 curve(s) per cell cannot be shared between 3 networks');
    } finally {
      first.dispose();
      wide.dispose();
    }
  });
});
