/**
 * Calibrated life intervals on cells like the test cells (the calibration addenda of HEADER.md): the
 * networks trained on 25 % of MATR-1's training cells never saw the other 31, so split-conformal margins
 * fitted on those (`diffbatt calibrate`) are applied to the intervals of the scored MATR-1 and MATR-2 test
 * runs (seeds 0-2, pooled), and coverage is reported before and after. `finetune-100`, trained on all 41,
 * is calibrated by cross-validation instead (`diffbatt calibrate --fold-models`, the cv-fold-<k> networks
 * of cv-folds.json).
 *
 *   node --import tsx benchmarks/foundation-low-resource/calibrate.ts [--rows scratch-25,finetune-25,finetune-100]
 *
 * Needs ../shared (the 25 % cell list is checked against data/matr1/train.dbds by id) and the rows' test
 * results (run.sh). Writes <row>/calibration.json per row and benchmarks/results/calibration-foundation-low-resource.json.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDatasetFile } from '../../packages/core/src/index.js';
import { readCellList } from '../../packages/datasets-diffbatt/src/index.js';
import {
  calibrateLifeSummary,
  type LifeIntervalCalibration,
  type LifeSummary,
  lifeIntervalCoverage,
  parseLifeIntervalCalibration,
} from '../../packages/eval/src/index.js';
import { fail } from '../lib/args.js';
import { runDiffBatt, TRAIN } from '../lib/bundled-matr1.js';
import { benchmarkProvenance, meanAndSpread, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';

const FOLDER = 'benchmarks/foundation-low-resource';
const SPLITS = ['matr_1', 'matr_2'] as const;
const SEEDS = [0, 1, 2];
const RUN = 'dpm-solver++-20-x32-w0';
/** The calibration's own sampling seed: none of the test runs' 0-2. */
const CALIBRATION_SEED = 100;
const LEVELS = [0.5, 0.8, 0.95];

const { values } = parseArgs({ options: { rows: { type: 'string', default: 'scratch-25,finetune-25' } } });
const rows = values.rows.split(',');

// The calibration cells: the bundled MATR-1 training cells that are not in the 25 % list.
const fraction = await readCellList(join(REPOSITORY_ROOT, 'data', 'pretraining', 'matr_1-train-25pct.json'));
const trained = new Set(fraction.cells.map((c) => c.id));
const { samples: train } = await readDatasetFile(join(REPOSITORY_ROOT, TRAIN));
const missing = [...trained].filter((id) => !train.some((s) => s.cellId === id));
if (missing.length > 0) fail(`${TRAIN} lacks ${missing.join(', ')} of matr_1-train-25pct`);
const calibrationCells = train.filter((s) => !trained.has(s.cellId)).map((s) => s.cellId);
/** The row trained on all 41 cells, calibrated by its CV fold networks (train.sh cv-fold-<k>). */
const CROSS_VALIDATED = 'finetune-100';
const FOLD_MODELS = [1, 2, 3, 4].map((k) => join(FOLDER, `cv-fold-${k}-model`));
/** How a row's margins are fitted: on the 31 cells it never saw, or by cross-validation over all 41. */
const calibrationOf = (row: string) =>
  row === CROSS_VALIDATED
    ? { args: ['--fold-models', FOLD_MODELS.join(',')], cells: '4 CV folds of all 41' }
    : {
        args: ['--cells', calibrationCells.join(',')],
        cells: `the ${calibrationCells.length} never trained on`,
      };

interface TestRun {
  cellIds: string[];
  rulReference: number[];
  rulSamples: {
    median: number[];
    mean: number[];
    intervals: { level: number; lower: number[]; upper: number[] }[];
    crpsPerCell: number[];
  };
}
const readRun = (row: string, split: string, seed: number): TestRun => {
  const file = join(REPOSITORY_ROOT, FOLDER, split, row, 'results', `${RUN}-seed${seed}.json`);
  if (!existsSync(file)) fail(`${file} is missing: score the row first (run.sh ${row})`);
  return JSON.parse(readFileSync(file, 'utf8')) as TestRun;
};
/** Per cell of a scored run, its sampled life summary at LEVELS. */
const summariesOf = (run: TestRun): LifeSummary[] =>
  run.cellIds.map((_, cell) => ({
    median: run.rulSamples.median[cell]!,
    mean: run.rulSamples.mean[cell]!,
    intervals: LEVELS.map((level) => {
      const interval = run.rulSamples.intervals.find((i) => i.level === level);
      if (!interval) fail(`a scored run has no ${level * 100} % interval`);
      return { level, lower: interval.lower[cell]!, upper: interval.upper[cell]! };
    }),
  }));

