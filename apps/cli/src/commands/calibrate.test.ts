import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrateLifeSummary, lifeSummary, parseLifeIntervalCalibration } from '@diffbatt/eval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { saveSmallModel } from '../testing/synthesis.js';
import { writeSyntheticDataset } from '../testing/synthetic-data.js';

// An untrained small network and SYNTHETIC cells: these tests check the commands' mechanics and outputs.
let dir: string;
let model: string;
let heldOut: string;
let testSplit: string;
let calibration: string;

/** Few curves and steps: mechanics only. Predict and test below use the same sampling. */
const SAMPLING = ['--sampler', 'ddim', '--steps', '2', '--samples', '2'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'diffbatt-calibrate-'));
  model = await saveSmallModel(join(dir, 'model'));
  heldOut = join(dir, 'held-out.dbds');
  testSplit = join(dir, 'test.dbds');
  calibration = join(dir, 'calibration.json');
  // 19 cells: the fewest a 95 % level can be calibrated on.
  await writeSyntheticDataset(heldOut, 19, 11);
  await writeSyntheticDataset(testSplit, 4, 12);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('error'));
const calibrate = (extra: string[]) =>
  runCli(['calibrate', '--model', model, '--data', heldOut, ...SAMPLING, ...extra]);
/**
 * A network in its own run folder, whose run record lists `trained` as its training cells (and `from`, the
 * network it was fine-tuned from).
 */
const networkTrainedOn = async (name: string, trained: readonly string[], from?: string) => {
  const runDir = join(dir, name);
  const network = await saveSmallModel(join(runDir, 'model'));
  const record = { format: 'diffbatt-train-run', trainCellIds: trained, fromModelDir: from ?? null };
  await writeFile(join(runDir, 'run.json'), JSON.stringify(record));
  return network;
};
/** predict (on the test split's file) or test, with the calibration's sampling. */
const predictWith = (extra: string[]) =>
  runCli(['predict', '--model', model, testSplit, ...SAMPLING, ...extra]);
const testWith = (extra: string[]) =>
  runCli(['test', '--model', model, '--data', testSplit, ...SAMPLING, ...extra]);

describe('diffbatt calibrate', () => {
  it('writes a calibration that reads back, and prints the coverage before it and the cell count', async () => {
    const run = await calibrate(['--out', calibration]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\(19 held-out cells\)/);
    expect(run.stdout).toMatch(/^interval +coverage as sampled +factor f/m);
    expect(run.stdout).toMatch(/^95 % +\d+\.\d % +\d/m);
    const json = JSON.parse(await readFile(calibration, 'utf8'));
    const parsed = parseLifeIntervalCalibration(json, calibration);
    expect(parsed).toMatchObject({ method: 'conformal-log-life', calibrationCells: 19 });
    expect(parsed.margins.map((m) => m.level)).toEqual([0.5, 0.8, 0.95]);
    expect(json.provenance).toMatchObject({
      model,
      data: heldOut,
      samplesPerCell: 2,
      guidanceWeight: 0,
      eolSoh: 80,
      sampler: { kind: 'ddim', steps: 2 },
    });
    expect(json.provenance.cellIds).toHaveLength(19);
    expect(json.provenance.coverageOnCalibrationCells).toHaveLength(3);
  }, 120_000);

  it('takes --cells and --levels, and refuses too few cells for a level in one line, writing nothing', async () => {
    const four = join(dir, 'four.json');
    const cells = ['--cells', 'synthetic-1,synthetic-2,synthetic-3,synthetic-4'];
    const run = await calibrate([...cells, '--levels', '0.8', '--out', four]);
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(four, 'utf8'))).toMatchObject({
      calibrationCells: 4,
      margins: [{ level: 0.8 }],
    });
    const tooFew = join(dir, 'too-few.json');
    const refused = await calibrate([...cells, '--out', tooFew]);
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stderr)).toEqual([
      expect.stringMatching(/calibrating 95 % life intervals needs at least 19 held-out cells .*got 4/),
    ]);
    expect(existsSync(tooFew)).toBe(false);
    const badLevels = await calibrate(['--levels', '0.8,1', '--out', tooFew]);
    expect(errorLines(badLevels.stderr)).toEqual([
      expect.stringMatching(/option --levels must be a comma-separated list of levels between 0 and 1/),
    ]);
  }, 120_000);

  it("refuses the model's training cells named in the run.json of its run folder", async () => {
    const runDir = join(dir, 'run');
    const trained = await saveSmallModel(join(runDir, 'model'));
    const record = { format: 'diffbatt-train-run', trainCellIds: ['other', 'synthetic-7'] };
    await writeFile(join(runDir, 'run.json'), JSON.stringify(record));
    const out = join(dir, 'trained.json');
    const run = await runCli(['calibrate', '--model', trained, '--data', heldOut, ...SAMPLING, '--out', out]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toEqual([
      expect.stringMatching(
        /1 of the 19 calibration cells are training cells of this model \(synthetic-7\): calibrate on cells it never trained on/,
      ),
    ]);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('warns of held-out cells that the network it was fine-tuned from trained on, and of an unknown one', async () => {
    const foundation = await networkTrainedOn('held-out-foundation', ['synthetic-3', 'synthetic-4']);
    const finetuned = await networkTrainedOn('finetuned', ['other'], foundation);
    const out = join(dir, 'finetuned.json');
    const calibrateFinetuned = () =>
      runCli(['calibrate', '--model', finetuned, '--data', heldOut, ...SAMPLING, '--out', out]);
    const run = await calibrateFinetuned();
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `warning: 2 of the 19 cells ${finetuned} is calibrated on were training cells of ${foundation}, which it was fine-tuned from`,
    );
    expect(JSON.parse(await readFile(out, 'utf8')).provenance.cellsSeenByStartingNetworks).toBe(2);
    // The foundation moved away: its cells cannot be checked, and the calibration says so.
    await rm(join(dir, 'held-out-foundation'), { recursive: true });
    const unknown = await calibrateFinetuned();
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toContain(
      `warning: ${finetuned} was fine-tuned from ${foundation}, which has no run record here: whether that network saw the calibration cells is unknown`,
    );
  }, 180_000);
});

