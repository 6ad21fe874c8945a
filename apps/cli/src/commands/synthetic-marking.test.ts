import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { measuredStandIns, saveSmallModel, writeSamples } from '../testing/synthesis.js';
import { syntheticSamples } from '../testing/synthetic-data.js';

// A split mixing two measured stand-ins with two synthetic cells: every output must tell them apart.
let dir: string;
let model: string;
let mixed: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'diffbatt-marking-'));
  model = await saveSmallModel(join(dir, 'model'));
  mixed = await writeSamples(join(dir, 'mixed.dbds'), [
    ...measuredStandIns(2, 3),
    ...syntheticSamples(2, 5).map((sample) => ({
      ...sample,
      provenance: { model: 'm', seed: 1 },
    })),
  ]);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const BANNER = 'SYNTHETIC DATA: 2 of 4 reference cells are synthetic (generated or made up), not measured';

/** The per-cell table row of `cellId` in score-table output. */
const rowOf = (stdout: string, cellId: string) =>
  stdout.split('\n').find((line) => line.startsWith(`${cellId} `) || line.startsWith(`${cellId}  `));

describe('synthetic cells are marked wherever they appear', () => {
  it('diffbatt test: banner and [synthetic] in the table, flags in the JSON, banner and labels in the report', async () => {
    const json = join(dir, 'scores.json');
    const report = join(dir, 'report.html');
    const run = await runCli([
      'test',
      '--model',
      model,
      '--data',
      mixed,
      '--sampler',
      'ddim',
      '--steps',
      '2',
      '--json',
      json,
      '--report',
      report,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[1]).toBe(BANNER);
    expect(rowOf(run.stdout, 'synthetic-1 [synthetic]')).toBeDefined();
    expect(rowOf(run.stdout, 'synthetic-2 [synthetic]')).toBeDefined();
    expect(rowOf(run.stdout, 'measured-1')).not.toMatch(/synthetic/);
    const scores = JSON.parse(await readFile(json, 'utf8'));
    expect(scores.cellIds).toEqual(['measured-1', 'measured-2', 'synthetic-1', 'synthetic-2']);
    expect(scores.cellSynthetic).toEqual([false, false, true, true]);
    expect(scores.syntheticWarning).toBe(BANNER);
    const html = await readFile(report, 'utf8');
    expect(html).toContain(
      '<p class="synthetic-banner">SYNTHETIC DATA: 2 of 4 cells are synthetic (generated or made up), not measured</p>',
    );
    expect(html.match(/\(synthetic\)<\/text>/g)).toHaveLength(2);
    // In the life scatter too: hollow points whose tooltip says synthetic.
    expect(html.match(/class="point synthetic"/g)).toHaveLength(2);
    expect(html).toContain('<title>synthetic-1 (synthetic): true');
  }, 120_000);

  it('diffbatt score: a synthetic reference is marked in the table and the JSON', async () => {
    const table = await runCli(['score', '--reference', mixed, '--generated', mixed]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toBe(BANNER);
    expect(rowOf(table.stdout, 'synthetic-2 [synthetic]')).toBeDefined();
    expect(rowOf(table.stdout, 'measured-2')).not.toMatch(/synthetic/);
    const json = JSON.parse(
      (await runCli(['score', '--reference', mixed, '--generated', mixed, '--json'])).stdout,
    );
    expect(json.cellSynthetic).toEqual([false, false, true, true]);
    expect(json.syntheticWarning).toBe(BANNER);
  }, 60_000);

  it('diffbatt score on measured cells only carries no warning', async () => {
    const measured = await writeSamples(join(dir, 'measured.dbds'), measuredStandIns(4, 3));
    const json = JSON.parse(
      (await runCli(['score', '--reference', measured, '--generated', measured, '--json'])).stdout,
    );
    expect(json.cellSynthetic).toEqual([false, false, false, false]);
    expect(json.syntheticWarning).toBeUndefined();
  }, 60_000);

  it('diffbatt predict: banner and [synthetic] in the table, a flag per cell in the JSON', async () => {
    const json = join(dir, 'predict.json');
    const run = await runCli([
      'predict',
      '--model',
      model,
      mixed,
      '--steps',
      '2',
      '--samples',
      '2',
      '--json',
      json,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'SYNTHETIC DATA: 2 of 4 cells are synthetic (generated or made up), not measured',
    );
    expect(rowOf(run.stdout, 'synthetic-1 [synthetic]')).toBeDefined();
    expect(rowOf(run.stdout, 'measured-1')).not.toMatch(/synthetic/);
    const predictions = JSON.parse(await readFile(json, 'utf8'));
    expect(predictions.cells.map((cell: { synthetic: boolean }) => cell.synthetic)).toEqual([
      false,
      false,
      true,
      true,
    ]);
  }, 120_000);
});
