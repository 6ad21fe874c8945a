import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDatasetFile } from '@diffbatt/core';
import { largestRise, monotoneProjection, whittakerSmoothing } from '@diffbatt/eval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { measuredStandIns, saveSmallModel, writeSamples } from '../testing/synthesis.js';

let dir: string;
let model: string;
let cells: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'diffbatt-synthesize-'));
  model = await saveSmallModel(join(dir, 'model'));
  cells = await writeSamples(join(dir, 'cells.dbds'), measuredStandIns(3, 4));
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('error'));

describe('diffbatt synthesize --unconditional', () => {
  const out = () => join(dir, 'augment.dbds');

  it('adds unconditional curves to the conditioned ones in one dataset file, with unique stable ids', async () => {
    const run = await runCli([
      'synthesize',
      '--model',
      model,
      '--condition',
      cells,
      '--n',
      '2',
      '--unconditional',
      '3',
      '--guidance',
      '1',
      '--seed',
      '7',
      '--steps',
      '2',
      '--out',
      out(),
    ]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /9 synthetic curve\(s\) written .*\(6 conditioned on 3 cell\(s\), 3 unconditional;/,
    );
    const { meta, samples } = await readDatasetFile(out());
    expect(samples.map((s) => s.cellId)).toEqual([
      'synthetic-measured-1-1',
      'synthetic-measured-1-2',
      'synthetic-measured-2-1',
      'synthetic-measured-2-2',
      'synthetic-measured-3-1',
      'synthetic-measured-3-2',
      'synthetic-unconditional-1',
      'synthetic-unconditional-2',
      'synthetic-unconditional-3',
    ]);
    expect(meta).toMatchObject({ synthetic: true, conditionedCurves: 6, unconditionalCurves: 3, seed: 7 });
    for (const sample of samples) {
      expect(sample.synthetic).toBe(true);
      expect(sample.provenance).toMatchObject({
        model,
        sampler: 'dpm-solver++',
        steps: 2,
        guidanceWeight: 1,
        seed: 7,
      });
    }
    expect(samples.map((s) => s.provenance?.['sourceCellId'])).toEqual([
      ...['measured-1', 'measured-1', 'measured-2', 'measured-2', 'measured-3', 'measured-3'],
      ...['unconditional', 'unconditional', 'unconditional'],
    ]);
    // Conditioned curves keep their condition so they can train a conditional model; unconditional have none.
    expect(samples.slice(0, 6).every((s) => s.capacityMatrixRows === 20)).toBe(true);
    expect(samples.slice(6).every((s) => s.capacityMatrix === null)).toBe(true);
    // Different noise per curve: no two curves alike.
    expect(new Set(samples.map((s) => s.sohCurve.join(','))).size).toBe(9);
  }, 120_000);

  it('round-trips through datasets inspect, which says plainly the cells are synthetic and where they came from', async () => {
    const text = await runCli(['datasets', 'inspect', out()]);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[1]).toBe('SYNTHETIC DATA: 9 of 9 cells are synthetic (generated or made up), not measured');
    expect(lines[2]).toBe(
      `provenance: model ${model}; sampler dpm-solver++; steps 2; clipSample true; monotone false; ` +
        'smoothing 0; guidanceWeight 1; seed 7; 6 conditioned on 3 cell(s); 3 unconditional',
    );
    expect(lines[3]).toMatch(/^cell +synthetic +cycles/);
    expect(lines[4]).toMatch(/^synthetic-measured-1-1 +yes /);

    const json = JSON.parse((await runCli(['datasets', 'inspect', out(), '--json'])).stdout);
    expect(json.synthetic).toMatchObject({
      cells: 9,
      provenance: { conditionCells: 3, conditionedCurves: 6, unconditionalCurves: 3, withoutProvenance: 0 },
    });
    expect(json.cells).toHaveLength(9);
    for (const cell of json.cells) expect(cell.synthetic).toBe(true);
    expect(json.cells[8].provenance).toMatchObject({ sourceCellId: 'unconditional', seed: 7 });
  }, 60_000);

  it('shows no synthetic marks for measured cells', async () => {
    const text = await runCli(['datasets', 'inspect', cells]);
    expect(text.stdout).not.toMatch(/SYNTHETIC|synthetic/);
    const json = JSON.parse((await runCli(['datasets', 'inspect', cells, '--json'])).stdout);
    expect(json.synthetic).toBeUndefined();
    expect(json.cells[0].synthetic).toBeUndefined();
  }, 60_000);

  it('refuses --unconditional without --condition, and condition cells that repeat an id, in one line each', async () => {
    const lone = join(dir, 'lone.dbds');
    const alone = await runCli([
      'synthesize',
      '--model',
      model,
      '--n',
      '2',
      '--unconditional',
      '1',
      '--out',
      lone,
    ]);
    expect(alone.code).toBe(1);
    expect(errorLines(alone.stderr)).toEqual([
      expect.stringMatching(/option --unconditional .*: give --condition too/),
    ]);
    const [cell] = measuredStandIns(1, 4);
    const twice = await writeSamples(join(dir, 'twice.dbds'), [cell!, cell!]);
    const repeated = await runCli([
      'synthesize',
      '--model',
      model,
      '--condition',
      twice,
      '--n',
      '1',
      '--out',
      lone,
    ]);
    expect(repeated.code).toBe(1);
    expect(errorLines(repeated.stderr)).toEqual([
      // Every loader refuses a repeated id, naming both cells; a file of them never reaches sampling.
      expect.stringMatching(/twice\.dbds: cell id "measured-1" appears twice \(cells 1 and 2\)/),
    ]);
    // A condition cell named "unconditional" would share its curves' ids with the unconditional ones.
    const named = await writeSamples(join(dir, 'named.dbds'), [{ ...cell!, cellId: 'unconditional' }]);
    const clash = await runCli([
      'synthesize',
      '--model',
      model,
      '--condition',
      named,
      '--n',
      '1',
      '--unconditional',
      '1',
      '--out',
      lone,
    ]);
    expect(clash.code).toBe(1);
    expect(errorLines(clash.stderr)).toEqual([
      expect.stringMatching(/synthetic cell id "synthetic-unconditional-1" would repeat/),
    ]);
    expect(existsSync(lone)).toBe(false);
  }, 60_000);
});