interface RowResult {
  row: string;
  calibration: LifeIntervalCalibration;
  /** Per seed, pooled over both splits: coverage per level before and after, and the sampled lives' CRPS. */
  seeds: { seed: number; before: number[]; after: number[]; crps: number; cells: number }[];
}
const results: RowResult[] = [];
for (const row of rows) {
  const model = join(FOLDER, `${row}-model`);
  const out = join(FOLDER, row, 'calibration.json');
  mkdirSync(join(REPOSITORY_ROOT, FOLDER, row), { recursive: true });
  runDiffBatt([
    'calibrate',
    '--model',
    model,
    '--data',
    TRAIN,
    ...calibrationOf(row).args,
    '--samples',
    '32',
    '--sampler',
    'dpm-solver++',
    '--steps',
    '20',
    '--guidance',
    '0',
    '--seed',
    String(CALIBRATION_SEED),
    '--levels',
    LEVELS.join(','),
    '--out',
    out,
  ]);
  const calibration = parseLifeIntervalCalibration(
    JSON.parse(readFileSync(join(REPOSITORY_ROOT, out), 'utf8')),
    out,
  );
  const seeds = SEEDS.map((seed) => {
    const runs = SPLITS.map((split) => readRun(row, split, seed));
    const summaries = runs.flatMap(summariesOf);
    const measured = runs.flatMap((run) => run.rulReference);
    const coverage = (list: LifeSummary[]) => lifeIntervalCoverage(list, measured).map((c) => c.coverage);
    const crpsPerCell = runs.flatMap((run) => run.rulSamples.crpsPerCell);
    return {
      seed,
      before: coverage(summaries),
      after: coverage(summaries.map((s) => calibrateLifeSummary(s, calibration))),
      crps: crpsPerCell.reduce((a, c) => a + c, 0) / crpsPerCell.length,
      cells: measured.length,
    };
  });
  results.push({ row, calibration, seeds });
}

const percent = (values: number[]) =>
  meanAndSpread(
    values.map((v) => 100 * v),
    1,
  );
const table = results.map(({ row, calibration, seeds }) => [
  row,
  calibrationOf(row).cells,
  String(seeds[0]!.cells),
  ...LEVELS.map(
    (_, l) => `${percent(seeds.map((s) => s.before[l]!))} → ${percent(seeds.map((s) => s.after[l]!))}`,
  ),
  calibration.margins.map((m) => `${m.level * 100} %: ${m.logMargin.toFixed(2)}`).join(', '),
  meanAndSpread(
    seeds.map((s) => s.crps),
    1,
  ),
]);
const verdicts = results.map(({ row, seeds }) => {
  const mean = (l: number) => (100 * seeds.reduce((a, s) => a + s.after[l]!, 0)) / seeds.length;
  const [c80, c95] = [mean(1), mean(2)];
  const met = Math.abs(c80 - 80) <= 5 && Math.abs(c95 - 95) <= 5;
  return `${row}: calibrated 80 % intervals cover ${c80.toFixed(1)} %, 95 % intervals ${c95.toFixed(1)} % of the pooled test cells: ${met ? 'within' : 'NOT within'} 5 points of nominal`;
});
const file = writeBenchmarkResult({
  id: 'calibration-foundation-low-resource',
  title:
    'Calibrated life intervals of the fine-tuned and 25 % MATR networks, calibrated on MATR-1 training cells without test data',
  ...benchmarkProvenance(`node --import tsx ${FOLDER}/calibrate.ts --rows ${rows.join(',')}`, 'wasm'),
  summary: [
    `Protocol: \`${FOLDER}/HEADER.md\` (calibration addendum). Calibration cells: the ${calibrationCells.length} ` +
      'MATR-1 training cells outside `data/pretraining/matr_1-train-25pct.json`, which no 25 % network ' +
      `trained on (\`${CROSS_VALIDATED}\`, trained on all 41: cross-validated, each cell scored by the fold network ` +
      `of cv-folds.json that never trained on it, \`--fold-models\`); margins by \`diffbatt calibrate\` (DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seed ` +
      `${CALIBRATION_SEED}), applied to the intervals of the scored test runs (DPM-Solver++ seeds 0-2, MATR-1 and ` +
      'MATR-2 test cells pooled). Unlike `bench:calibration` (CLO calibration cells: other protocols), these cells ' +
      'come from the same batches as the MATR-1 test cells; MATR-2 is a later batch.',
    verdicts.join('; ') + '.',
  ],
  tables: [
    {
      title: 'Coverage of the central life intervals, as sampled → calibrated (%, mean ± sd over seeds)',
      columns: [
        'network',
        'calibration cells (MATR-1 training)',
        'test cells',
        '50 % interval',
        '80 % interval',
        '95 % interval',
        'ln-cycle margins',
        'CRPS (cycles)',
      ],
      rows: table,
      notes: [
        'A measured life inside the interval, bounds included, counts as covered. A margin widens (positive) or ' +
          'narrows (negative) both ends of an interval by that factor in ln cycles. CRPS is that of the sampled ' +
          'lives over the pooled cells; the calibration moves the intervals only, so it leaves the CRPS as it is.',
      ],
    },
  ],
  raw: { calibrationCells, results },
});
process.stdout.write(`wrote ${file}\n`);
