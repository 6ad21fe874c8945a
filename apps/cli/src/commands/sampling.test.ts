import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDatasetFile, writeDatasetFile } from '@diffbatt/core';
import { syntheticSamples } from '@diffbatt/core/testing';
import { conditionNovelty, conditionNoveltyReference } from '@diffbatt/eval';
import { buildDiffBattUNet, saveDiffBattModel } from '@diffbatt/unet';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { SMALL_UNET_CONFIG, writeSyntheticDataset } from '../testing/synthetic-data.js';

// An untrained small network: these tests check the command mechanics and outputs, not accuracy.
const SMALL = SMALL_UNET_CONFIG;

let dir: string;
let model: string;
let model100: string;
let data: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'diffbatt-sampling-'));
  model = join(dir, 'model');
  model100 = join(dir, 'model100');
  data = join(dir, 'cells.dbds');
  await writeSyntheticDataset(data, 5, 2);
  await saveDiffBattModel(buildDiffBattUNet(SMALL), model, {
    config: SMALL,
    provenance: { note: 'untrained test model' },
  });
  const config100 = { ...SMALL, capacityMatrixRows: 100 as const };
  await saveDiffBattModel(buildDiffBattUNet(config100), model100, { config: config100 });
}, 60_000);

/** `diffbatt test` on the small model and the synthetic cells, plus `extra` options. */
const runTest = (extra: string[]) => runCli(['test', '--model', model, '--data', data, ...extra]);

const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('error'));

