import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBackend } from '@diffbatt/core/backend';
import { createScratchDirectory, type ScratchDirectory, syntheticSamples } from '@diffbatt/core/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS, shardRows, type TrainSettings, trainDiffBatt } from './index.js';

// A small network and SYNTHETIC cells: these tests check the mechanics of parallel training, not accuracy.
const unetConfig = {
  widths: [8, 16],
  hasAttention: [false, true],
  numResBlocks: 1,
  capacityMatrixRows: 20 as const,
};
const samples = syntheticSamples(7, 5);
const settings: TrainSettings = {
  ...DEFAULT_TRAIN_SETTINGS,
  steps: 4,
  checkpointEvery: 2,
  validationFraction: 0,
  seed: 2,
};

let scratch: ScratchDirectory;
let backend: string;
beforeAll(async () => {
  scratch = await createScratchDirectory('diffbatt-pipeline-train');
  backend = (await selectBackend()).backend;
});
afterAll(() => scratch.remove());

async function train(name: string, workers: number, extra: Partial<TrainSettings> = {}) {
  const outDir = join(scratch.path, name);
  let reportedWorkers = 0;
  const result = await trainDiffBatt({
    samples,
    dataDescription: 'synthetic test cells',
    outDir,
    settings: { ...settings, ...extra },
    unetConfig,
    resume: false,
    backend,
    workers,
    onStart: (info) => {
      reportedWorkers = info.workers;
    },
  });
  const weights = new Float32Array((await readFile(join(outDir, 'model', 'weights.bin'))).buffer.slice(0));
  const record = JSON.parse(await readFile(join(outDir, 'training.json'), 'utf8'));
  return { result, weights, losses: record.losses as number[], reportedWorkers };
}

describe('shardRows', () => {
  it('splits a batch into contiguous near-equal parts that cover it once', () => {
    expect(shardRows(41, 2)).toEqual([
      { offset: 0, rows: 20 },
      { offset: 20, rows: 21 },
    ]);
    expect(shardRows(7, 3)).toEqual([
      { offset: 0, rows: 2 },
      { offset: 2, rows: 2 },
      { offset: 4, rows: 3 },
    ]);
  });
});

