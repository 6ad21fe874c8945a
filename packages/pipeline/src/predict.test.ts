import { selectBackend } from '@diffbatt/core/backend';
import { syntheticSamples } from '@diffbatt/core/testing';
import { lifeSummary, sampledCycleLives } from '@diffbatt/eval';
import { buildDiffBattUNet, parseUNetConfig } from '@diffbatt/unet';
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

describe('predictCells', () => {
  it("summarises each cell's own generated curves: lives at the given end of life, intervals and band", async () => {
    const model = buildDiffBattUNet(config, { seed: 3 });
    const job = {
      model,
      config,
      samplesPerCell: 5,
      sampler: { kind: 'ddim', steps: 4 } as const,
      guidanceWeight: 0,
      seed: 2,
      workers: 1,
    };
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
});
