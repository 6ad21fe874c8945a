import { selectBackend } from '@diffbatt/core/backend';
import { syntheticSamples } from '@diffbatt/core/testing';
import {
  calibrateLifeSummary,
  fitLifeIntervalCalibration,
  lifeIntervalCoverage,
  lifeSummary,
  scoreSohCurves,
} from '@diffbatt/eval';
import { buildDiffBattUNet, parseUNetConfig } from '@diffbatt/unet';
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateLifeIntervals, generateCurves, predictCells } from './index.js';

// A small random network and SYNTHETIC cells: this checks how the calibration is put together, not its
// quality (eval's tests check that on cells of a known distribution).
const config = parseUNetConfig(
  { widths: [8, 16], hasAttention: [false, true], numResBlocks: 1, capacityMatrixRows: 20 },
  'test config',
);
const cells = syntheticSamples(6, 5);
const LEVELS = [0.5, 0.6];
let model: tf.LayersModel;
const sampling = () => ({
  model,
  config,
  samplesPerCell: 3,
  sampler: { kind: 'ddim', steps: 3 } as const,
  guidanceWeight: 0,
  seed: 4,
  workers: 1,
});

beforeAll(async () => {
  await selectBackend();
  model = buildDiffBattUNet(config, { seed: 5 });
});
afterAll(() => model.dispose());

describe('calibrateLifeIntervals', () => {
  it("fits the margins from the cells' sampled lives and their measured lives by the scorer's rule", async () => {
    const result = await calibrateLifeIntervals({ ...sampling(), cells, levels: LEVELS, eolSoh: 90 });
    const curves = await generateCurves({ ...sampling(), conditions: cells.map((c) => c.capacityMatrix) });
    const scores = scoreSohCurves(
      { reference: cells.map((c) => c.sohCurve), generated: curves },
      { eolSoh: 90, intervalLevels: LEVELS },
    );
    expect(result.cells.map((c) => c.measuredLife)).toEqual(scores.rulReference);
    const predicted = await predictCells({
      ...sampling(),
      capacityMatrices: cells.map((c) => c.capacityMatrix!),
      eolSoh: 90,
      intervalLevels: LEVELS,
    });
    expect(result.cells.map((c) => c.sampledLives)).toEqual(predicted.map((p) => p.cycleLives));
    const { provenance, ...fitted } = result.calibration;
    expect(fitted).toEqual(
      fitLifeIntervalCalibration(
        result.cells.map((c) => ({ lives: c.sampledLives, measuredLife: c.measuredLife })),
        LEVELS,
      ),
    );
    expect(provenance).toMatchObject({
      samplesPerCell: 3,
      guidanceWeight: 0,
      seed: 4,
      monotone: false,
      eolSoh: 90,
    });
    expect(provenance?.['cellIds']).toEqual(cells.map((c) => c.cellId));
    // Before: the scorer's coverage of the sampled intervals; after: of the calibrated ones.
    expect(result.coverage.map((c) => c.before)).toEqual(scores.rulSamples.intervals.map((i) => i.coverage));
    const summaries = predicted.map((p) => lifeSummary(p.cycleLives, LEVELS));
    expect(result.coverage.map((c) => c.after)).toEqual(
      lifeIntervalCoverage(
        summaries.map((s) => calibrateLifeSummary(s, result.calibration)),
        scores.rulReference,
      ).map((c) => c.coverage),
    );

    // predictCells applies it to every cell and keeps the sampled intervals beside.
    const calibrated = await predictCells({
      ...sampling(),
      capacityMatrices: cells.map((c) => c.capacityMatrix!),
      eolSoh: 90,
      intervalLevels: LEVELS,
      lifeCalibration: result.calibration,
    });
    for (const [cell, prediction] of calibrated.entries()) {
      expect(prediction.uncalibratedLife).toEqual(summaries[cell]);
      expect(prediction.life).toEqual(calibrateLifeSummary(summaries[cell]!, result.calibration));
    }
    expect(predicted[0]!.uncalibratedLife).toBeUndefined();
  }, 60_000);

  it('refuses training cells, too few cells and a level without a margin before sampling', async () => {
    let sampled = 0;
    const job = { ...sampling(), onProgress: () => sampled++ };
    await expect(
      calibrateLifeIntervals({ ...job, cells, levels: LEVELS, trainingCellIds: ['x', cells[2]!.cellId] }),
    ).rejects.toThrow(`1 of the 6 calibration cells are training cells of this model (${cells[2]!.cellId})`);
    await expect(calibrateLifeIntervals({ ...job, cells })).rejects.toThrow(
      /95 % life intervals needs at least 19 held-out cells with finite samples, got 6/,
    );
    await expect(
      calibrateLifeIntervals({ ...job, cells: [{ ...cells[0]!, capacityMatrix: null }] }),
    ).rejects.toThrow(/synthetic-1 has no capacity matrix/);
    const calibration = {
      method: 'conformal-log-life' as const,
      margins: [{ level: 0.8, logMargin: 0.1 }],
      calibrationCells: 10,
    };
    await expect(
      predictCells({ ...job, capacityMatrices: [cells[0]!.capacityMatrix!], lifeCalibration: calibration }),
    ).rejects.toThrow(/field "levels": the life-interval calibration has no 95 % level \(it has 80 %\)/);
    expect(sampled).toBe(0);
  });
});
