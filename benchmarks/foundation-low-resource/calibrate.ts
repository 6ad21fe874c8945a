/**
 * Calibrated life intervals on cells like the test cells (the calibration addenda of HEADER.md): a network
 * trained on 25 % of a split's training cells never saw the other 75 %, so split-conformal margins fitted on
 * those (`diffbatt calibrate`) are applied to the intervals of its scored test runs (seeds 0-2, the family's
 * test splits pooled), and coverage is reported before and after. `finetune-100`, trained on all 41 MATR-1
 * cells, is calibrated by cross-validation instead (`diffbatt calibrate --fold-models`, the cv-fold-<k>
 * networks of cv-folds.json).
 *
 *   node --import tsx benchmarks/foundation-low-resource/calibrate.ts [--rows scratch-25,finetune-25,finetune-100,clo-scratch-25,...]
 *
 * Rows as run.sh names them: MATR rows (`scratch-25`, `finetune-25`, `finetune-100`: MATR-1 and MATR-2 test
 * cells) and `<clo|snl>-<scratch-25|finetune-25>` (the split's own test cells). Needs ../shared (or
 * DIFFBATT_SHARED) for SNL, out/pretraining (`npx pnpm bench:pretraining-sets --dbds out/pretraining`) for
 * CLO, and the rows' test results (run.sh). Writes each row's calibration.json beside its test results and
 * benchmarks/results/calibration-foundation-low-resource.json (every row given, so pass them all). A row
 * whose calibration.json already holds this calibration (same network, cells, seed, sampler) is not re-sampled.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDatasetFile } from '../../packages/core/src/index.js';
import { readCellList, readDiffBattSplit } from '../../packages/datasets-diffbatt/src/index.js';
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
const SEEDS = [0, 1, 2];
const RUN = 'dpm-solver++-20-x32-w0';
/** The calibration's own sampling seed: none of the test runs' 0-2. */
const CALIBRATION_SEED = 100;
const LEVELS = [0.5, 0.8, 0.95];
const SHARED = process.env['DIFFBATT_SHARED'] ?? '../shared';

/** Where a family's 25 % list was drawn from, and the test splits its rows were scored on. */
interface Family {
  /** The training set (a .dbds file, or a split of the shared data), relative to the repository root. */
  train: string;
  /** The 25 % list in data/pretraining. */
  fraction: string;
  splits: string[];
  /** What to run when `train` is absent. */
  howToGet: string;
}
const FAMILIES: Record<string, Family> = {
  matr: {
    train: TRAIN,
    fraction: 'matr_1-train-25pct',
    splits: ['matr_1', 'matr_2'],
    howToGet: 'it is bundled',
  },
  clo: {
    train: 'out/pretraining/clo-train-reconstructed.dbds',
    fraction: 'clo-train-reconstructed-25pct',
    splits: ['clo'],
    howToGet: 'run npx pnpm bench:pretraining-sets --dbds out/pretraining',
  },
  snl: {
    train: join(SHARED, 'data', 'diffbatt', 'data', 'snl_train_ds'),
    fraction: 'snl-train-25pct',
    splits: ['snl'],
    howToGet: 'it is in ../shared (or set DIFFBATT_SHARED)',
  },
};
/** The row trained on all 41 MATR-1 cells, calibrated by its CV fold networks (train.sh cv-fold-<k>). */
const CROSS_VALIDATED = 'finetune-100';
const FOLD_MODELS = [1, 2, 3, 4].map((k) => join(FOLDER, `cv-fold-${k}-model`));

const { values } = parseArgs({ options: { rows: { type: 'string', default: 'scratch-25,finetune-25' } } });

/** A row as run.sh names it: its family, its label inside the split folders, and its calibration cells. */
interface Row {
  row: string;
  family: Family;
  label: string;
  /** `diffbatt calibrate` options naming the calibration cells, and how the table describes them. */
  calibrationArgs: string[];
  cells: string;
  /** Where its calibration goes: beside its test results, or the row's folder for rows over two splits. */
  calibrationFile: string;
}
const trainingIds = async (train: string, howToGet: string): Promise<string[]> => {
  const path = join(REPOSITORY_ROOT, train);
  if (!existsSync(path)) fail(`${train} is missing: ${howToGet}`);
  const samples = train.endsWith('.dbds')
    ? (await readDatasetFile(path)).samples
    : await readDiffBattSplit(path);
  return samples.map((s) => s.cellId);
};
const rowOf = async (row: string): Promise<Row> => {
  const prefix = row.split('-')[0]!;
  const familyName = prefix in FAMILIES && prefix !== 'matr' ? prefix : 'matr';
  const family = FAMILIES[familyName]!;
  const label = familyName === 'matr' ? row : row.slice(prefix.length + 1);
  const [split, ...others] = family.splits;
  const calibrationFile = join(
    FOLDER,
    ...(others.length > 0 ? [label] : [split!, label]),
    'calibration.json',
  );
  if (!['scratch-25', 'finetune-25', ...(familyName === 'matr' ? [CROSS_VALIDATED] : [])].includes(label)) {
    fail(`unknown row ${row} (see ${FOLDER}/run.sh)`);
  }
  const ids = await trainingIds(family.train, family.howToGet);
  if (label === CROSS_VALIDATED) {
    return {
      row,
      family,
      label,
      calibrationArgs: ['--fold-models', FOLD_MODELS.join(',')],
      cells: `4 CV folds of all ${ids.length}`,
      calibrationFile,
    };
  }
  // The calibration cells: the family's training cells that are not in its 25 % list.
  const fraction = await readCellList(
    join(REPOSITORY_ROOT, 'data', 'pretraining', `${family.fraction}.json`),
  );
  const trained = new Set(fraction.cells.map((c) => c.id));
  const missing = [...trained].filter((id) => !ids.includes(id));
  if (missing.length > 0) fail(`${family.train} lacks ${missing.join(', ')} of ${family.fraction}`);
  const calibrationCells = ids.filter((id) => !trained.has(id));
  return {
    row,
    family,
    label,
    calibrationArgs: ['--cells', calibrationCells.join(',')],
    cells: `the ${calibrationCells.length} never trained on`,
    calibrationFile,
  };
};
const rows = await Promise.all(values.rows.split(',').map(rowOf));

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
const readRun = ({ row, label }: Row, split: string, seed: number): TestRun => {
  const file = join(REPOSITORY_ROOT, FOLDER, split, label, 'results', `${RUN}-seed${seed}.json`);
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
  row: Row;
  calibration: LifeIntervalCalibration;
  /** Per seed, pooled over the family's test splits: coverage per level before and after, and the sampled lives' CRPS. */
  seeds: { seed: number; before: number[]; after: number[]; crps: number; cells: number }[];
}
/**
 * Whether a committed calibration is the one this script would compute (the networks are committed and
 * sampling is seeded, so it would come out the same): same network, data, cells or fold networks, seed and
 * sampler. Delete the file to recompute it anyway.
 */