describe('diffbatt test', () => {
  it('scores a split and writes JSON and an HTML report', async () => {
    const json = join(dir, 'out', 'scores.json');
    const report = join(dir, 'out', 'report.html');
    const run = await runTest([
      '--sampler',
      'ddim',
      '--steps',
      '3',
      '--samples',
      '2',
      '--json',
      json,
      '--report',
      report,
    ]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cycle life RMSE/);
    const scores = JSON.parse(await readFile(json, 'utf8'));
    expect(scores).toMatchObject({
      cells: 5,
      sampler: 'ddim',
      steps: 3,
      clipSample: true,
      samplesPerCell: [2, 2, 2, 2, 2],
    });
    for (const key of ['rulRmse', 'sohRmse', 'seconds']) expect(typeof scores[key]).toBe('number');
    expect(scores.rulReference).toHaveLength(5);
    const html = await readFile(report, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(6);
    expect(html).toContain('synthetic-1 (synthetic)');
  }, 120_000);

  it('scores only the cells --cells names, in that order, and names an unknown id', async () => {
    const json = join(dir, 'out', 'picked.json');
    const run = await runTest([
      '--sampler',
      'ddim',
      '--steps',
      '2',
      '--cells',
      'synthetic-3,synthetic-1',
      '--json',
      json,
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(json, 'utf8'))).toMatchObject({
      cells: 2,
      cellIds: ['synthetic-3', 'synthetic-1'],
    });
    const unknown = await runTest(['--sampler', 'ddim', '--steps', '2', '--cells', 'synthetic-1,nope']);
    expect(unknown.code).toBe(1);
    expect(errorLines(unknown.stderr)).toEqual([expect.stringMatching(/--cells: no cell "nope"/)]);
  }, 120_000);

  it('writes JSON to standard output for --json - (the table then goes to stderr), one output at a time', async () => {
    const run = await runTest(['--sampler', 'ddim', '--steps', '2', '--json', '-']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ cells: 5, sampler: 'ddim', steps: 2 });
    expect(run.stderr).toMatch(/cycle life RMSE/);
    expect(existsSync('-')).toBe(false);
    const both = await runTest(['--sampler', 'ddim', '--steps', '2', '--json', '-', '--report', '-']);
    expect(both.code).toBe(1);
    expect(errorLines(both.stderr)).toEqual([
      expect.stringMatching(/only one output can go to standard output \(-\), got --json and --report/),
    ]);
    const folder = await runTest(['--sampler', 'ddim', '--steps', '2', '--json', dir]);
    expect(folder.code).toBe(1);
    expect(errorLines(folder.stderr)).toEqual([expect.stringMatching(/is a directory, not a regular file/)]);
    expect(folder.stderr).not.toMatch(/\s+at /);
  }, 120_000);

  it('refuses a 20x100 dataset for a 100x100 model, --steps 0 and an unwritable output, in one line each', async () => {
    const mismatch = await runCli([
      'test',
      '--model',
      model100,
      '--data',
      data,
      '--sampler',
      'ddim',
      '--steps',
      '2',
    ]);
    expect(mismatch.code).toBe(1);
    expect(errorLines(mismatch.stderr)).toEqual([
      expect.stringMatching(/20 rows but the model expects 100x100/),
    ]);
    const zero = await runTest(['--sampler', 'ddim', '--steps', '0']);
    expect(errorLines(zero.stderr)).toEqual([expect.stringMatching(/option --steps must be at least 1/)]);
    const ddpmSteps = await runTest(['--steps', '50']);
    expect(errorLines(ddpmSteps.stderr)).toEqual([expect.stringMatching(/ddpm always takes 1000 steps/)]);
    const blocked = await runTest(['--sampler', 'ddim', '--steps', '2', '--json', join(data, 'x.json')]);
    expect(blocked.code).toBe(1);
    expect(errorLines(blocked.stderr)).toEqual([expect.stringMatching(/cannot write --json output/)]);
    const noModel = await runCli(['test', '--model', join(dir, 'nowhere'), '--data', data]);
    expect(noModel.code).toBe(1);
    expect(errorLines(noModel.stderr)).toHaveLength(1);
    expect(noModel.stderr).not.toMatch(/\s+at /);
  }, 120_000);

  it('--ensemble pools the curves of several networks, names them in its JSON, and refuses what cannot pool', async () => {
    const options = ['--sampler', 'ddim', '--steps', '2', '--samples', '3', '--workers', '1'];
    const plain = await runTest([...options, '--json', join(dir, 'plain.json')]);
    expect(plain.code).toBe(0);
    // The same network twice: every curve keeps its seed, so the pooled scores are the plain ones.
    const pooled = await runTest([...options, '--ensemble', model, '--json', join(dir, 'pooled.json')]);
    expect(errorLines(pooled.stderr)).toEqual([]);
    expect(pooled.stdout).toContain(`model ${model} + ensemble ${model};`);
    const plainScores = JSON.parse(await readFile(join(dir, 'plain.json'), 'utf8'));
    const pooledScores = JSON.parse(await readFile(join(dir, 'pooled.json'), 'utf8'));
    expect(pooledScores.ensemble).toEqual([model]);
    expect(plainScores.ensemble).toBeUndefined();
    expect(pooledScores.rulPredicted).toEqual(plainScores.rulPredicted);
    expect(pooledScores.sohRmse).toBeCloseTo(plainScores.sohRmse, 5);

    const wide = await runTest([...options, '--ensemble', model100]);
    expect(wide.code).toBe(1);
    expect(errorLines(wide.stderr)).toEqual([
      expect.stringMatching(/ensemble network 1 takes 100-row capacity matrices, the model 20-row ones/),
    ]);
    const tooFew = await runTest(['--sampler', 'ddim', '--steps', '2', '--ensemble', `${model},${model}`]);
    expect(errorLines(tooFew.stderr)).toEqual([
      expect.stringMatching(/1 curve\(s\) per cell cannot be shared between 3 networks/),
    ]);
    const empty = await runTest([...options, '--ensemble', `${model},`]);
    expect(errorLines(empty.stderr)).toEqual([
      expect.stringMatching(
        /option --ensemble must be a comma-separated list of directories without an empty name/,
      ),
    ]);
    const missing = await runTest([...options, '--ensemble', join(dir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(errorLines(missing.stderr)).toHaveLength(1);
    expect(missing.stderr).not.toMatch(/\s+at /);
  }, 180_000);
});

describe('diffbatt test --novelty-reference', () => {
  it('scores the cells unlike the reference cells apart from the others and writes their novelty', async () => {
    const reference = join(dir, 'reference-for-test.dbds');
    await writeSyntheticDataset(reference, 6, 9);
    // The same synthetic cells as `data`, the last one's capacity matrix moved far from every reference cell.
    const shifted = join(dir, 'cells-one-shifted.dbds');
    const samples = syntheticSamples(5, 2);
    samples[4]!.capacityMatrix = samples[4]!.capacityMatrix!.map((v) => v + 5);
    await writeDatasetFile(shifted, samples, { description: 'synthetic test cells, one shifted' });
    const json = join(dir, 'out', 'scores-novelty.json');
    const run = await runCli(
      ['test', '--model', model, '--data', shifted, '--sampler', 'ddim', '--steps', '2'].concat([
        '--novelty-reference',
        reference,
        '--json',
        json,
      ]),
    );
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const scores = JSON.parse(await readFile(json, 'utf8'));
    expect(scores.noveltyReference).toEqual({ data: reference, distinctCells: 6, warningShare: 0.9 });
    const fitted = conditionNoveltyReference(
      (await readDatasetFile(reference)).samples.map((s) => ({
        cellId: s.cellId,
        capacityMatrix: s.capacityMatrix!,
      })),
    );
    expect(scores.novelty).toEqual(samples.map((cell) => conditionNovelty(fitted, cell.capacityMatrix!)));
    // The RMSE line splits the cells by that flag, from the scores' own lives.
    const unlike = scores.novelty.map((n: { referenceShare: number }) => n.referenceShare >= 0.9);
    expect(unlike[4]).toBe(true);
    const rmseOf = (wanted: boolean) => {
      const errors = scores.cellIds.flatMap((_: string, i: number) =>
        unlike[i] === wanted ? [scores.medianOfSamples.rulPredicted[i] - scores.rulReference[i]] : [],
      );
      const count = errors.length;
      const value = Math.sqrt(errors.reduce((a: number, e: number) => a + e * e, 0) / count);
      return `${count === 0 ? 'n/a' : value.toFixed(1)} (${count} cells)`;
    };
    expect(run.stdout).toContain(
      `cycle life RMSE, median of samples: cells unlike the training cells ${rmseOf(true)}, the others ${rmseOf(false)}`,
    );
    const marked = samples.filter((_, i) => unlike[i]).map((cell) => cell.cellId);
    expect(run.stdout).toContain(`unlike the training cells: ${marked.join(', ')}\n`);
  }, 120_000);
});

describe('diffbatt predict', () => {
  /** `predict` on the small model and the synthetic cells with 2 steps, plus `extra` options. */
  const runPredict = (extra: string[]) =>
    runCli(['predict', '--model', model, data, '--steps', '2', ...extra]);

  it('writes life intervals as JSON and the curves as CSV', async () => {
    const json = join(dir, 'predict.json');
    const csv = join(dir, 'predict.csv');
    const run = await runPredict(['--samples', '3', '--json', json, '--csv', csv]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/80 % interval/);
    const predictions = JSON.parse(await readFile(json, 'utf8'));
    expect(predictions).toMatchObject({ monotone: false, smoothing: 0 });
    expect(predictions.cells).toHaveLength(5);
    const cell = predictions.cells[0];
    expect(cell.cycleLifeSamples).toHaveLength(3);
    expect(cell.cycleLifeIntervals[0].lower).toBeLessThanOrEqual(cell.cycleLifeMedian);
    expect(cell.cycleLifeIntervals[0].upper).toBeGreaterThanOrEqual(cell.cycleLifeMedian);
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1 + 5 * 256);
  }, 120_000);

  it('--novelty-reference says how unlike the reference cells each cell is, and refuses other matrices', async () => {
    const reference = join(dir, 'reference.dbds');
    await writeSyntheticDataset(reference, 6, 9);
    const json = join(dir, 'predict-novelty.json');
    const run = await runPredict(['--samples', '2', '--novelty-reference', reference, '--json', json]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/unlike training cells/);
    expect(run.stdout).toMatch(
      /the share of the 6 distinct training cells of .*reference\.dbds .*: \d of 5 cell\(s\)/,
    );
    const predictions = JSON.parse(await readFile(json, 'utf8'));
    expect(predictions.noveltyReference).toEqual({ data: reference, distinctCells: 6, warningShare: 0.9 });
    const matrices = async (path: string) =>
      (await readDatasetFile(path)).samples.map((s) => ({
        cellId: s.cellId,
        capacityMatrix: s.capacityMatrix!,
      }));
    const fitted = conditionNoveltyReference(await matrices(reference));
    const cells = await matrices(data);
    expect(predictions.cells.map((cell: { novelty: unknown }) => cell.novelty)).toEqual(
      cells.map((cell) => conditionNovelty(fitted, cell.capacityMatrix)),
    );

    // Its own cells as the reference: each is its own nearest cell, and none is unlike them.
    const self = await runPredict(['--samples', '1', '--novelty-reference', data, '--json', json]);
    expect(self.code).toBe(0);
    expect(
      JSON.parse(await readFile(json, 'utf8')).cells.map((c: { novelty: unknown }) => c.novelty),
    ).toEqual(cells.map((cell) => ({ nearestDistance: 0, nearestCellId: cell.cellId, referenceShare: 0 })));
    expect(self.stdout).toMatch(/: 0 of 5 cell\(s\)/);

    const wide = join(dir, 'reference100.dbds');
    await writeSyntheticDataset(wide, 3, 1, 100);
    const refused = await runPredict(['--novelty-reference', wide]);
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stderr)).toEqual([
      expect.stringMatching(
        /reference100\.dbds.*capacity matrices have 100 rows but the model expects 20x100/,
      ),
    ]);

    // Two cells with one matrix are one condition: refused in one line naming the file, not a stack trace.
    const copies = join(dir, 'reference-copies.dbds');
    const [cell] = syntheticSamples(1, 4);
    await writeDatasetFile(copies, [cell!, { ...cell!, cellId: 'copy' }], {
      description: 'synthetic, one copy',
    });
    const duplicated = await runPredict(['--novelty-reference', copies]);
    expect(duplicated.code).toBe(1);
    expect(errorLines(duplicated.stderr)).toEqual([
      expect.stringMatching(
        /reference-copies\.dbds.*at least 2 cells with distinct capacity matrices, got 1 \(of 2 cells\)/,
      ),
    ]);
    expect(duplicated.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);

  it('--ensemble predicts from the pooled curves of the networks it names', async () => {
    const json = join(dir, 'out', 'predictions-ensemble.json');
    const run = await runPredict(['--samples', '4', '--ensemble', model, '--json', json]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const predictions = JSON.parse(await readFile(json, 'utf8'));
    expect(predictions).toMatchObject({ model, ensemble: [model], samplesPerCell: 4 });
    expect(predictions.cells[0].cycleLifeSamples).toHaveLength(4);
  }, 120_000);

  it('--smooth and --monotone predict from smoothed, projected curves and say so in its JSON', async () => {
    const json = join(dir, 'out', 'predictions-monotone.json');
    const run = await runPredict(['--smooth', '2', '--monotone', '--json', json]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const predictions = JSON.parse(await readFile(json, 'utf8'));
    expect(predictions).toMatchObject({ monotone: true, smoothing: 2, steps: 2 });
    expect(predictions.cells).toHaveLength(5);
  }, 120_000);

  it('fails, writing nothing, when the samples overflow (finite weights near the float32 limit)', async () => {
    const network = buildDiffBattUNet(SMALL);
    const output = network.layers[network.layers.length - 1]!;
    output.setWeights(output.getWeights().map((w) => tf.fill(w.shape, 3e38)));
    const overflowing = join(dir, 'overflowing');
    await saveDiffBattModel(network, overflowing, { config: SMALL });
    network.dispose();
    const json = join(dir, 'overflow.json');
    const run = await runCli(
      ['predict', '--model', overflowing, data, '--sampler', 'ddim', '--steps', '2'].concat([
        '--clip',
        'off',
        '--samples',
        '2',
        '--json',
        json,
      ]),
    );
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      expect.stringMatching(
        /the sampler produced (NaN|-?Infinity) in curve \d+: the model's outputs overflow/,
      ),
    ]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(json)).toBe(false);
  }, 120_000);

  it('refuses a model whose diffbatt.json asks for a network tfjs cannot allocate, in one line', async () => {
    const tampered = join(dir, 'tampered-config');
    await cp(model, tampered, { recursive: true });
    const info = JSON.parse(await readFile(join(tampered, 'diffbatt.json'), 'utf8'));
    info.config.embeddingDim = 2 ** 24;
    info.config.sequenceLength = 2 ** 30;
    await writeFile(join(tampered, 'diffbatt.json'), JSON.stringify(info));
    const run = await runCli(['predict', '--model', tampered, data, '--steps', '2']);
    expect(run.code).toBe(1);
    // It used to build the network first: a RangeError stack trace from tfjs (exit 7).
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^diffbatt: error: .*diffbatt\.json, field "embeddingDim": invalid U-Net config: embeddingDim must be at most 16384 \(was 16777216\)$/,
      ),
    ]);
  }, 60_000);

  it('refuses abusive counts, seeds and guidance weights in one line each', async () => {
    const cases: [string[], RegExp][] = [
      [['--samples', '100000000'], /option --samples must be at most 200000/],
      [['--seed', '99999999999999999999'], /option --seed must be an integer of at most 9007199254740991/],
      [['--guidance', '1e300'], /option --guidance must be at most 1000/],
      ...(process.platform === 'linux'
        ? [
            [['--json', '/proc/diffbatt-never.json'], /no file can be created in \/proc \(ENOENT\)/] as [
              string[],
              RegExp,
            ],
          ]
        : []),
      [['--samples', '100000'], /5 condition\(s\) x 100000 curve\(s\) = 500000 curves, more than the 200000/],
    ];
    for (const [extra, message] of cases) {
      const run = await runCli(['predict', '--model', model, data, '--steps', '2', ...extra]);
      expect(run.code, extra.join(' ')).toBe(1);
      expect(errorLines(run.stderr)).toEqual([expect.stringMatching(message)]);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
  }, 120_000);
});

