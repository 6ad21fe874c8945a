import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readDatasetFile } from '../../packages/core/src/index.js';
import { readDiffBattSplit } from '../../packages/datasets-diffbatt/src/index.js';
import {
  calibrateLifeSummary,
  type LifeIntervalCalibration,
  type LifeSummary,
  lifeIntervalCoverage,
  lifeIntervalScore,
  parseLifeIntervalCalibration,
} from '../../packages/eval/src/index.js';
import { fail } from './args.js';
import { runDiffBatt } from './bundled-matr1.js';
import { meetsCoverageTarget } from './coverage-target.js';
import {
  type BenchmarkTable,
  benchmarkProvenance,
  meanAndSpread,
  REPOSITORY_ROOT,
  writeBenchmarkResult,
} from './results.js';

/**
 * What the studies' calibrations without test data share: `diffbatt calibrate` on cells a network never
 * trained on (or by cross-validation), its margins applied to the intervals of the network's scored test runs,
 * and coverage before and after, with the sampled lives' CRPS, as a benchmark table.
 */

export const SAMPLING_SEEDS = [0, 1, 2];
/** The original splits in ../shared (or DIFFBATT_SHARED), relative to the repository root as results name it. */
export const SHARED_DATA = join(process.env['DIFFBATT_SHARED'] ?? '../shared', 'data', 'diffbatt', 'data');
/** The scored runs' sampler setting (benchmarks/lib/score-fixed-budget.sh). */
const RUN = 'dpm-solver++-20-x32-w0';
/** The calibration's own sampling seed: none of the test runs' 0-2. */
export const CALIBRATION_SEED = 100;
export const LEVELS = [0.5, 0.8, 0.95];
export const CALIBRATION_SETTINGS = `DPM-Solver++ 20, x0 clipped, w = 0, 32 samples per cell, seed ${CALIBRATION_SEED}`;

/** The cell ids of a training set: a .dbds file, or a split folder of the shared data. */
export async function trainingCellIds(train: string, howToGet: string): Promise<string[]> {
  const path = join(REPOSITORY_ROOT, train);
  if (!existsSync(path)) fail(`${train} is missing: ${howToGet}`);
  const samples = train.endsWith('.dbds')
    ? (await readDatasetFile(path)).samples
    : await readDiffBattSplit(path);
  return samples.map((s) => s.cellId);
}

/** One network to calibrate and the scored test runs its margins are applied to. */
export interface CalibrationRow {
  /** The row's name, as the study's scripts name it. */
  row: string;
  model: string;
  /** The training set the calibration cells come from, relative to the repository root. */
  train: string;
  /** `diffbatt calibrate` options naming the calibration cells (`--cells ...` or `--fold-models ...`). */
  calibrationArgs: string[];
  /** How the table describes the calibration cells. */
  cells: string;
  calibrationFile: string;
  /** The folders (`<study>/<split>/<label>`) of its scored test runs, pooled. */
  testFolders: string[];
  /** The split names of those folders, for the table. */
  testSplits: string[];
  /** What to run when a test run is missing. */
  howToScore: string;
}

export interface CalibratedRow {
  row: CalibrationRow;
  calibration: LifeIntervalCalibration;
  /**
   * Per sampling seed, pooled over the test folders: coverage per level before and after, the CRPS, and per
   * level the smallest margin that would have covered the level's share of the test cells (hindsight: it reads
   * the test cells, so it diagnoses how far the calibration cells were from them and calibrates nothing).
   */
  seeds: {
    seed: number;
    before: number[];
    after: number[];
    crps: number;
    cells: number;
    neededMargins: number[];
  }[];
}

/** The parts of a `diffbatt test --json` result that calibration reads. */
export interface TestRun {
  cellIds: string[];
  rulReference: number[];
  rulSamples: {
    median: number[];
    mean: number[];
    intervals: { level: number; lower: number[]; upper: number[] }[];
    crpsPerCell: number[];
  };
}
const readRun = (row: CalibrationRow, folder: string, seed: number): TestRun => {
  const file = join(REPOSITORY_ROOT, folder, 'results', `${RUN}-seed${seed}.json`);
  if (!existsSync(file)) fail(`${file} is missing: score the row first (${row.howToScore})`);
  return JSON.parse(readFileSync(file, 'utf8')) as TestRun;
};
/** Per cell of a scored run, its sampled life summary at LEVELS. */
export const summariesOf = (run: TestRun): LifeSummary[] =>
  run.cellIds.map((_, cell) => ({
    median: run.rulSamples.median[cell]!,
    mean: run.rulSamples.mean[cell]!,
    intervals: LEVELS.map((level) => {
      const interval = run.rulSamples.intervals.find((i) => i.level === level);
      if (!interval) fail(`a scored run has no ${level * 100} % interval`);
      return { level, lower: interval.lower[cell]!, upper: interval.upper[cell]! };
    }),
  }));

/** The smallest ln-cycle margin with which at least `level` of the cells' intervals of that level cover them. */
const neededMargin = (summaries: LifeSummary[], measured: number[], level: number): number => {
  const scores = Float64Array.from(summaries, (summary, cell) => {
    const interval = summary.intervals.find((i) => i.level === level)!;
    return lifeIntervalScore(interval.lower, interval.upper, measured[cell]!);
  }).sort();
  return scores[Math.ceil(scores.length * level - 1e-9) - 1]!;
};

