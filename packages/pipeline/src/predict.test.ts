import { selectBackend } from '@diffbatt/core/backend';
import { syntheticSamples } from '@diffbatt/core/testing';
import { conditionNovelty, conditionNoveltyReference, lifeSummary, sampledCycleLives } from '@diffbatt/eval';
import { buildDiffBattUNet, parseUNetConfig } from '@diffbatt/unet';
import type * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCurves, predictCells } from './index.js';

// A small random network and SYNTHETIC cells: this checks how predictions are put together.
const config = parseUNetConfig(
  { widths: [8, 16], hasAttention: [false, true], numResBlocks: 1, capacityMatrixRows: 20 },
  'test config',
);
const capacityMatrices = syntheticSamples(2, 4).map((s) => s.capacityMatrix as Float32Array);

beforeAll(async () => {
  await selectBackend();
});

/** A job for the random network: `samplesPerCell` curves per cell with DDIM in `steps` steps, one worker. */
const samplingJob = (model: tf.LayersModel, samplesPerCell: number, steps: number) => ({
  model,
  config,
  samplesPerCell,
  sampler: { kind: 'ddim', steps } as const,
  guidanceWeight: 0,
  seed: 2,
  workers: 1,
});

describe('predictCells', () => {
  it("summarises each cell's own generated curves: lives at the given end of life, intervals and band", async () => {
    const model = buildDiffBattUNet(config, { seed: 3 });
    const job = samplingJob(model, 5, 4);
    try {
      const predictions = await predictCells({ ...job, capacityMatrices, eolSoh: 90, intervalLevels: [0.5] });
      const curves = await generateCurves({ ...job, conditions: capacityMatrices });
      expect(predictions).toHaveLength(2);
      for (const [cell, prediction] of predictions.entries()) {
        expect(prediction.curves).toEqual(curves[cell]);
        expect(prediction.cycleLives).toEqual(sampledCycleLives(curves[cell]!, 90));
        expect(prediction.life).toEqual(lifeSummary(prediction.cycleLives, [0.5]));
        expect(prediction.band.level).toBe(0.5); // the first interval level unless bandLevel is given
        expect(prediction.band.median).toHaveLength(256);
      }
    } finally {
      model.dispose();
    }
  });

  it("says how unlike the reference cells each cell's capacity matrix is, and refuses another size first", async () => {
    const model = buildDiffBattUNet(config, { seed: 3 });
    const job = { ...samplingJob(model, 2, 2), capacityMatrices };
    const training = syntheticSamples(5, 20).map((s) => ({
      cellId: s.cellId,
      capacityMatrix: s.capacityMatrix!,
    }));
    const reference = conditionNoveltyReference(training);
    try {
      const predictions = await predictCells({ ...job, noveltyReference: reference });
      expect(predictions.map((p) => p.novelty)).toEqual(
        capacityMatrices.map((m) => conditionNovelty(reference, m)),
      );
      expect((await predictCells(job))[0]!.novelty).toBeUndefined();
      const wider = conditionNoveltyReference(
        training.map((cell, i) => ({
          ...cell,
          capacityMatrix: new Float32Array(cell.capacityMatrix.length + 100).fill(i),
        })),
      );
      await expect(predictCells({ ...job, noveltyReference: wider })).rejects.toThrow(
        /reference cells' matrices/,
      );
    } finally {
      model.dispose();
    }
  });
});