describe('diffbatt synthesize --monotone and --smooth', () => {
  /** `synthesize` with 2 steps and seed 3: with and without the flag, the same curves before projection. */
  const synthesize = (args: string[]) =>
    runCli(['synthesize', '--model', model, '--steps', '2', '--seed', '3', ...args]);
  const drawBoth = (out: string, extra: string[]) =>
    synthesize(['--condition', cells, '--n', '2', '--unconditional', '1', '--out', join(dir, out), ...extra]);

  it('writes the projection of the curves drawn without it, and records it in every provenance', async () => {
    for (const run of [await drawBoth('drawn.dbds', []), await drawBoth('monotone.dbds', ['--monotone'])]) {
      expect(errorLines(run.stderr)).toEqual([]);
      expect(run.code).toBe(0);
    }
    const drawn = await readDatasetFile(join(dir, 'drawn.dbds'));
    const projected = await readDatasetFile(join(dir, 'monotone.dbds'));
    expect(drawn.meta).toMatchObject({ monotone: false });
    expect(projected.meta).toMatchObject({ monotone: true, synthetic: true });
    expect(projected.samples).toHaveLength(7);
    for (const [i, sample] of projected.samples.entries()) {
      expect(sample.provenance).toMatchObject({ monotone: true, seed: 3 });
      expect(drawn.samples[i]!.provenance).toMatchObject({ monotone: false });
      expect(Array.from(sample.sohCurve)).toEqual(Array.from(monotoneProjection(drawn.samples[i]!.sohCurve)));
      // Up to the end of its data (the first point at or below 60 % SOH) the curve never rises.
      const end = sample.sohCurve.findIndex((x) => !(((x + 1) / 2) * 100 > 60));
      expect(largestRise(sample.sohCurve.subarray(0, end < 0 ? 256 : end))).toBe(0);
    }
  }, 120_000);

  it('--smooth smooths the curves drawn without it, before --monotone, and records the penalty', async () => {
    const run = await drawBoth('smoothed.dbds', ['--smooth', '3', '--monotone']);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const drawn = await readDatasetFile(join(dir, 'drawn.dbds'));
    const smoothed = await readDatasetFile(join(dir, 'smoothed.dbds'));
    expect(drawn.meta).toMatchObject({ smoothing: 0 });
    expect(smoothed.meta).toMatchObject({ smoothing: 3, monotone: true });
    for (const [i, sample] of smoothed.samples.entries()) {
      expect(sample.provenance).toMatchObject({ smoothing: 3, monotone: true });
      const expected = monotoneProjection(whittakerSmoothing(drawn.samples[i]!.sohCurve, 3));
      expect(Array.from(sample.sohCurve)).toEqual(Array.from(expected));
    }
    const negative = await synthesize(['--n', '1', '--smooth', '-1', '--out', join(dir, 'never.dbds')]);
    expect(negative.code).toBe(1);
    expect(errorLines(negative.stderr).join('\n')).toMatch(/smooth/);
    expect(existsSync(join(dir, 'never.dbds'))).toBe(false);
  }, 120_000);

  it('adds a monotone column to the CSV output', async () => {
    const csv = join(dir, 'monotone.csv');
    const run = await synthesize(['--n', '2', '--monotone', '--out', csv]);
    expect(run.code).toBe(0);
    const [header, first] = (await readFile(csv, 'utf8')).split('\n');
    expect(header).toMatch(
      /^cell_id,synthetic,source_cell_id,guidance_weight,seed,monotone,smoothing,soh_percent_cycle_10,/,
    );
    expect(first).toMatch(/^"synthetic-unconditional-1",true,"unconditional",0,3,true,0,/);
  }, 60_000);
});