describe('diffbatt synthesize', () => {
  it('writes conditional curves marked synthetic with provenance, and unconditional ones as CSV', async () => {
    const out = join(dir, 'synthetic.dbds');
    const run = await runCli([
      'synthesize',
      '--model',
      model,
      '--n',
      '2',
      '--condition',
      data,
      '--guidance',
      '1',
      '--steps',
      '2',
      '--out',
      out,
    ]);
    expect(run.code).toBe(0);
    const { samples } = await readDatasetFile(out);
    expect(samples).toHaveLength(10);
    for (const sample of samples) {
      expect(sample.synthetic).toBe(true);
      expect(sample.provenance).toMatchObject({ guidanceWeight: 1, seed: 0, sampler: 'dpm-solver++' });
    }
    expect(samples[0]!.provenance?.['sourceCellId']).toBe('synthetic-1');
    const csv = join(dir, 'unconditional.csv');
    expect(
      (await runCli(['synthesize', '--model', model, '--n', '3', '--steps', '2', '--out', csv])).code,
    ).toBe(0);
    const rows = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(rows).toHaveLength(4);
    expect(rows[0]!.split(',')).toHaveLength(7 + 256);
    expect(rows[1]).toMatch(/^"synthetic-unconditional-1",true,"unconditional",0,0,false,0,/);
  }, 120_000);

  it('refuses an output format it cannot write, leaving nothing behind', async () => {
    const out = join(dir, 'curves.txt');
    const run = await runCli(['synthesize', '--model', model, '--n', '1', '--out', out]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([expect.stringMatching(/--out must end in .csv or .dbds/)]);
    expect(existsSync(out)).toBe(false);
  });
});