/**
 * Whether a committed calibration is the one `calibrateRow` would compute (the networks are committed and
 * sampling is seeded, so it would come out the same): same network, data, cells or fold networks, seed and
 * sampler. Delete the file to recompute it anyway.
 */
const isCalibrationOf = (calibration: LifeIntervalCalibration, row: CalibrationRow): boolean => {
  const p = calibration.provenance ?? {};
  const sampler = p['sampler'] as { kind?: string; steps?: number } | undefined;
  const [option, list] = row.calibrationArgs;
  const named = list!.split(',');
  const recorded = (option === '--fold-models' ? p['foldModels'] : p['cellIds']) as string[] | undefined;
  return (
    p['model'] === row.model &&
    p['data'] === row.train &&
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
export const readCalibration = (file: string) =>
  parseLifeIntervalCalibration(JSON.parse(readFileSync(join(REPOSITORY_ROOT, file), 'utf8')), file);

/** Calibrates a row (or reuses its committed calibration) and scores its test runs with and without it. */
export function calibrateRow(row: CalibrationRow, log: (line: string) => void): CalibratedRow {
  const out = row.calibrationFile;
  const cached = existsSync(join(REPOSITORY_ROOT, out)) && isCalibrationOf(readCalibration(out), row);
  if (!cached) {
    mkdirSync(dirname(join(REPOSITORY_ROOT, out)), { recursive: true });
    runDiffBatt([
      'calibrate',
      '--model',
      row.model,
      '--data',
      row.train,
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
  }
  log(`${row.row}: ${cached ? 'committed calibration reused' : 'calibrated'}, ${out}`);
  const calibration = readCalibration(out);
  const seeds = SAMPLING_SEEDS.map((seed) => {
    const runs = row.testFolders.map((folder) => readRun(row, folder, seed));
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
      neededMargins: LEVELS.map((level) => neededMargin(summaries, measured, level)),
    };
  });
  return { row, calibration, seeds };
}

const percent = (values: number[]) =>
  meanAndSpread(
    values.map((v) => 100 * v),
    1,
  );

/** Per row, whether its calibrated 80 % and 95 % coverage (mean over seeds) is within 5 points of nominal. */
function calibrationVerdicts(results: readonly CalibratedRow[]): string {
  const verdicts = results.map(({ row, seeds }) => {
    const mean = (l: number) => (100 * seeds.reduce((a, s) => a + s.after[l]!, 0)) / seeds.length;
    const [c80, c95] = [mean(1), mean(2)];
    const met = meetsCoverageTarget((level) => mean(LEVELS.indexOf(level)));
    return `${row.row}: calibrated 80 % intervals cover ${c80.toFixed(1)} %, 95 % intervals ${c95.toFixed(1)} % of the pooled test cells: ${met ? 'within' : 'NOT within'} 5 points of nominal`;
  });
  return `${verdicts.join('; ')}.`;
}

/** The coverage table, one line per row. */
function calibrationTable(results: readonly CalibratedRow[]): BenchmarkTable {
  return {
    title: 'Coverage of the central life intervals, as sampled → calibrated (%, mean ± sd over seeds)',
    columns: [
      'network',
      'calibration cells (of the training set)',
      'test cells',
      '50 % interval',
      '80 % interval',
      '95 % interval',
      'ln-cycle margins',
      'margins the test cells needed (hindsight)',
      'CRPS (cycles)',
    ],
    rows: results.map(({ row, calibration, seeds }) => [
      row.row,
      `${row.cells} (${row.train})`,
      `${row.testSplits.join(' + ')}: ${seeds[0]!.cells}`,
      ...LEVELS.map(
        (_, l) => `${percent(seeds.map((s) => s.before[l]!))} → ${percent(seeds.map((s) => s.after[l]!))}`,
      ),
      calibration.margins.map((m) => `${m.level * 100} %: ${m.logMargin.toFixed(2)}`).join(', '),
      LEVELS.map(
        (level, l) =>
          `${level * 100} %: ${meanAndSpread(
            seeds.map((s) => s.neededMargins[l]!),
            2,
          )}`,
      ).join(', '),
      meanAndSpread(
        seeds.map((s) => s.crps),
        1,
      ),
    ]),
    notes: [
      'A measured life inside the interval, bounds included, counts as covered. A margin widens (positive) or ' +
        'narrows (negative) both ends of an interval by that factor in ln cycles. CRPS is that of the sampled ' +
        'lives over the pooled cells; the calibration moves the intervals only, so it leaves the CRPS as it is. ' +
        'Margins the test cells needed: per level, the smallest margin with which the intervals would have ' +
        'covered that share of the test cells (mean ± sd over seeds). It reads the test cells, so it calibrates ' +
        'nothing: beside the fitted margin it shows how far the calibration cells were from the test cells.',
    ],
  };
}

/** Writes a study's calibration result file: its protocol, the verdicts, the coverage table, every number. */
export function writeCalibrationResult(
  result: { id: string; title: string; command: string; protocol: string },
  results: readonly CalibratedRow[],
): string {
  return writeBenchmarkResult({
    id: result.id,
    title: result.title,
    ...benchmarkProvenance(result.command, 'wasm'),
    summary: [result.protocol, calibrationVerdicts(results)],
    tables: [calibrationTable(results)],
    raw: { results: results.map(({ row, calibration, seeds }) => ({ row: row.row, calibration, seeds })) },
  });
}