describe('calibrate --ensemble', () => {
  it("fits the pooled curves of the networks, refuses any network's training cells, and warns when a run pools another count", async () => {
    const runDir = join(dir, 'ensemble-run');
    const member = await saveSmallModel(join(runDir, 'model'));
    const out = join(dir, 'ensemble.json');
    const run = await calibrate(['--ensemble', member, '--levels', '0.8', '--out', out]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`model ${model} + ensemble ${member};`);
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(json.provenance).toMatchObject({ model, ensemble: [member], networks: 2 });
    const pooled = await predictWith(['--ensemble', member, '--calibration', out]);
    expect(pooled.code).toBe(1); // predict needs 80 and 95 % levels: the 0.8-only file is refused by name
    expect(errorLines(pooled.stderr)).toEqual([expect.stringMatching(/has no 95 % level/)]);
    // One network against a two-network calibration: a warning; pooled like the calibration: none.
    const alone = await testWith(['--calibration', out]);
    expect(alone.code).toBe(0);
    expect(alone.stderr).toMatch(/warning: .*ensemble\.json was fitted with networks 2 \(this run: 1\)/);
    const together = await testWith(['--ensemble', member, '--calibration', out]);
    expect(together.code).toBe(0);
    expect(together.stderr).not.toMatch(/warning/);
    // A cell one ensemble network trained on is not held out.
    await writeFile(
      join(runDir, 'run.json'),
      JSON.stringify({ format: 'diffbatt-train-run', trainCellIds: ['synthetic-3'] }),
    );
    const trained = await calibrate(['--ensemble', member, '--out', join(dir, 'ensemble-trained.json')]);
    expect(trained.code).toBe(1);
    expect(errorLines(trained.stderr)).toEqual([
      expect.stringMatching(/1 of the 19 calibration cells are training cells of this model \(synthetic-3\)/),
    ]);
  }, 180_000);
});

