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
import {
  calibrateLifeIntervals,
  crossValidatedLifeCalibration,
  generateCurves,
  predictCells,
} from './index.js';

// A small random network and SYNTHETIC cells: this checks how the calibration is put together, not its
// quality (eval's tests check that on cells of a known distribution).
const config = parseUNetConfig(
  { widths: [8, 16], hasAttention: [false, true], numResBlocks: 1, capacityMatrixRows: 20 },
  'test config',
);
const cells = syntheticSamples(6, 5);
const LEVELS = [0.5, 0.6];
let model: tf.LayersModel;
let wideModel: tf.LayersModel;
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
  wideModel = buildDiffBattUNet(parseUNetConfig({ ...config, capacityMatrixRows: 100 }, 'test config'), {
    seed: 6,
  });
});
afterAll(() => {
  model.dispose();
  wideModel.dispose();
});

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

describe('crossValidatedLifeCalibration', () => {
  const { model: _, config: __, ...common } = { ...sampling(), levels: LEVELS, eolSoh: 90 };
  // The second fold's network takes 100-row capacity matrices: sampling its cells with the first fold's
  // network (20 rows) would fail, so the test sees that each fold samples with its own network.
  const wideConfig = parseUNetConfig({ ...config, capacityMatrixRows: 100 }, 'test config');
  const wideCells = syntheticSamples(3, 7, 100).map((c) => ({ ...c, cellId: `wide-${c.cellId}` }));
  const folds = () => [
    { model, config, cells: cells.slice(0, 3), trainingCellIds: wideCells.map((c) => c.cellId) },
    {
      model: wideModel,
      config: wideConfig,
      cells: wideCells,
      trainingCellIds: cells.slice(0, 3).map((c) => c.cellId),
    },
  ];

  it("fits one set of margins on the pooled scores, each fold's cells sampled by its own network", async () => {
    const progress: [number, number][] = [];
    const result = await crossValidatedLifeCalibration({
      ...common,
      folds: folds(),
      onProgress: (done, total) => progress.push([done, total]),
    });
    const perFold = [];
    for (const fold of folds()) {
      perFold.push(await calibrateLifeIntervals({ ...sampling(), ...fold, levels: [0.5], eolSoh: 90 }));
    }
    // Each fold's lives are those its own network draws for its cells alone.
    expect(result.cells).toEqual(perFold.flatMap((fold) => fold.cells));
    const { provenance, ...margins } = result.calibration;
    expect(margins).toEqual(
      fitLifeIntervalCalibration(
        result.cells.map((c) => ({ lives: c.sampledLives, measuredLife: c.measuredLife })),
        LEVELS,
      ),
    );
    expect(provenance).toMatchObject({ networks: 1, seed: 4, eolSoh: 90 });
    expect(provenance?.['folds']).toEqual(folds().map((f) => f.cells.map((c) => c.cellId)));
    // One progress bar over both folds: it never goes back and ends at its total.
    const totals = new Set(progress.map(([, total]) => total));
    expect(totals.size).toBe(1);
    const dones = progress.map(([done]) => done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual([[...totals][0], [...totals][0]]);
  }, 60_000);

  it('refuses overlapping folds, a single fold and a fold holding its own training cells, before sampling', async () => {
    let sampled = 0;
    const job = { ...common, onProgress: () => sampled++ };
    const [a, b] = folds();
    await expect(
      crossValidatedLifeCalibration({ ...job, folds: [a!, { ...b!, cells: [...b!.cells, cells[1]!] }] }),
    ).rejects.toThrow(
      `cell ${cells[1]!.cellId} is in folds 1 and 2: cross-validation folds must not overlap`,
    );
    await expect(crossValidatedLifeCalibration({ ...job, folds: [a!] })).rejects.toThrow(
      /needs at least 2 fold networks, got 1/,
    );
    await expect(
      crossValidatedLifeCalibration({
        ...job,
        folds: [a!, { ...b!, trainingCellIds: [wideCells[2]!.cellId] }],
      }),
    ).rejects.toThrow(
      `1 of the 3 calibration cells are training cells of this model (${wideCells[2]!.cellId})`,
    );
    expect(sampled).toBe(0);
  });
});