const isCalibrationOf = (calibration: LifeIntervalCalibration, row: Row, model: string): boolean => {
  const p = calibration.provenance ?? {};
  const sampler = p['sampler'] as { kind?: string; steps?: number } | undefined;
  const [option, list] = row.calibrationArgs;
  const named = list!.split(',');
  const recorded = (option === '--fold-models' ? p['foldModels'] : p['cellIds']) as string[] | undefined;
  return (
    p['model'] === model &&
    p['data'] === row.family.train &&
    p['seed'] === CALIBRATION_SEED &&
    p['samplesPerCell'] === 32 &&
    p['guidanceWeight'] === 0 &&
    sampler?.kind === 'dpm-solver++' &&
    sampler.steps === 20 &&
    calibration.margins.map((m) => m.level).join() === LEVELS.join() &&
    recorded?.length === named.length &&
    recorded.every((id) => named.includes(id))
  );
};
const readCalibration = (file: string) =>
  parseLifeIntervalCalibration(JSON.parse(readFileSync(join(REPOSITORY_ROOT, file), 'utf8')), file);

const results: RowResult[] = [];
for (const row of rows) {
  const out = row.calibrationFile;
  const model = join(FOLDER, `${row.row}-model`);
  const cached = existsSync(join(REPOSITORY_ROOT, out)) && isCalibrationOf(readCalibration(out), row, model);
  mkdirSync(dirname(join(REPOSITORY_ROOT, out)), { recursive: true });
  if (!cached)
    runDiffBatt([
      'calibrate',
      '--model',
      model,
      '--data',
      row.family.train,
      ...row.calibrationArgs,
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
  process.stdout.write(`${row.row}: ${cached ? 'committed calibration reused' : 'calibrated'}, ${out}\n`);
  const calibration = readCalibration(out);
  const seeds = SEEDS.map((seed) => {
    const runs = row.family.splits.map((split) => readRun(row, split, seed));
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
  row.row,
  `${row.cells} (${row.family.train})`,
  `${row.family.splits.join(' + ')}: ${seeds[0]!.cells}`,
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
  return `${row.row}: calibrated 80 % intervals cover ${c80.toFixed(1)} %, 95 % intervals ${c95.toFixed(1)} % of the pooled test cells: ${met ? 'within' : 'NOT within'} 5 points of nominal`;
});
const file = writeBenchmarkResult({
  id: 'calibration-foundation-low-resource',
  title:
    'Calibrated life intervals of the fine-tuned and 25 % networks of the low-resource study, calibrated on training cells without test data',
  ...benchmarkProvenance(
    `node --import tsx ${FOLDER}/calibrate.ts --rows ${rows.map((r) => r.row).join(',')}`,
    'wasm',
  ),
  summary: [
    `Protocol: \`${FOLDER}/HEADER.md\` (calibration addenda). Calibration cells: a 25 % network's are the ` +
      'training cells of its split outside its 25 % list (`data/pretraining/<split>-train-25pct.json`), which it ' +
      `never trained on; \`${CROSS_VALIDATED}\`, trained on all 41 MATR-1 cells, is cross-validated: each cell is ` +
      `sampled by the fold network of cv-folds.json that never trained on it (\`--fold-models\`). Margins by ` +
      `\`diffbatt calibrate\` (DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seed ${CALIBRATION_SEED}), ` +
      'applied to the intervals of the scored test runs (DPM-Solver++ seeds 0-2; the MATR rows pool the MATR-1 ' +
      'and MATR-2 test cells). Unlike `bench:calibration` (CLO calibration cells for MATR networks: other ' +
      "protocols), a row's calibration cells come from its own split's training set.",
    verdicts.join('; ') + '.',
  ],
  tables: [
    {
      title: 'Coverage of the central life intervals, as sampled → calibrated (%, mean ± sd over seeds)',
      columns: [
        'network',
        'calibration cells (of the training set)',
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
  raw: { results: results.map(({ row, calibration, seeds }) => ({ row: row.row, calibration, seeds })) },
});
process.stdout.write(`wrote ${file}\n`);