describe('calibrate --fold-models', () => {
  const ids = (first: number, last: number) =>
    Array.from({ length: last - first + 1 }, (_, i) => `synthetic-${first + i}`);
  const calibrateFolds = (network: string, folds: string[], extra: string[]) =>
    runCli([
      'calibrate',
      '--model',
      network,
      '--data',
      heldOut,
      ...SAMPLING,
      '--fold-models',
      folds.join(','),
      ...extra,
    ]);

  it('scores each fold network on the cells it never trained on, for a model trained on all of them', async () => {
    const all = await networkTrainedOn('all-cells', ids(1, 19));
    const first = await networkTrainedOn('fold-1', ids(1, 10));
    const second = await networkTrainedOn('fold-2', ids(11, 19));
    const out = join(dir, 'folds.json');
    const run = await calibrateFolds(all, [first, second], ['--out', out]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(19 held-out cells, in 2 folds)');
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(parseLifeIntervalCalibration(json, out)).toMatchObject({ calibrationCells: 19 });
    expect(json.provenance).toMatchObject({
      model: all,
      foldModels: [first, second],
      networks: 1,
      folds: [ids(11, 19), ids(1, 10)],
      cellsSeenByStartingNetworks: 0,
    });
    expect(run.stderr).not.toContain('warning');
    // A cell every fold network trained on is left out, and said so.
    const both = await networkTrainedOn('fold-2-and-19', ids(10, 19));
    const fewer = await calibrateFolds(all, [first, both], ['--levels', '0.8', '--out', join(dir, 'f.json')]);
    expect(fewer.code).toBe(0);
    expect(fewer.stderr).toContain(
      '1 cells of --data were trained on by every fold network and are left out',
    );
    expect(fewer.stdout).toContain('(18 held-out cells, in 2 folds)');
  }, 180_000);

  it('warns of cells that the network the fold networks were fine-tuned from trained on, and counts them', async () => {
    const foundation = await networkTrainedOn('foundation', ids(5, 19));
    const all = await networkTrainedOn('all-from-foundation', ids(1, 19), foundation);
    const first = await networkTrainedOn('seen-fold-1', ids(1, 10), foundation);
    const second = await networkTrainedOn('seen-fold-2', ids(11, 19), foundation);
    const out = join(dir, 'seen-folds.json');
    const run = await calibrateFolds(all, [first, second], ['--out', out]);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toEqual([
      `warning: 9 of the 9 cells ${first} is calibrated on were training cells of ${foundation}, which it was fine-tuned from: it has seen them, so margins fitted on them understate its error on new cells (calibrate with networks fine-tuned from one that never saw these cells)`,
      expect.stringMatching(new RegExp(`^warning: 6 of the 10 cells ${second} is calibrated on`)),
    ]);
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(json.provenance.cellsSeenByStartingNetworks).toBe(15);
  }, 180_000);

  it('refuses overlapping folds, a fold network without a run record and --ensemble, writing nothing', async () => {
    const out = join(dir, 'refused-folds.json');
    const few = await networkTrainedOn('fold-few', ids(1, 5));
    const others = await networkTrainedOn('fold-others', ids(6, 10));
    const overlapping = await calibrateFolds(model, [few, others], ['--out', out]);
    expect(overlapping.code).toBe(1);
    expect(errorLines(overlapping.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(`cell synthetic-11 is held out by both ${few}.* and ${others}.*: fold networks must`),
      ),
    ]);
    const unrecorded = await calibrateFolds(model, [few, model], ['--out', out]);
    expect(unrecorded.code).toBe(1);
    expect(errorLines(unrecorded.stderr)).toEqual([
      expect.stringMatching(/fold network .* has no run\.json listing its training cells/),
    ]);
    const pooled = await calibrateFolds(model, [few, others], ['--ensemble', few, '--out', out]);
    expect(pooled.code).toBe(1);
    expect(errorLines(pooled.stderr)).toEqual([expect.stringMatching(/cannot be combined with --ensemble/)]);
    expect(existsSync(out)).toBe(false);
  }, 180_000);
});