describe('data-parallel training over worker threads', () => {
  it('gives bit-identical weights for the same seed and worker count, and the one-thread result to float32 rounding', async () => {
    const [first, second, oneThread] = [await train('a', 2), await train('b', 2), await train('c', 1)];
    expect(first.reportedWorkers).toBe(2);
    expect(oneThread.reportedWorkers).toBe(1);
    expect(Buffer.from(first.weights.buffer).equals(Buffer.from(second.weights.buffer))).toBe(true);
    expect(first.losses).toEqual(second.losses);
    // The parts' gradients add up to the whole batch's: the same run in another summation order.
    for (const [i, loss] of oneThread.losses.entries()) expect(first.losses[i]).toBeCloseTo(loss, 5);
    let largest = 0;
    for (const [i, w] of oneThread.weights.entries())
      largest = Math.max(largest, Math.abs(w - first.weights[i]!));
    expect(largest).toBeGreaterThan(0); // really another code path
    expect(largest).toBeLessThan(1e-4);
  });

  it('leaves no tensor behind, however often its flat state is written back for checkpoints', async () => {
    const before = tf.memory().numTensors;
    await train('tensors', 2, { checkpointEvery: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('uses at most one worker per batch row', async () => {
    const run = await train('capped', 4, { batchSize: 2 });
    expect(run.reportedWorkers).toBe(2);
  });

  it('refuses a worker count that is not a whole number >= 1', async () => {
    await expect(train('bad', 0)).rejects.toThrow(/worker count must be a whole number >= 1, got 0/);
  });

  it('ends its workers when one fails, so the process exits with the error instead of hanging', async () => {
    // A child process starts a pool whose workers cannot load their backend; a worker left running would
    // keep that process alive and this test would time out.
    const script = [
      "import { GradientPool } from '@diffbatt/pipeline';",
      'try {',
      "  await GradientPool.start({ workers: 2, backend: 'tensorflow-gpu', unetConfig: {}, curves: new Float32Array(0), capacityMatrices: new Float32Array(0), cells: 0 });",
      "} catch (error) { console.log('rejected: ' + error.message); }",
    ].join('\n');
    const child = spawn(
      process.execPath,
      ['--conditions=@diffbatt/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stdout).toMatch(/rejected: training worker [12] of 2 failed: .*tensorflow/);
    expect(code).toBe(0);
  });
});

describe('the capacity-matrix size of the network', () => {
  const small = { widths: [8, 16], hasAttention: [false, true], numResBlocks: 1 };
  const run = (name: string, cells: ReturnType<typeof syntheticSamples>, config: object) =>
    trainDiffBatt({
      samples: cells,
      dataDescription: 'synthetic test cells',
      outDir: join(scratch.path, name),
      settings: { ...settings, steps: 1 },
      unetConfig: config,
      resume: false,
      backend,
      workers: 1,
    });

  it('follows the training data when the config does not fix it (20 rows as SNL and CRUSH)', async () => {
    await run('rows-from-data', syntheticSamples(3, 8, 20), small);
    const saved = JSON.parse(
      await readFile(join(scratch.path, 'rows-from-data', 'model', 'diffbatt.json'), 'utf8'),
    );
    expect(saved.config.capacityMatrixRows).toBe(20);
  });

  it('refuses data of another size than the config fixes, and data that mixes sizes', async () => {
    await expect(
      run('rows-fixed', syntheticSamples(3, 8, 20), { ...small, capacityMatrixRows: 100 }),
    ).rejects.toThrow('training data has 20-row capacity matrices; the model expects 100');
    const mixed = [...syntheticSamples(2, 8, 20), ...syntheticSamples(2, 9, 100)];
    await expect(run('rows-mixed', mixed, small)).rejects.toThrow(/mixes 20- and 100-row capacity matrices/);
  });

  it('fine-tunes a network pretrained on 100-row matrices on 20-row cells, from its weights', async () => {
    await run('rows-pretrained', syntheticSamples(3, 8, 100), small);
    const from = join(scratch.path, 'rows-pretrained', 'model');
    let reported: number | undefined;
    const outDir = join(scratch.path, 'rows-finetuned');
    await trainDiffBatt({
      samples: syntheticSamples(3, 9, 20),
      dataDescription: 'synthetic test cells',
      outDir,
      // EMA decay 1 keeps the saved (EMA) network at its start: the pretrained one, weight for weight.
      settings: { ...settings, steps: 1, emaDecay: 1, emaWarmup: false },
      fromModelDir: from,
      resume: false,
      backend,
      workers: 1,
      onStart: (info) => {
        reported = info.pretrainedCapacityMatrixRows;
      },
    });
    const saved = JSON.parse(await readFile(join(outDir, 'model', 'diffbatt.json'), 'utf8'));
    const pretrained = JSON.parse(await readFile(join(from, 'diffbatt.json'), 'utf8'));
    expect(saved.config).toEqual({ ...pretrained.config, capacityMatrixRows: 20 });
    expect(saved.provenance).toMatchObject({ finetunedFrom: from, pretrainedCapacityMatrixRows: 100 });
    expect(reported).toBe(100);
    const weights = await readFile(join(outDir, 'model', 'weights.bin'));
    expect(weights.equals(await readFile(join(from, 'weights.bin')))).toBe(true);
  });
});

describe('resuming a run recorded by an earlier version', () => {
  it('takes a setting or U-Net option missing from the record as its default, and still refuses a changed one', async () => {
    const outDir = join(scratch.path, 'older-record');
    const run = (resume: boolean, extra: Partial<TrainSettings> = {}) =>
      trainDiffBatt({
        samples,
        dataDescription: 'synthetic test cells',
        outDir,
        settings: { ...settings, steps: resume ? 4 : 2, ...extra },
        unetConfig,
        resume,
        backend,
        workers: 1,
      });
    await run(false);
    // What a run.json of an earlier version holds: no min-SNR setting, no prediction type.
    const runPath = join(outDir, 'run.json');
    const record = JSON.parse(await readFile(runPath, 'utf8'));
    delete record.settings.minSnrGamma;
    delete record.unetConfig.predictionType;
    delete record.unetConfig.capacityMatrixLogRms;
    await writeFile(runPath, JSON.stringify(record));
    await expect(run(true, { minSnrGamma: 5 })).rejects.toThrow(/cannot resume: minSnrGamma was null, now 5/);
    const resumed = await run(true);
    expect(resumed.steps).toBe(4);
  });
});