describe('--calibration of predict and test', () => {
  it('predict reports calibrated intervals beside the sampled ones, and warns of other sampling', async () => {
    const json = join(dir, 'predict.json');
    const run = await predictWith(['--calibration', calibration, '--json', json]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/80 % interval \(calibrated\) +95 % interval \(calibrated\)/);
    expect(run.stderr).not.toMatch(/warning/);
    const predictions = JSON.parse(await readFile(json, 'utf8'));
    expect(predictions.lifeCalibration).toEqual({
      file: calibration,
      method: 'conformal-log-life',
      calibrationCells: 19,
    });
    const fitted = parseLifeIntervalCalibration(JSON.parse(await readFile(calibration, 'utf8')), 'c');
    for (const cell of predictions.cells) {
      const sampled = lifeSummary(cell.cycleLifeSamples, [0.8, 0.95]);
      expect(cell.cycleLifeIntervalsUncalibrated).toEqual(sampled.intervals);
      expect(cell.cycleLifeIntervals).toEqual(calibrateLifeSummary(sampled, fitted).intervals);
    }
    const other = await predictWith(['--samples', '3', '--calibration', calibration]);
    expect(other.code).toBe(0);
    expect(other.stderr).toMatch(
      /warning: .*calibration\.json was fitted with samplesPerCell 2 \(this run: 3\)/,
    );
    const projected = await predictWith(['--monotone', '--calibration', calibration]);
    expect(projected.code).toBe(0);
    expect(projected.stderr).toMatch(
      /warning: .*calibration\.json was fitted with monotone false \(this run: true\)/,
    );
    const smoothed = await predictWith(['--smooth', '3', '--calibration', calibration]);
    expect(smoothed.code).toBe(0);
    expect(smoothed.stderr).toMatch(
      /warning: .*calibration\.json was fitted with smoothing 0 \(this run: 3\)/,
    );
    // A calibration from before --smooth existed (no smoothing in its provenance) was fitted without it.
    const written = JSON.parse(await readFile(calibration, 'utf8'));
    const { smoothing: _, ...older } = written.provenance;
    expect(_).toBe(0);
    const olderFile = join(dir, 'calibration-before-smooth.json');
    await writeFile(olderFile, JSON.stringify({ ...written, provenance: older }));
    const olderRun = await predictWith(['--smooth', '3', '--calibration', olderFile]);
    expect(olderRun.stderr).toMatch(/fitted with smoothing 0 \(this run: 3\)/);
    expect((await predictWith(['--calibration', olderFile])).stderr).not.toMatch(/fitted with/);
  }, 120_000);

  it('test scores the calibrated intervals against the measured lives beside the uncalibrated ones', async () => {
    const json = join(dir, 'scores.json');
    const run = await testWith(['--calibration', calibration, '--json', json]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^calibrated life intervals \(conformal, fitted on 19 other cells\): coverage 50 %: \d+\.\d % \(uncalibrated \d+\.\d %\), 80 %/m,
    );
    const scores = JSON.parse(await readFile(json, 'utf8'));
    expect(scores.lifeCalibrationFile).toBe(calibration);
    const intervals = scores.rulSamplesCalibrated.intervals;
    expect(intervals.map((i: { level: number }) => i.level)).toEqual([0.5, 0.8, 0.95]);
    // The uncalibrated coverage is the scorer's own, at the same levels.
    expect(intervals.map((i: { uncalibratedCoverage: number }) => i.uncalibratedCoverage)).toEqual(
      scores.rulSamples.intervals.map((i: { coverage: number }) => i.coverage),
    );
    for (const interval of intervals) {
      const inside = scores.rulReference.filter(
        (life: number, cell: number) => life >= interval.lower[cell] && life <= interval.upper[cell],
      );
      expect(interval.coverage).toBe(inside.length / 4);
    }
  }, 120_000);

  it('refuses a bad calibration file in one line naming the file and the field', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        method: 'conformal-log-life',
        margins: [{ level: 0.8, logMargin: 'wide' }],
        calibrationCells: 5,
      }),
    );
    const noLevel = join(dir, 'no-95.json');
    await writeFile(
      noLevel,
      JSON.stringify({
        method: 'conformal-log-life',
        margins: [{ level: 0.8, logMargin: 0.1 }],
        calibrationCells: 5,
      }),
    );
    const cases: [typeof testWith, string, RegExp][] = [
      [
        testWith,
        bad,
        /bad\.json, field "margins\.0\.logMargin": invalid life-interval calibration: margins\[0\]\.logMargin must be a number/,
      ],
      [predictWith, bad, /bad\.json, field "margins\.0\.logMargin"/],
      [testWith, join(dir, 'none.json'), /none\.json: file not found/],
      [
        predictWith,
        noLevel,
        /field "levels": the life-interval calibration has no 95 % level \(it has 80 %\)/,
      ],
    ];
    for (const [command, file, message] of cases) {
      const run = await command(['--calibration', file]);
      expect(run.code, file).toBe(1);
      expect(errorLines(run.stderr)).toEqual([expect.stringMatching(message)]);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
  }, 120_000);
});
